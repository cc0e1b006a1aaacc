public import CaseloadCoding

/// The marketplace's rules. ``check(_:occurredAt:actor:caseState:therapistState:profileState:originCaseState:)``
/// judges one event against the states of the streams it concerns; live
/// commands (through ``decide(_:actor:at:caseState:therapistState:profileState:newTherapistState:)``),
/// import and verification all run it, so every path enforces the same rules.
public enum Rules {
    /// Throws unless `event`, caused by `actor` at `occurredAt`, may be appended.
    ///
    /// Pass the states, folded up to just before the event, of what it concerns:
    /// - therapist-stream events: `therapistState` (nil before TherapistJoined);
    /// - ProfileViewed: `therapistState` and `profileState` (nil before the first view);
    /// - InquiryOpened: `caseState` (nil: a case opens once) and the addressed
    ///   therapist's `therapistState`; with `rematchedFrom`, also `originCaseState`
    ///   (the refused case, after its RefusalResolved);
    /// - other case events: `caseState`; a SessionCancelled also needs the
    ///   case's therapist's `therapistState` (for the policy in force).
    public static func check(
        _ event: CaseloadEvent, occurredAt: Timestamp, actor: Initiator,
        caseState: CaseState? = nil, therapistState: TherapistState? = nil,
        profileState: ProfileState? = nil, originCaseState: CaseState? = nil
    ) throws(DomainError) {
        let judge = Judge(type: event.type, stream: event.streamName.description, occurredAt: occurredAt, actor: actor)
        do {
            try event.validateFields()
        } catch {
            throw judge.fail(.invalidField, "field '\(error.field)' \(error.reason)")
        }
        do throws(FieldProblem) { try Validate.time(occurredAt, "occurredAt") } catch {
            throw judge.fail(.invalidField, "field '\(error.field)' \(error.reason)")
        }
        if let problem = Validate.actorIDProblem(actor.id) {
            throw judge.fail(.invalidActor, "the actor's id \(problem)")
        }
        try judge.check(
            event,
            RuleStates(
                caseState: caseState, therapistState: therapistState, profileState: profileState,
                originCaseState: originCaseState))
    }

    /// Throws ``DomainError/Code-swift.struct/invalidField`` unless `name` is a
    /// client name the contract accepts for `inquiry` (1 to 200 characters, no
    /// control characters): what the decoder checks of an import line's
    /// `clientName`, for a name that comes with a command.
    public static func checkClientName(
        _ name: String, of inquiry: CaseloadEvent, occurredAt: Timestamp, actor: Initiator
    ) throws(DomainError) {
        do {
            try Validate.clientName(name)
        } catch {
            let judge = Judge(
                type: inquiry.type, stream: inquiry.streamName.description, occurredAt: occurredAt, actor: actor)
            throw judge.fail(.invalidField, "field '\(error.field)' \(error.reason)")
        }
    }

    /// How a cancellation is judged: a client's cancellation is late when it
    /// gives less notice than the policy (`scheduledStart − cancelledAt <
    /// noticeHours`); a therapist's is never late.
    public static func cancellationTerms(
        scheduledStart: Timestamp, cancelledAt: Timestamp, by: CancellingParty, policyNoticeHours: Int
    ) -> CancellationTerms {
        let late = by == .client && scheduledStart < cancelledAt.adding(hours: policyNoticeHours)
        return CancellationTerms(policyNoticeHours: policyNoticeHours, late: late)
    }
}

/// The terms a cancellation is judged by: the policy in force when it
/// happened and the verdict.
public struct CancellationTerms: Sendable, Hashable {
    public var policyNoticeHours: Int
    public var late: Bool

    public init(policyNoticeHours: Int, late: Bool) {
        self.policyNoticeHours = policyNoticeHours
        self.late = late
    }
}

