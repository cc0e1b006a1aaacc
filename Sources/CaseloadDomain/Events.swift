public import CaseloadCoding

// The event payloads, one struct per event type of the contract
// (EventSchemas/README.md). Field names match the JSON keys exactly.

// MARK: - Therapist and profile streams

/// A therapist joined the platform. Opens the `therapist-<id>` stream.
public struct TherapistJoined: Sendable, Hashable {
    public var therapistId: String

    public init(therapistId: String) {
        self.therapistId = therapistId
    }
}

/// A therapist's cancellation notice, in force from the event's `occurredAt`.
public struct CancellationPolicySet: Sendable, Hashable {
    public var therapistId: String
    /// 1–720.
    public var noticeHours: Int

    public init(therapistId: String, noticeHours: Int) {
        self.therapistId = therapistId
        self.noticeHours = noticeHours
    }
}

/// Someone looked at a therapist's profile (the denominator of profile efficiency).
public struct ProfileViewed: Sendable, Hashable {
    public var therapistId: String
    public var visitorId: String?

    public init(therapistId: String, visitorId: String? = nil) {
        self.therapistId = therapistId
        self.visitorId = visitorId
    }
}

// MARK: - Case stream

/// A client wrote to a therapist: a case opens. Carries no name: the client's
/// name, when an inquiry gives one, is personal data kept outside the log
/// (see ``DecodedInput/droppedClientName``).
public struct InquiryOpened: Sendable, Hashable {
    public var caseId: String
    public var clientId: String
    public var therapistId: String
    public var format: InquiryFormat
    /// Declared a one-off consultation from the start.
    public var oneOff: Bool
    /// The refused case this one re-matches the client from.
    public var rematchedFrom: String?
    /// Where the client's name, if the inquiry gave one, is kept: a reference
    /// (`pd-<uuid>`) into the personal-data vault outside the log, so the name
    /// can be erased without rewriting history. Added in schema version 2.
    public var clientNameRef: String?

    public init(
        caseId: String, clientId: String, therapistId: String, format: InquiryFormat, oneOff: Bool,
        rematchedFrom: String? = nil, clientNameRef: String? = nil
    ) {
        self.clientNameRef = clientNameRef
        self.caseId = caseId
        self.clientId = clientId
        self.therapistId = therapistId
        self.format = format
        self.oneOff = oneOff
        self.rematchedFrom = rematchedFrom
    }
}

/// The therapist answered (the first one gives the first-response time).
public struct TherapistReplied: Sendable, Hashable {
    public var caseId: String

    public init(caseId: String) {
        self.caseId = caseId
    }
}

/// A session was booked and paid for.
public struct SessionBooked: Sendable, Hashable {
    public var caseId: String
    public var sessionId: String
    public var scheduledStart: Timestamp
    public var price: Money

    public init(caseId: String, sessionId: String, scheduledStart: Timestamp, price: Money) {
        self.caseId = caseId
        self.sessionId = sessionId
        self.scheduledStart = scheduledStart
        self.price = price
    }
}

/// A booked session took place.
public struct SessionHeld: Sendable, Hashable {
    public var caseId: String
    public var sessionId: String

    public init(caseId: String, sessionId: String) {
        self.caseId = caseId
        self.sessionId = sessionId
    }
}

/// A booked session was cancelled. Records the policy in force when it was
/// cancelled and the verdict, so a replay judges it the same way after the
/// therapist changes the policy.
public struct SessionCancelled: Sendable, Hashable {
    public var caseId: String
    public var sessionId: String
    public var by: CancellingParty
    /// The therapist's notice, in hours, in force at the cancellation's time.
    public var policyNoticeHours: Int
    /// A client's cancellation with less notice than the policy: charged, counts as held.
    public var late: Bool

    public init(caseId: String, sessionId: String, by: CancellingParty, policyNoticeHours: Int, late: Bool) {
        self.caseId = caseId
        self.sessionId = sessionId
        self.by = by
        self.policyNoticeHours = policyNoticeHours
        self.late = late
    }
}

/// The client did not come: charged, counts as held.
public struct SessionMissed: Sendable, Hashable {
    public var caseId: String
    public var sessionId: String

    public init(caseId: String, sessionId: String) {
        self.caseId = caseId
        self.sessionId = sessionId
    }
}

