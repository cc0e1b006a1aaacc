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

@Suite struct ReportTests {
    /// A and B from `HandMadeRatings`, with therapist c renamed `<b>&`.
    private var comparison: RatingComparison {
        func rename(_ result: RatingResult) -> RatingResult {
            var renamed = result
            renamed.rows = result.rows.map { row in
                var row = row
                if row.therapistId == "c" { row.therapistId = "<b>&" }
                return row
            }
            return renamed
        }
        return RatingComparison.compare([rename(HandMadeRatings.a), rename(HandMadeRatings.b)])
    }

    @Test func theReportIsOnePageWithAnInlineSVGSlopegraph() {
        let html = RatingReport.html(comparison)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(html.contains("</svg>"))
        #expect(html.contains("<style>"))
        // One group of lines per therapist: a, b and d move; <b>& enters the basement; d leaves it.
        #expect(html.components(separatedBy: "<g class=\"").count - 1 == 5)
        #expect(html.contains("<g class=\"enters\"><title>&lt;b&gt;&amp;: A #3 → B #4</title>"))
        #expect(html.contains("<g class=\"leaves\"><title>d: A #4 → B #3</title>"))
    }

    @Test func theReportEscapesATherapistIdEverywhere() {
        let html = RatingReport.html(comparison)
        #expect(!html.contains("<b>&"))
        #expect(html.contains("&lt;b&gt;&amp;"))
        #expect(RatingReport.html(comparison, title: "x</title><script>").contains("x&lt;/title&gt;&lt;script&gt;"))
    }

    @Test func theReportNeedsNothingFromOutsideAndNoScript() {
        let html = RatingReport.html(comparison).lowercased()
        for forbidden in ["<script", "<link", "src=", "href=", "url(", "@import"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
    }

    @Test func theReportHasTheBasementTableAndKendallsTau() {
        let html = RatingReport.html(comparison)
        #expect(html.contains("<tr class=\"enters\"><td>&lt;b&gt;&amp;</td><td>enters</td><td class=\"n\">#3</td><td class=\"n\">#4</td></tr>"))
        #expect(html.contains("<tr class=\"leaves\"><td>d</td><td>leaves</td><td class=\"n\">#4</td><td class=\"n\">#3</td></tr>"))
        #expect(html.contains("<td class=\"n\">0.333 <small>(4)</small></td>"))
    }
}
