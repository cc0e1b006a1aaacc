import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics

/// How audit output writes times, durations, money and the domain's
/// categories for people. JSON keeps the raw values; these are for text.
enum AuditText {
    /// `2024-03-05 10:00` (UTC), with seconds only when they are not zero.
    static func minute(_ time: Timestamp) -> String {
        let iso = time.iso8601  // 2024-03-05T10:00:00Z or with a fraction
        var text = String(iso.dropLast())  // drop the Z
        if let dot = text.firstIndex(of: ".") { text = String(text[..<dot]) }
        text = String(text.map { $0 == "T" ? " " : $0 })
        if text.hasSuffix(":00") { text.removeLast(3) }
        return text
    }

    /// `2024-03-05` (the UTC day).
    static func day(_ time: Timestamp) -> String { time.iso8601Date }

    /// `2 h 30 min`, `45 min`, `3 d 2 h`, `30 s`: a duration to the unit that matters.
    static func duration(seconds total: Int64) -> String {
        let days = total / 86_400, hours = total % 86_400 / 3600, minutes = total % 3600 / 60, seconds = total % 60
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        if minutes > 0 { return "\(minutes) min" }
        return "\(seconds) s"
    }

    /// `3000.00 UAH`.
    static func money(_ money: Money) -> String { "\(StatisticsReport.money(money.amount)) \(money.currency)" }

    /// Minor units as `3000.00`, without the currency (as explain has always printed them).
    static func amount(_ minor: Int64) -> String { StatisticsReport.money(minor) }

    /// A count or a rate for people: whole numbers plainly, others to 4 decimals.
    static func number(_ value: Double?) -> String {
        guard let value else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String.fixed4(value)
    }

    /// "1 session", "2 sessions".
    static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }

    static func quoted(_ text: String) -> String { "\u{201C}\(text)\u{201D}" }

    static func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: ", ") }

    static func label(_ reason: ExclusionReason) -> String {
        switch reason {
        case .spam: "spam"
        case .platformTest: "platform test"
        case .randomCharacters: "random characters"
        case .certificateRequest: "certificate request"
        case .abusiveMessages: "abusive messages"
        case .dangerousProposal: "dangerous proposal"
        case .accidentalContact: "accidental contact"
        case .duplicateChat: "duplicate chat"
        }
    }

    static func label(_ reason: RefusalReason) -> String {
        switch reason {
        case .outsideCompetence: "outside competence"
        case .needsOtherSpecialist: "needs another specialist"
        case .boundaryViolation: "boundary violation"
        case .personalTrigger: "personal trigger"
        case .ethicalIncompatibility: "ethical incompatibility"
        case .other: "other professional reason"
        }
    }

    static func label(_ reason: CaseEndReason) -> String {
        switch reason {
        case .clientStopped: "the client stopped"
        case .oneOffCompleted: "one-off consultation completed"
        case .goalsReached: "goals reached"
        case .other: "other reason"
        }
    }
}

extension String {
    /// `value` with 4 decimals, without Foundation's `String(format:)`.
    static func fixed4(_ value: Double) -> String {
        // Past 10^14 the scaled value no longer fits an Int64 (and four
        // decimals mean nothing): such a figure, or one not finite, is written as Swift writes it.
        guard value.isFinite, abs(value) < 1e14 else { return value.description }
        let scaled = (abs(value) * 10_000).rounded()
        let whole = Int64(scaled / 10_000)
        var fraction = String(Int64(scaled) - whole * 10_000)
        while fraction.count < 4 { fraction = "0" + fraction }
        return (value < 0 && scaled != 0 ? "-" : "") + String(whole) + "." + fraction
    }
}
