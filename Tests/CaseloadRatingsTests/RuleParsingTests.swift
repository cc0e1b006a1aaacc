import CaseloadRatings
import CaseloadStatistics
import Foundation
import Testing

/// The same rule in the three formats, and the value each must read as.
enum ExampleRule {
    static let yaml = """
        name: example
        description: Conversion and retention, relative to the platform.
        source: A test.
        honourExclusions: true
        honourRefusals: false
        metrics:
          conversion:
            statistic: conversionToFirstSession
            windowDays: 90
            estimator: wilsonLower
            relativeToPlatform: true
          retention:
            statistic: sessionsPerClient
            windowDays: 180
            estimator: shrunk
            priorWeight: 5
        score: 0.5 * conversion + 0.5 * min(retention / platform.retention, 2)
        minimumSample:
          - metric: conversion
            atLeast: 10
          - statistic: retainedClients
            windowDays: 180
            atLeast: 3
        tiers:
          - name: gold
            minScore: 1.2
          - name: silver
            topPercent: 50
          - name: listed
        basement:
          bottomPercent: 10
        """

    static let toml = """
        name = "example"
        description = "Conversion and retention, relative to the platform."
        source = "A test."
        honourExclusions = true
        honourRefusals = false
        score = "0.5 * conversion + 0.5 * min(retention / platform.retention, 2)"

        [metrics.conversion]
        statistic = "conversionToFirstSession"
        windowDays = 90
        estimator = "wilsonLower"
        relativeToPlatform = true

        [metrics.retention]
        statistic = "sessionsPerClient"
        windowDays = 180
        estimator = "shrunk"
        priorWeight = 5

        [[minimumSample]]
        metric = "conversion"
        atLeast = 10

        [[minimumSample]]
        statistic = "retainedClients"
        windowDays = 180
        atLeast = 3

        [[tiers]]
        name = "gold"
        minScore = 1.2

        [[tiers]]
        name = "silver"
        topPercent = 50

        [[tiers]]
        name = "listed"

        [basement]
        bottomPercent = 10
        """

    static let json = """
        {
          "name": "example",
          "description": "Conversion and retention, relative to the platform.",
          "source": "A test.",
          "honourExclusions": true,
          "honourRefusals": false,
          "metrics": {
            "conversion": {"statistic": "conversionToFirstSession", "windowDays": 90,
                           "estimator": "wilsonLower", "relativeToPlatform": true},
            "retention": {"statistic": "sessionsPerClient", "windowDays": 180,
                          "estimator": "shrunk", "priorWeight": 5}
          },
          "score": "0.5 * conversion + 0.5 * min(retention / platform.retention, 2)",
          "minimumSample": [
            {"metric": "conversion", "atLeast": 10},
            {"statistic": "retainedClients", "windowDays": 180, "atLeast": 3}
          ],
          "tiers": [
            {"name": "gold", "minScore": 1.2},
            {"name": "silver", "topPercent": 50},
            {"name": "listed"}
          ],
          "basement": {"bottomPercent": 10}
        }
        """

    static let expected = RatingRule(
        name: "example",
        description: "Conversion and retention, relative to the platform.",
        source: "A test.",
        honourExclusions: true,
        honourRefusals: false,
        metrics: [
            RatingMetric(
                name: "conversion", statistic: .conversionToFirstSession, windowDays: 90,
                estimator: .wilsonLower(z: 1.96), relativeToPlatform: true),
            RatingMetric(name: "retention", statistic: .sessionsPerClient, windowDays: 180, estimator: .shrunk(priorWeight: 5)),
        ],
        score: .binary(
            .add,
            .binary(.multiply, .number(0.5), .metric("conversion")),
            .binary(.multiply, .number(0.5), .call(.min, [.binary(.divide, .metric("retention"), .platform("retention")), .number(2)]))),
        minimumSample: [
            MinimumSample(.metric("conversion"), atLeast: 10),
            MinimumSample(.statistic(.retainedClients, windowDays: 180), atLeast: 3),
        ],
        tiers: [
            RatingTier(name: "gold", .minScore(1.2)),
            RatingTier(name: "silver", .topPercent(50)),
            RatingTier(name: "listed", .everyone),
        ],
        basement: .bottomPercent(10))
}

@Suite struct RuleParsingTests {
    @Test func aYAMLRuleReadsAsTheExpectedValue() throws {
        #expect(try RatingRule.parse(ExampleRule.yaml, format: .yaml) == ExampleRule.expected)
    }

    @Test func aTOMLRuleReadsAsTheExpectedValue() throws {
        #expect(try RatingRule.parse(ExampleRule.toml, format: .toml) == ExampleRule.expected)
    }

    @Test func aJSONRuleReadsAsTheExpectedValue() throws {
        #expect(try RatingRule.parse(ExampleRule.json, format: .json) == ExampleRule.expected)
    }

    @Test func theFormatComesFromTheExtensionOrElseFromTheText() throws {
        #expect(RuleFormat(path: "rules/fair.yml") == .yaml)
        #expect(RuleFormat(path: "rules/fair.TOML") == .toml)
        #expect(RuleFormat(path: "x.json") == .json)
        #expect(RuleFormat(path: "rules.d/fair") == nil)
        #expect(RuleFormat.sniff(ExampleRule.yaml) == .yaml)
        #expect(RuleFormat.sniff(ExampleRule.toml) == .toml)
        #expect(RuleFormat.sniff(ExampleRule.json) == .json)
        #expect(RuleFormat.sniff("# a comment\n\n[metrics.a]\nstatistic = \"x\"") == .toml)
        #expect(RuleFormat.sniff("just words") == nil)
        #expect(try RatingRule.parse(ExampleRule.toml) == ExampleRule.expected)
        #expect(try RatingRule.parse(ExampleRule.json, file: "no-extension") == ExampleRule.expected)
    }

    @Test func aRuleFileIsLoadedByPathWithItsFormatFromTheExtension() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-ratings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("example.toml").path
        try ExampleRule.toml.write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try RatingRule.load(path: good) == ExampleRule.expected)
        #expect(try RatingRule.resolve(good) == ExampleRule.expected)

        let bad = directory.appendingPathComponent("bad.yaml").path
        try "name: bad\nmetrics: {a: {statistic: returnRate}}\nscore: a +\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.load(path: bad) }
        #expect(error?.file == bad)
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("\(bad):3:") == true)
    }

    @Test func textInNoKnownFormatIsAnUnknownFormatError() {
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.parse("just words", file: "rule") }
        #expect(error?.code == .unknownFormat)
    }

    @Test func theWindowsAreTheDistinctOnesTheMetricsAndSamplesNeed() {
        // conversion 90, retention 180, retainedClients 180: two windows, refusals not honoured.
        #expect(ExampleRule.expected.windows == [
            StatisticsWindow(days: 90, honourExclusions: true, honourRefusals: false),
            StatisticsWindow(days: 180, honourExclusions: true, honourRefusals: false),
        ])
    }
}