/// Judges one event: knows what to name in an error, and holds what the
/// rules share (each event's own rule is its payload's `check`, in Events.swift).
struct Judge {
    let type: EventType
    let stream: String
    let occurredAt: Timestamp
    let actor: Initiator?

    func fail(_ code: DomainError.Code, _ rule: String) -> DomainError {
        DomainError(
            code: code, stream: stream, eventType: type.rawValue, actor: actor, occurredAt: occurredAt, rule: rule)
    }

    // MARK: Actors

    /// Who may cause an event. `client` and `therapist` mean the participant
    /// named in the call (the case's, or the therapist whose stream it is);
    /// a nil participant id accepts any actor of that kind.
    struct Allowed: OptionSet {
        let rawValue: UInt8
        static let client = Allowed(rawValue: 1)
        static let therapist = Allowed(rawValue: 2)
        static let support = Allowed(rawValue: 4)
        static let system = Allowed(rawValue: 8)
    }

    func allow(_ allowed: Allowed, client: String? = nil, therapist: String? = nil, whose: String = "the case's")
        throws(DomainError)
    {
        guard let actor else { return }
        if allowed.contains(kind: actor.kind) {
            if let participant = participant(for: actor.kind, client: client, therapist: therapist),
                participant != actor.id
            {
                throw fail(
                    .actorNotParticipant,
                    "\(actor) is not \(whose) \(actor.kind.rawValue) (\(actor.kind.rawValue):\(participant))")
            }
            return
        }
        var names: [String] = []
        if allowed.contains(.client) { names.append(client == nil ? "a client" : "\(whose) client") }
        if allowed.contains(.therapist) { names.append(therapist == nil ? "a therapist" : "\(whose) therapist") }
        if allowed.contains(.support) { names.append("support") }
        if allowed.contains(.system) { names.append("system") }
        throw fail(
            .actorNotAllowed,
            "\(type.rawValue) may be caused only by \(Self.either(names)), not by \(actor.kind.rawValue)")
    }

