import CaseloadCoding
import CaseloadRatings
import CaseloadStatistics
import Testing

/// Issue 16, parts 2 and 3: the clients a basement would tell to leave, and
/// how sure the basement is, worked out by hand.
@Suite struct BasementHarmTests {
    /// Nine therapists whose clients come twice and end (5 each), and `long`,
    /// whose seven clients are, as of the as-of date:
    /// - l1, l2: twelve weekly sessions, the last 3 days ago: ongoing, 10+;
    /// - l3: six sessions, the last 3 days ago: ongoing, 5+;
    /// - l4: three sessions, the last 40 days ago, but a session booked 2
    ///   days ago: ongoing;
    /// - l5: twelve sessions, then ended yesterday: not ongoing;
    /// - l6: four sessions, the last 45 days ago, nothing booked since: not
    ///   ongoing in 30 days, ongoing in 60;
    /// - l7: one session, refused the next day: not ongoing.
    ///
    /// monetary-conversion ranks by fees per session: every churn therapist
    /// 6,000 + 2·900 over 2 = 3,900; long 7·6,000 + 50·900 over 50 = 1,740.
    /// Ten ranked, so the bottom 10% is long alone.
    static var history: HandMadeFacts {
        var history = HandMadeFacts()
        for t in 1...9 {
            for c in 1...5 { history.add("churn\(t)", client: "c\(t)-\(c)", opened: -60, sessions: [-50, -43], ended: -42) }
        }
        let weekly = Array(stride(from: -80, through: -3, by: 7))
        history.add("long", client: "l1", opened: -85, sessions: weekly)
        history.add("long", client: "l2", opened: -85, sessions: weekly)
        history.add("long", client: "l3", opened: -40, sessions: Array(weekly.suffix(6)))
        history.add("long", client: "l4", opened: -60, sessions: [-54, -47, -40], booked: [-2])
        history.add("long", client: "l5", opened: -85, sessions: weekly, ended: -1)
        history.add("long", client: "l6", opened: -70, sessions: [-66, -59, -52, -45])
        history.add("long", client: "l7", opened: -30, sessions: [-20], refused: -19)
        return history
    }

