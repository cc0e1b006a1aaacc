import CaseloadCoding
import CaseloadRatings
import CaseloadStatistics
import Testing

/// Issue 16, part 1: worked examples computed by hand, under all four
/// built-in rules, from facts written case by case (so the statistics are
/// the real ones, not made up).
@Suite struct FairWorkedExamples {
    func rate(_ facts: HandMadeFacts) throws -> [String: RatingResult] {
        let rules = try RatingRule.builtinNames.map { try #require(RatingRule.builtin(named: $0)) }
        let results = try RatingEngine.rate(rules, source: facts.source, asOf: HandMadeFacts.asOf)
        return Dictionary(uniqueKeysWithValues: results.map { ($0.rule.name, $0) })
    }

    func close(_ value: Double?, _ expected: Double) -> Bool { value.map { abs($0 - expected) < 1e-12 } ?? false }

    /// The seed essay's fee example, 3,000 a session: `short` sees 25 clients
    /// twice each (who then end), `long` 5 clients ten times each. All 30
    /// inquiries opened 29 days ago and converted; 250 profile views each in
    /// the last 30 days. Both hold 50 sessions and earn 150,000.
    ///
    /// - platform-standard (efficiency, conversion, sessions per client, each
    ///   ÷ platform, mean): platform efficiency 30/500, conversion 1,
    ///   sessions per client 100/30. short: (0.1/0.06 + 1 + 2/(10/3)) / 3 =
    ///   (5/3 + 1 + 3/5) / 3 = 49/45, ranked first and above average. long:
    ///   (1/3 + 1 + 3) / 3 = 13/9, but 5 counted inquiries < 10: unranked.
    /// - monetary-conversion (fees per charged session ÷ platform's): short
    ///   25·6,000 + 50·900 = 195,000 over 50 = 3,900; long 5·6,000 + 50·900 =
    ///   75,000 over 50 = 1,500; platform 270,000 over 100 = 2,700. short
    ///   13/9 first, long 5/9 second.
    /// - return-rate: every client of both came back: 1 and 1, tied first.
    /// - fair: conversion shrunk (firsts + 10·1) ÷ (inquiries + 10) = 1 for
    ///   both, ÷ 1; retention shrunk (sessions + 5·10/3) ÷ (clients + 5) ÷
    ///   10/3: short (50 + 50/3) / 30 / (10/3) = 2/3, long (50 + 50/3) / 10 /
    ///   (10/3) = 2. Scores (1 + 2/3)/2 = 5/6 and (1 + 2)/2 = 3/2: long first.
    @Test func theSeedsFeeExampleUnderAllFourRules() throws {
        var history = HandMadeFacts()
        for i in 1...25 { history.add("short", client: "s\(i)", opened: -29, sessions: [-20, -13], ended: -12) }
        for i in 1...5 { history.add("long", client: "l\(i)", opened: -29, sessions: Array(stride(from: -26, through: -8, by: 2))) }
        history.views("short", 250)
        history.views("long", 250)
        let rated = try rate(history)

        let standard = try #require(rated["platform-standard"])
        #expect(standard.row(for: "short")?.rank == 1)
        #expect(close(standard.row(for: "short")?.score, 49.0 / 45.0))
        #expect(standard.row(for: "short")?.tier == "above-average")
        #expect(standard.row(for: "long")?.rank == nil)
        #expect(close(standard.row(for: "long")?.score, 13.0 / 9.0))
        #expect(standard.row(for: "long")?.reason?.contains("conversion rests on 5") == true)

        let monetary = try #require(rated["monetary-conversion"])
        #expect(monetary.row(for: "short")?.rank == 1)
        #expect(close(monetary.row(for: "short")?.score, 13.0 / 9.0))
        #expect(monetary.row(for: "long")?.rank == 2)
        #expect(close(monetary.row(for: "long")?.score, 5.0 / 9.0))
        // 10% of two ranked therapists is nobody.
        #expect(monetary.rows.allSatisfy { !$0.basement })

        let returnRate = try #require(rated["return-rate"])
        #expect(returnRate.row(for: "short")?.rank == 1 && returnRate.row(for: "long")?.rank == 1)
        #expect(close(returnRate.row(for: "short")?.score, 1) && close(returnRate.row(for: "long")?.score, 1))

        let fair = try #require(rated["fair"])
        #expect(fair.row(for: "long")?.rank == 1)
        #expect(close(fair.row(for: "long")?.score, 3.0 / 2.0))
        #expect(fair.row(for: "long")?.tier == "above-average")
        #expect(fair.row(for: "short")?.rank == 2)
        #expect(close(fair.row(for: "short")?.score, 5.0 / 6.0))
        #expect(fair.row(for: "short")?.tier == "listed")
    }

    /// The issue's full practice: six clients in long-term therapy, a session
    /// every 14 days from day −166 to day −12 (a dozen each, cases opened on
    /// day −170), no new inquiry in 90 days; a colleague, `twice`, saw ten
    /// clients opened on day −60 twice each (days −50 and −43), who then ended.
    ///
    /// - fair: conversion over 90 days: full has no inquiry, so shrinkage
    ///   gives the platform's (10/10 = 1): 1; twice (10 + 10) ÷ 20 = 1.
    ///   Sessions per client over 180 days: platform 92/16 = 23/4. full (72 +
    ///   5·23/4) ÷ 11 ÷ 23/4 = 403/253, twice (20 + 5·23/4) ÷ 15 ÷ 23/4 =
    ///   13/23. Scores (1 + 403/253)/2 = 328/253 and (1 + 13/23)/2 = 18/23:
    ///   full is ranked, first.
    /// - platform-standard keeps the trap it documents: no inquiry, no
    ///   conversion, unranked (listed without a rank).
    /// - return-rate: 6/6 and 10/10, both 1, both ranked.
    /// - monetary-conversion over 90 days: full 36 sessions and no new-client
    ///   fee in the window: 900 a session; twice 10·6,000 + 20·900 = 78,000 over
    ///   20 = 3,900; platform 110,400 over 56. full 21/46, twice 91/46.
    @Test func aFullPracticeWithNoNewInquiryIsRankedUnderFair() throws {
        var history = HandMadeFacts()
        for i in 1...6 { history.add("full", client: "f\(i)", opened: -170, sessions: Array(stride(from: -166, through: -12, by: 14))) }
        for i in 1...10 { history.add("twice", client: "t\(i)", opened: -60, sessions: [-50, -43], ended: -42) }
        let rated = try rate(history)

        let fair = try #require(rated["fair"])
        let full = try #require(fair.row(for: "full"))
        #expect(full.rank == 1, "\(full.reason ?? "")")
        #expect(close(full.score, 328.0 / 253.0))
        #expect(full.tier == "above-average")
        #expect(fair.row(for: "twice")?.rank == 2)
        #expect(close(fair.row(for: "twice")?.score, 18.0 / 23.0))

        let standard = try #require(rated["platform-standard"])
        #expect(standard.row(for: "full")?.rank == nil)
        #expect(standard.row(for: "full")?.reason?.contains("conversion rests on 0") == true)

        let returnRate = try #require(rated["return-rate"])
        #expect(returnRate.row(for: "full")?.rank == 1 && returnRate.row(for: "twice")?.rank == 1)

        let monetary = try #require(rated["monetary-conversion"])
        #expect(monetary.row(for: "twice")?.rank == 1)
        #expect(close(monetary.row(for: "twice")?.score, 91.0 / 46.0))
        #expect(monetary.row(for: "full")?.rank == 2)
        #expect(close(monetary.row(for: "full")?.score, 21.0 / 46.0))
    }

    /// Fair asks for three clients seen in 180 days, whatever the inquiries:
    /// two clients are too few (listed without a rank), three are enough,
    /// and four inquiries with one client are not.
    @Test func fairRanksFromThreeClientsSeenNotFromInquiries() throws {
        var history = HandMadeFacts()
        history.add("newcomer", client: "n1", opened: -20, sessions: [-10])
        for i in 2...4 { history.add("newcomer", client: "n\(i)", opened: -20, sessions: []) }
        for i in 1...2 { history.add("two", client: "a\(i)", opened: -150, sessions: [-100, -90]) }
        for i in 1...3 { history.add("three", client: "b\(i)", opened: -150, sessions: [-100, -90]) }
        let fair = try #require(try rate(history)["fair"])
        #expect(fair.row(for: "three")?.rank == 1)
        #expect(fair.row(for: "two")?.rank == nil)
        #expect(fair.row(for: "newcomer")?.rank == nil)
        #expect(fair.row(for: "two")?.reason == "minimum sample not met: retention rests on 2 (the denominator of sessionsPerClient, last 180 days); the rule needs at least 3")
    }
}
