import CaseloadCoding
import CaseloadRatings
import CaseloadStatistics
import Testing

@Suite struct EstimatorTests {
    @Test func theWilsonLowerBoundOfEightInTenIsAboutPoint49() throws {
        // p = 0.8, n = 10, z² = 3.8416: (0.8 + 0.19208 − 1.96·√(0.016 + 0.009604)) ÷ 1.38416
        //                                = (0.99208 − 0.313624) ÷ 1.38416 = 0.490157
        let bound = try #require(Estimator.wilsonLowerBound(successes: 8, trials: 10, z: 1.96))
        #expect(abs(bound - 0.490157) < 1e-6)
    }

    @Test func theWilsonLowerBoundAtTheExtremes() throws {
        // 0 of 10: the centre z²/2n equals the spread z·z/2n, so the bound is 0.
        #expect(abs(try #require(Estimator.wilsonLowerBound(successes: 0, trials: 10, z: 1.96))) < 1e-12)
        // 10 of 10: (1 + 0.19208 − 0.19208) ÷ 1.38416 = 0.722460
        #expect(abs(try #require(Estimator.wilsonLowerBound(successes: 10, trials: 10, z: 1.96)) - 0.722460) < 1e-6)
        #expect(Estimator.wilsonLowerBound(successes: 0, trials: 0, z: 1.96) == nil)
        #expect(Estimator.wilsonLowerBound(successes: 3, trials: 2, z: 1.96) == nil)
    }

    @Test func shrinkageAddsKCasesAtThePlatformRate() {
        // 3 of 4 toward 0.5 with k = 4: (3 + 2) ÷ 8
        #expect(Estimator.shrink(numerator: 3, denominator: 4, toward: 0.5, priorWeight: 4) == 0.625)
        // No cases at all: the platform's rate itself.
        #expect(Estimator.shrink(numerator: 0, denominator: 0, toward: 0.4, priorWeight: 5) == 0.4)
        #expect(Estimator.shrink(numerator: 0, denominator: 0, toward: 0.4, priorWeight: 0) == nil)
    }
}

@Suite struct RatingEngineTests {
    private func rule(_ yaml: String) throws -> RatingRule { try RatingRule.parse(yaml, format: .yaml) }

    /// Twenty therapists t01…t20, each with 20 inquiries, t_i converting i of them (score i/20).
    private var twenty: [TherapistStatistics] {
        (1...20).map { i in therapist(i < 10 ? "t0\(i)" : "t\(i)", inquiries: 20, firstSessions: i) }
    }

    private let conversionRule = """
        name: conversion
        metrics:
          conversion: {statistic: conversionToFirstSession}
        score: conversion
        """

