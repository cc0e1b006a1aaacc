import CaseloadCoding
@testable import CaseloadRatings
import CaseloadStatistics
import Foundation
import Testing

/// The analysts' page (issue 16, part 4) as generated text; how it lays
/// out and behaves in a browser is `Scripts/test-report`'s.
@Suite struct ReportTests {
    static let asOf = try! Timestamp(iso8601: "2025-06-30T00:00:00Z")

    /// A and B from `HandMadeRatings`, with therapist c renamed `<b>&`,
    /// rules named `first`/`second` unless told, as of 2025-06-30.
    private func comparison(names: (String, String) = ("A", "B"), harm: Bool = false) -> RatingComparison {
        func prepare(_ result: RatingResult, name: String) -> RatingResult {
            var prepared = result
            prepared.rule.name = name
            prepared.asOf = Self.asOf
            prepared.rows = result.rows.map { row in
                var row = row
                if row.therapistId == "c" { row.therapistId = "<b>&" }
                return row
            }
            return prepared
        }
        var results = [prepare(HandMadeRatings.a, name: names.0), prepare(HandMadeRatings.b, name: names.1)]
        if harm {
            // A delists 3 clients in ongoing therapy (2 past 5 sessions, 1 past 10); B, 0.
            results[0].harm = BasementHarm(
                rule: names.0, asOf: Self.asOf, withinDays: 45, hasBasement: true, therapists: 1,
                clients: OngoingCount(clients: 3, after5Sessions: 2, after10Sessions: 1))
            results[1].harm = BasementHarm(
                rule: names.1, asOf: Self.asOf, withinDays: 45, hasBasement: true, therapists: 1, clients: OngoingCount())
        }
        return RatingComparison.compare(results)
    }

    private func position(of marker: String, in html: String) throws -> String.Index {
        try #require(html.range(of: marker), "no \(marker)").lowerBound
    }

    @Test func theHarmComesFirstThenTheChartAndTheRulesFoldedBelow() throws {
        let html = RatingReport.html(comparison(harm: true))
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        let harm = try position(of: "<section id=\"harm\"", in: html)
        let chart = try position(of: "<section id=\"chart\"", in: html)
        let svg = try position(of: "<svg role=\"img\"", in: html)
        let basement = try position(of: "<section id=\"basement\"", in: html)
        let rules = try position(of: "<details id=\"rules\">", in: html)
        let description = try position(of: "basement: bottom 25%; score: <code>x</code>", in: html)
        #expect(harm < chart && chart < svg && svg < basement && basement < rules && rules < description)
        // The rules' descriptions are folded: inside a <details> that is not open.
        #expect(!html.contains("<details id=\"rules\" open"))
        #expect(html.components(separatedBy: "<section class=\"rule\">").count - 1 == 2)
    }

