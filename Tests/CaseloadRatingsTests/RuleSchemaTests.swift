import CaseloadRatings
import CaseloadStatistics
import Foundation
import Testing

/// `EventSchemas/rating-rule.schema.json` is the rule format's contract for
/// other tools; these checks keep it in step with the reader.
@Suite struct RuleSchemaTests {
    private func schema() throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("EventSchemas/rating-rule.schema.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theSchemaListsExactlyTheStatisticsTheInterfaceHas() throws {
        let definitions = try #require(try schema()["$defs"] as? [String: Any])
        let statistics = try #require((definitions["statistic"] as? [String: Any])?["enum"] as? [String])
        #expect(statistics == TherapistStatistics.metricNames)
        // A rate is a statistic with a denominator in the interface.
        let rates = try #require((definitions["rate"] as? [String: Any])?["enum"] as? [String])
        let interfaceRates = TherapistStatistics.metricNames.filter {
            TherapistStatistics(therapistId: "").metric($0)?.denominator != nil
        }
        #expect(rates.sorted() == interfaceRates.sorted())
    }

    @Test func theSchemaHasTheKeysTheReaderAccepts() throws {
        let schema = try schema()
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(properties.keys.sorted() == [
            "$schema", "basement", "description", "honourExclusions", "honourRefusals", "metrics", "minimumSample", "name",
            "score", "source", "tiers",
        ])
        #expect(schema["required"] as? [String] == ["name", "metrics", "score"])
        let definitions = try #require(schema["$defs"] as? [String: Any])
        func keys(_ name: String) -> [String]? {
            ((definitions[name] as? [String: Any])?["properties"] as? [String: Any])?.keys.sorted()
        }
        #expect(keys("metric") == ["estimator", "priorWeight", "relativeToPlatform", "statistic", "windowDays", "z"])
        #expect(keys("sample") == ["atLeast", "metric", "statistic", "windowDays"])
        #expect(keys("tier") == ["minScore", "name", "topPercent"])
        #expect(keys("basement") == ["belowScore", "bottomPercent"])
    }
}
