import CaseloadCoding
import CaseloadStatistics

// CSV (RFC 4180 quoting, "\n" line ends, empty for null) and compact JSON
// (CaseloadCoding's JSONWriter, keys in a fixed order) for ratings and
// comparisons. Numbers are written as JSON writes them: integral values
// without a fraction, others in Swift's shortest round-tripping form.

extension RatingResult {
    /// One line per row: `therapistId,rank,score,tier,basement,reason`, then
    /// one column per metric of the rule.
    ///
    /// When the rating was analysed (``RatingAnalysis``), four more columns
    /// follow: `pBasement` (empty for a rule without a basement),
    /// `ongoingClients`, `ongoingAfter5Sessions`, `ongoingAfter10Sessions`.
    public func csv() -> String {
        let analysed = harm != nil
        var header = ["therapistId", "rank", "score", "tier", "basement", "reason"] + rule.metrics.map(\.name)
        if analysed { header += ["pBasement", "ongoingClients", "ongoingAfter5Sessions", "ongoingAfter10Sessions"] }
        var table = CSVTable(header: header)
        for row in rows {
            var line = [
                row.therapistId, CSVTable.field(row.rank), CSVTable.field(row.score), row.tier ?? "", String(row.basement),
                row.reason ?? "",
            ] + row.metrics.map { CSVTable.field($0.value) }
            if analysed {
                let ongoing = row.ongoing ?? OngoingCount()
                line += [
                    CSVTable.field(row.pBasement), String(ongoing.clients), String(ongoing.after5Sessions),
                    String(ongoing.after10Sessions),
                ]
            }
            table.append(line)
        }
        return table.text
    }

    /// A JSON array of rows, ordered by rank:
    /// `{"therapistId", "rank", "score", "tier", "basement", "reason", "metrics": {name: value}}`
    /// with `null` for what is undefined. When the rating was analysed
    /// (``RatingAnalysis``), each row also has `"pBasement"` (null for a rule
    /// without a basement) and `"ongoingClients": {"clients",
    /// "after5Sessions", "after10Sessions"}`: the basement's harm is the sum
    /// over its rows.
    public func json() -> String {
        var writer = JSONWriter(capacity: 128 * rows.count + 2)
        writer.beginArray()
        for row in rows {
            writer.beginObject()
            writer.key("therapistId")
            writer.string(row.therapistId)
            writer.key("rank")
            if let rank = row.rank { writer.int(rank) } else { writer.null() }
            writer.key("score")
            writer.optionalDouble(row.score)
            writer.key("tier")
            writer.optionalString(row.tier)
            writer.key("basement")
            writer.bool(row.basement)
            writer.key("reason")
            writer.optionalString(row.reason)
            writer.key("metrics")
            writer.beginObject()
            for figure in row.metrics {
                writer.key(figure.name)
                writer.optionalDouble(figure.value)
            }
            writer.endObject()
            if harm != nil {
                writer.key("pBasement")
                writer.optionalDouble(row.pBasement)
                writer.key("ongoingClients")
                writer.ongoing(row.ongoing ?? OngoingCount())
            }
            writer.endObject()
        }
        writer.endArray()
        return writer.text
    }
}

extension JSONWriter {
    /// `{"clients", "after5Sessions", "after10Sessions"}`.
    mutating func ongoing(_ count: OngoingCount) {
        beginObject()
        key("clients")
        int(count.clients)
        key("after5Sessions")
        int(count.after5Sessions)
        key("after10Sessions")
        int(count.after10Sessions)
        endObject()
    }

