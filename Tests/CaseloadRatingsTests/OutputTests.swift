import CaseloadRatings
import Foundation
import Testing

@Suite struct OutputTests {
    private let result = RatingResult(
        rule: RatingRule(
            name: "r", metrics: [RatingMetric(name: "conversion", statistic: .conversionToFirstSession)],
            score: .metric("conversion")),
        asOf: nil,
        rows: [
            RatingRow(
                therapistId: "a,1", rank: 1, score: 0.75, tier: "top", metrics: [MetricFigure(name: "conversion", value: 0.75)]),
            RatingRow(
                therapistId: "say \"b\"", rank: 2, score: 0.5, basement: true, metrics: [MetricFigure(name: "conversion", value: 0.5)]),
            RatingRow(
                therapistId: "c", rank: nil, score: nil, reason: "score undefined: conversion is undefined",
                metrics: [MetricFigure(name: "conversion", value: nil)]),
        ],
        platform: [])

    @Test func ratingRowsAsCSVQuoteWhatNeedsQuotingAndLeaveNullsEmpty() {
        #expect(result.csv() == """
            therapistId,rank,score,tier,basement,reason,conversion
            "a,1",1,0.75,top,false,,0.75
            "say \"\"b\"\"",2,0.5,,true,,0.5
            c,,,,false,score undefined: conversion is undefined,

            """)
    }

    @Test func ratingRowsAsJSONAreAnArrayOfObjectsWithNulls() {
        #expect(result.json() == """
            [{"therapistId":"a,1","rank":1,"score":0.75,"tier":"top","basement":false,"reason":null,"metrics":{"conversion":0.75}},\
            {"therapistId":"say \\"b\\"","rank":2,"score":0.5,"tier":null,"basement":true,"reason":null,"metrics":{"conversion":0.5}},\
            {"therapistId":"c","rank":null,"score":null,"tier":null,"basement":false,"reason":"score undefined: conversion is undefined","metrics":{"conversion":null}}]
            """)
    }

    @Test func aComparisonAsCSVHasARankShiftScoreTierAndBasementColumnPerRule() {
        let comparison = RatingComparison.compare([HandMadeRatings.a, HandMadeRatings.b])
        #expect(comparison.csv() == """
            therapistId,A:rank,A:score,A:tier,A:basement,B:rank,B:shift,B:score,B:tier,B:basement
            a,1,4,,false,2,-1,4,,false
            b,2,3,,false,1,1,5,,false
            c,3,2,,false,4,-1,2,,true
            d,4,1,,true,3,1,3,,false
            e,,,,false,5,,1,,false

            """)
        #expect(comparison.basementCSV() == "from,to,therapistId,change\nA,B,c,enters\nA,B,d,leaves\n")
        #expect(comparison.correlationsCSV() == "first,second,therapists,tauB\nA,B,4,0.3333333333333333\n")
    }

    @Test func aComparisonAsJSONKeysEachTherapistsFiguresByRule() throws {
        let comparison = RatingComparison.compare([HandMadeRatings.a, HandMadeRatings.b])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(comparison.json().utf8)) as? [String: Any])
        #expect(Set(parsed.keys) == ["rules", "therapists", "basementChanges", "kendallTau"])
        let rules = try #require(parsed["rules"] as? [[String: Any]])
        #expect(rules.map { $0["name"] as? String } == ["A", "B"])
        #expect(rules.map { $0["ranked"] as? Int } == [4, 5])
        let therapists = try #require(parsed["therapists"] as? [[String: Any]])
        let e = try #require(therapists.last)
        #expect(e["therapistId"] as? String == "e")
        #expect((e["ranks"] as? [String: Any])?["A"] is NSNull)
        #expect((e["ranks"] as? [String: Any])?["B"] as? Int == 5)
        #expect((e["shifts"] as? [String: Any])?.keys.sorted() == ["B"])
        let d = therapists[3]
        #expect((d["shifts"] as? [String: Any])?["B"] as? Int == 1)
        #expect((d["basement"] as? [String: Bool]) == ["A": true, "B": false])
        let changes = try #require(parsed["basementChanges"] as? [[String: Any]])
        #expect(changes.first?["entering"] as? [String] == ["c"])
        #expect(changes.first?["leaving"] as? [String] == ["d"])
        let tau = try #require((parsed["kendallTau"] as? [[String: Any]])?.first)
        #expect(tau["rules"] as? [String] == ["A", "B"])
        #expect(tau["therapists"] as? Int == 4)
        #expect(abs(try #require(tau["tauB"] as? Double) - 1.0 / 3.0) < 1e-12)
    }
}
