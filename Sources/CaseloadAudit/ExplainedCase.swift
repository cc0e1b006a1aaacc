import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics

/// One case, its contribution to every figure (computed by the statistics'
/// own snapshot over the case alone), and the words for why.
struct ExplainedCase: Sendable {
    let facts: CaseFacts
    let record: CaseRecord?
    let window: StatisticsWindow
    let asOf: Timestamp
    /// The window is (start, asOf]; nil for all history.
    let start: Timestamp?
    /// The case's contribution to each figure: the snapshot of the case alone.
    let row: TherapistStatistics
    /// Its fees under commission alone, to split platformFees into commission and the new-client fee.
    let commission: Int64

    /// - Parameter currency: the currency of the facts the case comes from.
    init(
        facts: CaseFacts, currency: CurrencyCode?, record: CaseRecord?, window: StatisticsWindow, asOf: Timestamp,
        windowStart: Timestamp?
    ) {
        self.facts = facts
        self.record = record
        self.window = window
        self.asOf = asOf
        self.start = windowStart
        // The case's own facts, as the fold left them, in facts holding
        // nothing else: no events are made up to rebuild them, so nothing
        // (a currency, a session id, a reason) is invented along the way.
        let alone = MarketplaceFacts(cases: [facts], currency: currency)
        row = alone.snapshot(window, asOf: asOf).therapists.first ?? TherapistStatistics(therapistId: facts.therapistId)
        var commissionOnly = window
        switch window.feeModel {
        case .firstClientFee(_, let percent): commissionOnly.feeModel = .flatCommission(percent: percent)
        case .flatCommission: break
        }
        commission = alone.snapshot(commissionOnly, asOf: asOf).therapists.first?.platformFees ?? 0
    }

    // MARK: Contributions

    func contribution(_ metric: Metric) -> CaseContribution {
        let part = row.metric(metric)
        var contribution = CaseContribution(
            caseId: facts.caseId, clientId: facts.clientId, openedAt: facts.openedAt,
            rematchedFrom: facts.rematchedFrom, value: nil, numerator: nil, denominator: nil, counts: false,
            why: why(metric))
        switch metric.kind {
        case .count, .money:
            contribution.value = part.value ?? 0
            contribution.counts = contribution.value != 0
        case .rate:
            contribution.numerator = part.numerator ?? 0
            contribution.denominator = part.denominator ?? 0
            contribution.counts = contribution.numerator != 0 || contribution.denominator != 0
        case .median:
            contribution.value = part.value
            contribution.counts = part.value != nil
        }
        return contribution
    }

    func why(_ metric: Metric) -> String {
        switch metric {
        case .inquiries, .profileEfficiency: inquiryWords
        case .excludedInquiries:
            switch status {
            case .excluded(let index): exclusionWords(index)
            case .counted: "counted, not excluded" + countedNote
            case .beforeWindow: beforeWindowWords
            }
        case .countedInquiries:
            switch status {
            case .excluded(let index): exclusionWords(index) + ": not counted"
            case .counted: "counted" + countedNote
            case .beforeWindow: beforeWindowWords
            }
        case .repliedInquiries, .medianFirstResponseSeconds: replyWords(seconds: metric == .medianFirstResponseSeconds)
        case .firstSessions, .conversionToFirstSession: conversionWords
        case .refusals: refusalCountWords
        case .sessionsHeld: sessionWords([.held], "held", none: "no session held in the window")
        case .lateCancellations:
            sessionWords([.lateCancellation], "late cancellation", none: "no late cancellation in the window")
        case .noShows: sessionWords([.noShow], "no-show", none: "no no-show in the window")
        case .chargedSessions: sessionWords([.held, .lateCancellation, .noShow], "charged session", none: "no charged session in the window")
        case .earlyCancellations: earlyCancellationWords
        case .sessionRevenue: revenueWords
        case .platformFees, .platformFeesPerChargedSession: feeWords
        case .platformFeesPerCountedInquiry: feeWords + "; the inquiry: " + countedWords
        case .retainedClients, .clientsWithSecondSession, .returnRate, .sessionsPerClient: retentionWords(metric)
        // No case changes the views (explain lists them per day); never asked of a case.
        case .profileViews: "counts as the statistics compute it"
        }
    }

    // MARK: Words

    private enum Status {
        case beforeWindow
        /// Excluded as of the as-of date, by the exclusion at this index.
        case excluded(Int)
        case counted
    }

