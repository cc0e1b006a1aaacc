import CaseloadRatings
import CaseloadStatistics
import Testing

@Suite struct BuiltinRulesTests {
    @Test func theFourBuiltinsParseAndSayWhereTheyComeFrom() throws {
        #expect(RatingRule.builtinNames == ["platform-standard", "monetary-conversion", "return-rate", "fair"])
        for name in RatingRule.builtinNames {
            let rule = try #require(RatingRule.builtin(named: name))
            #expect(rule.name == name)
            #expect(rule.description.count > 100, "\(name) explains itself")
            #expect(rule.source.count > 30, "\(name) names its source")
            let text = try #require(RatingRule.builtinText(named: name))
            #expect(try RatingRule.parse(text) == rule)
        }
        #expect(RatingRule.builtin(named: "nope") == nil)
    }

    @Test func aBuiltinIsResolvedByNameAndATypoGetsASuggestion() throws {
        #expect(try RatingRule.resolve("fair") == RatingRule.builtin(named: "fair"))
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.resolve("fiar") }
        #expect(error?.code == .unknownRule)
        #expect(error?.message.contains("did you mean 'fair'?") == true)
        let missing = #expect(throws: RatingRuleError.self) { try RatingRule.resolve("rules/none.yaml") }
        #expect(missing?.code == .unreadableFile)
    }

    @Test func platformStandardHonoursExclusionsAndRefusalsOver30_90And180Days() throws {
        let rule = try #require(RatingRule.builtin(named: "platform-standard"))
        #expect(rule.honourExclusions && rule.honourRefusals)
        #expect(rule.metrics.map(\.statistic) == [.conversionToFirstSession, .profileEfficiency, .sessionsPerClient])
        #expect(rule.metrics.map(\.windowDays) == [90, 30, 180])
        #expect(rule.metrics.map(\.relativeToPlatform) == [true, true, true])
        #expect(rule.basement == .bottomPercent(10))
        #expect(rule.tiers.map(\.name) == ["top", "above-average", "listed"])
        #expect(rule.minimumSample == [MinimumSample(.metric("conversion"), atLeast: 10), MinimumSample(.metric("efficiency"), atLeast: 100)])
    }

    @Test func monetaryConversionRanksByFeesPerChargedSessionIgnoringExclusionsAndRefusals() throws {
        let rule = try #require(RatingRule.builtin(named: "monetary-conversion"))
        #expect(!rule.honourExclusions && !rule.honourRefusals)
        #expect(rule.metrics.map(\.statistic) == [.platformFeesPerChargedSession])
        #expect(rule.basement == .bottomPercent(10))
    }

    @Test func returnRateRanksOnlyFromFiveRetainedClients() throws {
        let rule = try #require(RatingRule.builtin(named: "return-rate"))
        #expect(rule.honourRefusals)
        #expect(rule.metrics == [RatingMetric(name: "returnRate", statistic: .returnRate, windowDays: 180)])
        #expect(rule.minimumSample == [MinimumSample(.metric("returnRate"), atLeast: 5)])
        #expect(rule.basement == nil)
    }

    @Test func fairShrinksBothFiguresTowardThePlatformCountsClientsAsItsSampleAndHasNoBasement() throws {
        let rule = try #require(RatingRule.builtin(named: "fair"))
        #expect(rule.honourExclusions && rule.honourRefusals)
        #expect(rule.metrics == [
            RatingMetric(
                name: "conversion", statistic: .conversionToFirstSession, windowDays: 90, estimator: .shrunk(priorWeight: 10),
                relativeToPlatform: true),
            RatingMetric(
                name: "retention", statistic: .sessionsPerClient, windowDays: 180, estimator: .shrunk(priorWeight: 5),
                relativeToPlatform: true),
        ])
        // The sample is the clients retention divides by, never new inquiries.
        #expect(rule.minimumSample == [MinimumSample(.metric("retention"), atLeast: 3)])
        #expect(rule.basement == nil)
    }

    @Test func everyBuiltinSaysThatUnrankedMeansListedWithoutARankNeverDelisted() throws {
        for name in RatingRule.builtinNames {
            let rule = try #require(RatingRule.builtin(named: name))
            let text = rule.description
            #expect(text.contains("Unranked means listed without a"), "\(name)")
            #expect(text.contains("never delisted"), "\(name)")
        }
    }

    /// The point of the product: the same therapists under the rule the essay
    /// criticises and under the fair one.
    ///
    /// Ten therapists, fees in roubles under the first-client-fee model at
    /// 3,000 a session (6,000 per new client + 900 per charged session):
    ///
    /// - `churn`: 40 inquiries, 30 converted; every client comes twice and
    ///   leaves: 60 sessions, fees 30·6,000 + 60·900 = 234,000, i.e. 3,900 a session.
    /// - `long`: a full long-term practice: 8 inquiries, 6 converted; every
    ///   client stays for 20 sessions: 120 sessions, fees 6·6,000 + 120·900 =
    ///   144,000, i.e. 1,200 a session.
    /// - `avg-1` … `avg-8`: 20 inquiries, 10 converted, 5 sessions a client:
    ///   50 sessions, fees 105,000, i.e. 2,100 a session.
    ///
    /// Platform (the sum): 208 inquiries, 116 converted (0.557692), 580
    /// sessions over 116 clients (5 a client), 1,218,000 in fees (2,100 a session).
    /// No exclusions or refusals, so every window and honour flag sees the
    /// same figures and the fake returns them for all.
    ///
    /// monetary-conversion (fees per session ÷ platform): churn 1.857143,
    /// avg 1, long 0.571429 → long is last of 10, and the bottom 10% (one
    /// therapist) is the basement.
    ///
    /// fair: conversion shrunk with 10 platform-rate inquiries, ÷ the
    /// platform's p = 116/208; retention = shrunk (sessions + 5·5) ÷ (clients
    /// + 5) ÷ 5, counted up to 2; score = mean.
    /// - long: (6 + 10p) ÷ 18 ÷ p = 301/261 = 1.153257; (120 + 25) ÷ 11 ÷ 5 = 2.636 → 2; score 823/522 = 1.576628
    /// - avg: (10 + 10p) ÷ 30 ÷ p = 27/29 = 0.931034; (50 + 25) ÷ 15 ÷ 5 = 1; score 28/29 = 0.965517
    /// - churn: (30 + 10p) ÷ 50 ÷ p = 37/29 = 1.275862; (60 + 25) ÷ 35 ÷ 5 = 17/35; score 894/1015 = 0.880788
    @Test func aLongTermTherapistRanksLastUnderMonetaryConversionAndFirstUnderFair() throws {
        var therapists = [
            therapist("churn", inquiries: 40, firstSessions: 30, retained: 30, secondSessions: 30, retainedSessions: 60, charged: 60, fees: 234_000),
            therapist("long", inquiries: 8, firstSessions: 6, retained: 6, secondSessions: 6, retainedSessions: 120, charged: 120, fees: 144_000),
        ]
        for i in 1...8 {
            therapists.append(therapist(
                "avg-\(i)", inquiries: 20, firstSessions: 10, retained: 10, secondSessions: 8, retainedSessions: 50, charged: 50,
                fees: 105_000))
        }
        let source = FakeStatisticsSource(therapists)
        let monetary = try #require(RatingRule.builtin(named: "monetary-conversion"))
        let fair = try #require(RatingRule.builtin(named: "fair"))
        let results = try RatingEngine.rate([monetary, fair], source: source)

        let underMonetary = try #require(results[0].row(for: "long"))
        #expect(underMonetary.rank == 10)
        #expect(underMonetary.basement)
        #expect(abs(underMonetary.score! - 0.571429) < 1e-6)
        #expect(results[0].row(for: "churn")?.rank == 1)
        #expect(abs(results[0].row(for: "churn")!.score! - 1.857143) < 1e-6)
        #expect(results[0].rows.filter(\.basement).map(\.therapistId) == ["long"])

        let underFair = try #require(results[1].row(for: "long"))
        #expect(underFair.rank == 1)
        #expect(!underFair.basement)
        #expect(underFair.tier == "above-average")
        #expect(abs(underFair.score! - 823.0 / 522.0) < 1e-12)
        #expect(results[1].row(for: "avg-1")?.rank == 2)
        #expect(abs(results[1].row(for: "avg-1")!.score! - 28.0 / 29.0) < 1e-12)
        #expect(results[1].row(for: "churn")?.rank == 10)
        #expect(abs(results[1].row(for: "churn")!.score! - 894.0 / 1015.0) < 1e-12)

        let comparison = RatingComparison.compare(results)
        #expect(comparison.basementChanges == [
            BasementChange(from: "monetary-conversion", to: "fair", entering: [], leaving: ["long"], staying: []),
        ])
        #expect(comparison.therapists.first { $0.therapistId == "long" }?.shift(to: 1) == 9)
        // 17 pairs are not tied in either ranking (the 8 averages tie in both),
        // and fair reverses every one of them: churn–avg ×8, long–avg ×8,
        // churn–long: (0 − 17) ÷ √(17 · 17).
        #expect(abs(try #require(comparison.correlations.first?.tauB) - (-1.0)) < 1e-12)
        // The two rules share no window (different honour flags), so three snapshots.
        #expect(source.windowsAsked.count == 3)
    }
}
