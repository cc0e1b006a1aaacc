public import CaseloadCoding

// The states the rules judge against: folds over one stream each. `evolve`
// trusts its input (the rules have checked every event before it is
// recorded) and ignores events that do not belong to the stream.

// MARK: - Therapist

/// A therapist's stream folded: when they joined and their cancellation
/// policy over time.
public struct TherapistState: Sendable, Hashable {
    /// A cancellation policy and the instant it took effect.
    public struct PolicyChange: Sendable, Hashable {
        public var effectiveAt: Timestamp
        public var noticeHours: Int

        public init(effectiveAt: Timestamp, noticeHours: Int) {
            self.effectiveAt = effectiveAt
            self.noticeHours = noticeHours
        }
    }

    public let therapistId: String
    public let joinedAt: Timestamp
    /// The `occurredAt` of the stream's last event.
    public private(set) var lastOccurredAt: Timestamp
    /// Every policy set, oldest first (also in time order: a stream's time never goes backwards).
    public private(set) var policyHistory: [PolicyChange] = []

    /// The notice, in hours, in force at `instant`: the latest policy that took
    /// effect at or before it, else the platform default (24 h).
    public func noticeHours(at instant: Timestamp) -> Int {
        for change in policyHistory.reversed() where change.effectiveAt <= instant {
            return change.noticeHours
        }
        return CancellationPolicy.defaultNoticeHours
    }

    /// The notice in force after the stream's last event.
    public var currentNoticeHours: Int { policyHistory.last?.noticeHours ?? CancellationPolicy.defaultNoticeHours }

    /// Applies one event of the therapist's stream.
    public static func evolve(_ state: inout TherapistState?, _ event: CaseloadEvent, occurredAt: Timestamp) {
        switch event {
        case .therapistJoined(let e) where state == nil:
            state = TherapistState(therapistId: e.therapistId, joinedAt: occurredAt, lastOccurredAt: occurredAt)
        case .cancellationPolicySet(let e):
            guard var current = state, current.therapistId == e.therapistId else { return }
            state = nil  // keep the history uniquely referenced while appending
            current.policyHistory.append(PolicyChange(effectiveAt: occurredAt, noticeHours: e.noticeHours))
            current.lastOccurredAt = max(current.lastOccurredAt, occurredAt)
            state = current
        default:
            return
        }
    }

    /// The state after `events` (each with its `occurredAt`), from nothing.
    public static func fold(_ events: some Sequence<(CaseloadEvent, Timestamp)>) -> TherapistState? {
        var state: TherapistState?
        for (event, occurredAt) in events { evolve(&state, event, occurredAt: occurredAt) }
        return state
    }
}

// MARK: - Profile

/// A therapist's profile stream folded (views are counted by projections;
/// the rules only need the stream's clock).
public struct ProfileState: Sendable, Hashable {
    public let therapistId: String
    public private(set) var views: Int
    public private(set) var lastOccurredAt: Timestamp

    public static func evolve(_ state: inout ProfileState?, _ event: CaseloadEvent, occurredAt: Timestamp) {
        guard case .profileViewed(let e) = event else { return }
        if var current = state {
            guard current.therapistId == e.therapistId else { return }
            current.views += 1
            current.lastOccurredAt = max(current.lastOccurredAt, occurredAt)
            state = current
        } else {
            state = ProfileState(therapistId: e.therapistId, views: 1, lastOccurredAt: occurredAt)
        }
    }

    public static func fold(_ events: some Sequence<(CaseloadEvent, Timestamp)>) -> ProfileState? {
        var state: ProfileState?
        for (event, occurredAt) in events { evolve(&state, event, occurredAt: occurredAt) }
        return state
    }
}

// MARK: - Case

/// Where a booked session stands.
public enum SessionStatus: Sendable, Hashable {
    case booked
    case held
    case cancelled(by: CancellingParty, late: Bool)
    case missed

    /// Held, or charged as if held (a late cancellation, a no-show).
    public var countsAsHeld: Bool {
        switch self {
        case .held, .missed: true
        case .cancelled(_, let late): late
        case .booked: false
        }
    }

    /// Cancelled without charge: the booking no longer stands.
    public var isFreeCancellation: Bool {
        if case .cancelled(_, late: false) = self { true } else { false }
    }
}

/// A session of a case.
public struct SessionState: Sendable, Hashable {
    public var scheduledStart: Timestamp
    public var price: Money
    public var bookedAt: Timestamp
    public var status: SessionStatus
}

/// Where a case stands on exclusion from statistics.
public enum ExclusionStatus: Sendable, Hashable {
    case notRequested
    /// The therapist asked; support has not answered.
    case requested(ExclusionReason)
    /// The chat is left out of statistics.
    case excluded(ExclusionReason)
    /// Support turned the last request down.
    case denied
    /// Support put the chat back into statistics.
    case revoked

    public var isExcluded: Bool {
        if case .excluded = self { true } else { false }
    }
}

