public import CaseloadCoding

/// What the backend asks the marketplace to do. Ids come in with the command
/// (the domain never invents one); time comes in to ``Rules/decide(_:actor:at:caseState:therapistState:profileState:newTherapistState:newCaseState:)``.
public enum Command: Sendable, Hashable {
    // Therapist and profile streams.
    case joinTherapist(therapistId: String)
    case setCancellationPolicy(therapistId: String, noticeHours: Int)
    case recordProfileView(therapistId: String, visitorId: String?)

    // A case.
    case openInquiry(caseId: String, clientId: String, therapistId: String, format: InquiryFormat, oneOff: Bool)
    case reply(caseId: String)
    case bookSession(caseId: String, sessionId: String, scheduledStart: Timestamp, price: Money)
    case holdSession(caseId: String, sessionId: String)
    /// The policy in force and the verdict are worked out from the therapist's state.
    case cancelSession(caseId: String, sessionId: String, by: CancellingParty)
    case markMissed(caseId: String, sessionId: String)
    case endCase(caseId: String, reason: CaseEndReason)
    case requestExclusion(caseId: String, reason: ExclusionReason, explanation: String, evidence: [String])
    case excludeChat(caseId: String, reason: ExclusionReason)
    case denyExclusion(caseId: String, explanation: String)
    case revokeExclusion(caseId: String, explanation: String)
    case fileRefusal(caseId: String, reason: RefusalReason, explanation: String)
    /// `newCaseId` and `newTherapistId` are required for `rematched` and forbidden otherwise.
    case resolveRefusal(caseId: String, outcome: RefusalOutcome, newCaseId: String?, newTherapistId: String?)
    case raiseAntifraudFlag(caseId: String, rule: String, evidence: [String])
    case disputeAntifraudFlag(caseId: String, explanation: String, evidence: [String])
    case clearAntifraudFlag(caseId: String, explanation: String)
    case confirmAntifraudFlag(caseId: String, explanation: String)

    /// The type of the first event the command records (its command id is that event's id).
    public var firstEventType: EventType {
        switch self {
        case .joinTherapist: .therapistJoined
        case .setCancellationPolicy: .cancellationPolicySet
        case .recordProfileView: .profileViewed
        case .openInquiry: .inquiryOpened
        case .reply: .therapistReplied
        case .bookSession: .sessionBooked
        case .holdSession: .sessionHeld
        case .cancelSession: .sessionCancelled
        case .markMissed: .sessionMissed
        case .endCase: .caseEnded
        case .requestExclusion: .exclusionRequested
        case .excludeChat: .chatExcluded
        case .denyExclusion: .exclusionDenied
        case .revokeExclusion: .exclusionRevoked
        case .fileRefusal: .refusalFiled
        case .resolveRefusal: .refusalResolved
        case .raiseAntifraudFlag: .antifraudFlagRaised
        case .disputeAntifraudFlag: .antifraudFlagDisputed
        case .clearAntifraudFlag: .antifraudFlagCleared
        case .confirmAntifraudFlag: .antifraudFlagConfirmed
        }
    }

    /// The case the command is about, for case commands.
    public var caseId: String? {
        switch self {
        case .joinTherapist, .setCancellationPolicy, .recordProfileView: nil
        case .openInquiry(let caseId, _, _, _, _), .reply(let caseId), .bookSession(let caseId, _, _, _),
            .holdSession(let caseId, _), .cancelSession(let caseId, _, _), .markMissed(let caseId, _),
            .endCase(let caseId, _), .requestExclusion(let caseId, _, _, _), .excludeChat(let caseId, _),
            .denyExclusion(let caseId, _), .revokeExclusion(let caseId, _), .fileRefusal(let caseId, _, _),
            .resolveRefusal(let caseId, _, _, _), .raiseAntifraudFlag(let caseId, _, _),
            .disputeAntifraudFlag(let caseId, _, _), .clearAntifraudFlag(let caseId, _),
            .confirmAntifraudFlag(let caseId, _):
            caseId
        }
    }

    /// The therapist the command names: for therapist and profile commands and
    /// an inquiry (other case commands reach their therapist through the case).
    public var therapistId: String? {
        switch self {
        case .joinTherapist(let id), .setCancellationPolicy(let id, _), .recordProfileView(let id, _),
            .openInquiry(_, _, let id, _, _):
            id
        default:
            nil
        }
    }
}