/// The case ended (a normal part of therapy).
public struct CaseEnded: Sendable, Hashable {
    public var caseId: String
    public var reason: CaseEndReason

    public init(caseId: String, reason: CaseEndReason) {
        self.caseId = caseId
        self.reason = reason
    }
}

/// The therapist asked support to leave a pre-session chat out of statistics.
/// Schema version 2 (version 1 had a single `evidence` string; it is upcast on read).
public struct ExclusionRequested: Sendable, Hashable {
    public var caseId: String
    public var reason: ExclusionReason
    /// 1–2000 characters.
    public var explanation: String
    /// References to evidence (screenshot ids); the platform never sees chat contents.
    public var evidence: [String]

    public init(caseId: String, reason: ExclusionReason, explanation: String, evidence: [String]) {
        self.caseId = caseId
        self.reason = reason
        self.explanation = explanation
        self.evidence = evidence
    }
}

/// Support (or anti-fraud) left the chat out of statistics, on request or on its own initiative.
public struct ChatExcluded: Sendable, Hashable {
    public var caseId: String
    public var reason: ExclusionReason

    public init(caseId: String, reason: ExclusionReason) {
        self.caseId = caseId
        self.reason = reason
    }
}

/// Support turned down a pending exclusion request.
public struct ExclusionDenied: Sendable, Hashable {
    public var caseId: String
    public var explanation: String

    public init(caseId: String, explanation: String) {
        self.caseId = caseId
        self.explanation = explanation
    }
}

/// Support put an excluded chat back into statistics.
public struct ExclusionRevoked: Sendable, Hashable {
    public var caseId: String
    public var explanation: String

    public init(caseId: String, explanation: String) {
        self.caseId = caseId
        self.explanation = explanation
    }
}

/// After the first session the therapist found they cannot continue.
public struct RefusalFiled: Sendable, Hashable {
    public var caseId: String
    public var reason: RefusalReason
    public var explanation: String

    public init(caseId: String, reason: RefusalReason, explanation: String) {
        self.caseId = caseId
        self.reason = reason
        self.explanation = explanation
    }
}

/// Support settled a refusal. `newCaseId` and `newTherapistId` are present
/// exactly when the outcome is ``RefusalOutcome/rematched``.
public struct RefusalResolved: Sendable, Hashable {
    public var caseId: String
    public var outcome: RefusalOutcome
    public var newCaseId: String?
    public var newTherapistId: String?

    public init(caseId: String, outcome: RefusalOutcome, newCaseId: String? = nil, newTherapistId: String? = nil) {
        self.caseId = caseId
        self.outcome = outcome
        self.newCaseId = newCaseId
        self.newTherapistId = newTherapistId
    }
}

/// The system (or support) flagged a case, e.g. for suspected off-platform dealing.
public struct AntifraudFlagRaised: Sendable, Hashable {
    public var caseId: String
    /// The anti-fraud rule that fired.
    public var rule: String
    public var evidence: [String]

    public init(caseId: String, rule: String, evidence: [String]) {
        self.caseId = caseId
        self.rule = rule
        self.evidence = evidence
    }
}

/// The case's therapist disputed an open flag.
public struct AntifraudFlagDisputed: Sendable, Hashable {
    public var caseId: String
    public var explanation: String
    public var evidence: [String]

    public init(caseId: String, explanation: String, evidence: [String]) {
        self.caseId = caseId
        self.explanation = explanation
        self.evidence = evidence
    }
}

/// Support found an open flag unfounded.
public struct AntifraudFlagCleared: Sendable, Hashable {
    public var caseId: String
    public var explanation: String

    public init(caseId: String, explanation: String) {
        self.caseId = caseId
        self.explanation = explanation
    }
}

/// Support upheld an open flag.
public struct AntifraudFlagConfirmed: Sendable, Hashable {
    public var caseId: String
    public var explanation: String

    public init(caseId: String, explanation: String) {
        self.caseId = caseId
        self.explanation = explanation
    }
}

// MARK: - Client stream

/// A client's personal data was erased from the vault (their key and every
/// encrypted value destroyed). The log never held the data, so history stays
/// as it was; this event records that the erasure happened, and by whom.
public struct ClientDataErased: Sendable, Hashable {
    public var clientId: String
    /// Which fields were erased, such as `clientName`.
    public var fields: [String]
    /// How many encrypted values were destroyed.
    public var records: Int

