import CaseloadCoding
import Foundation

/// A self-contained HTML page of a ``RatingComparison``: the rules, a
/// slopegraph of rank shifts (inline SVG), the basement table (who enters,
/// who leaves), Kendall's tau between the rankings and every therapist's
/// ranks. Inline CSS, no scripts, no external resources — it can be mailed or
/// opened offline — and every piece of text from the data is escaped.
public enum RatingReport {
    public static func html(_ comparison: RatingComparison, title: String = "Caseload: ratings compared") -> String {
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
        page.line("<h1>\(escape(title))</h1>")
        summary(comparison, into: &page)
        harm(comparison, into: &page)
        rules(comparison, into: &page)
        page.line("<h2>Rank shifts</h2>")
        page.line(slopegraph(comparison))
        basement(comparison, into: &page)
        correlations(comparison, into: &page)
        therapists(comparison, into: &page)
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
    /// leave, and who is in the basement by chance or with confidence (issue
    /// 16); nothing when the comparison was not analysed.
    private static func harm(_ comparison: RatingComparison, into page: inout Page) {
        let analysed = zip(comparison.labels, comparison.results).filter { $1.harm != nil }
        guard let first = analysed.first?.1.harm else { return }
        page.line("<h2>The harm: clients in ongoing therapy told to leave</h2>")
        page.line("<p>A client is in ongoing therapy with a session held or booked in the last \(first.withinDays) days.</p>")
        page.line("<ul class=\"harm\">")
        for (label, result) in analysed {
            guard var harm = result.harm else { continue }
            harm.rule = label
            var item = escape(harm.sentence)
            if let odds = result.basementOdds {
                item += "; in the basement by chance (P&nbsp;&lt;&nbsp;0.5 over \(odds.draws) draws): "
                item += odds.byChance.isEmpty ? "nobody" : odds.byChance.map(escape).joined(separator: ", ")
                item += "; with confidence (P&nbsp;≥&nbsp;0.95): "
                item += odds.withConfidence.isEmpty ? "nobody" : odds.withConfidence.map(escape).joined(separator: ", ")
            }
            page.line("<li>\(item)</li>")
        }
        page.line("</ul>")
    }

    private static func rules(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<h2>Rules</h2>")
        page.line("<table class=\"rules\">")
        page.line("<thead><tr><th>rule</th><th>ranked</th><th>unranked</th><th>basement</th><th>score</th><th>description</th><th>source</th></tr></thead>")
        page.line("<tbody>")
        for (label, result) in zip(comparison.labels, comparison.results) {
            page.line(
                "<tr><th scope=\"row\">\(escape(label))</th><td class=\"n\">\(result.rankedCount)</td>"
                    + "<td class=\"n\">\(result.rows.count - result.rankedCount)</td>"
                    + "<td>\(escape(describe(result.rule.basement)))</td>"
                    + "<td><code>\(escape(result.rule.score.description))</code></td>"
                    + "<td>\(escape(result.rule.description))</td><td>\(escape(result.rule.source))</td></tr>")
        }
        page.line("</tbody></table>")
    }

    private static func basement(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<h2>Basement</h2>")
        guard !comparison.basementChanges.isEmpty else {
            page.line("<p>Only one rule: nothing to compare.</p>")
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
            page.line("<table class=\"basement\">")
            page.line("<thead><tr><th>therapist</th><th>change</th><th>rank under \(escape(change.from))</th><th>rank under \(escape(change.to))</th></tr></thead>")
            page.line("<tbody>")
            for (ids, kind) in [(change.entering, "enters"), (change.leaving, "leaves")] {
                for id in ids {
                    let therapist = byId[id]
                    page.line(
                        "<tr class=\"\(kind)\"><td>\(escape(id))</td><td>\(kind)</td>"
                            + "<td class=\"n\">\(rankText(therapist?.ranks[0]))</td>"
                            + "<td class=\"n\">\(rankText(therapist?.ranks[index]))</td></tr>")
                }
            }
            page.line("</tbody></table>")
        }
    }

    private static func correlations(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<h2>Agreement between rankings: Kendall’s τ<sub>b</sub></h2>")
        guard comparison.labels.count > 1 else {
            page.line("<p>Only one rule: nothing to compare.</p>")
            return
        }
        page.line("<p>1 is the same order, −1 the reverse, 0 no relation; over the therapists ranked under both rules (their number in brackets).</p>")
        page.line("<table class=\"tau\">")
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
        page.line("</tbody></table>")
    }

    private static func therapists(_ comparison: RatingComparison, into page: inout Page) {
        page.line("<h2>Every therapist</h2>")
        page.line("<p>Rank (score) under each rule; ▲/▼ places moved from the first rule; ■ in the basement; – unranked.</p>")
        page.line("<table class=\"all\">")
        page.line("<thead><tr><th>therapist</th>" + comparison.labels.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>")
        page.line("<tbody>")
        for therapist in comparison.therapists {
            var line = "<tr><td>\(escape(therapist.therapistId))</td>"
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
        page.line("</tbody></table>")
    }

    // MARK: - Slopegraph

    /// One column per rule, ranks from the top; one line per therapist through
    /// its rank under each rule, unranked ones dropping to a band below. Lines
    /// of therapists who enter the basement under a later rule are red, of
    /// those who leave it green (dashed); basement ranks are shaded per column.
    static func slopegraph(_ comparison: RatingComparison) -> String {
        let rules = comparison.labels.count
        guard rules > 0 else { return "<p>No ratings to compare.</p>" }
        let maxRank = max(comparison.therapists.flatMap { $0.ranks.compactMap { $0 } }.max() ?? 1, 1)
        let labelled = comparison.therapists.count <= 60
        let step = maxRank <= 60 ? 16.0 : max(1200.0 / Double(maxRank), 0.5)
        let plotHeight = step * Double(maxRank - 1)
        let side = labelled ? 160.0 : 60.0
        let gap = 240.0
        let top = 56.0
        let unrankedY = top + plotHeight + 44
        let width = side * 2 + gap * Double(max(rules - 1, 0))
        let height = unrankedY + 28
        let radius = max(1, min(3, step / 3))
        func x(_ rule: Int) -> Double { side + gap * Double(rule) }
        func y(_ rank: Int?) -> Double { rank.map { top + step * Double($0 - 1) } ?? unrankedY }

        var svg = "<figure class=\"slopegraph\">"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\">"
        svg += "<title>Rank under each rule, one line per therapist</title>"

        // Basement zones and axes.
        for rule in 0..<rules {
            let ranks = comparison.therapists.filter { $0.basement[rule] }.compactMap { $0.ranks[rule] }
            if let first = ranks.min(), let last = ranks.max() {
                svg += "<rect class=\"zone\" x=\"\(n(x(rule) - 10))\" y=\"\(n(y(first) - step / 2))\" width=\"20\" height=\"\(n(y(last) - y(first) + step))\"/>"
            }
            svg += "<line class=\"axis\" x1=\"\(n(x(rule)))\" y1=\"\(n(top))\" x2=\"\(n(x(rule)))\" y2=\"\(n(top + plotHeight))\"/>"
            svg += "<text class=\"rule\" x=\"\(n(x(rule)))\" y=\"\(n(top - 28))\" text-anchor=\"middle\">\(escape(comparison.labels[rule]))</text>"
            svg += "<text class=\"tick\" x=\"\(n(x(rule)))\" y=\"\(n(top - 12))\" text-anchor=\"middle\">#1</text>"
            svg += "<text class=\"tick\" x=\"\(n(x(rule)))\" y=\"\(n(unrankedY + 18))\" text-anchor=\"middle\">unranked</text>"
        }
        svg += "<line class=\"band\" x1=\"\(n(side - 20))\" y1=\"\(n(unrankedY))\" x2=\"\(n(x(rules - 1) + 20))\" y2=\"\(n(unrankedY))\"/>"

        // Plain lines first, highlighted ones on top.
        let kinds = comparison.therapists.map { kind(of: $0) }
        for pass in ["moves", "stays", "leaves", "enters"] {
            for (therapist, kind) in zip(comparison.therapists, kinds) where kind == pass {
                let path = (0..<rules).map { "\(escape(comparison.labels[$0])) \(rankText(therapist.ranks[$0]))" }
                svg += "<g class=\"\(kind)\"><title>\(escape(therapist.therapistId)): \(path.joined(separator: " → "))</title>"
                for rule in 0..<max(rules - 1, 0) {
                    let from = therapist.ranks[rule], to = therapist.ranks[rule + 1]
                    let dashed = from == nil || to == nil ? " class=\"unranked\"" : ""
                    svg += "<line\(dashed) x1=\"\(n(x(rule)))\" y1=\"\(n(y(from)))\" x2=\"\(n(x(rule + 1)))\" y2=\"\(n(y(to)))\"/>"
                }
                for rule in 0..<rules {
                    let dot = therapist.basement[rule] ? "dot in-basement" : "dot"
                    svg += "<circle class=\"\(dot)\" cx=\"\(n(x(rule)))\" cy=\"\(n(y(therapist.ranks[rule])))\" r=\"\(n(radius))\"/>"
                }
                svg += "</g>"
            }
        }

        if labelled {
            for therapist in comparison.therapists {
                if let rank = therapist.ranks.first ?? nil {
                    svg += "<text class=\"label\" x=\"\(n(x(0) - 8))\" y=\"\(n(y(rank) + 4))\" text-anchor=\"end\">\(escape(therapist.therapistId)) #\(rank)</text>"
                }
                if rules > 1, let rank = therapist.ranks[rules - 1] {
                    svg += "<text class=\"label\" x=\"\(n(x(rules - 1) + 8))\" y=\"\(n(y(rank) + 4))\">#\(rank) \(escape(therapist.therapistId))</text>"
                }
            }
        }
        svg += "</svg>"
        svg += "<figcaption><span class=\"key enters\">enters the basement</span> <span class=\"key leaves\">leaves it</span> "
        svg += "<span class=\"key stays\">stays in it</span> <span class=\"key moves\">other therapists</span> "
        svg += "<span class=\"key zone\">basement ranks</span>. Hover a line for the therapist’s ranks.</figcaption>"
        svg += "</figure>"
        return svg
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

    private static let css = """

        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;margin:2rem auto;max-width:72rem;padding:0 1rem}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d9e2ec;padding-bottom:.2rem}
        h3{font-size:1rem;margin-bottom:.3rem}.lead{color:#52606d}
        table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d9e2ec;padding:.25rem .5rem;vertical-align:top;text-align:left}
        thead th{background:#f0f4f8}td.n{text-align:right;white-space:nowrap}td.diagonal{color:#9aa5b1}
        table.rules td:nth-child(6),table.rules td:nth-child(7){font-size:.85rem;max-width:24rem}
        tr.enters td{background:#fdecea}tr.leaves td{background:#e9f7ef}td.in-basement{background:#fdecea}
        .up{color:#1e8449}.down{color:#c0392b}.mark{color:#c0392b}small{color:#52606d}code{font-size:.85rem}
        figure{margin:0;overflow-x:auto}figcaption{font-size:.85rem;color:#52606d;margin-top:.3rem}
        svg text{font:12px system-ui,sans-serif;fill:#1f2933}svg text.rule{font-weight:600;font-size:13px}
        svg text.tick{fill:#7b8794;font-size:11px}svg text.label{font-size:11px}
        svg .axis{stroke:#bcccdc;stroke-width:1}svg .band{stroke:#bcccdc;stroke-dasharray:2 3}svg .zone{fill:#c0392b;fill-opacity:.12}
        svg g line{stroke-width:1.2;fill:none}svg g line.unranked{stroke-dasharray:3 3;stroke-opacity:.6}
        svg g.moves line{stroke:#9aa5b1;stroke-opacity:.55}svg g.moves .dot{fill:#9aa5b1}
        svg g.stays line{stroke:#7b3f00;stroke-opacity:.8}svg g.stays .dot{fill:#7b3f00}
        svg g.enters line{stroke:#c0392b;stroke-width:2}svg g.enters .dot{fill:#c0392b}
        svg g.leaves line{stroke:#1e8449;stroke-width:2;stroke-dasharray:6 3}svg g.leaves .dot{fill:#1e8449}
        svg .dot.in-basement{stroke:#c0392b;stroke-width:1.5;fill:#fff}
        .key{display:inline-block;padding:0 .4rem;border-left:14px solid}.key.enters{border-color:#c0392b}
        .key.leaves{border-color:#1e8449}.key.stays{border-color:#7b3f00}.key.moves{border-color:#9aa5b1}.key.zone{border-color:#f4cfcb}

        """
}
