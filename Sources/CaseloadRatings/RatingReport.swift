public import CaseloadCoding
import CaseloadStatistics
import Foundation

/// A self-contained HTML page of a ``RatingComparison`` for analysts (issue
/// 16): the harm per rule, then the slopegraph of rank shifts (inline SVG,
/// every label whole), a search box and a panel for one therapist (ranks,
/// the figures behind them, P(basement), clients in ongoing therapy, the
/// `caseload explain` commands to run), the basement's entries and exits,
/// Kendall's tau, and the rules' descriptions folded below.
///
/// One file: inline CSS, one inline script, inline SVG, no fonts, images or
/// anything else fetched — it can be mailed or opened offline — and every
/// piece of text from the data is escaped. The CLI (`compare --html`) and
/// the service (`GET /v1/compare`, Accept: text/html) both write it with
/// ``html(_:explain:title:)``. Loaded with `#therapist=ID` it opens on that
/// therapist; with `#selftest=ID` its script checks its own layout and
/// search and writes the results into `<pre id="selftest-result">`
/// (`Scripts/test-report` reads them in headless Chromium).
public enum RatingReport {
    /// What the page's `caseload explain` commands name besides the
    /// therapist and the figure: the log, and when it was read.
    public struct ExplainContext: Sendable, Hashable {
        /// The log as `--db` takes it (a PostgreSQL URL without its
        /// password); nil writes `DB`, to fill in.
        public var database: String?
        /// The comparison's `--known-at`, if it had one.
        public var knownAt: Timestamp?

        public init(database: String? = nil, knownAt: Timestamp? = nil) {
            self.database = database
            self.knownAt = knownAt
        }
    }

    public static func html(
        _ comparison: RatingComparison, explain: ExplainContext = ExplainContext(),
        title: String = "Caseload: ratings compared"
    ) -> String {
        var page = Page()
        page.line("<!DOCTYPE html>")
        page.line("<html lang=\"en\">")
        page.line("<head>")
        page.line("<meta charset=\"utf-8\">")
        page.line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        page.line("<title>\(escape(title))</title>")
        page.line("<style>\(css)</style>")
        page.line("</head>")
        page.line("<body>")
        page.line("<header><h1>\(escape(title))</h1>")
        summary(comparison, into: &page)
        page.line("</header>")
        harm(comparison, into: &page)
        chart(comparison, into: &page)
        basement(comparison, into: &page)
        correlations(comparison, into: &page)
        therapists(comparison, into: &page)
        rules(comparison, into: &page)
        page.line("<aside id=\"therapist\" hidden aria-live=\"polite\"></aside>")
        page.line("<script type=\"application/json\" id=\"report-data\">\(data(comparison, explain: explain))</script>")
        page.line("<script>\(script)</script>")
        page.line("</body>")
        page.line("</html>")
        return page.text
    }

    // MARK: - Sections

    private static func summary(_ comparison: RatingComparison, into page: inout Page) {
        let count = comparison.therapists.count
        var text = "\(count) therapist\(count == 1 ? "" : "s") rated under \(comparison.labels.count) rule\(comparison.labels.count == 1 ? "" : "s")"
        let instants = Set(comparison.results.compactMap { $0.asOf?.iso8601 }).sorted()
        if !instants.isEmpty { text += ", as of " + instants.map(escape).joined(separator: ", ") }
        text += "."
        if let first = comparison.labels.first, comparison.labels.count > 1 {
            text += " Shifts and basement changes are measured from the first rule, <strong>\(escape(first))</strong>."
        }
        page.line("<p class=\"lead\">\(text)</p>")
    }

