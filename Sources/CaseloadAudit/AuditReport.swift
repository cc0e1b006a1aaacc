public import CaseloadCoding
import CaseloadStatistics

/// Audit answers as tables for people and JSON for programs. The CLI only
/// prints what these return.
public enum AuditReport {
    /// Columns padded to their widest cell, with no spaces at the ends of lines.
    static func render(_ rows: [[String]], rightAligned: Set<Int> = [], minimumWidths: [Int] = []) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for (index, width) in minimumWidths.enumerated() where index < widths.count { widths[index] = width }
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            var line = row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n") + "\n"
    }

    // MARK: Case timeline

    public static func table(_ timeline: CaseTimeline) -> String {
        var text = "case \(timeline.caseId)"
        if let client = timeline.clientId, let therapist = timeline.therapistId {
            text += ": client \(client) with therapist \(therapist)"
        }
        text += "\n"
        if let from = timeline.rematchedFrom { text += "re-matched from case \(from)\n" }
        if let to = timeline.rematchedTo {
            text += "re-matched to case \(to)\(timeline.rematchedToTherapist.map { " (therapist \($0))" } ?? "")\n"
        }
        var rows = [["position", "occurred", "actor", "event", "what"]]
        for entry in timeline.entries {
            rows.append([String(entry.position), AuditText.minute(entry.occurredAt), entry.actor, entry.type, entry.description])
        }
        return text + render(rows, rightAligned: [0])
    }

    /// `{"caseId", "clientId", "therapistId", "rematchedFrom", "rematchedTo": {"caseId", "therapistId"} | null, "events": [...]}`.
    public static func json(_ timeline: CaseTimeline) -> String {
        var writer = JSONWriter(capacity: 512 * (timeline.entries.count + 1))
        writer.beginObject()
        writer.key("caseId"); writer.string(timeline.caseId)
        writer.key("clientId"); writer.optionalString(timeline.clientId)
        writer.key("therapistId"); writer.optionalString(timeline.therapistId)
        writer.key("rematchedFrom"); writer.optionalString(timeline.rematchedFrom)
        writer.key("rematchedTo")
        if let to = timeline.rematchedTo {
            writer.beginObject()
            writer.key("caseId"); writer.string(to)
            writer.key("therapistId"); writer.optionalString(timeline.rematchedToTherapist)
            writer.endObject()
        } else {
            writer.null()
        }
        writer.key("events")
        writer.beginArray()
        for entry in timeline.entries { write(entry, withStream: false, into: &writer) }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    static func write(_ entry: AuditEntry, withStream: Bool, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("position"); writer.int(entry.position)
        if withStream {
            writer.key("stream"); writer.string(entry.stream)
            writer.key("caseId"); writer.optionalString(entry.caseId)
        }
        writer.key("streamVersion"); writer.int(entry.streamVersion)
        writer.key("eventId"); writer.string(entry.eventId.uuidString.lowercased())
        writer.key("type"); writer.string(entry.type)
        writer.key("occurredAt"); writer.string(entry.occurredAt.iso8601)
        writer.key("recordedAt"); writer.string(entry.recordedAt.iso8601)
        writer.key("actor"); writer.string(entry.actor)
        writer.key("description"); writer.string(entry.description)
        writer.key("data"); writer.raw(entry.payload.bytes)
        writer.endObject()
    }

    // MARK: An actor's actions

    public static func table(actor: String, _ entries: [AuditEntry]) -> String {
        var table = ActionsTable(actor: actor)
        return table.rows(entries) + table.footer()
    }

    /// `{"actor", "since", "until", "events": [...]}`.
    public static func json(actor: String, since: Timestamp?, until: Timestamp?, _ entries: [AuditEntry]) -> String {
        var json = ActionsJSON(actor: actor, since: since, until: until)
        return json.events(entries) + json.closing()
    }

    /// The actions table a batch at a time, for a history too long to hold:
    /// columns widen as wider cells arrive (never narrow), and the count
    /// comes last.
    public struct ActionsTable: Sendable {
        let actor: String
        private var widths = [8, 16, 6, 5]
        private var count = 0

        public init(actor: String) { self.actor = actor }

        /// The header (before the first batch) and the batch's rows.
        public mutating func rows(_ entries: [AuditEntry]) -> String {
            var rows: [[String]] = count == 0 ? [["position", "occurred", "stream", "event", "what"]] : []
            for entry in entries {
                rows.append([String(entry.position), AuditText.minute(entry.occurredAt), entry.stream, entry.type, entry.description])
            }
            count += entries.count
            guard !rows.isEmpty else { return "" }
            for row in rows { for index in widths.indices { widths[index] = max(widths[index], row[index].count) } }
            return render(rows, rightAligned: [0], minimumWidths: widths)
        }

        /// "12 events by support:agent-7".
        public func footer() -> String { "\(AuditText.count(count, "event")) by \(actor)\n" }
    }

    /// ``json(actor:since:until:_:)`` a batch at a time; the pieces joined are the same text.
    public struct ActionsJSON: Sendable {
        private var opened = false
        private var opening: String

        public init(actor: String, since: Timestamp?, until: Timestamp?) {
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("actor"); writer.string(actor)
            writer.key("since"); writer.optionalString(since?.iso8601)
            writer.key("until"); writer.optionalString(until?.iso8601)
            writer.key("events")
            opening = writer.text + "["
        }

        /// The opening (with the first batch) and the batch's events.
        public mutating func events(_ entries: [AuditEntry]) -> String {
            var text = opened ? "" : opening
            for entry in entries {
                var writer = JSONWriter(capacity: 512)
                write(entry, withStream: true, into: &writer)
                if opened { text += "," }
                text += writer.text
                opened = true
            }
            return text
        }

        public mutating func closing() -> String {
            defer { opened = true }
            return (opened ? "" : opening) + "]}"
        }
    }

    // MARK: Exclusions

    public static func table(_ records: [ExclusionRecord]) -> String {
        var rows = [["position", "occurred", "case", "therapist", "event", "by", "reason", "details"]]
        for record in records {
            rows.append([
                String(record.position), AuditText.minute(record.occurredAt), record.caseId, record.therapistId ?? "?",
                record.kind.rawValue, record.actor, record.reason.map(AuditText.label) ?? "–", details(record),
            ])
        }
        return "\(AuditText.count(records.count, "exclusion event"))\n" + render(rows, rightAligned: [0])
    }

    static func details(_ record: ExclusionRecord) -> String {
        let answered = record.answers.map { "\($0.kind == .requested ? "request" : "exclusion") at \($0.position)" } ?? "?"
        switch record.kind {
        case .requested:
            return "\(AuditText.quoted(record.explanation ?? "")); evidence: \(AuditText.list(record.evidence))"
        case .granted:
            var text = "grants the \(answered)"
            if let asked = record.answers?.reason, asked != record.reason { text += " (asked: \(AuditText.label(asked)))" }
            return text
        case .excluded:
            return "on its own initiative"
        case .denied, .revoked:
            return "\(AuditText.quoted(record.explanation ?? "")) (\(record.kind == .denied ? "denies" : "revokes") the \(answered)"
                + (record.kind == .revoked ? record.answers.map { " by \($0.actor)" } ?? "" : "") + ")"
        }
    }

    /// An array of rows: `position, occurredAt, caseId, therapistId, clientId,
    /// kind, actor, reason, explanation, evidence, answers {position,
    /// occurredAt, kind, actor, reason, explanation, evidence} | null`.
    public static func json(_ records: [ExclusionRecord]) -> String {
        var writer = JSONWriter(capacity: 384 * (records.count + 1))
        writer.beginArray()
        for record in records {
            writer.beginObject()
            writer.key("position"); writer.int(record.position)
            writer.key("occurredAt"); writer.string(record.occurredAt.iso8601)
            writer.key("caseId"); writer.string(record.caseId)
            writer.key("therapistId"); writer.optionalString(record.therapistId)
            writer.key("clientId"); writer.optionalString(record.clientId)
            writer.key("kind"); writer.string(record.kind.rawValue)
            writer.key("actor"); writer.string(record.actor)
            writer.key("reason"); writer.optionalString(record.reason?.rawValue)
            writer.key("explanation"); writer.optionalString(record.explanation)
            writer.key("evidence"); strings(record.evidence, into: &writer)
            writer.key("answers")
            if let answered = record.answers {
                writer.beginObject()
                writer.key("position"); writer.int(answered.position)
                writer.key("occurredAt"); writer.string(answered.occurredAt.iso8601)
                writer.key("kind"); writer.string(answered.kind.rawValue)
                writer.key("actor"); writer.string(answered.actor)
                writer.key("reason"); writer.optionalString(answered.reason?.rawValue)
                writer.key("explanation"); writer.optionalString(answered.explanation)
                writer.key("evidence"); strings(answered.evidence, into: &writer)
                writer.endObject()
            } else {
                writer.null()
            }
            writer.endObject()
        }
        writer.endArray()
        return writer.text
    }

    static func strings(_ values: [String], into writer: inout JSONWriter) {
        writer.beginArray()
        for value in values { writer.string(value) }
        writer.endArray()
    }

    // MARK: Explain

    static func windowWords(_ explanation: MetricExplanation) -> String {
        var words = explanation.window.days.map { "the last \($0) days" } ?? "all history"
        words += explanation.window.honourExclusions ? "; exclusions honoured" : "; exclusions not honoured"
        words += explanation.window.honourRefusals ? "; refusals honoured" : "; refusals not honoured"
        words += "; fees: " + feeModelWords(explanation.window.feeModel)
        return words
    }

    static func feeModelWords(_ model: FeeModel) -> String {
        switch model {
        case .firstClientFee(let sessions, let percent): "\(sessions) sessions' price per new client + \(percent)%"
        case .flatCommission(let percent): "\(percent)% of each session"
        }
    }

    static func format(_ value: Double?, _ kind: MetricKind) -> String {
        guard let value else { return "–" }
        // A sum that saturated at Int64.max comes back as 2^63, past Int64: then as a number.
        if kind == .money, value == value.rounded(), abs(value) < 9e18 { return AuditText.amount(Int64(value)) }
        return AuditText.number(value)
    }

    public static func table(_ explanation: MetricExplanation) -> String {
        let e = explanation
        var text = "\(e.metric) of therapist \(e.therapistId), as of \(e.asOf.iso8601) (\(windowWords(e)))\n"
        text += "\(e.metric): \(e.definition)\n"
        switch e.kind {
        case .rate:
            text += "value \(format(e.value, .rate)) = \(AuditText.number(e.numerator)) ÷ \(AuditText.number(e.denominator))\n"
        case .count, .money, .median:
            text += "value \(format(e.value, e.kind))\n"
        }
        let counting = e.cases.filter(\.counts).count
        if !e.cases.isEmpty {
            text += "\(AuditText.count(e.cases.count, "case")) opened by the as-of date, \(counting) counting\n"
            var rows: [[String]]
            switch e.kind {
            case .rate:
                rows = [["case", "opened", "numerator", "denominator", "why"]]
                for c in e.cases {
                    rows.append([c.caseId, AuditText.day(c.openedAt), AuditText.number(c.numerator), AuditText.number(c.denominator), c.why])
                }
                let numerator = e.cases.reduce(0) { $0 + ($1.numerator ?? 0) }
                let denominator = e.cases.reduce(0) { $0 + ($1.denominator ?? 0) }
                rows.append(["total", "", AuditText.number(numerator), AuditText.number(denominator), e.viewsRole == .denominator ? "views by day below" : ""])
            case .count, .money:
                rows = [["case", "opened", "adds", "why"]]
                for c in e.cases { rows.append([c.caseId, AuditText.day(c.openedAt), format(c.value, e.kind), c.why]) }
                rows.append(["total", "", format(e.cases.reduce(0) { $0 + ($1.value ?? 0) }, e.kind), ""])
            case .median:
                rows = [["case", "opened", "seconds", "why"]]
                for c in e.cases { rows.append([c.caseId, AuditText.day(c.openedAt), c.value.map { AuditText.number($0) } ?? "–", c.why]) }
            }
            text += render(rows, rightAligned: e.kind == .rate ? [2, 3] : [2])
        }
        if let role = e.viewsRole {
            text += "profile views by day (\(role == .value ? "they sum to the value" : "they sum to the denominator")):\n"
            var rows = [["day", "views"]]
            for day in e.viewsByDay { rows.append([day.day, String(day.views)]) }
            rows.append(["total", String(e.viewsByDay.reduce(0) { $0 + $1.views })])
            text += render(rows, rightAligned: [1])
        }
        if !e.ongoingClients.isEmpty {
            text += "\(AuditText.count(e.ongoingClients.count, "client")) in ongoing therapy (a session held or booked in the last \(e.ongoingWithinDays) days): a platform delisting \(e.therapistId) would tell them to leave\n"
            var rows = [["client", "sessions", "cases"]]
            for client in e.ongoingClients { rows.append([client.clientId, String(client.sessions), client.caseIds.joined(separator: ", ")]) }
            text += render(rows, rightAligned: [1])
        }
        return text
    }

    /// `{"therapistId", "metric", "kind", "definition", "asOf", "days",
    /// "windowStart", "honourExclusions", "honourRefusals", "feeModel",
    /// "value", "numerator", "denominator", "cases": [{"caseId", "clientId",
    /// "openedAt", "rematchedFrom", "value" | "numerator", "denominator",
    /// "counts", "why"}], "viewsByDay": [{"day", "views"}], "viewsRole",
    /// "ongoingWithinDays", "ongoingClients": [{"clientId", "sessions", "caseIds"}]}`.
    public static func json(_ explanation: MetricExplanation) -> String {
        let e = explanation
        var writer = JSONWriter(capacity: 256 * (e.cases.count + e.viewsByDay.count + 1))
        writer.beginObject()
        writer.key("therapistId"); writer.string(e.therapistId)
        writer.key("metric"); writer.string(e.metric.name)
        writer.key("kind"); writer.string(e.kind.rawValue)
        writer.key("definition"); writer.string(e.definition)
        writer.key("asOf"); writer.string(e.asOf.iso8601)
        writer.key("days"); if let days = e.window.days { writer.int(days) } else { writer.null() }
        writer.key("windowStart"); writer.optionalString(e.windowStart?.iso8601)
        writer.key("honourExclusions"); writer.bool(e.window.honourExclusions)
        writer.key("honourRefusals"); writer.bool(e.window.honourRefusals)
        writer.key("feeModel")
        writer.beginObject()
        switch e.window.feeModel {
        case .firstClientFee(let sessions, let percent):
            writer.key("model"); writer.string("firstClientFee")
            writer.key("sessionsOwed"); writer.int(sessions)
            writer.key("commissionPercent"); writer.int(percent)
        case .flatCommission(let percent):
            writer.key("model"); writer.string("flatCommission")
            writer.key("commissionPercent"); writer.int(percent)
        }
        writer.endObject()
        writer.key("value"); writer.optionalDouble(e.value)
        writer.key("numerator"); writer.optionalDouble(e.numerator)
        writer.key("denominator"); writer.optionalDouble(e.denominator)
        writer.key("cases")
        writer.beginArray()
        for c in e.cases {
            writer.beginObject()
            writer.key("caseId"); writer.string(c.caseId)
            writer.key("clientId"); writer.string(c.clientId)
            writer.key("openedAt"); writer.string(c.openedAt.iso8601)
            writer.key("rematchedFrom"); writer.optionalString(c.rematchedFrom)
            if e.kind == .rate {
                writer.key("numerator"); writer.optionalDouble(c.numerator)
                writer.key("denominator"); writer.optionalDouble(c.denominator)
            } else {
                writer.key("value"); writer.optionalDouble(c.value)
            }
            writer.key("counts"); writer.bool(c.counts)
            writer.key("why"); writer.string(c.why)
            writer.endObject()
        }
        writer.endArray()
        writer.key("viewsByDay")
        writer.beginArray()
        for day in e.viewsByDay {
            writer.beginObject()
            writer.key("day"); writer.string(day.day)
            writer.key("views"); writer.int(day.views)
            writer.endObject()
        }
        writer.endArray()
        writer.key("viewsRole"); writer.optionalString(e.viewsRole?.rawValue)
        writer.key("ongoingWithinDays"); writer.int(e.ongoingWithinDays)
        writer.key("ongoingClients")
        writer.beginArray()
        for client in e.ongoingClients {
            writer.beginObject()
            writer.key("clientId"); writer.string(client.clientId)
            writer.key("sessions"); writer.int(client.sessions)
            writer.key("caseIds"); strings(client.caseIds, into: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text
    }
}