    /// A rule's harm and basement odds, as keys of the object being written.
    mutating func analysis(_ result: RatingResult) {
        if let harm = result.harm {
            key("harm")
            beginObject()
            key("hasBasement")
            bool(harm.hasBasement)
            key("withinDays")
            int(harm.withinDays)
            key("basementTherapists")
            int(harm.therapists)
            key("ongoingClients")
            ongoing(harm.clients)
            key("sentence")
            string(harm.sentence)
            endObject()
        }
        if let odds = result.basementOdds {
            key("basementOdds")
            beginObject()
            key("draws")
            int(odds.draws)
            key("seed")
            // A number, unless too large for JSON readers that parse into Int64.
            if odds.seed <= UInt64(Int64.max) { int(Int64(odds.seed)) } else { string(String(odds.seed)) }
            for (name, ids) in [("byChance", odds.byChance), ("withConfidence", odds.withConfidence)] {
                key(name)
                beginArray()
                for id in ids { string(id) }
                endArray()
            }
            endObject()
        }
    }
}

extension RatingComparison {
    /// One line per therapist: `therapistId`, then for each rule
    /// `<rule>:rank`, `<rule>:shift` (from the first rule; not for the first),
    /// `<rule>:score`, `<rule>:tier`, `<rule>:basement`. When analysed
    /// (``RatingAnalysis``), also `<rule>:pBasement` after each rule's
    /// columns, and `ongoingClients` last.
    public func csv() -> String {
        let analysed = results.contains { $0.harm != nil }
        var header = ["therapistId"]
        for (index, label) in labels.enumerated() {
            header.append("\(label):rank")
            if index > 0 { header.append("\(label):shift") }
            header += ["\(label):score", "\(label):tier", "\(label):basement"]
            if analysed { header.append("\(label):pBasement") }
        }
        if analysed { header.append("ongoingClients") }
        var table = CSVTable(header: header)
        for therapist in therapists {
            var line = [therapist.therapistId]
            for index in labels.indices {
                line.append(CSVTable.field(therapist.ranks[index]))
                if index > 0 { line.append(CSVTable.field(therapist.shift(to: index))) }
                line += [CSVTable.field(therapist.scores[index]), therapist.tiers[index] ?? "", String(therapist.basement[index])]
                if analysed { line.append(CSVTable.field(therapist.pBasement[index])) }
            }
            if analysed { line.append(String(therapist.ongoing?.clients ?? 0)) }
            table.append(line)
        }
        return table.text
    }

    /// One line per therapist who changes basement status:
    /// `from,to,therapistId,change` with change `enters` or `leaves`.
    public func basementCSV() -> String {
        var table = CSVTable(header: ["from", "to", "therapistId", "change"])
        for change in basementChanges {
            for id in change.entering { table.append([change.from, change.to, id, "enters"]) }
            for id in change.leaving { table.append([change.from, change.to, id, "leaves"]) }
        }
        return table.text
    }

    /// One line per pair of rules: `first,second,therapists,tauB`.
    public func correlationsCSV() -> String {
        var table = CSVTable(header: ["first", "second", "therapists", "tauB"])
        for correlation in correlations {
            table.append([correlation.first, correlation.second, String(correlation.therapists), CSVTable.field(correlation.tauB)])
        }
        return table.text
    }