    /// Per rule, the clients in ongoing therapy its basement would tell to
    /// leave, and who is in the basement by chance or with confidence; a
    /// note when the comparison was not analysed.
    private static func harm(_ comparison: RatingComparison, into page: inout Page) {
        let analysed = zip(comparison.labels, comparison.results).filter { $1.harm != nil }
        page.line("<section id=\"harm\" data-rules=\"\(analysed.count)\">")
        page.line("<h2>The harm: clients in ongoing therapy told to leave</h2>")
        guard let first = analysed.first?.1.harm else {
            page.line("<p>Clients in ongoing therapy were not counted for this comparison.</p>")
            page.line("</section>")
            return
        }
        page.line(
            "<p>A client is in ongoing therapy with a converted case, not refused or ended, and a session held or booked in the last "
                + "\(first.withinDays) days; a platform delisting their therapist would tell them to leave.</p>")
        page.line("<ul class=\"harm\">")
        for (label, result) in analysed {
            guard var harm = result.harm else { continue }
            harm.rule = label
            var item = "<strong>\(escape(harm.sentence))</strong>"
            if let odds = result.basementOdds {
                item += "<br><small>In the basement by chance (P&nbsp;&lt;&nbsp;0.5 over \(odds.draws) draws): "
                item += odds.byChance.isEmpty ? "nobody" : odds.byChance.map(who).joined(separator: ", ")
                item += "; with confidence (P&nbsp;≥&nbsp;0.95): "
                item += odds.withConfidence.isEmpty ? "nobody" : odds.withConfidence.map(who).joined(separator: ", ")
                item += ".</small>"
            }
            page.line("<li data-rule=\"\(escape(label))\">\(item)</li>")
        }
        page.line("</ul>")
        page.line("</section>")
    }