extension Rules {
    /// The events a command produces, judged by the same rules as
    /// ``check(_:occurredAt:actor:caseState:therapistState:profileState:originCaseState:)``.
    /// Pure: the caller loads the states, appends the events (all at once,
    /// with the expected stream versions) and evolves its states.
    ///
    /// - Parameters:
    ///   - caseState: the command's case (nil for ``Command/openInquiry(caseId:clientId:therapistId:format:oneOff:)``).
    ///   - therapistState: the therapist concerned: the stream's for therapist
    ///     and profile commands, the addressed one for an inquiry, the case's
    ///     for ``Command/cancelSession(caseId:sessionId:by:)``.
    ///   - profileState: for ``Command/recordProfileView(therapistId:visitorId:)``.
    ///   - newTherapistState: for a `rematched` resolution: the therapist the
    ///     client is re-matched to.
    /// - Returns: the events in append order, each knowing its stream. A
    ///   `rematched` resolution returns two: RefusalResolved for the refused
    ///   case and InquiryOpened (re-matched from it, by support) for the new
    ///   one; append them in one multi-stream append, the new case's stream
    ///   expected not to exist.
    public static func decide(
        _ command: Command, actor: Initiator, at time: Timestamp,
        caseState: CaseState? = nil, therapistState: TherapistState? = nil,
        profileState: ProfileState? = nil, newTherapistState: TherapistState? = nil, newCaseState: CaseState? = nil
    ) throws(DomainError) -> [CaseloadEvent] {
        func checked(_ event: CaseloadEvent) throws(DomainError) -> [CaseloadEvent] {
            try check(
                event, occurredAt: time, actor: actor, caseState: caseState, therapistState: therapistState,
                profileState: profileState)
            return [event]
        }

        switch command {
        case .joinTherapist(let therapistId):
            return try checked(.therapistJoined(TherapistJoined(therapistId: therapistId)))
        case .setCancellationPolicy(let therapistId, let noticeHours):
            return try checked(
                .cancellationPolicySet(CancellationPolicySet(therapistId: therapistId, noticeHours: noticeHours)))
        case .recordProfileView(let therapistId, let visitorId):
            return try checked(.profileViewed(ProfileViewed(therapistId: therapistId, visitorId: visitorId)))
        case .openInquiry(let caseId, let clientId, let therapistId, let format, let oneOff):
            return try checked(
                .inquiryOpened(
                    InquiryOpened(
                        caseId: caseId, clientId: clientId, therapistId: therapistId, format: format, oneOff: oneOff)))
        case .reply(let caseId):
            return try checked(.therapistReplied(TherapistReplied(caseId: caseId)))
        case .bookSession(let caseId, let sessionId, let scheduledStart, let price):
            return try checked(
                .sessionBooked(
                    SessionBooked(caseId: caseId, sessionId: sessionId, scheduledStart: scheduledStart, price: price)))
        case .holdSession(let caseId, let sessionId):
            return try checked(.sessionHeld(SessionHeld(caseId: caseId, sessionId: sessionId)))
        case .cancelSession(let caseId, let sessionId, let by):
            let judge = Judge(
                type: .sessionCancelled, stream: StreamName(.case, caseId).description, occurredAt: time, actor: actor)
            let terms = try judge.cancellationTerms(
                caseId: caseId, sessionId: sessionId, by: by, caseState: caseState, therapistState: therapistState
            ).terms
            return try checked(
                .sessionCancelled(
                    SessionCancelled(
                        caseId: caseId, sessionId: sessionId, by: by, policyNoticeHours: terms.policyNoticeHours,
                        late: terms.late)))
        case .markMissed(let caseId, let sessionId):
            return try checked(.sessionMissed(SessionMissed(caseId: caseId, sessionId: sessionId)))
        case .endCase(let caseId, let reason):
            return try checked(.caseEnded(CaseEnded(caseId: caseId, reason: reason)))
        case .requestExclusion(let caseId, let reason, let explanation, let evidence):
            return try checked(
                .exclusionRequested(
                    ExclusionRequested(caseId: caseId, reason: reason, explanation: explanation, evidence: evidence)))
        case .excludeChat(let caseId, let reason):
            return try checked(.chatExcluded(ChatExcluded(caseId: caseId, reason: reason)))
        case .denyExclusion(let caseId, let explanation):
            return try checked(.exclusionDenied(ExclusionDenied(caseId: caseId, explanation: explanation)))
        case .revokeExclusion(let caseId, let explanation):
            return try checked(.exclusionRevoked(ExclusionRevoked(caseId: caseId, explanation: explanation)))
        case .fileRefusal(let caseId, let reason, let explanation):
            return try checked(.refusalFiled(RefusalFiled(caseId: caseId, reason: reason, explanation: explanation)))
        case .resolveRefusal(let caseId, let outcome, let newCaseId, let newTherapistId):
            let resolution = CaseloadEvent.refusalResolved(
                RefusalResolved(caseId: caseId, outcome: outcome, newCaseId: newCaseId, newTherapistId: newTherapistId))
            var events = try checked(resolution)
            guard outcome == .rematched, let newCaseId, let newTherapistId else { return events }
            // The new case: same client and request, the new therapist, opened by support.
            var origin = caseState
            CaseState.evolve(&origin, resolution, occurredAt: time)
            guard let refused = origin else { return events }  // unreachable: the check needed the case
            let opening = CaseloadEvent.inquiryOpened(
                InquiryOpened(
                    caseId: newCaseId, clientId: refused.clientId, therapistId: newTherapistId, format: refused.format,
                    oneOff: refused.oneOff, rematchedFrom: caseId))
            // Judged on the new case id's own state: an id already taken
            // (another case) is refused, as the log's verify would refuse it.
            try check(
                opening, occurredAt: time, actor: actor, caseState: newCaseState, therapistState: newTherapistState,
                originCaseState: refused)
            events.append(opening)
            return events
        case .raiseAntifraudFlag(let caseId, let rule, let evidence):
            return try checked(.antifraudFlagRaised(AntifraudFlagRaised(caseId: caseId, rule: rule, evidence: evidence)))
        case .disputeAntifraudFlag(let caseId, let explanation, let evidence):
            return try checked(
                .antifraudFlagDisputed(AntifraudFlagDisputed(caseId: caseId, explanation: explanation, evidence: evidence)))
        case .clearAntifraudFlag(let caseId, let explanation):
            return try checked(.antifraudFlagCleared(AntifraudFlagCleared(caseId: caseId, explanation: explanation)))
        case .confirmAntifraudFlag(let caseId, let explanation):
            return try checked(
                .antifraudFlagConfirmed(AntifraudFlagConfirmed(caseId: caseId, explanation: explanation)))
        }
    }
}