/// Where a case stands on a therapist's refusal.
public enum RefusalStatus: Sendable, Hashable {
    case notFiled
    case filed(RefusalReason)
    case resolved(RefusalReason, RefusalResolved, at: Timestamp)

    public var isFiled: Bool {
        if case .notFiled = self { false } else { true }
    }
}

/// Where a case stands on anti-fraud.
public enum AntifraudFlagStatus: Sendable, Hashable {
    case noFlag
    case open(disputed: Bool)
    case cleared
    case confirmed

    public var isOpen: Bool {
        if case .open = self { true } else { false }
    }
}

/// A case stream folded: who, its sessions, and where it stands on
/// exclusion, refusal, anti-fraud and ending.
public struct CaseState: Sendable, Hashable {
    public let caseId: String
    public let clientId: String
    public let therapistId: String
    public let format: InquiryFormat
    public let oneOff: Bool
    public let rematchedFrom: String?
    public let openedAt: Timestamp
    /// The `occurredAt` of the stream's last event.
    public private(set) var lastOccurredAt: Timestamp
    public private(set) var firstRepliedAt: Timestamp?
    /// By session id.
    public private(set) var sessions: [String: SessionState] = [:]
    public private(set) var exclusion: ExclusionStatus = .notRequested
    public private(set) var refusal: RefusalStatus = .notFiled
    public private(set) var antifraudFlag: AntifraudFlagStatus = .noFlag
    public private(set) var endReason: CaseEndReason?
    public private(set) var endedAt: Timestamp?

    init(opening e: InquiryOpened, at occurredAt: Timestamp) {
        caseId = e.caseId
        clientId = e.clientId
        therapistId = e.therapistId
        format = e.format
        oneOff = e.oneOff
        rematchedFrom = e.rematchedFrom
        openedAt = occurredAt
        lastOccurredAt = occurredAt
    }

    public var isEnded: Bool { endReason != nil }

    /// Sessions held or charged as held (late cancellations, no-shows).
    public var sessionsCountingAsHeld: Int { sessions.values.count(where: { $0.status.countsAsHeld }) }

    /// Bookings that still stand: all but those cancelled without charge.
    public var standingBookings: Int { sessions.values.count(where: { !$0.status.isFreeCancellation }) }

    /// Applies one event of the case's stream.
    public static func evolve(_ state: inout CaseState?, _ event: CaseloadEvent, occurredAt: Timestamp) {
        if case .inquiryOpened(let e) = event {
            if state == nil { state = CaseState(opening: e, at: occurredAt) }
            return
        }
        guard var current = state, event.caseId == current.caseId else { return }
        state = nil  // keep the sessions dictionary uniquely referenced while mutating
        current.apply(event, occurredAt: occurredAt)
        state = current
    }

    /// The state after `events` (each with its `occurredAt`), from nothing.
    public static func fold(_ events: some Sequence<(CaseloadEvent, Timestamp)>) -> CaseState? {
        var state: CaseState?
        for (event, occurredAt) in events { evolve(&state, event, occurredAt: occurredAt) }
        return state
    }

    private mutating func apply(_ event: CaseloadEvent, occurredAt: Timestamp) {
        lastOccurredAt = max(lastOccurredAt, occurredAt)
        switch event {
        case .therapistReplied:
            if firstRepliedAt == nil { firstRepliedAt = occurredAt }
        case .sessionBooked(let e):
            sessions[e.sessionId] = SessionState(
                scheduledStart: e.scheduledStart, price: e.price, bookedAt: occurredAt, status: .booked)
        case .sessionHeld(let e):
            sessions[e.sessionId]?.status = .held
        case .sessionCancelled(let e):
            sessions[e.sessionId]?.status = .cancelled(by: e.by, late: e.late)
        case .sessionMissed(let e):
            sessions[e.sessionId]?.status = .missed
        case .caseEnded(let e):
            endReason = e.reason
            endedAt = occurredAt
        case .exclusionRequested(let e):
            exclusion = .requested(e.reason)
        case .chatExcluded(let e):
            exclusion = .excluded(e.reason)
        case .exclusionDenied:
            exclusion = .denied
        case .exclusionRevoked:
            exclusion = .revoked
        case .refusalFiled(let e):
            refusal = .filed(e.reason)
        case .refusalResolved(let e):
            if case .filed(let reason) = refusal { refusal = .resolved(reason, e, at: occurredAt) }
        case .antifraudFlagRaised:
            antifraudFlag = .open(disputed: false)
        case .antifraudFlagDisputed:
            antifraudFlag = .open(disputed: true)
        case .antifraudFlagCleared:
            antifraudFlag = .cleared
        case .antifraudFlagConfirmed:
            antifraudFlag = .confirmed
        case .inquiryOpened, .therapistJoined, .cancellationPolicySet, .profileViewed, .clientDataErased:
            break
        }
    }
}