    private static func chart(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<section id=\"chart\">")
        page.line("<h2>Rank shifts</h2>")
        page.line(
            "<div class=\"find\"><label for=\"find\">Find a therapist</label> "
                + "<input id=\"find\" type=\"search\" list=\"therapist-ids\" placeholder=\"therapist id\" autocomplete=\"off\" spellcheck=\"false\"> "
                + "<span id=\"find-status\" role=\"status\"></span></div>")
        page.line("<datalist id=\"therapist-ids\">" + comparison.therapists.map { "<option value=\"\(escape($0.therapistId))\">" }.joined() + "</datalist>")
        page.line(slopegraph(comparison))
        page.line("</section>")
    }

    private static func rules(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<details id=\"rules\">")
        page.line("<summary>The rules: what each rewards, its score, basement and source</summary>")
        for (label, result) in zip(comparison.labels, comparison.results) {
            let rule = result.rule
            page.line("<section class=\"rule\">")
            page.line("<h3>\(escape(label))</h3>")
            page.line(
                "<p class=\"facts\">\(result.rankedCount) ranked, \(result.rows.count - result.rankedCount) unranked; "
                    + "basement: \(escape(describe(rule.basement))); score: <code>\(escape(rule.score.description))</code></p>")
            page.line("<p>\(escape(rule.description))</p>")
            if !rule.source.isEmpty { page.line("<p class=\"source\"><small>Source: \(escape(rule.source))</small></p>") }
            page.line("</section>")
        }
        page.line("</details>")
    }

    private static func basement(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<section id=\"basement\">")
        page.line("<h2>Basement: who enters, who leaves</h2>")
        guard !comparison.basementChanges.isEmpty else {
            page.line("<p>Only one rule: nothing to compare.</p>")
            page.line("</section>")
            return
        }
        let byId = Dictionary(comparison.therapists.map { ($0.therapistId, $0) }, uniquingKeysWith: { first, _ in first })
        for (offset, change) in comparison.basementChanges.enumerated() {
            let index = offset + 1
            page.line("<h3>\(escape(change.from)) → \(escape(change.to))</h3>")
            page.line(
                "<p>\(change.entering.count) enter\(change.entering.count == 1 ? "s" : ""), "
                    + "\(change.leaving.count) leave\(change.leaving.count == 1 ? "s" : ""), "
                    + "\(change.staying.count) stay\(change.staying.count == 1 ? "s" : "").</p>")
            guard !(change.entering.isEmpty && change.leaving.isEmpty) else { continue }
            page.line("<div class=\"table-wrap\"><table class=\"basement\">")
            page.line(
                "<thead><tr><th>therapist</th><th>change</th><th>rank under \(escape(change.from))</th>"
                    + "<th>rank under \(escape(change.to))</th><th>P(basement) under \(escape(change.from))</th>"
                    + "<th>P(basement) under \(escape(change.to))</th><th>clients in ongoing therapy</th></tr></thead>")
            page.line("<tbody>")
            for (ids, kind) in [(change.entering, "enters"), (change.leaving, "leaves")] {
                for id in ids {
                    let therapist = byId[id]
                    page.line(
                        "<tr class=\"\(kind)\"><td>\(who(id))</td><td>\(kind)</td>"
                            + "<td class=\"n\">\(rankText(therapist?.ranks[0]))</td>"
                            + "<td class=\"n\">\(rankText(therapist?.ranks[index]))</td>"
                            + "<td class=\"n\">\(probabilityText(therapist?.pBasement[0]))</td>"
                            + "<td class=\"n\">\(probabilityText(therapist?.pBasement[index]))</td>"
                            + "<td class=\"n\">\(ongoingText(therapist?.ongoing))</td></tr>")
                }
            }
            page.line("</tbody></table></div>")
        }
        page.line("</section>")
    }

    private static func correlations(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<section id=\"tau\">")
        page.line("<h2>Agreement between rankings: Kendall’s τ<sub>b</sub></h2>")
        guard comparison.labels.count > 1 else {
            page.line("<p>Only one rule: nothing to compare.</p>")
            page.line("</section>")
            return
        }
        page.line("<p>1 is the same order, −1 the reverse, 0 no relation; over the therapists ranked under both rules (their number in brackets).</p>")
        page.line("<div class=\"table-wrap\"><table class=\"tau\">")
        page.line("<thead><tr><th></th>" + comparison.labels.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>")
        page.line("<tbody>")
        for (i, row) in comparison.labels.enumerated() {
            var line = "<tr><th scope=\"row\">\(escape(row))</th>"
            for (j, column) in comparison.labels.enumerated() {
                if i == j {
                    line += "<td class=\"n diagonal\">1</td>"
                    continue
                }
                let pair = comparison.correlations.first {
                    ($0.first == row && $0.second == column) || ($0.first == column && $0.second == row)
                }
                let tau = pair?.tauB.map { fixed($0, 3) } ?? "—"
                line += "<td class=\"n\">\(tau) <small>(\(pair?.therapists ?? 0))</small></td>"
            }
            page.line(line + "</tr>")
        }
        page.line("</tbody></table></div>")
        page.line("</section>")
    }

    private static func therapists(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<details id=\"every-therapist\">")
        page.line("<summary>Every therapist’s rank under each rule</summary>")
        page.line("<p>Rank (score) under each rule; ▲/▼ places moved from the first rule; ■ in the basement; – unranked.</p>")
        page.line("<div class=\"table-wrap\"><table class=\"all\">")
        page.line("<thead><tr><th>therapist</th>" + comparison.labels.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>")
        page.line("<tbody>")
        for therapist in comparison.therapists {
            var line = "<tr><td>\(who(therapist.therapistId))</td>"
            for index in comparison.labels.indices {
                var cell = rankText(therapist.ranks[index])
                if let score = therapist.scores[index] { cell += " <small>(\(fixed(score, 3)))</small>" }
                if index > 0, let shift = therapist.shift(to: index), shift != 0 {
                    cell += shift > 0 ? " <span class=\"up\">▲\(shift)</span>" : " <span class=\"down\">▼\(-shift)</span>"
                }
                if therapist.basement[index] { cell += " <span class=\"mark\" title=\"basement\">■</span>" }
                line += "<td class=\"n\(therapist.basement[index] ? " in-basement" : "")\">\(cell)</td>"
            }
            page.line(line + "</tr>")
        }
        page.line("</tbody></table></div>")
        page.line("</details>")
    }

    // MARK: - Slopegraph

    /// Up to this many ranks, names are written beside them: a row is then
    /// at least 13 px, more than an 11 px name's box needs.
    static let labelledRanks = 90

    /// One column per rule, ranks from the top; one line per therapist through
    /// its rank under each rule, unranked ones dropping to a band below. Lines
    /// of therapists who enter the basement under a later rule are red, of
    /// those who leave it green (dashed); basement ranks are shaded per column.
    ///
    /// Margins and column gaps are sized from each text's width, estimated
    /// with the advance widths of DejaVu Sans Bold (wider than the usual
    /// system sans-serif fonts) so no label is clipped. Every `<text>`
    /// carries `data-room`, the horizontal span it may take, which the
    /// page's self-test compares with the width the browser measured.
    static func slopegraph(_ comparison: RatingComparison) -> String {
        let rules = comparison.labels.count
        guard rules > 0 else { return "<p>No ratings to compare.</p>" }
        let last = rules - 1
        let maxRank = max(comparison.therapists.flatMap { $0.ranks.compactMap { $0 } }.max() ?? 1, 1)
        let labelled = maxRank <= labelledRanks
        let step = maxRank <= 75 ? 16.0 : max(1200.0 / Double(maxRank), 0.5)
        let plotHeight = step * Double(maxRank - 1)
        let top = 56.0
        let unrankedY = top + plotHeight + 44
        let height = unrankedY + 28
        let radius = max(1, min(3, step / 3))
        let (titleSize, labelSize, tickSize) = (13.0, 11.0, 11.0)

        // Texts first, to size the margins around them.
        let leftLabels = labelled ? rankLabels(comparison, rule: 0, idFirst: true) : []
        let rightLabels = labelled && rules > 1 ? rankLabels(comparison, rule: last, idFirst: false) : []
        let titleWidths = comparison.labels.map { textWidth($0, size: titleSize) }
        let tickWidth = textWidth("unranked", size: tickSize)
        let pad = 6.0, labelGap = 8.0
        func slot(_ rule: Int) -> Double { max(titleWidths[rule], tickWidth) }
        let leftSide = max(
            (leftLabels.map { textWidth($0.text, size: labelSize) }.max() ?? 0) + labelGap + pad, slot(0) / 2 + pad, 30)
        let rightSide = max(
            (rightLabels.map { textWidth($0.text, size: labelSize) }.max() ?? 0) + labelGap + pad, slot(last) / 2 + pad, 30)
        var gap = 200.0
        for rule in 0..<last { gap = max(gap, (slot(rule) + slot(rule + 1)) / 2 + 4 * pad) }
        let width = (leftSide + gap * Double(last) + rightSide).rounded(.up)
        func x(_ rule: Int) -> Double { leftSide + gap * Double(rule) }
        func y(_ rank: Int?) -> Double { rank.map { top + step * Double($0 - 1) } ?? unrankedY }
        /// The span a column's title and ticks may take: halfway to the next column, or the edge.
        func room(_ rule: Int) -> String {
            let from = rule == 0 ? 0 : x(rule) - gap / 2
            let to = rule == last ? width : x(rule) + gap / 2
            return "\(n(from)) \(n(to))"
        }

        var texts = 0
        var svg = "<figure class=\"slopegraph\"><div class=\"scroll\">"
        svg += "<svg role=\"img\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" data-texts=\"TEXTS\">"
        svg += "<title>Rank under each rule, one line per therapist</title>"

        // Basement zones and axes.
        for rule in 0..<rules {
            let ranks = comparison.therapists.filter { $0.basement[rule] }.compactMap { $0.ranks[rule] }
            if let first = ranks.min(), let worst = ranks.max() {
                svg += "<rect class=\"zone\" x=\"\(n(x(rule) - 10))\" y=\"\(n(y(first) - step / 2))\" width=\"20\" height=\"\(n(y(worst) - y(first) + step))\"/>"
            }
            svg += "<line class=\"axis\" x1=\"\(n(x(rule)))\" y1=\"\(n(top))\" x2=\"\(n(x(rule)))\" y2=\"\(n(top + plotHeight))\"/>"
        }
        svg += "<line class=\"band\" x1=\"\(n(max(x(0) - 20, 0)))\" y1=\"\(n(unrankedY))\" x2=\"\(n(min(x(last) + 20, width)))\" y2=\"\(n(unrankedY))\"/>"

        // Plain lines first, highlighted ones on top.
        let kinds = comparison.therapists.map { kind(of: $0) }
        for pass in ["moves", "stays", "leaves", "enters"] {
            for (therapist, kind) in zip(comparison.therapists, kinds) where kind == pass {
                let path = (0..<rules).map { "\(escape(comparison.labels[$0])) \(rankText(therapist.ranks[$0]))" }
                svg += "<g class=\"t \(kind)\" data-t=\"\(escape(therapist.therapistId))\"><title>\(escape(therapist.therapistId)): \(path.joined(separator: " → "))</title>"
                for rule in 0..<last {
                    let from = therapist.ranks[rule], to = therapist.ranks[rule + 1]
                    let dashed = from == nil || to == nil ? " class=\"unranked\"" : ""
                    svg += "<line\(dashed) x1=\"\(n(x(rule)))\" y1=\"\(n(y(from)))\" x2=\"\(n(x(rule + 1)))\" y2=\"\(n(y(to)))\"/>"
                }
                for rule in 0..<rules {
                    let dot = therapist.basement[rule] ? "dot in-basement" : "dot"
                    svg += "<circle class=\"\(dot)\" cx=\"\(n(x(rule)))\" cy=\"\(n(y(therapist.ranks[rule])))\" r=\"\(n(radius))\"/>"
                }
                // A wide transparent stroke: a line is easier to hover or tap.
                let points = (0..<rules).map { "\(n(x($0))),\(n(y(therapist.ranks[$0])))" }.joined(separator: " ")
                svg += "<polyline class=\"hit\" points=\"\(points)\"/>"
                svg += "</g>"
            }
        }

        // Titles and ticks, then names: on top of the lines.
        for rule in 0..<rules {
            svg += "<text class=\"rule\" x=\"\(n(x(rule)))\" y=\"\(n(top - 28))\" text-anchor=\"middle\" data-room=\"\(room(rule))\">\(escape(comparison.labels[rule]))</text>"
            svg += "<text class=\"tick\" x=\"\(n(x(rule)))\" y=\"\(n(top - 12))\" text-anchor=\"middle\" data-room=\"\(room(rule))\">#1</text>"
            svg += "<text class=\"tick\" x=\"\(n(x(rule)))\" y=\"\(n(unrankedY + 18))\" text-anchor=\"middle\" data-room=\"\(room(rule))\">unranked</text>"
            texts += 3
        }
        for label in leftLabels {
            svg += "<text class=\"label\" data-col=\"first\" x=\"\(n(x(0) - labelGap))\" y=\"\(n(y(label.rank) + 4))\" text-anchor=\"end\" data-room=\"0 \(n(x(0) - labelGap / 2))\">\(label.html)</text>"
            texts += 1
        }
        for label in rightLabels {
            svg += "<text class=\"label\" data-col=\"last\" x=\"\(n(x(last) + labelGap))\" y=\"\(n(y(label.rank) + 4))\" data-room=\"\(n(x(last) + labelGap / 2)) \(n(width))\">\(label.html)</text>"
            texts += 1
        }
        svg += "</svg></div>"
        svg = svg.replacingOccurrences(of: "data-texts=\"TEXTS\"", with: "data-texts=\"\(texts)\"")
        svg += "<figcaption><span class=\"key enters\">enters the basement</span> <span class=\"key leaves\">leaves it</span> "
        svg += "<span class=\"key stays\">stays in it</span> <span class=\"key moves\">other therapists</span> "
        svg += "<span class=\"key zone\">basement ranks</span>. Hover or click a line or a name (or search above) "
        svg += "for the therapist’s ranks, figures, clients in ongoing therapy and the commands that explain them.</figcaption>"
        svg += "</figure>"
        return svg
    }

    /// A rank's name label: the therapists at that rank (ties share one
    /// label, at most three named), then the rank, or the rank first.
    struct RankLabel {
        var rank: Int
        var text: String
        var html: String
    }

    static func rankLabels(_ comparison: RatingComparison, rule: Int, idFirst: Bool) -> [RankLabel] {
        var byRank: [Int: [String]] = [:]
        for therapist in comparison.therapists {
            if let rank = therapist.ranks[rule] { byRank[rank, default: []].append(therapist.therapistId) }
        }
        return byRank.keys.sorted().map { rank in
            let ids = byRank[rank]!.sorted()
            let named = ids.prefix(3)
            let more = ids.count > named.count ? " +\(ids.count - named.count)" : ""
            let text = named.joined(separator: ", ") + more
            let html = named.map { "<tspan data-t=\"\(escape($0))\">\(escape($0))</tspan>" }.joined(separator: ", ") + more
            return idFirst
                ? RankLabel(rank: rank, text: "\(text) #\(rank)", html: "\(html) #\(rank)")
                : RankLabel(rank: rank, text: "#\(rank) \(text)", html: "#\(rank) \(html)")
        }
    }

    /// How a therapist's basement status changes from the first rule to the others.
    private static func kind(of therapist: TherapistComparison) -> String {
        let later = therapist.basement.dropFirst()
        let first = therapist.basement.first ?? false
        if !first, later.contains(true) { return "enters" }
        if first, later.contains(false) { return "leaves" }
        if first { return "stays" }
        return "moves"
    }

    /// The width of `text` at `size` px, from DejaVu Sans Bold's advance
    /// widths (thousandths of an em, printable ASCII), one em for any other
    /// character, and 4% to spare: at least what a browser's sans-serif needs.
    static func textWidth(_ text: String, size: Double) -> Double {
        var ems = 0.0
        for scalar in text.unicodeScalars {
            let value = Int(scalar.value)
            ems += (32...126).contains(value) ? Double(advances[value - 32]) / 1000 : 1
        }
        return ems * size * 1.04
    }

    /// DejaVu Sans Bold, U+0020 to U+007E, in thousandths of an em (read from the font's hmtx table).
    private static let advances: [Int] = [
        348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696,
        696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995,
        837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716,
        678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712,
        365, 712, 838,
    ]

    // MARK: - The page's data

    /// What the script needs for the therapist panel, as JSON safe inside
    /// `<script>`: the rules' metrics, every therapist's ranks, figures,
    /// P(basement) and clients in ongoing therapy, and the explain commands.
    static func data(_ comparison: RatingComparison, explain: ExplainContext) -> String {
        var w = JSONWriter(capacity: 256 * (comparison.therapists.count + 4))
        w.beginObject()
        w.key("rules")
        w.beginArray()
        for (label, result) in zip(comparison.labels, comparison.results) {
            w.beginObject()
            w.key("label"); w.string(label)
            w.key("basement"); w.optionalString(result.rule.basement == nil ? nil : describe(result.rule.basement))
            w.key("metrics")
            w.beginArray()
            for metric in result.rule.metrics {
                w.beginObject()
                w.key("name"); w.string(metric.name)
                w.key("statistic"); w.string(metric.statistic.name)
                w.key("about"); w.string(about(metric))
                w.key("platform"); w.optionalDouble(result.platform.first { $0.name == metric.name }?.value)
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("withinDays")
        if let days = comparison.results.lazy.compactMap(\.harm).first?.withinDays { w.int(days) } else { w.null() }
        w.key("explain")
        w.beginObject()
        w.key("head"); w.string(explainHead(explain))
        w.key("commands")
        w.beginArray()
        for command in explainCommands(comparison, explain: explain) {
            w.beginObject()
            w.key("uses"); w.string(command.uses.joined(separator: ", "))
            w.key("tail"); w.string(command.tail)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.key("therapists")
        w.beginArray()
        let rows = comparison.results.map { result in
            Dictionary(result.rows.map { ($0.therapistId, $0) }, uniquingKeysWith: { first, _ in first })
        }
        for therapist in comparison.therapists {
            let id = therapist.therapistId
            w.beginObject()
            w.key("id"); w.string(id)
            w.key("q"); w.string(shellQuoted(id))
            w.key("ranks"); w.beginArray(); for rank in therapist.ranks { if let rank { w.int(rank) } else { w.null() } }; w.endArray()
            w.key("scores"); w.beginArray(); for score in therapist.scores { w.optionalDouble(score) }; w.endArray()
            w.key("basement"); w.beginArray(); for flag in therapist.basement { w.bool(flag) }; w.endArray()
            w.key("p"); w.beginArray(); for p in therapist.pBasement { w.optionalDouble(p) }; w.endArray()
            w.key("reasons"); w.beginArray(); for index in rows.indices { w.optionalString(rows[index][id]?.reason) }; w.endArray()
            w.key("figures")
            w.beginArray()
            for (index, result) in comparison.results.enumerated() {
                w.beginArray()
                let figures = rows[index][id]?.metrics ?? []
                for metric in result.rule.metrics { w.optionalDouble(figures.first { $0.name == metric.name }?.value) }
                w.endArray()
            }
            w.endArray()
            w.key("ongoing")
            if let ongoing = therapist.ongoing {
                w.beginArray(); w.int(ongoing.clients); w.int(ongoing.after5Sessions); w.int(ongoing.after10Sessions); w.endArray()
            } else {
                w.null()
            }
            w.endObject()
        }
        w.endArray()
        w.endObject()
        // "<", ">" and "&" only occur inside JSON strings, where \u escapes
        // mean the same: nothing in the data can close the script element.
        return w.text.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
    }

    /// A metric in words: its statistic, window and estimator.
    static func about(_ metric: RatingMetric) -> String {
        var text = metric.statistic.name
        text += metric.windowDays.map { " over \($0) days" } ?? " over all history"
        switch metric.estimator {
        case .value: break
        case .wilsonLower(let z): text += ", Wilson lower bound (z \(ScoreExpression.format(z)))"
        case .shrunk(let k): text += ", shrunk toward the platform (k \(ScoreExpression.format(k)))"
        }
        if metric.relativeToPlatform { text += ", relative to the platform (1 = average)" }
        return text
    }

    /// One `caseload explain` command: `head`, `--therapist ID`, then `tail`.
    struct ExplainCommand: Hashable {
        /// The rules' metrics it explains ("fair: retention").
        var uses: [String]
        var tail: String
    }

    /// `caseload explain --db DB`.
    static func explainHead(_ explain: ExplainContext) -> String {
        "caseload explain --db " + (explain.database.map(shellQuoted) ?? "DB")
    }

    /// Every distinct explain command the rules' figures need (a figure's
    /// statistic, window and honour flags, at the comparison's time and
    /// ongoing-therapy window), in the order of the rules and their metrics.
    static func explainCommands(_ comparison: RatingComparison, explain: ExplainContext) -> [ExplainCommand] {
        var commands: [ExplainCommand] = []
        for (label, result) in zip(comparison.labels, comparison.results) {
            let rule = result.rule
            for metric in rule.metrics {
                var tail = " --metric \(metric.statistic.name)"
                if let days = metric.windowDays { tail += " --days \(days)" }
                if !rule.honourExclusions { tail += " --no-exclusions" }
                if !rule.honourRefusals { tail += " --no-refusals" }
                if let asOf = result.asOf { tail += " --as-of \(asOf.iso8601)" }
                if let knownAt = explain.knownAt { tail += " --known-at \(knownAt.iso8601)" }
                if let harm = result.harm { tail += " --ongoing-days \(harm.withinDays)" }
                let use = "\(label): \(metric.name)"
                if let index = commands.firstIndex(where: { $0.tail == tail }) {
                    commands[index].uses.append(use)
                } else {
                    commands.append(ExplainCommand(uses: [use], tail: tail))
                }
            }
        }
        return commands
    }

    /// The explain commands for one therapist, as the page shows them.
    static func explainCommandLines(for therapistId: String, _ comparison: RatingComparison, explain: ExplainContext) -> [String] {
        explainCommands(comparison, explain: explain).map {
            explainHead(explain) + " --therapist " + shellQuoted(therapistId) + $0.tail
        }
    }

    /// `text` as one shell word: as it is when it needs no quoting, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-".unicodeScalars)
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { safe.contains($0) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: - Text

    /// Text made safe for HTML content and attribute values; control
    /// characters (never valid in HTML) become U+FFFD.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value): escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// A therapist's id that opens their panel when clicked.
    private static func who(_ id: String) -> String {
        "<button type=\"button\" class=\"who\" data-t=\"\(escape(id))\">\(escape(id))</button>"
    }

    private static func describe(_ basement: Basement?) -> String {
        switch basement {
        case .bottomPercent(let percent)?: "bottom \(ScoreExpression.format(percent))%"
        case .belowScore(let score)?: "score below \(ScoreExpression.format(score))"
        case nil: "none"
        }
    }

    private static func rankText(_ rank: Int??) -> String {
        guard let rank = rank ?? nil else { return "–" }
        return "#\(rank)"
    }

    private static func probabilityText(_ p: Double??) -> String {
        guard let p = p ?? nil else { return "–" }
        return fixed(p, 2)
    }

    private static func ongoingText(_ ongoing: OngoingCount?) -> String {
        guard let ongoing else { return "–" }
        return "\(ongoing.clients) <small>(\(ongoing.after10Sessions) after 10+)</small>"
    }

    /// A number with `digits` decimals and a typographic minus sign.
    private static func fixed(_ value: Double, _ digits: Int) -> String {
        let text = String(format: "%.\(digits)f", value)
        return text.hasPrefix("-") ? "−" + text.dropFirst() : text
    }

    /// A coordinate with at most two decimals.
    private static func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return ScoreExpression.format(rounded)
    }

    private struct Page {
        var text = ""
        mutating func line(_ line: String) {
            text += line
            text += "\n"
        }
    }
}