    @Test func aTherapistBelowTheMinimumSampleIsUnrankedWithTheReason() throws {
        let rule = try rule(conversionRule + "\nminimumSample: {metric: conversion, atLeast: 10}")
        let source = FakeStatisticsSource([
            therapist("a", inquiries: 20, firstSessions: 10),
            therapist("b", inquiries: 5, firstSessions: 5),
        ])
        let result = try RatingEngine.rate(rule, source: source)
        #expect(result.rows == [
            RatingRow(therapistId: "a", rank: 1, score: 0.5, metrics: [MetricFigure(name: "conversion", value: 0.5)]),
            RatingRow(
                therapistId: "b", rank: nil, score: 1,
                reason: "minimum sample not met: conversion rests on 5 (the denominator of conversionToFirstSession, all history); the rule needs at least 10",
                metrics: [MetricFigure(name: "conversion", value: 1)]),
        ])
        #expect(result.rankedCount == 1)
    }

    @Test func aMinimumSampleOnAStatisticReadsItsValueInItsWindow() throws {
        let rule = try rule(conversionRule + "\nminimumSample: {statistic: retainedClients, windowDays: 180, atLeast: 3}")
        let window180 = StatisticsWindow(days: 180)
        let source = FakeStatisticsSource(
            [therapist("a", inquiries: 4, firstSessions: 2), therapist("b", inquiries: 4, firstSessions: 1)],
            byWindow: [window180: [therapist("a", retained: 3), therapist("b", retained: 2)]])
        let result = try RatingEngine.rate(rule, source: source)
        #expect(result.rows.map(\.rank) == [1, nil])
        #expect(result.rows[1].reason == "minimum sample not met: retainedClients is 2 (last 180 days); the rule needs at least 3")
    }

    @Test func anUndefinedMetricLeavesTheTherapistUnrankedWithTheReason() throws {
        let result = try RatingEngine.rate(try rule(conversionRule), source: FakeStatisticsSource([
            therapist("a", inquiries: 4, firstSessions: 1),
            therapist("quiet"),
        ]))
        #expect(result.rows.map(\.therapistId) == ["a", "quiet"])
        #expect(result.rows[1].rank == nil)
        #expect(result.rows[1].score == nil)
        #expect(result.rows[1].reason == "score undefined: conversion is undefined: conversionToFirstSession has a zero denominator (all history)")
    }

    @Test func aDivisionByZeroInTheScoreIsAReason() throws {
        let rule = try rule("""
            name: ratio
            metrics:
              conversion: {statistic: conversionToFirstSession}
              refusals: {statistic: refusals}
            score: conversion / refusals
            """)
        let result = try RatingEngine.rate(rule, source: FakeStatisticsSource([therapist("a", inquiries: 4, firstSessions: 1)]))
        #expect(result.rows[0].reason == "score undefined: the score divides by zero")
    }

    @Test func equalScoresShareARankAndAreOrderedByTherapistId() throws {
        let result = try RatingEngine.rate(try rule(conversionRule), source: FakeStatisticsSource([
            therapist("c", inquiries: 10, firstSessions: 5),
            therapist("a", inquiries: 10, firstSessions: 5),
            therapist("d", inquiries: 10, firstSessions: 8),
            therapist("b", inquiries: 10, firstSessions: 2),
        ]))
        #expect(result.rows.map(\.therapistId) == ["d", "a", "c", "b"])
        #expect(result.rows.map(\.rank) == [1, 2, 2, 4])
    }

    @Test func theBasementIsTheBottomTenPercentTwoOfTwenty() throws {
        let rule = try rule(conversionRule + "\nbasement: {bottomPercent: 10}")
        let result = try RatingEngine.rate(rule, source: FakeStatisticsSource(twenty))
        #expect(result.rows.filter(\.basement).map(\.therapistId) == ["t02", "t01"])
        #expect(result.rows.last?.rank == 20)
    }

    @Test func theBasementNeverSplitsATieByTherapistId() throws {
        // t01, t02 and t03 all convert 1 of 20: they share rank 18. Two of them
        // in the basement would be chosen by id alone, so none is.
        var therapists = twenty
        therapists[1] = therapist("t02", inquiries: 20, firstSessions: 1)
        therapists[2] = therapist("t03", inquiries: 20, firstSessions: 1)
        let rule = try rule(conversionRule + "\nbasement: {bottomPercent: 10}")
        let result = try RatingEngine.rate(rule, source: FakeStatisticsSource(therapists))
        #expect(result.rows.suffix(3).map(\.rank) == [18, 18, 18])
        #expect(result.rows.filter(\.basement).isEmpty)
    }

    @Test func aBasementBelowAScoreTakesEveryoneUnderIt() throws {
        let rule = try rule(conversionRule + "\nbasement: {belowScore: 0.2}")
        let result = try RatingEngine.rate(rule, source: FakeStatisticsSource(twenty))
        // 1/20 … 3/20 are below 0.2; 4/20 is not.
        #expect(result.rows.filter(\.basement).map(\.therapistId) == ["t03", "t02", "t01"])
    }

    @Test func tiersGoToTheFirstOneATherapistQualifiesFor() throws {
        let rule = try rule(conversionRule + """

            tiers:
              - {name: top, topPercent: 10}
              - {name: good, minScore: 0.5}
              - {name: listed}
            """)
        let result = try RatingEngine.rate(rule, source: FakeStatisticsSource(twenty))
        let tiers = Dictionary(grouping: result.rows, by: { $0.tier ?? "none" }).mapValues { $0.map(\.therapistId).sorted() }
        // Top 10% of 20 = ranks 1–2 (t20, t19); a score of at least 0.5 = 10/20 … 18/20.
        #expect(tiers["top"] == ["t19", "t20"])
        #expect(tiers["good"] == ["t10", "t11", "t12", "t13", "t14", "t15", "t16", "t17", "t18"])
        #expect(tiers["listed"] == ["t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09"])
    }

    @Test func wilsonShrinkageAndRelativeFiguresAreComputedFromTheContractsCounts() throws {
        let rule = try rule("""
            name: estimators
            metrics:
              conversion: {statistic: conversionToFirstSession, estimator: wilsonLower, relativeToPlatform: true}
              retention: {statistic: sessionsPerClient, estimator: shrunk, priorWeight: 5, relativeToPlatform: true}
              raw: {statistic: conversionToFirstSession}
            score: conversion + retention + 0 * raw / platform.raw
            """)
        let result = try RatingEngine.rate(rule, source: FakeStatisticsSource([
            therapist("a", inquiries: 10, firstSessions: 8, retained: 5, retainedSessions: 30),
            therapist("b", inquiries: 10, firstSessions: 2, retained: 5, retainedSessions: 10),
        ]))
        // Platform: conversion 10/20 = 0.5; sessions per client 40/10 = 4.
        // a: Wilson(8/10) = 0.490157 → ÷ 0.5 = 0.980314; shrunk (30 + 5·4) ÷ (5 + 5) = 5 → ÷ 4 = 1.25.
        // b: Wilson(2/10) = (0.39208 − 0.313624) ÷ 1.38416 = 0.056681 → 0.113362; (10 + 20) ÷ 10 = 3 → 0.75.
        let a = try #require(result.row(for: "a"))
        let b = try #require(result.row(for: "b"))
        #expect(abs(a.metrics[0].value! - 0.980314) < 1e-6)
        #expect(a.metrics[1] == MetricFigure(name: "raw", value: 0.8))
        #expect(a.metrics[2] == MetricFigure(name: "retention", value: 1.25))
        #expect(abs(b.metrics[0].value! - 0.113362) < 1e-6)
        #expect(b.metrics[2] == MetricFigure(name: "retention", value: 0.75))
        #expect(abs(a.score! - 2.230314) < 1e-6)
        #expect(result.platform == [
            MetricFigure(name: "conversion", value: 0.5), MetricFigure(name: "raw", value: 0.5),
            MetricFigure(name: "retention", value: 4),
        ])
    }

    @Test func theEngineAsksForEachDistinctWindowOnce() throws {
        let first = try rule("""
            name: first
            honourRefusals: false
            metrics:
              efficiency: {statistic: profileEfficiency, windowDays: 30}
              conversion: {statistic: conversionToFirstSession, windowDays: 90}
              firsts: {statistic: firstSessions, windowDays: 90}
            score: efficiency + conversion + firsts
            minimumSample: {statistic: retainedClients, windowDays: 180, atLeast: 0}
            """)
        let second = try rule("""
            name: second
            honourRefusals: false
            metrics:
              conversion: {statistic: conversionToFirstSession, windowDays: 90}
              everything: {statistic: returnRate}
            score: conversion + everything
            """)
        let source = FakeStatisticsSource([therapist("a", views: 10, inquiries: 2, firstSessions: 1)])
        _ = try RatingEngine.rate([first, second], source: source)
        func window(_ days: Int?) -> StatisticsWindow { StatisticsWindow(days: days, honourExclusions: true, honourRefusals: false) }
        // Metrics by name (conversion 90, efficiency 30, firsts 90), the sample (180), then the second rule's all-history window.
        #expect(source.windowsAsked == [window(90), window(30), window(180), window(nil)])
    }

    @Test func aTherapistMissingFromOneWindowHasNoActivityInIt() throws {
        let rule = try rule("""
            name: two-windows
            metrics:
              recent: {statistic: conversionToFirstSession, windowDays: 30}
              longer: {statistic: conversionToFirstSession, windowDays: 180}
            score: recent + longer
            """)
        let source = FakeStatisticsSource([], byWindow: [
            StatisticsWindow(days: 30): [therapist("a", inquiries: 2, firstSessions: 1)],
            StatisticsWindow(days: 180): [therapist("a", inquiries: 4, firstSessions: 2), therapist("old", inquiries: 4, firstSessions: 4)],
        ])
        let result = try RatingEngine.rate(rule, source: source)
        #expect(result.rows.map(\.rank) == [1, nil])
        #expect(result.row(for: "old")?.reason == "score undefined: recent is undefined: conversionToFirstSession has a zero denominator (last 30 days)")
    }

    @Test func aFailingSourceIsReportedWithTheWindow() throws {
        let error = #expect(throws: RatingError.self) {
            try RatingEngine.rate(try rule(conversionRule), source: FailingStatisticsSource())
        }
        #expect(error?.code == .statisticsUnavailable)
        #expect(error?.window == StatisticsWindow(days: nil))
        #expect(error?.message.hasPrefix("statistics for all history, exclusions honoured, refusals honoured are unavailable") == true)
    }

    @Test func asOfIsRecordedInTheResult() throws {
        let asOf = try Timestamp(iso8601: "2024-06-30T00:00:00Z")
        let result = try RatingEngine.rate(try rule(conversionRule), source: FakeStatisticsSource([]), asOf: asOf)
        #expect(result.asOf == asOf)
        #expect(result.rows.isEmpty)
    }
}
