import Caseload
public import CaseloadCoding
import CaseloadDomain
public import EventStore
public import struct Foundation.UUID

/// One event of the log as an auditor reads it: where it is, when it
/// happened, who caused it, and what it changed, in words.
public struct AuditEntry: Sendable, Hashable {
    public var position: Int64
    public var eventId: UUID
    public var stream: String
    public var streamVersion: Int64
    public var type: String
    /// Business time: when it happened.
    public var occurredAt: Timestamp
    /// When the log recorded it (differs from `occurredAt` for imports and late reports).
    public var recordedAt: Timestamp
    /// Who caused it, `kind:id`.
    public var actor: String
    /// The case it concerns, for case-stream events.
    public var caseId: String?
    /// What it changed, for people: "session s3 booked for 2024-03-05 10:00 at 3000.00 UAH".
    public var description: String
    /// The payload as stored (JSON), for `--json`.
    public var payload: EventPayload

    public init(
        position: Int64, eventId: UUID, stream: String, streamVersion: Int64, type: String, occurredAt: Timestamp,
        recordedAt: Timestamp, actor: String, caseId: String?, description: String, payload: EventPayload
    ) {
        self.position = position
        self.eventId = eventId
        self.stream = stream
        self.streamVersion = streamVersion
        self.type = type
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.caseId = caseId
        self.description = description
        self.payload = payload
    }

    init(_ record: RecordedEvent, event: CaseloadEvent?, description: String) {
        self.init(
            position: record.position, eventId: record.id, stream: record.stream.rawValue,
            streamVersion: record.streamVersion, type: record.type, occurredAt: record.metadata.occurredAt,
            recordedAt: record.metadata.recordedAt, actor: record.metadata.actor, caseId: event?.caseId,
            description: description, payload: record.payload)
    }
}

/// Describes events in words. Folded along one case stream it knows the
/// context (the session's booking, whether a reply is the first, whether a
/// request is pending), so its words say more; fresh, it describes an event
/// on its own (an actor's actions span many streams).
struct EventNarrator {
    private var openedAt: Timestamp?
    private var replied = false
    private var sessions: [String: (start: Timestamp, price: Money)] = [:]
    private var charged = 0
    private var pendingRequest: ExclusionReason?
    /// Whether this narrator has seen the stream from its start.
    private let knowsContext: Bool

    /// `inContext`: events will come in stream order from the stream's first.
    init(inContext: Bool) { knowsContext = inContext }

    /// An entry for `record`; a payload that does not decode is shown, not hidden.
    mutating func entry(_ record: RecordedEvent) -> AuditEntry {
        do {
            let event = try record.domainEvent()
            return AuditEntry(record, event: event, description: describe(event, actor: record.metadata.actor, at: record.metadata.occurredAt))
        } catch {
            return AuditEntry(record, event: nil, description: "unreadable \(record.type) event: \(error.reason)")
        }
    }

