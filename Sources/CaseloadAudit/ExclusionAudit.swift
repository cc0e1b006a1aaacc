import Caseload
public import CaseloadCoding
public import CaseloadDomain
import EventStore

/// Which exclusion events `caseload audit exclusions` lists.
public struct ExclusionFilter: Sendable, Hashable {
    /// Only cases of this therapist.
    public var therapistId: String?
    /// Only events this actor caused (a decision's decider, a request's therapist), `kind:id`.
    public var actor: String?
    /// Only events about this category (see ``ExclusionRecord/reason``).
    public var reason: ExclusionReason?
    /// Only events that occurred at or after this instant.
    public var since: Timestamp?
    /// Only events that occurred at or before this instant.
    public var until: Timestamp?

    public init(
        therapistId: String? = nil, actor: String? = nil, reason: ExclusionReason? = nil, since: Timestamp? = nil,
        until: Timestamp? = nil
    ) {
        self.therapistId = therapistId
        self.actor = actor
        self.reason = reason
        self.since = since
        self.until = until
    }

    /// An `--agent` value as an actor: `agent-7` means `support:agent-7`; a
    /// full `kind:id` (such as `system:antifraud`) is taken as it is.
    public static func agentActor(_ text: String) -> String {
        text.contains(":") ? text : Initiator.support(text).description
    }
}

/// One exclusion event: a request, a grant, an exclusion on support's own
/// initiative, a denial or a revocation, with who did it, why, and what it
/// answers.
///
/// One row per event rather than one per case: each event is its own
/// decision with its own actor and time, which is what `--agent`, `--since`
/// and `--until` select on; a per-case row would have to either hide the
/// parts of a history outside the filters or show events that do not match
/// them. The context a decision needs is carried on its row instead
/// (``answers``: the request it granted or denied, the exclusion it revoked).
public struct ExclusionRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The therapist asked for the chat to be excluded (ExclusionRequested).
        case requested
        /// Support excluded the chat, granting a pending request (ChatExcluded).
        case granted
        /// Support (or anti-fraud) excluded the chat with no request pending (ChatExcluded).
        case excluded
        /// Support turned a request down (ExclusionDenied).
        case denied
        /// Support put an excluded chat back into statistics (ExclusionRevoked).
        case revoked
    }

    /// An earlier exclusion event of the same case that a row answers.
    public struct Answered: Sendable, Hashable {
        public var position: Int64
        public var occurredAt: Timestamp
        public var kind: Kind
        public var actor: String
        public var reason: ExclusionReason?
        public var explanation: String?
        public var evidence: [String]
    }

    public var position: Int64
    public var occurredAt: Timestamp
    public var caseId: String
    /// From the case's InquiryOpened; nil if the case stream has none (a damaged log).
    public var therapistId: String?
    public var clientId: String?
    public var kind: Kind
    /// Who did it: the therapist for a request, the decider otherwise.
    public var actor: String
    /// The category concerned: a request's or an exclusion's own; for a
    /// denial, the denied request's; for a revocation, the revoked exclusion's.
    public var reason: ExclusionReason?
    /// This event's own words: the therapist's for a request, support's for a denial or revocation.
    public var explanation: String?
    /// Evidence references (screenshot ids) a request gave.
    public var evidence: [String]
    /// The request a grant or denial answers; the exclusion a revocation ends.
    public var answers: Answered?
}

extension Audit {
    /// The event types an exclusion history is made of.
    public static let exclusionTypes: [EventType] = [.exclusionRequested, .chatExcluded, .exclusionDenied, .exclusionRevoked]

    /// Exclusion requests, grants, denials and revocations that pass
    /// `filter`, in position order.
    ///
    /// Reads the four exclusion types from the type index, one type per
    /// query: a query for one type walks the (type, position) index in
    /// order, where one for several would make SQLite sort every remaining
    /// match for each batch. The case's therapist comes from the first event
    /// of its stream (its InquiryOpened), read once per case.
    public func exclusions(_ filter: ExclusionFilter = ExclusionFilter()) async throws -> [ExclusionRecord] {
        if let since = filter.since, let until = filter.until, since > until {
            throw AuditError(.invalidArgument, "--since \(since) is after --until \(until)")
        }
        // Up to the head as it is now, so the four reads see the same log.
        let head = try await store.head().position
        var events: [RecordedEvent] = []
        for type in Self.exclusionTypes {
            // `until` can go to the store: within a case time never goes
            // backwards, so every case keeps a prefix of its history — all a
            // row's context needs.
            let query = LogQuery(
                limit: batchSize, types: [type.name], occurredAtOrBefore: filter.until, upToPosition: head)
            for try await batch in store.batches(query) { events.append(contentsOf: batch) }
        }
        events.sort { $0.position < $1.position }

        var open: [String: (request: ExclusionRecord.Answered?, exclusion: ExclusionRecord.Answered?)] = [:]
        var rows: [ExclusionRecord] = []
        for record in events {
            let event = try record.domainEvent()
            guard let caseId = event.caseId else { continue }
            var state = open[caseId] ?? (nil, nil)
            let at = record.metadata.occurredAt, actor = record.metadata.actor
            var row = ExclusionRecord(
                position: record.position, occurredAt: at, caseId: caseId, kind: .requested, actor: actor, reason: nil,
                explanation: nil, evidence: [], answers: nil)
            switch event {
            case .exclusionRequested(let e):
                row.reason = e.reason
                row.explanation = e.explanation
                row.evidence = e.evidence
                state.request = .init(
                    position: record.position, occurredAt: at, kind: .requested, actor: actor, reason: e.reason,
                    explanation: e.explanation, evidence: e.evidence)
            case .chatExcluded(let e):
                row.kind = state.request == nil ? .excluded : .granted
                row.reason = e.reason
                row.answers = state.request
                state.request = nil
                state.exclusion = .init(
                    position: record.position, occurredAt: at, kind: row.kind, actor: actor, reason: e.reason,
                    explanation: nil, evidence: [])
            case .exclusionDenied(let e):
                row.kind = .denied
                row.reason = state.request?.reason
                row.explanation = e.explanation
                row.answers = state.request
                state.request = nil
            case .exclusionRevoked(let e):
                row.kind = .revoked
                row.reason = state.exclusion?.reason
                row.explanation = e.explanation
                row.answers = state.exclusion
                state.exclusion = nil
            default:
                continue
            }
            open[caseId] = state
            if let actor = filter.actor, row.actor != actor { continue }
            if let reason = filter.reason, row.reason != reason { continue }
            if let since = filter.since, row.occurredAt < since { continue }
            rows.append(row)
        }

        let parties = try await caseParties(Set(rows.map(\.caseId)))
        var result: [ExclusionRecord] = []
        result.reserveCapacity(rows.count)
        for var row in rows {
            row.therapistId = parties[row.caseId]?.therapistId
            row.clientId = parties[row.caseId]?.clientId
            if let therapistId = filter.therapistId, row.therapistId != therapistId { continue }
            result.append(row)
        }
        return result
    }

    /// Each case's therapist and client, from the first event of its stream.
    func caseParties(_ caseIds: Set<String>) async throws -> [String: (therapistId: String, clientId: String)] {
        var parties: [String: (therapistId: String, clientId: String)] = [:]
        for (caseId, events) in try await readCaseStreams(caseIds.sorted(), limit: 1) {
            if case .inquiryOpened(let e)? = try events.first?.domainEvent() {
                parties[caseId] = (e.therapistId, e.clientId)
            }
        }
        return parties
    }
}