    /// Read from the case's own contribution, so the words follow the numbers.
    private var status: Status {
        if row.inquiries == 0 { return .beforeWindow }
        if row.excludedInquiries == 1 { return .excluded(exclusionIndex(at: asOf) ?? -1) }
        return .counted
    }

    /// The exclusion in force at `instant`: started by then and not yet revoked.
    private func exclusionIndex(at instant: Timestamp) -> Int? {
        facts.exclusions.indices.last { facts.exclusions[$0].from <= instant && (facts.exclusions[$0].until.map { instant < $0 } ?? true) }
    }

    private func day(_ time: Timestamp) -> String { AuditText.day(time) }

    private var beforeWindowWords: String {
        "opened on \(day(facts.openedAt)), before the window" + (start.map { " (which starts after \(day($0)))" } ?? "")
    }

    /// "excluded on 2024-03-10 by support:agent-7 (spam)", from the log when it has the exclusion.
    private func exclusionWords(_ index: Int) -> String {
        guard facts.exclusions.indices.contains(index) else { return "excluded" }
        let span = facts.exclusions[index]
        guard let decision = decision(index) else { return "excluded on \(day(span.from))" }
        return "excluded on \(day(span.from)) by \(decision.excludedBy) (\(AuditText.label(decision.reason)))"
    }

    private func revocationWords(_ index: Int) -> String {
        guard let until = facts.exclusions[index].until else { return "" }
        return "revoked on \(day(until))" + (decision(index)?.revokedBy.map { " by \($0)" } ?? "")
    }

    /// The log's account of the exclusion at `index`, if it is the same one the facts hold.
    private func decision(_ index: Int) -> CaseRecord.Exclusion? {
        guard let record, record.exclusions.indices.contains(index),
            record.exclusions[index].excludedAt == facts.exclusions[index].from
        else { return nil }
        return record.exclusions[index]
    }

    private var isRefused: Bool { facts.refusedAt.map { $0 <= asOf } ?? false }

    private var refusalWords: String {
        guard let refused = facts.refusedAt else { return "not refused" }
        let reason = record?.refusal.map { " (\(AuditText.label($0.reason)))" } ?? ""
        return "refused on \(day(refused))\(reason)"
    }

    /// A counted case's exclusion history, when it has one.
    private var countedNote: String {
        if !window.honourExclusions, let index = exclusionIndex(at: asOf) {
            return "; \(exclusionWords(index)), but exclusions are not honoured here"
        }
        if let index = facts.exclusions.indices.last(where: { facts.exclusions[$0].until.map { $0 <= asOf } ?? false }) {
            return "; was \(exclusionWords(index)), \(revocationWords(index))"
        }
        if let later = facts.exclusions.first(where: { $0.from > asOf }) {
            return "; excluded only later, on \(day(later.from))"
        }
        return ""
    }

    private var countedWords: String {
        switch status {
        case .excluded(let index): exclusionWords(index) + ": not counted"
        case .counted: "counted" + countedNote
        case .beforeWindow: beforeWindowWords
        }
    }

    private var inquiryWords: String {
        switch status {
        case .beforeWindow: beforeWindowWords
        case .excluded(let index): "opened on \(day(facts.openedAt)), in the window; \(exclusionWords(index)), still an inquiry"
        case .counted: "opened on \(day(facts.openedAt)), in the window"
        }
    }

    private func replyWords(seconds: Bool) -> String {
        switch status {
        case .beforeWindow: return beforeWindowWords
        case .excluded(let index): return exclusionWords(index) + ": left out"
        case .counted:
            guard let replied = facts.firstReplyAt else { return "counted, no reply" + countedNote }
            guard row.repliedInquiries == 1 else {
                return "counted, first reply only on \(day(replied)), after the as-of date" + countedNote
            }
            let elapsed = replied.microseconds(since: facts.openedAt) / 1_000_000
            return "first reply on \(day(replied)), \(AuditText.duration(seconds: elapsed)) after the inquiry"
                + (seconds ? " (\(elapsed) s)" : "") + countedNote
        }
    }

    private static func name(_ kind: ChargedSession.Kind) -> String {
        switch kind {
        case .held: "a held session"
        case .noShow: "a charged no-show"
        case .lateCancellation: "a late cancellation (charged)"
        }
    }

    private static func short(_ kind: ChargedSession.Kind) -> String {
        switch kind {
        case .held: "held"
        case .noShow: "no-show"
        case .lateCancellation: "late cancellation"
        }
    }