    /// `a`, `a or b`, `a, b or c`.
    private static func either(_ names: [String]) -> String {
        guard let last = names.last else { return "nobody" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
    }

    private func participant(for kind: Initiator.Kind, client: String?, therapist: String?) -> String? {
        switch kind {
        case .client: client
        case .therapist: therapist
        case .support, .system: nil
        }
    }

    // MARK: Streams

    /// The case an event (other than InquiryOpened) is judged in: it must be
    /// open, be the event's case, and not be ahead of the event in time.
    func openCase(_ caseId: String, _ state: CaseState?) throws(DomainError) -> CaseState {
        guard let state else {
            throw fail(.caseNotOpened, "case \(caseId) has not been opened; no case event comes before its InquiryOpened")
        }
        guard state.caseId == caseId else {
            throw fail(.stateMismatch, "the case state given is case \(state.caseId)'s, not case \(caseId)'s")
        }
        try notBefore(state.lastOccurredAt)
        return state
    }

    func notBefore(_ last: Timestamp) throws(DomainError) {
        guard occurredAt >= last else {
            throw fail(
                .occurredAtWentBackwards,
                "occurredAt \(occurredAt) is before the stream's last event (\(last)); within a stream time never goes backwards")
        }
    }

    func joinedTherapist(_ therapistId: String, _ state: TherapistState?) throws(DomainError) -> TherapistState {
        guard let state else {
            throw fail(.therapistNotJoined, "therapist \(therapistId) has not joined the platform")
        }
        guard state.therapistId == therapistId else {
            throw fail(
                .stateMismatch, "the therapist state given is therapist \(state.therapistId)'s, not \(therapistId)'s")
        }
        guard state.joinedAt <= occurredAt else {
            throw fail(.therapistNotJoined, "therapist \(therapistId) joined only at \(state.joinedAt)")
        }
        return state
    }

    // MARK: Sessions

    func bookedSession(_ sessionId: String, in state: CaseState) throws(DomainError) -> SessionState {
        guard let session = state.sessions[sessionId] else {
            throw fail(.sessionNotBooked, "session \(sessionId) has not been booked in case \(state.caseId)")
        }
        guard session.status == .booked else {
            throw fail(
                .sessionAlreadySettled,
                "session \(sessionId) was already \(Self.describe(session.status)); a session is held, cancelled or missed only once")
        }
        return session
    }

    private static func describe(_ status: SessionStatus) -> String {
        switch status {
        case .booked: "booked"
        case .held: "held"
        case .cancelled(let by, let late): "cancelled by the \(by.rawValue)\(late ? " (late)" : "")"
        case .missed: "missed"
        }
    }

    /// The terms a cancellation of `sessionId` at `occurredAt` must record.
    func cancellationTerms(
        caseId: String, sessionId: String, by: CancellingParty, caseState: CaseState?, therapistState: TherapistState?
    ) throws(DomainError) -> (terms: CancellationTerms, scheduledStart: Timestamp) {
        let state = try openCase(caseId, caseState)
        let session = try bookedSession(sessionId, in: state)
        guard let therapistState else {
            throw fail(
                .missingState,
                "judging a cancellation needs the state of the case's therapist (therapist-\(state.therapistId))")
        }
        guard therapistState.therapistId == state.therapistId else {
            throw fail(
                .stateMismatch,
                "the therapist state given is therapist \(therapistState.therapistId)'s, not the case's therapist \(state.therapistId)'s")
        }
        let terms = Rules.cancellationTerms(
            scheduledStart: session.scheduledStart, cancelledAt: occurredAt, by: by,
            policyNoticeHours: therapistState.noticeHours(at: occurredAt))
        return (terms, session.scheduledStart)
    }

    /// Throws unless the terms a caller gave equal the computed ones.
    func compare(
        _ computed: (terms: CancellationTerms, scheduledStart: Timestamp), givenNoticeHours: Int?, givenLate: Bool?,
        by: CancellingParty, sessionId: String
    ) throws(DomainError) {
        let terms = computed.terms
        if let givenNoticeHours, givenNoticeHours != terms.policyNoticeHours {
            throw fail(
                .cancellationTermsMismatch,
                "policyNoticeHours is \(givenNoticeHours), but the therapist's policy in force at \(occurredAt) was \(terms.policyNoticeHours) h")
        }
        if let givenLate, givenLate != terms.late {
            let notice = computed.scheduledStart.seconds(since: occurredAt) / 3600
            let why =
                by == .therapist
                ? "a therapist's cancellation is never late"
                : "session \(sessionId) starts at \(computed.scheduledStart), \(Self.hours(notice)) h after the cancellation, under a \(terms.policyNoticeHours) h policy, so it is \(terms.late ? "late" : "not late")"
            throw fail(.cancellationTermsMismatch, "late is \(givenLate), but \(why)")
        }
    }

    private static func hours(_ value: Double) -> String {
        value == value.rounded() ? String(Int64(value)) : String(value)
    }

    // MARK: The rules

    /// Runs the event's rule (its payload's `check`, beside it in Events.swift).
    func check(_ event: CaseloadEvent, _ states: RuleStates) throws(DomainError) {
        if let error = event.accept(RuleOfPayload(judge: self, states: states)) { throw error }
    }

    /// Exclusion is for chats before any session: none held or charged.
    func noSessionYet(_ state: CaseState) throws(DomainError) {
        let count = state.sessionsCountingAsHeld
        if count > 0 {
            throw fail(
                .exclusionAfterSession,
                "the case has \(count) held or charged session\(count == 1 ? "" : "s"); only a chat before any session can be excluded (after one, file a refusal)")
        }
    }
}

extension Judge.Allowed {
    func contains(kind: Initiator.Kind) -> Bool {
        switch kind {
        case .client: contains(.client)
        case .therapist: contains(.therapist)
        case .support: contains(.support)
        case .system: contains(.system)
        }
    }
}