    /// The whole comparison as one JSON object:
    /// ```
    /// {"rules": [{"name", "description", "source", "asOf", "ranked", "unranked",
    ///             "harm"?: {"hasBasement", "withinDays", "basementTherapists",
    ///                       "ongoingClients": {"clients", "after5Sessions", "after10Sessions"}, "sentence"},
    ///             "basementOdds"?: {"draws", "seed", "byChance": [...], "withConfidence": [...]}}],
    ///  "therapists": [{"therapistId", "ranks": {rule: n|null}, "shifts": {rule: n|null},
    ///                  "scores": {rule: x|null}, "tiers": {rule: s|null}, "basement": {rule: bool}}],
    ///  "basementChanges": [{"from", "to", "entering": [...], "leaving": [...], "staying": [...]}],
    ///  "kendallTau": [{"rules": [a, b], "therapists": n, "tauB": x|null}]}
    /// ```
    /// Rules are keyed by their labels; `shifts` leaves out the first rule.
    /// When analysed (``RatingAnalysis``), each therapist also has
    /// `"pBasement": {rule: x|null}` and `"ongoingClients"`.
    public func json() -> String {
        let analysed = results.contains { $0.harm != nil }
        var writer = JSONWriter(capacity: 256 * therapists.count + 1024)
        writer.beginObject()
        writer.key("rules")
        writer.beginArray()
        for (label, result) in zip(labels, results) {
            writer.beginObject()
            writer.key("name")
            writer.string(label)
            writer.key("description")
            writer.string(result.rule.description)
            writer.key("source")
            writer.string(result.rule.source)
            writer.key("asOf")
            writer.optionalString(result.asOf?.iso8601)
            writer.key("ranked")
            writer.int(result.rankedCount)
            writer.key("unranked")
            writer.int(result.rows.count - result.rankedCount)
            writer.analysis(result)
            writer.endObject()
        }
        writer.endArray()

        writer.key("therapists")
        writer.beginArray()
        for therapist in therapists {
            writer.beginObject()
            writer.key("therapistId")
            writer.string(therapist.therapistId)
            writer.key("ranks")
            writer.beginObject()
            for (index, label) in labels.enumerated() {
                writer.key(label)
                if let rank = therapist.ranks[index] { writer.int(rank) } else { writer.null() }
            }
            writer.endObject()
            writer.key("shifts")
            writer.beginObject()
            for (index, label) in labels.enumerated() where index > 0 {
                writer.key(label)
                if let shift = therapist.shift(to: index) { writer.int(shift) } else { writer.null() }
            }
            writer.endObject()
            writer.key("scores")
            writer.beginObject()
            for (index, label) in labels.enumerated() {
                writer.key(label)
                writer.optionalDouble(therapist.scores[index])
            }
            writer.endObject()
            writer.key("tiers")
            writer.beginObject()
            for (index, label) in labels.enumerated() {
                writer.key(label)
                writer.optionalString(therapist.tiers[index])
            }
            writer.endObject()
            writer.key("basement")
            writer.beginObject()
            for (index, label) in labels.enumerated() {
                writer.key(label)
                writer.bool(therapist.basement[index])
            }
            writer.endObject()
            if analysed {
                writer.key("pBasement")
                writer.beginObject()
                for (index, label) in labels.enumerated() {
                    writer.key(label)
                    writer.optionalDouble(therapist.pBasement[index])
                }
                writer.endObject()
                writer.key("ongoingClients")
                writer.ongoing(therapist.ongoing ?? OngoingCount())
            }
            writer.endObject()
        }
        writer.endArray()

        writer.key("basementChanges")
        writer.beginArray()
        for change in basementChanges {
            writer.beginObject()
            writer.key("from")
            writer.string(change.from)
            writer.key("to")
            writer.string(change.to)
            for (key, ids) in [("entering", change.entering), ("leaving", change.leaving), ("staying", change.staying)] {
                writer.key(key)
                writer.beginArray()
                for id in ids { writer.string(id) }
                writer.endArray()
            }
            writer.endObject()
        }
        writer.endArray()

        writer.key("kendallTau")
        writer.beginArray()
        for correlation in correlations {
            writer.beginObject()
            writer.key("rules")
            writer.beginArray()
            writer.string(correlation.first)
            writer.string(correlation.second)
            writer.endArray()
            writer.key("therapists")
            writer.int(correlation.therapists)
            writer.key("tauB")
            writer.optionalDouble(correlation.tauB)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text
    }
}

/// Rows of text fields written as CSV.
struct CSVTable {
    private(set) var text = ""

    init(header: [String]) { append(header) }

    mutating func append(_ fields: [String]) {
        text += fields.map(Self.quoted).joined(separator: ",")
        text += "\n"
    }

    /// A field as RFC 4180 wants it: quoted (with quotes doubled) when it
    /// holds a comma, a quote, a line break or spaces at either end.
    static func quoted(_ field: String) -> String {
        let needsQuotes = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        var quoted = "\""
        for character in field {
            quoted.append(character)
            if character == "\"" { quoted.append("\"") }
        }
        return quoted + "\""
    }

    static func field(_ value: Int?) -> String { value.map(String.init) ?? "" }

    static func field(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return ScoreExpression.format(value)
    }
}