    public init(clientId: String, fields: [String], records: Int) {
        self.clientId = clientId
        self.fields = fields
        self.records = records
    }
}

// MARK: - The event

/// One event of the marketplace: a case per event type of the contract.
///
/// Its ``typeName`` and ``schemaVersion`` are the storage contract; a case is
/// never renamed. Business time (`occurredAt`) and the actor are metadata of
/// the recorded event, not part of the payload.
public enum CaseloadEvent: Sendable, Hashable {
    case therapistJoined(TherapistJoined)
    case cancellationPolicySet(CancellationPolicySet)
    case profileViewed(ProfileViewed)
    case inquiryOpened(InquiryOpened)
    case therapistReplied(TherapistReplied)
    case sessionBooked(SessionBooked)
    case sessionHeld(SessionHeld)
    case sessionCancelled(SessionCancelled)
    case sessionMissed(SessionMissed)
    case caseEnded(CaseEnded)
    case exclusionRequested(ExclusionRequested)
    case chatExcluded(ChatExcluded)
    case exclusionDenied(ExclusionDenied)
    case exclusionRevoked(ExclusionRevoked)
    case refusalFiled(RefusalFiled)
    case refusalResolved(RefusalResolved)
    case antifraudFlagRaised(AntifraudFlagRaised)
    case antifraudFlagDisputed(AntifraudFlagDisputed)
    case antifraudFlagCleared(AntifraudFlagCleared)
    case antifraudFlagConfirmed(AntifraudFlagConfirmed)
    case clientDataErased(ClientDataErased)

    /// The event's type.
    public var type: EventType {
        switch self {
        case .therapistJoined: .therapistJoined
        case .cancellationPolicySet: .cancellationPolicySet
        case .profileViewed: .profileViewed
        case .inquiryOpened: .inquiryOpened
        case .therapistReplied: .therapistReplied
        case .sessionBooked: .sessionBooked
        case .sessionHeld: .sessionHeld
        case .sessionCancelled: .sessionCancelled
        case .sessionMissed: .sessionMissed
        case .caseEnded: .caseEnded
        case .exclusionRequested: .exclusionRequested
        case .chatExcluded: .chatExcluded
        case .exclusionDenied: .exclusionDenied
        case .exclusionRevoked: .exclusionRevoked
        case .refusalFiled: .refusalFiled
        case .refusalResolved: .refusalResolved
        case .antifraudFlagRaised: .antifraudFlagRaised
        case .antifraudFlagDisputed: .antifraudFlagDisputed
        case .antifraudFlagCleared: .antifraudFlagCleared
        case .antifraudFlagConfirmed: .antifraudFlagConfirmed
        case .clientDataErased: .clientDataErased
        }
    }

    /// The stable type name stored in the log, such as `SessionBooked`.
    public var typeName: String { type.rawValue }

    /// The schema version this event is encoded with (always the current one).
    public var schemaVersion: Int { type.currentSchemaVersion }

    /// The case the event concerns, for case-stream events.
    public var caseId: String? {
        type.streamCategory == .case ? streamID : nil
    }

    /// The therapist the payload names as its subject: the therapist and
    /// profile streams' owner, and the therapist an inquiry is addressed to.
    /// Other case events name only the case; its therapist is in ``CaseState``.
    public var therapistId: String? {
        switch self {
        case .therapistJoined(let e): e.therapistId
        case .cancellationPolicySet(let e): e.therapistId
        case .profileViewed(let e): e.therapistId
        case .inquiryOpened(let e): e.therapistId
        default: nil
        }
    }