    @Test func everyRuleHasItsHarmInWordsAboveTheChart() {
        let html = RatingReport.html(comparison(harm: true))
        #expect(html.contains("<section id=\"harm\" data-rules=\"2\">"))
        #expect(html.contains(
            "<li data-rule=\"A\"><strong>A as of 2025-06-30 would tell 3 clients in ongoing therapy to leave, 1 of them after 10+ sessions (2 after 5+)</strong></li>"))
        #expect(html.contains(
            "<li data-rule=\"B\"><strong>B as of 2025-06-30 would tell 0 clients in ongoing therapy to leave, 0 of them after 10+ sessions (0 after 5+)</strong></li>"))
        #expect(html.contains("a session held or booked in the last 45 days"))
        // Not analysed: said so, and no harm line.
        let bare = RatingReport.html(comparison())
        #expect(bare.contains("<section id=\"harm\" data-rules=\"0\">"))
        #expect(!bare.contains("<li data-rule="))
    }

    @Test func theSlopegraphDrawsALineGroupPerTherapistAndEscapesIds() {
        let html = RatingReport.html(comparison())
        // One group per therapist: a, b and e move; <b>& enters the basement; d leaves it.
        #expect(html.components(separatedBy: "<g class=\"t ").count - 1 == 5)
        #expect(html.contains("<g class=\"t enters\" data-t=\"&lt;b&gt;&amp;\"><title>&lt;b&gt;&amp;: A #3 → B #4</title>"))
        #expect(html.contains("<g class=\"t leaves\" data-t=\"d\"><title>d: A #4 → B #3</title>"))
        #expect(!html.contains("<b>&"))
        #expect(RatingReport.html(comparison(), title: "x</title><script>").contains("x&lt;/title&gt;&lt;script&gt;"))
        // In the script's data too: nothing there can close the element.
        #expect(html.contains(#""id":"\u003cb\u003e\u0026""#))
    }

    /// DejaVu Sans Bold: "#" is 838/1000 em, "1" 696/1000, so "#1" at 10 px
    /// is 15.34 px, with 4% to spare 15.9536.
    @Test func textWidthsComeFromTheFontsAdvanceWidths() {
        #expect(abs(RatingReport.textWidth("#1", size: 10) - 15.9536) < 1e-9)
        #expect(RatingReport.textWidth("é", size: 10) == 10.4)
    }

    /// The clipped titles of issue 16 ("platform-standar",
    /// "monetary-conversi"): the longest names, at both edges. Each title
    /// is written whole, and the room it is given — inside the chart, up to
    /// halfway to the next column — holds its estimated width.
    @Test func noRuleTitleOrNameIsCutAtTheChartsEdges() throws {
        let html = RatingReport.html(comparison(names: ("monetary-conversion", "platform-standard")))
        let svg = try #require(html.range(of: #"<svg role="img" width="([0-9.]+)""#, options: .regularExpression))
        let width = try #require(Double(html[svg].split(separator: "\"")[3]))
        let titles = try Regex(#"<text class="rule" x="([0-9.]+)" y="[0-9.]+" text-anchor="middle" data-room="([0-9.]+) ([0-9.]+)">([^<]*)</text>"#)
        let found = html.matches(of: titles).map { match in
            (x: Double(match.output[1].substring!)!, from: Double(match.output[2].substring!)!,
             to: Double(match.output[3].substring!)!, text: String(match.output[4].substring!))
        }
        #expect(found.map(\.text) == ["monetary-conversion", "platform-standard"])
        for title in found {
            let half = RatingReport.textWidth(title.text, size: 13) / 2
            #expect(title.from >= 0 && title.to <= width)
            #expect(title.x - half >= title.from && title.x + half <= title.to, "\(title)")
        }
        // Names beside the ranks are whole: every therapist ranked under A, left of the first column.
        for (id, rank) in [("a", 1), ("b", 2), ("&lt;b&gt;&amp;", 3), ("d", 4)] {
            #expect(html.contains("<tspan data-t=\"\(id)\">\(id)</tspan> #\(rank)</text>"), "\(id)")
        }
        #expect(html.contains("data-texts=\"15\""), "3 texts a column, 4 names left and 5 right")
    }

    @Test func tiedTherapistsShareOneLabel() {
        var tied = HandMadeRatings.a
        tied.rows[1].rank = 1
        let labels = RatingReport.rankLabels(RatingComparison.compare([tied, HandMadeRatings.b]), rule: 0, idFirst: true)
        #expect(labels.map(\.text) == ["a, b #1", "c #3", "d #4"])
    }

    @Test func theReportNeedsNothingFromOutside() {
        let html = RatingReport.html(comparison(harm: true)).lowercased()
        for forbidden in ["<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "http://", "https://", "fetch(", "xmlhttprequest"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        // Two inline scripts: the data and the code.
        #expect(html.components(separatedBy: "<script").count - 1 == 2)
        #expect(html.contains("<script type=\"application/json\" id=\"report-data\">"))
    }

    @Test func theBasementEntriesAndExitsAreATableAndKendallsTauToo() {
        let html = RatingReport.html(comparison())
        #expect(html.contains(
            "<tr class=\"enters\"><td><button type=\"button\" class=\"who\" data-t=\"&lt;b&gt;&amp;\">&lt;b&gt;&amp;</button></td><td>enters</td><td class=\"n\">#3</td><td class=\"n\">#4</td><td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td></tr>"))
        #expect(html.contains(
            "<tr class=\"leaves\"><td><button type=\"button\" class=\"who\" data-t=\"d\">d</button></td><td>leaves</td><td class=\"n\">#4</td><td class=\"n\">#3</td><td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">–</td></tr>"))
        #expect(html.contains("<td class=\"n\">0.333 <small>(4)</small></td>"))
    }

    /// Both rules read returnRate over all history with the default honour
    /// flags: one command serves both, at the comparison's date and window.
    @Test func theExplainCommandIsExactAndQuotedForTheShell() {
        let comparison = comparison(harm: true)
        let context = RatingReport.ExplainContext(database: "my logs/demo.sqlite")
        #expect(RatingReport.explainCommandLines(for: "d", comparison, explain: context) == [
            "caseload explain --db 'my logs/demo.sqlite' --therapist d --metric returnRate --as-of 2025-06-30T00:00:00Z --ongoing-days 45",
        ])
        #expect(RatingReport.explainCommands(comparison, explain: context).map(\.uses) == [["A: x", "B: x"]])
        #expect(RatingReport.explainCommandLines(for: "<b>&", comparison, explain: RatingReport.ExplainContext(database: "d.sqlite")) == [
            "caseload explain --db d.sqlite --therapist '<b>&' --metric returnRate --as-of 2025-06-30T00:00:00Z --ongoing-days 45",
        ])
        #expect(RatingReport.shellQuoted("it's") == #"'it'\''s'"#)
    }

    /// A rule that counts excluded chats and refusals, over 90 days, read as
    /// the log knew it on 2025-07-01.
    @Test func theExplainCommandCarriesTheRulesWindowAndFlags() {
        var result = HandMadeRatings.a
        result.rule = RatingRule(
            name: "raw", honourExclusions: false, honourRefusals: false,
            metrics: [RatingMetric(name: "conversion", statistic: .conversionToFirstSession, windowDays: 90)],
            score: .metric("conversion"))
        result.asOf = Self.asOf
        let comparison = RatingComparison.compare([result])
        let context = RatingReport.ExplainContext(database: "demo.sqlite", knownAt: try! Timestamp(iso8601: "2025-07-01T00:00:00Z"))
        #expect(RatingReport.explainCommandLines(for: "a", comparison, explain: context) == [
            "caseload explain --db demo.sqlite --therapist a --metric conversionToFirstSession --days 90 --no-exclusions --no-refusals --as-of 2025-06-30T00:00:00Z --known-at 2025-07-01T00:00:00Z",
        ])
        let html = RatingReport.html(comparison, explain: context)
        #expect(html.contains(#""head":"caseload explain --db demo.sqlite""#))
        #expect(html.contains(#""tail":" --metric conversionToFirstSession --days 90 --no-exclusions --no-refusals --as-of 2025-06-30T00:00:00Z --known-at 2025-07-01T00:00:00Z""#))
    }
}