    mutating func describe(_ event: CaseloadEvent, actor: String, at time: Timestamp) -> String {
        switch event {
        case .therapistJoined(let e):
            return "therapist \(e.therapistId) joined the platform"
        case .cancellationPolicySet(let e):
            return "cancellation notice of therapist \(e.therapistId) set to \(e.noticeHours) h"
        case .profileViewed(let e):
            return "profile of therapist \(e.therapistId) viewed" + (e.visitorId.map { " by visitor \($0)" } ?? "")
        case .inquiryOpened(let e):
            openedAt = time
            var text = e.rematchedFrom.map { "case opened by re-match from case \($0): client \(e.clientId) with therapist \(e.therapistId)" }
                ?? "inquiry opened: client \(e.clientId) wrote to therapist \(e.therapistId)"
            text += " (\(e.format.rawValue)\(e.oneOff ? ", declared a one-off consultation" : ""))"
            return text
        case .therapistReplied:
            defer { replied = true }
            guard knowsContext, !replied, let openedAt else { return "therapist replied" }
            let seconds = max(0, time.microseconds(since: openedAt) / 1_000_000)
            return "therapist replied (first reply, \(AuditText.duration(seconds: seconds)) after the inquiry)"
        case .sessionBooked(let e):
            sessions[e.sessionId] = (e.scheduledStart, e.price)
            return "session \(e.sessionId) booked for \(AuditText.minute(e.scheduledStart)) at \(AuditText.money(e.price))"
        case .sessionHeld(let e):
            return "session \(e.sessionId) held" + chargedNote()
        case .sessionCancelled(let e):
            switch (e.by, e.late) {
            case (.client, true):
                return "session \(e.sessionId): late cancellation by the client under a \(e.policyNoticeHours) h policy: charged" + chargedNote()
            case (.client, false):
                return "session \(e.sessionId) cancelled by the client in time under a \(e.policyNoticeHours) h policy: not charged"
            case (.therapist, _):
                return "session \(e.sessionId) cancelled by the therapist: not charged"
            }
        case .sessionMissed(let e):
            return "session \(e.sessionId) missed (client no-show): charged" + chargedNote()
        case .caseEnded(let e):
            return "case ended: \(AuditText.label(e.reason))"
        case .exclusionRequested(let e):
            pendingRequest = e.reason
            return "exclusion requested (\(AuditText.label(e.reason))): \(AuditText.quoted(e.explanation)); evidence: \(AuditText.list(e.evidence))"
        case .chatExcluded(let e):
            defer { pendingRequest = nil }
            var text = "chat excluded (\(AuditText.label(e.reason))) by \(actor)"
            if knowsContext {
                if let requested = pendingRequest {
                    text += requested == e.reason
                        ? ", granting the therapist's request"
                        : ", granting the therapist's request (\(AuditText.label(requested)))"
                } else {
                    text += " on its own initiative"
                }
            }
            return text + ": left out of statistics"
        case .exclusionDenied(let e):
            defer { pendingRequest = nil }
            let what = knowsContext ? pendingRequest.map { " (\(AuditText.label($0)))" } ?? "" : ""
            return "exclusion request\(what) denied by \(actor): \(AuditText.quoted(e.explanation))"
        case .exclusionRevoked(let e):
            return "exclusion revoked by \(actor): \(AuditText.quoted(e.explanation)); the chat counts again"
        case .refusalFiled(let e):
            return "refusal filed after the first session (\(AuditText.label(e.reason))): \(AuditText.quoted(e.explanation))"
        case .refusalResolved(let e):
            let outcome = switch e.outcome {
            case .refunded: "client refunded"
            case .closed: "case closed"
            case .rematched: "client re-matched to therapist \(e.newTherapistId ?? "?") in case \(e.newCaseId ?? "?")"
            }
            return "refusal resolved by \(actor): \(outcome)"
        case .antifraudFlagRaised(let e):
            return "anti-fraud flag raised (rule \(e.rule)); evidence: \(AuditText.list(e.evidence))"
        case .antifraudFlagDisputed(let e):
            return "therapist disputed the anti-fraud flag: \(AuditText.quoted(e.explanation)); evidence: \(AuditText.list(e.evidence))"
        case .antifraudFlagCleared(let e):
            return "anti-fraud flag cleared by \(actor): \(AuditText.quoted(e.explanation))"
        case .antifraudFlagConfirmed(let e):
            return "anti-fraud flag confirmed by \(actor): \(AuditText.quoted(e.explanation))"
        case .clientDataErased(let e):
            return "personal data of client \(e.clientId) erased by \(actor) (\(e.fields.joined(separator: ", "))): \(e.records) sealed value\(e.records == 1 ? "" : "s") destroyed"
        }
    }

    /// After a charged session: whether it was the first (the conversion).
    private mutating func chargedNote() -> String {
        charged += 1
        return knowsContext && charged == 1 ? "; first session: the case converted" : ""
    }
}