    /// The id that names the event's stream: the therapist's for the
    /// therapist and profile streams, the case's for everything else.
    public var streamID: String {
        switch self {
        case .therapistJoined(let e): e.therapistId
        case .cancellationPolicySet(let e): e.therapistId
        case .profileViewed(let e): e.therapistId
        case .inquiryOpened(let e): e.caseId
        case .therapistReplied(let e): e.caseId
        case .sessionBooked(let e): e.caseId
        case .sessionHeld(let e): e.caseId
        case .sessionCancelled(let e): e.caseId
        case .sessionMissed(let e): e.caseId
        case .caseEnded(let e): e.caseId
        case .exclusionRequested(let e): e.caseId
        case .chatExcluded(let e): e.caseId
        case .exclusionDenied(let e): e.caseId
        case .exclusionRevoked(let e): e.caseId
        case .refusalFiled(let e): e.caseId
        case .refusalResolved(let e): e.caseId
        case .antifraudFlagRaised(let e): e.caseId
        case .antifraudFlagDisputed(let e): e.caseId
        case .antifraudFlagCleared(let e): e.caseId
        case .antifraudFlagConfirmed(let e): e.caseId
        case .clientDataErased(let e): e.clientId
        }
    }

    /// The stream the event belongs to: `therapist-<id>`, `profile-<id>` or `case-<id>`.
    public var streamName: String { type.streamCategory.streamName(streamID) }
}

/// The event types of the contract, by their stable names.
public enum EventType: String, Sendable, Hashable, CaseIterable {
    case therapistJoined = "TherapistJoined"
    case cancellationPolicySet = "CancellationPolicySet"
    case profileViewed = "ProfileViewed"
    case inquiryOpened = "InquiryOpened"
    case therapistReplied = "TherapistReplied"
    case sessionBooked = "SessionBooked"
    case sessionHeld = "SessionHeld"
    case sessionCancelled = "SessionCancelled"
    case sessionMissed = "SessionMissed"
    case caseEnded = "CaseEnded"
    case exclusionRequested = "ExclusionRequested"
    case chatExcluded = "ChatExcluded"
    case exclusionDenied = "ExclusionDenied"
    case exclusionRevoked = "ExclusionRevoked"
    case refusalFiled = "RefusalFiled"
    case refusalResolved = "RefusalResolved"
    case antifraudFlagRaised = "AntifraudFlagRaised"
    case antifraudFlagDisputed = "AntifraudFlagDisputed"
    case antifraudFlagCleared = "AntifraudFlagCleared"
    case antifraudFlagConfirmed = "AntifraudFlagConfirmed"
    case clientDataErased = "ClientDataErased"

    /// The type's stable name, such as `SessionBooked`.
    public var name: String { rawValue }

    /// The type with this stable name. Same as `init(rawValue:)`, which
    /// hashes the name; this compares it with each name, the most frequent
    /// first (a replay looks up the type of every event).
    public init?(name: String) {
        switch name {
        case "SessionBooked": self = .sessionBooked
        case "SessionHeld": self = .sessionHeld
        case "ProfileViewed": self = .profileViewed
        case "InquiryOpened": self = .inquiryOpened
        case "TherapistReplied": self = .therapistReplied
        case "SessionCancelled": self = .sessionCancelled
        case "SessionMissed": self = .sessionMissed
        case "CaseEnded": self = .caseEnded
        case "TherapistJoined": self = .therapistJoined
        case "CancellationPolicySet": self = .cancellationPolicySet
        case "ExclusionRequested": self = .exclusionRequested
        case "ChatExcluded": self = .chatExcluded
        case "ExclusionDenied": self = .exclusionDenied
        case "ExclusionRevoked": self = .exclusionRevoked
        case "RefusalFiled": self = .refusalFiled
        case "RefusalResolved": self = .refusalResolved
        case "AntifraudFlagRaised": self = .antifraudFlagRaised
        case "AntifraudFlagDisputed": self = .antifraudFlagDisputed
        case "AntifraudFlagCleared": self = .antifraudFlagCleared
        case "AntifraudFlagConfirmed": self = .antifraudFlagConfirmed
        case "ClientDataErased": self = .clientDataErased
        default: return nil
        }
    }

    /// The version producers write.
    public var currentSchemaVersion: Int {
        switch self {
        case .exclusionRequested, .inquiryOpened: 2
        default: 1
        }
    }

    /// The versions the decoder reads (older ones are upcast to the current shape).
    public var supportedSchemaVersions: ClosedRange<Int> {
        switch self {
        case .exclusionRequested, .inquiryOpened: 1...2
        default: 1...1
        }
    }

    /// The kind of stream events of this type go to.
    public var streamCategory: StreamCategory {
        switch self {
        case .therapistJoined, .cancellationPolicySet: .therapist
        case .profileViewed: .profile
        case .clientDataErased: .client
        default: .case
        }
    }
}
