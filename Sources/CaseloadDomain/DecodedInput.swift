public import CaseloadCoding

/// The `data` of an import line or API request, decoded: the event, and what
/// the import layer must handle apart from it.
public struct DecodedInput: Sendable, Hashable {
    /// The event, or a cancellation whose terms the rules still have to fill in.
    public enum Content: Sendable, Hashable {
        case event(CaseloadEvent)
        /// A SessionCancelled that left out `policyNoticeHours` or `late`.
        case incompleteCancellation(SessionCancellationInput)
    }

    public var content: Content
    /// The `clientName` an InquiryOpened carried. Personal data: it is not
    /// part of the event and must not reach the log; the caller keeps it
    /// elsewhere (or reports that it dropped it).
    public var droppedClientName: String?

    public init(content: Content, droppedClientName: String? = nil) {
        self.content = content
        self.droppedClientName = droppedClientName
    }

    public var type: EventType {
        switch content {
        case .event(let event): event.type
        case .incompleteCancellation: .sessionCancelled
        }
    }

    /// The stream the event belongs to (known before any state is loaded).
    public var streamName: StreamName {
        switch content {
        case .event(let event): event.streamName
        case .incompleteCancellation(let input): StreamName(.case, input.caseId)
        }
    }

    /// The case the event concerns, for case-stream events.
    public var caseId: String? {
        switch content {
        case .event(let event): event.caseId
        case .incompleteCancellation(let input): input.caseId
        }
    }

    /// The event when nothing is left to fill in.
    public var event: CaseloadEvent? {
        if case .event(let event) = content { event } else { nil }
    }

    /// The event, with a cancellation's terms filled in from the therapist's
    /// policy in force at `occurredAt`. Terms the input did give must equal
    /// what the rules compute, or this throws
    /// ``DomainError/Code-swift.struct/cancellationTermsMismatch``. Complete
    /// events are returned as they are (``Rules/check(_:occurredAt:actor:caseState:therapistState:profileState:originCaseState:)``
    /// judges them, terms included).
    ///
    /// - Parameters:
    ///   - caseState: the case as folded so far (for the session's scheduled start).
    ///   - therapistState: the case's therapist (for the policy history).
    public func completed(occurredAt: Timestamp, caseState: CaseState?, therapistState: TherapistState?)
        throws(DomainError) -> CaseloadEvent
    {
        switch content {
        case .event(let event):
            return event
        case .incompleteCancellation(let input):
            let judge = Judge(
                type: .sessionCancelled, stream: streamName.description, occurredAt: occurredAt, actor: nil)
            let computed = try judge.cancellationTerms(
                caseId: input.caseId, sessionId: input.sessionId, by: input.by,
                caseState: caseState, therapistState: therapistState)
            try judge.compare(
                computed, givenNoticeHours: input.policyNoticeHours, givenLate: input.late, by: input.by,
                sessionId: input.sessionId)
            return .sessionCancelled(
                SessionCancelled(
                    caseId: input.caseId, sessionId: input.sessionId, by: input.by,
                    policyNoticeHours: computed.terms.policyNoticeHours, late: computed.terms.late))
        }
    }
}

/// A SessionCancelled as a caller gives it: the terms (`policyNoticeHours`,
/// `late`) may be left for the rules to fill in.
public struct SessionCancellationInput: Sendable, Hashable {
    public var caseId: String
    public var sessionId: String
    public var by: CancellingParty
    public var policyNoticeHours: Int?
    public var late: Bool?

    public init(caseId: String, sessionId: String, by: CancellingParty, policyNoticeHours: Int? = nil, late: Bool? = nil) {
        self.caseId = caseId
        self.sessionId = sessionId
        self.by = by
        self.policyNoticeHours = policyNoticeHours
        self.late = late
    }

    /// The event, when both terms are given.
    var complete: SessionCancelled? {
        guard let policyNoticeHours, let late else { return nil }
        return SessionCancelled(caseId: caseId, sessionId: sessionId, by: by, policyNoticeHours: policyNoticeHours, late: late)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.id(sessionId, "sessionId")
        if let policyNoticeHours { try Validate.noticeHours(policyNoticeHours, "policyNoticeHours") }
        if by == .therapist, late == true {
            throw FieldProblem(field: "late", reason: "is true for a therapist's cancellation, which is never late")
        }
    }
}