    private var conversionWords: String {
        switch status {
        case .beforeWindow: return beforeWindowWords
        case .excluded(let index): return exclusionWords(index)
        case .counted:
            guard row.firstSessions == 1, let first = facts.charged.first else {
                if let first = facts.charged.first {
                    return "counted, not converted: first session only on \(day(first.at)), after the as-of date" + countedNote
                }
                return "counted, not converted" + countedNote
            }
            var text = "converted by \(Self.name(first.kind)) on \(day(first.at))"
            if isRefused { text += "; \(refusalWords) after it: stays converted" }
            return text + countedNote
        }
    }

    private var refusalCountWords: String {
        switch status {
        case .beforeWindow: beforeWindowWords
        case .excluded(let index): exclusionWords(index)
        case .counted:
            row.refusals == 1
                ? refusalWords
                : facts.refusedAt.map { "counted, refused only on \(day($0)), after the as-of date" } ?? "counted, not refused"
        }
    }

    /// The window's definition (Statistics.swift), for listing dates; the counts come from `row`.
    private func inWindow(_ instant: Timestamp) -> Bool { (start.map { instant > $0 } ?? true) && instant <= asOf }

    private var chargedInWindow: [ChargedSession] { facts.charged.filter { inWindow($0.at) } }

    private func sessionWords(_ kinds: Set<ChargedSession.Kind>, _ noun: String, none: String) -> String {
        let sessions = chargedInWindow.filter { kinds.contains($0.kind) }
        guard !sessions.isEmpty else { return none }
        let dates = sessions.map { kinds.count > 1 ? "\(day($0.at)) (\(Self.short($0.kind)))" : day($0.at) }
        return "\(AuditText.count(sessions.count, noun)) in the window: \(dates.joined(separator: ", "))"
    }

    private var earlyCancellationWords: String {
        let times = facts.uncharged.filter(inWindow)
        guard !times.isEmpty else { return "no cancellation without charge in the window" }
        return "\(AuditText.count(times.count, "cancellation")) without charge in the window: \(times.map(day).joined(separator: ", "))"
    }

    private var revenueWords: String {
        let sessions = chargedInWindow
        guard !sessions.isEmpty else { return "no charged session in the window" }
        return "charged in the window: "
            + sessions.map { "\(AuditText.amount($0.price?.amount ?? 0)) (\(day($0.at)), \(Self.short($0.kind)))" }.joined(separator: " + ")
    }

    private var feeWords: String {
        let sessions = chargedInWindow
        let difference = row.platformFees.subtractingReportingOverflow(commission)  // both may have saturated
        let newClientFee = difference.overflow ? (commission < 0 ? Int64.max : Int64.min) : difference.partialValue
        var parts: [String] = []
        if !sessions.isEmpty {
            parts.append("commission \(AuditText.amount(commission)) on \(AuditText.count(sessions.count, "charged session")) in the window")
        }
        if newClientFee != 0, let first = facts.charged.first {
            parts.append("new-client fee \(AuditText.amount(newClientFee)) (first session on \(day(first.at)))")
        }
        guard !parts.isEmpty else { return "no charged session in the window" }
        var text = parts.joined(separator: " + ")
        if newClientFee == 0, case .firstClientFee = window.feeModel, let first = facts.charged.first {
            text += "; no new-client fee: the first session was on \(day(first.at)), before the window"
        }
        return text
    }

    private func retentionWords(_ metric: Metric) -> String {
        let excludedNow = exclusionIndex(at: asOf)
        guard row.retainedClients == 1 else {
            if row.chargedSessions == 0 { return "no charged session in the window" }
            if window.honourExclusions, let index = excludedNow { return exclusionWords(index) + ": left out of retention" }
            if window.honourRefusals, isRefused { return refusalWords + ": left out of retention" }
            return "left out of retention"
        }
        var text = "seen in the window: \(AuditText.count(row.chargedSessions, "charged session")) in it"
        if metric != .sessionsPerClient {
            if row.clientsWithSecondSession == 1, facts.charged.count >= 2 {
                text += "; second charged session on \(day(facts.charged[1].at))"
            } else {
                text += "; no second charged session by the as-of date"
            }
        }
        if isRefused { text += "; \(refusalWords), but refusals are not honoured here" }
        if let index = excludedNow { text += "; \(exclusionWords(index)), but exclusions are not honoured here" }
        return text
    }
}