    func rated(_ names: [String], analysis: RatingAnalysis) throws -> [RatingResult] {
        let history = Self.history
        let rules = try names.map { try #require(RatingRule.builtin(named: $0)) }
        var results = try RatingEngine.rate(rules, source: history.source, asOf: HandMadeFacts.asOf)
        analysis.apply(to: &results, facts: history.facts, asOf: HandMadeFacts.asOf)
        return results
    }

    @Test func ongoingTherapyIsConvertedNotRefusedNotEndedAndSeenOrBookedLately() throws {
        let facts = Self.history.facts
        let clients = OngoingTherapy.clients(of: "long", in: facts, asOf: HandMadeFacts.asOf)
        #expect(clients.map(\.clientId) == ["l1", "l2", "l3", "l4"])
        #expect(clients.map(\.sessions) == [12, 12, 6, 3])
        #expect(clients.map(\.caseIds) == [["case-l1"], ["case-l2"], ["case-l3"], ["case-l4"]])
        let wider = OngoingTherapy.clients(of: "long", in: facts, asOf: HandMadeFacts.asOf, withinDays: 60)
        #expect(wider.map(\.clientId) == ["l1", "l2", "l3", "l4", "l6"])
        // Before l5 ended, l5 was in therapy too: the as-of date decides.
        let before = OngoingTherapy.clients(of: "long", in: facts, asOf: HandMadeFacts.day(-2))
        #expect(before.map(\.clientId).contains("l5"))
        #expect(OngoingTherapy.census(facts, asOf: HandMadeFacts.asOf)["churn1"] == nil, "every churn client ended")
    }

    @Test func theHarmOfABasementIsItsTherapistsClientsInOngoingTherapy() throws {
        let results = try rated(["monetary-conversion", "fair"], analysis: RatingAnalysis(draws: 0))
        let monetary = results[0]
        #expect(monetary.rows.filter(\.basement).map(\.therapistId) == ["long"])
        let harm = try #require(monetary.harm)
        #expect(harm.therapists == 1)
        #expect(harm.clients == OngoingCount(clients: 4, after5Sessions: 3, after10Sessions: 2))
        #expect(harm.sentence == "monetary-conversion as of 2025-06-30 would tell 4 clients in ongoing therapy to leave, 2 of them after 10+ sessions (3 after 5+)")
        #expect(monetary.row(for: "long")?.ongoing == OngoingCount(clients: 4, after5Sessions: 3, after10Sessions: 2))
        #expect(monetary.row(for: "churn1")?.ongoing == OngoingCount())
        // Without a bootstrap there is no P(basement).
        #expect(monetary.row(for: "long")?.pBasement == nil && monetary.basementOdds == nil)

        let fair = try #require(results[1].harm)
        #expect(!fair.hasBasement && fair.clients == OngoingCount())
        #expect(fair.sentence == "fair as of 2025-06-30 has no basement: it tells no client to leave")

        let wider = try rated(["monetary-conversion"], analysis: RatingAnalysis(ongoingWithinDays: 60, draws: 0))
        #expect(wider[0].harm?.clients == OngoingCount(clients: 5, after5Sessions: 3, after10Sessions: 2))
    }

    /// Every churn therapist's cases are alike (two sessions, 3,900 a
    /// session), so no draw moves them: P = 0. long's resampled fees per
    /// session, 900 + 42,000 ÷ Σ sessions of 7 drawn cases, stay below 3,900
    /// unless the draw holds fewer than 14 sessions (mostly l7's single one),
    /// which is rare: P near 1, with confidence.
    @Test func pBasementIsNearOneForAClearCaseAndZeroFarFromIt() throws {
        let results = try rated(["monetary-conversion", "return-rate"], analysis: RatingAnalysis(draws: 200, seed: 7))
        let monetary = results[0]
        let long = try #require(monetary.row(for: "long")?.pBasement)
        #expect(long >= 0.95)
        for t in 1...9 { #expect(monetary.row(for: "churn\(t)")?.pBasement == 0) }
        #expect(monetary.basementOdds == BasementOdds(draws: 200, seed: 7, byChance: [], withConfidence: ["long"]))
        // A rule without a basement has no P(basement).
        #expect(results[1].rows.allSatisfy { $0.pBasement == nil } && results[1].basementOdds == nil)
    }

    @Test func compareCarriesTheHarmAndPBasementIntoItsJSONAndReport() throws {
        let results = try rated(["monetary-conversion", "fair"], analysis: RatingAnalysis(draws: 50, seed: 2))
        let comparison = RatingComparison.compare(results)
        let json = comparison.json()
        #expect(json.contains(#""sentence":"monetary-conversion as of 2025-06-30 would tell 4 clients in ongoing therapy to leave, 2 of them after 10+ sessions (3 after 5+)""#))
        #expect(json.contains(#""ongoingClients":{"clients":4,"after5Sessions":3,"after10Sessions":2}"#))
        #expect(json.contains(#""pBasement":{"monetary-conversion":"#))
        let page = RatingReport.html(comparison)
        #expect(page.contains("monetary-conversion as of 2025-06-30 would tell 4 clients in ongoing therapy to leave"))
        #expect(page.contains("fair as of 2025-06-30 has no basement"))
        let csv = results[0].csv()
        #expect(csv.hasPrefix("therapistId,rank,score,tier,basement,reason,feesPerSession,pBasement,ongoingClients,ongoingAfter5Sessions,ongoingAfter10Sessions\n"))
    }

    @Test func theBootstrapIsDeterministicForASeed() throws {
        let history = Self.history
        let rules = try ["monetary-conversion", "platform-standard"].map { try #require(RatingRule.builtin(named: $0)) }
        let first = BasementBootstrap.probabilities(rules, facts: history.facts, asOf: HandMadeFacts.asOf, draws: 50, seed: 3)
        let again = BasementBootstrap.probabilities(rules, facts: history.facts, asOf: HandMadeFacts.asOf, draws: 50, seed: 3)
        #expect(first == again)
        #expect(first[0]["long"] != nil)
    }

    /// A basement decided by one case: `edge` and `other1`…`other3` each
    /// have five two-session clients and one long one, edge's with 20
    /// sessions, the others' with 19, so edge has the lowest fees per session
    /// (900 + 36,000 ÷ 30 = 2,100 against 900 + 36,000 ÷ 29) and is the
    /// basement of 11 ranked. Resampled, whoever draws the long client more
    /// often is lowest: edge is alone at the bottom in about 39% of draws
    /// (simulated apart from this code), so it is in the basement by chance.
    @Test func aBasementDecidedByOneCaseIsThereByChance() throws {
        var history = HandMadeFacts()
        for t in 1...7 {
            for c in 1...5 { history.add("churn\(t)", client: "c\(t)-\(c)", opened: -60, sessions: [-50, -43], ended: -42) }
        }
        for c in 1...5 { history.add("edge", client: "e\(c)", opened: -60, sessions: [-50, -43], ended: -42) }
        history.add("edge", client: "e6", opened: -80, sessions: Array(stride(from: -79, through: -3, by: 4)))
        for t in 1...3 {
            for c in 1...5 { history.add("other\(t)", client: "o\(t)-\(c)", opened: -60, sessions: [-50, -43], ended: -42) }
            history.add("other\(t)", client: "o\(t)-6", opened: -80, sessions: Array(stride(from: -75, through: -3, by: 4)))
        }
        let rule = try #require(RatingRule.builtin(named: "monetary-conversion"))
        var results = try RatingEngine.rate([rule], source: history.source, asOf: HandMadeFacts.asOf)
        RatingAnalysis(draws: 200, seed: 1).apply(to: &results, facts: history.facts, asOf: HandMadeFacts.asOf)
        #expect(results[0].rows.filter(\.basement).map(\.therapistId) == ["edge"])
        let edge = try #require(results[0].row(for: "edge")?.pBasement)
        #expect(edge > 0.25 && edge < 0.5, "edge's P(basement) is \(edge)")
        #expect(results[0].basementOdds?.byChance == ["edge"])
        #expect(results[0].basementOdds?.withConfidence == [])
    }

    @Test func aDrawOfEveryCaseOnceIsTheFactsOwnSnapshot() throws {
        var history = Self.history
        history.views("long", 40)
        history.views("churn1", 12)
        let facts = history.facts
        for window in [StatisticsWindow(days: 30), StatisticsWindow(days: 90, honourExclusions: false), StatisticsWindow()] {
            let direct = facts.snapshot(window, asOf: HandMadeFacts.asOf)
            let byCase = CaseByCaseStatistics(facts: facts, cases: facts.cases, window: window, asOf: HandMadeFacts.asOf)
            let drawn = byCase.snapshot(of: Array(facts.cases.indices))
            #expect(drawn.therapists == direct.therapists)
            #expect(drawn.platform == direct.platform)
            if window.days == nil { #expect(direct.platform.medianFirstResponseSeconds == 3600) }
            // Without medians, every tally is the same and the median undefined.
            let noMedians = CaseByCaseStatistics(facts: facts, cases: facts.cases, window: window, asOf: HandMadeFacts.asOf, medians: false)
                .snapshot(of: Array(facts.cases.indices))
            var expected = direct.platform
            expected.medianFirstResponseSeconds = nil
            #expect(noMedians.platform == expected)
        }
    }
}
