public import CaseloadCoding

// The event payloads, one struct per event type of the contract
// (EventSchemas/README.md). Field names match the JSON keys exactly.
//
// Each payload's `EventPayload` conformance sits right below it: its type
// name, versions, fields as JSON (read and written), value rules, the
// states its rule needs and the rule (with the helpers it shares in
// `Judge`, Rules.swift). A new event type is a struct and its conformance
// here and its case in `CaseloadEvent` and `EventType` below (with a line in
// each of their switches); where it changes a stream's state, its fold step
// goes in States.swift.

// MARK: - Therapist and profile streams

/// A therapist joined the platform. Opens the `therapist-<id>` stream.
public struct TherapistJoined: Sendable, Hashable {
    public var therapistId: String

    public init(therapistId: String) {
        self.therapistId = therapistId
    }
}

extension TherapistJoined: TherapistPayload {
    static var eventType: EventType { .therapistJoined }
    var event: CaseloadEvent { .therapistJoined(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var therapistId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "therapistId": try c.read(&therapistId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(therapistId: try c.required(therapistId, "therapistId", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("therapistId"); writer.string(therapistId)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(therapistId, "therapistId")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        if let therapistState = states.therapistState {
            guard therapistState.therapistId == therapistId else {
                throw judge.fail(.stateMismatch, "the therapist state given is therapist \(therapistState.therapistId)'s")
            }
            throw judge.fail(
                .therapistAlreadyJoined, "therapist \(therapistId) already joined at \(therapistState.joinedAt)")
        }
        try judge.allow([.support, .system])
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

extension CancellationPolicySet: TherapistPayload {
    static var eventType: EventType { .cancellationPolicySet }
    var event: CaseloadEvent { .cancellationPolicySet(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var therapistId: String?
        var noticeHours: Int?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "noticeHours": try c.read(&noticeHours, key, &scanner)
            case "therapistId": try c.read(&therapistId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            therapistId: try c.required(therapistId, "therapistId", scanner),
            noticeHours: try c.required(noticeHours, "noticeHours", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("noticeHours"); writer.int(noticeHours)
        writer.key("therapistId"); writer.string(therapistId)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(therapistId, "therapistId")
        try Validate.noticeHours(noticeHours, "noticeHours")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.joinedTherapist(therapistId, states.therapistState)
        try judge.notBefore(state.lastOccurredAt)
        try judge.allow([.therapist, .support], therapist: therapistId, whose: "the stream's")
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

extension ProfileViewed: EventPayload {
    static var eventType: EventType { .profileViewed }
    static var streamCategory: StreamCategory { .profile }
    var event: CaseloadEvent { .profileViewed(self) }
    var streamID: String { therapistId }
    var namedTherapistId: String? { therapistId }
    /// A view is judged against the therapist (joined?) and the profile's clock.
    var stateNeeds: StateNeeds { StateNeeds(therapistId: therapistId, profileId: therapistId) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var therapistId: String?
        var visitorId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "therapistId": try c.read(&therapistId, key, &scanner)
            case "visitorId": try c.read(&visitorId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(therapistId: try c.required(therapistId, "therapistId", scanner), visitorId: visitorId)
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("therapistId"); writer.string(therapistId)
        if let visitorId { writer.key("visitorId"); writer.string(visitorId) }
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(therapistId, "therapistId")
        if let visitorId { try Validate.id(visitorId, "visitorId") }
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        _ = try judge.joinedTherapist(therapistId, states.therapistState)
        if let profileState = states.profileState {
            guard profileState.therapistId == therapistId else {
                throw judge.fail(.stateMismatch, "the profile state given is therapist \(profileState.therapistId)'s")
            }
            try judge.notBefore(profileState.lastOccurredAt)
        }
        try judge.allow([.client, .system])
    }
}

// MARK: - Case stream

// Shapes several case payloads share: their fields, read, written and checked once.

/// A case event about one session: `{caseId, sessionId}`.
protocol SessionPayload: CasePayload {
    var sessionId: String { get }
    init(caseId: String, sessionId: String)
}

extension SessionPayload {
    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var sessionId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "sessionId": try c.read(&sessionId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(caseId: try c.required(caseId, "caseId", scanner), sessionId: try c.required(sessionId, "sessionId", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("sessionId"); writer.string(sessionId)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.id(sessionId, "sessionId")
    }
}

/// A case event with a reason from a closed list: `{caseId, reason}`.
protocol ReasonedCasePayload: CasePayload {
    associatedtype Reason: PayloadEnum
    var reason: Reason { get }
    init(caseId: String, reason: Reason)
}

extension ReasonedCasePayload {
    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var reason: Reason?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "reason": try c.read(&reason, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(caseId: try c.required(caseId, "caseId", scanner), reason: try c.required(reason, "reason", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("reason"); writer.string(reason.rawValue)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
    }
}

/// A case event carrying only support's explanation: `{caseId, explanation}`.
protocol ExplainedCasePayload: CasePayload {
    var explanation: String { get }
    init(caseId: String, explanation: String)
}

extension ExplainedCasePayload {
    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var explanation: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "explanation": try c.read(&explanation, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            explanation: try c.required(explanation, "explanation", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("explanation"); writer.string(explanation)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.explanation(explanation)
    }
}

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

extension InquiryOpened: CasePayload {
    static var eventType: EventType { .inquiryOpened }
    /// Version 1 had no `clientNameRef`; it reads as an inquiry without one.
    static var schemaVersions: ClosedRange<Int> { 1...2 }
    var event: CaseloadEvent { .inquiryOpened(self) }
    var namedTherapistId: String? { therapistId }
    /// An inquiry is judged against its case (not yet opened), the addressed
    /// therapist and, for a re-match, the refused case it comes from.
    var stateNeeds: StateNeeds { StateNeeds(caseId: caseId, therapistId: therapistId, originCaseId: rematchedFrom) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var ignored: String?
        return try decode(&scanner, c, clientName: &ignored)
    }

    /// Reads the payload; in input mode a `clientName` is accepted and handed
    /// back apart, never kept in the event.
    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext, clientName: inout String?) throws -> Self {
        var caseId: String?
        var clientId: String?
        var therapistId: String?
        var format: InquiryFormat?
        var oneOff: Bool?
        var rematchedFrom: String?
        var clientNameRef: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "clientId": try c.read(&clientId, key, &scanner)
            case "clientName" where c.mode == .input: try c.read(&clientName, key, &scanner)
            case "clientNameRef" where c.version >= 2: try c.read(&clientNameRef, key, &scanner)
            case "format": try c.read(&format, key, &scanner)
            case "oneOff": try c.read(&oneOff, key, &scanner)
            case "rematchedFrom": try c.read(&rematchedFrom, key, &scanner)
            case "therapistId": try c.read(&therapistId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            clientId: try c.required(clientId, "clientId", scanner),
            therapistId: try c.required(therapistId, "therapistId", scanner),
            format: try c.required(format, "format", scanner),
            oneOff: try c.required(oneOff, "oneOff", scanner),
            rematchedFrom: rematchedFrom, clientNameRef: clientNameRef)
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("clientId"); writer.string(clientId)
        if let clientNameRef { writer.key("clientNameRef"); writer.string(clientNameRef) }
        writer.key("format"); writer.string(format.rawValue)
        writer.key("oneOff"); writer.bool(oneOff)
        if let rematchedFrom { writer.key("rematchedFrom"); writer.string(rematchedFrom) }
        writer.key("therapistId"); writer.string(therapistId)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.id(clientId, "clientId")
        try Validate.id(therapistId, "therapistId")
        if let clientNameRef { try Validate.personalDataRef(clientNameRef, "clientNameRef") }
        if let rematchedFrom {
            try Validate.id(rematchedFrom, "rematchedFrom")
            if rematchedFrom == caseId { throw FieldProblem(field: "rematchedFrom", reason: "names the case itself") }
        }
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        if let caseState = states.caseState {
            guard caseState.caseId == caseId else {
                throw judge.fail(.stateMismatch, "the case state given is case \(caseState.caseId)'s, not case \(caseId)'s")
            }
            throw judge.fail(.caseAlreadyOpened, "case \(caseId) was already opened at \(caseState.openedAt); a case opens once")
        }
        _ = try judge.joinedTherapist(therapistId, states.therapistState)
        guard let origin = rematchedFrom else {
            try judge.allow(.client, client: clientId, whose: "the inquiry's")
            return
        }
        // A re-match: support opens the case that a refusal's resolution named.
        try judge.allow(.support)
        guard let originCaseState = states.originCaseState else {
            throw judge.fail(.missingState, "a re-matched inquiry needs the state of the case it re-matches from (case \(origin))")
        }
        guard originCaseState.caseId == origin else {
            throw judge.fail(
                .stateMismatch, "the origin case state given is case \(originCaseState.caseId)'s, not case \(origin)'s")
        }
        guard case .resolved(_, let resolution, let resolvedAt) = originCaseState.refusal,
            resolution.outcome == .rematched
        else {
            throw judge.fail(.rematchMismatch, "case \(origin)'s refusal has not been resolved by a re-match")
        }
        guard resolution.newCaseId == caseId, resolution.newTherapistId == therapistId else {
            throw judge.fail(
                .rematchMismatch,
                "case \(origin) was re-matched to case \(resolution.newCaseId ?? "?") with therapist \(resolution.newTherapistId ?? "?"), not case \(caseId) with therapist \(therapistId)")
        }
        guard originCaseState.clientId == clientId else {
            throw judge.fail(
                .rematchMismatch,
                "a re-match keeps the client: case \(origin)'s client is \(originCaseState.clientId), not \(clientId)")
        }
        guard resolvedAt <= judge.occurredAt else {
            throw judge.fail(.rematchMismatch, "case \(origin)'s refusal was resolved only at \(resolvedAt)")
        }
    }
}

/// The therapist answered (the first one gives the first-response time).
public struct TherapistReplied: Sendable, Hashable {
    public var caseId: String

    public init(caseId: String) {
        self.caseId = caseId
    }
}

extension TherapistReplied: CasePayload {
    static var eventType: EventType { .therapistReplied }
    var event: CaseloadEvent { .therapistReplied(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(caseId: try c.required(caseId, "caseId", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.therapist, therapist: state.therapistId)
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

extension SessionBooked: CasePayload {
    static var eventType: EventType { .sessionBooked }
    var event: CaseloadEvent { .sessionBooked(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var sessionId: String?
        var scheduledStart: Timestamp?
        var price: Money?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "price": try c.read(&price, key, &scanner)
            case "scheduledStart": try c.read(&scheduledStart, key, &scanner)
            case "sessionId": try c.read(&sessionId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            sessionId: try c.required(sessionId, "sessionId", scanner),
            scheduledStart: try c.required(scheduledStart, "scheduledStart", scanner),
            price: try c.required(price, "price", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("price"); price.encode(into: &writer)
        writer.key("scheduledStart"); writer.string(scheduledStart.iso8601)
        writer.key("sessionId"); writer.string(sessionId)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.id(sessionId, "sessionId")
        try Validate.time(scheduledStart, "scheduledStart")
        try Validate.money(price, "price")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.client, .support, .system], client: state.clientId)
        if state.sessions[sessionId] != nil {
            throw judge.fail(.sessionAlreadyBooked, "session \(sessionId) is already booked; a session is booked once")
        }
        if let endedAt = state.endedAt {
            throw judge.fail(.bookingAfterEnd, "the case ended at \(endedAt); no booking after the end")
        }
        if state.exclusion.isExcluded {
            throw judge.fail(.bookingWhileExcluded, "the chat is excluded from statistics; no booking while excluded")
        }
        if state.refusal.isFiled {
            throw judge.fail(
                .bookingAfterRefusal, "the therapist filed a refusal; no booking after a refusal is filed")
        }
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

extension SessionHeld: SessionPayload {
    static var eventType: EventType { .sessionHeld }
    var event: CaseloadEvent { .sessionHeld(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.therapist, .system], therapist: state.therapistId)
        _ = try judge.bookedSession(sessionId, in: state)
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

extension SessionCancelled: CasePayload {
    static var eventType: EventType { .sessionCancelled }
    var event: CaseloadEvent { .sessionCancelled(self) }

    /// Read as a ``SessionCancellationInput`` (which input may leave
    /// incomplete); the log's events must carry the terms.
    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        let input = try SessionCancellationInput.decode(&scanner, c)
        guard let complete = input.complete else {
            throw c.missing(input.policyNoticeHours == nil ? "policyNoticeHours" : "late", scanner)
        }
        return complete
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("by"); writer.string(by.rawValue)
        writer.key("caseId"); writer.string(caseId)
        writer.key("late"); writer.bool(late)
        writer.key("policyNoticeHours"); writer.int(policyNoticeHours)
        writer.key("sessionId"); writer.string(sessionId)
    }

    func validateFields() throws(FieldProblem) {
        try SessionCancellationInput(
            caseId: caseId, sessionId: sessionId, by: by, policyNoticeHours: policyNoticeHours, late: late
        ).validateFields()
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        switch by {
        case .client: try judge.allow([.client, .support, .system], client: state.clientId)
        case .therapist: try judge.allow([.therapist, .support, .system], therapist: state.therapistId)
        }
        let computed = try judge.cancellationTerms(
            caseId: caseId, sessionId: sessionId, by: by, caseState: state, therapistState: states.therapistState)
        try judge.compare(
            computed, givenNoticeHours: policyNoticeHours, givenLate: late, by: by, sessionId: sessionId)
    }
}

extension SessionCancellationInput {
    /// Reads a SessionCancelled whose terms may be absent (input) and
    /// validates what it has; ``SessionCancelled`` then requires the terms.
    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var sessionId: String?
        var by: CancellingParty?
        var policyNoticeHours: Int?
        var late: Bool?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "by": try c.read(&by, key, &scanner)
            case "caseId": try c.read(&caseId, key, &scanner)
            case "late": try c.read(&late, key, &scanner)
            case "policyNoticeHours": try c.read(&policyNoticeHours, key, &scanner)
            case "sessionId": try c.read(&sessionId, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        let input = SessionCancellationInput(
            caseId: try c.required(caseId, "caseId", scanner),
            sessionId: try c.required(sessionId, "sessionId", scanner),
            by: try c.required(by, "by", scanner),
            policyNoticeHours: policyNoticeHours, late: late)
        do {
            try input.validateFields()
        } catch {
            throw c.invalid(error, scanner)
        }
        return input
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

extension SessionMissed: SessionPayload {
    static var eventType: EventType { .sessionMissed }
    var event: CaseloadEvent { .sessionMissed(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.therapist, .system], therapist: state.therapistId)
        _ = try judge.bookedSession(sessionId, in: state)
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

extension CaseEnded: ReasonedCasePayload {
    static var eventType: EventType { .caseEnded }
    var event: CaseloadEvent { .caseEnded(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.client, .support, .system], client: state.clientId)
        if let endedAt = state.endedAt {
            throw judge.fail(.caseAlreadyEnded, "the case already ended at \(endedAt); a case ends once")
        }
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

extension ExclusionRequested: CasePayload {
    static var eventType: EventType { .exclusionRequested }
    static var schemaVersions: ClosedRange<Int> { 1...2 }
    var event: CaseloadEvent { .exclusionRequested(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var reason: ExclusionReason?
        var explanation: String?
        var evidence: [String]?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "evidence" where c.version == 1:
                // Upcast: v1 held one reference as a string ("" for none).
                try c.once(evidence, key.string, scanner)
                let single = try c.string(&scanner, key.string)
                evidence = single.isEmpty ? [] : [single]
            case "evidence": try c.read(&evidence, key, &scanner)
            case "explanation": try c.read(&explanation, key, &scanner)
            case "reason": try c.read(&reason, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            reason: try c.required(reason, "reason", scanner),
            explanation: try c.required(explanation, "explanation", scanner),
            evidence: try c.required(evidence, "evidence", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("evidence"); writer.strings(evidence)
        writer.key("explanation"); writer.string(explanation)
        writer.key("reason"); writer.string(reason.rawValue)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.explanation(explanation)
        try Validate.references(evidence, "evidence")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.therapist, therapist: state.therapistId)
        try judge.noSessionYet(state)
        switch state.exclusion {
        case .requested:
            throw judge.fail(.exclusionAlreadyRequested, "an exclusion request is already pending")
        case .excluded:
            throw judge.fail(.chatAlreadyExcluded, "the chat is already excluded")
        case .notRequested, .denied, .revoked:
            break
        }
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

extension ChatExcluded: ReasonedCasePayload {
    static var eventType: EventType { .chatExcluded }
    var event: CaseloadEvent { .chatExcluded(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.support, .system])
        try judge.noSessionYet(state)
        if state.exclusion.isExcluded {
            throw judge.fail(.chatAlreadyExcluded, "the chat is already excluded")
        }
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

extension ExclusionDenied: ExplainedCasePayload {
    static var eventType: EventType { .exclusionDenied }
    var event: CaseloadEvent { .exclusionDenied(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.support, .system])
        guard case .requested = state.exclusion else {
            throw judge.fail(.noPendingExclusionRequest, "there is no pending exclusion request to deny")
        }
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

extension ExclusionRevoked: ExplainedCasePayload {
    static var eventType: EventType { .exclusionRevoked }
    var event: CaseloadEvent { .exclusionRevoked(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.support, .system])
        guard state.exclusion.isExcluded else {
            throw judge.fail(.chatNotExcluded, "the chat is not excluded, so there is nothing to revoke")
        }
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

extension RefusalFiled: CasePayload {
    static var eventType: EventType { .refusalFiled }
    var event: CaseloadEvent { .refusalFiled(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var reason: RefusalReason?
        var explanation: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "explanation": try c.read(&explanation, key, &scanner)
            case "reason": try c.read(&reason, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            reason: try c.required(reason, "reason", scanner),
            explanation: try c.required(explanation, "explanation", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("explanation"); writer.string(explanation)
        writer.key("reason"); writer.string(reason.rawValue)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.explanation(explanation)
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.therapist, therapist: state.therapistId)
        if state.refusal.isFiled {
            throw judge.fail(.refusalAlreadyFiled, "a refusal was already filed; a case is refused at most once")
        }
        if state.sessionsCountingAsHeld == 0 {
            throw judge.fail(
                .refusalBeforeFirstSession,
                "no session has been held (or charged) yet; a refusal comes after the first session (before it, ask for an exclusion)")
        }
        if state.standingBookings > 1 {
            throw judge.fail(
                .refusalAfterSecondBooking,
                "a second session is already booked; a refusal comes before the second session is booked")
        }
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

extension RefusalResolved: CasePayload {
    static var eventType: EventType { .refusalResolved }
    var event: CaseloadEvent { .refusalResolved(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var outcome: RefusalOutcome?
        var newCaseId: String?
        var newTherapistId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "newCaseId": try c.read(&newCaseId, key, &scanner)
            case "newTherapistId": try c.read(&newTherapistId, key, &scanner)
            case "outcome": try c.read(&outcome, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            outcome: try c.required(outcome, "outcome", scanner),
            newCaseId: newCaseId, newTherapistId: newTherapistId)
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        if let newCaseId { writer.key("newCaseId"); writer.string(newCaseId) }
        if let newTherapistId { writer.key("newTherapistId"); writer.string(newTherapistId) }
        writer.key("outcome"); writer.string(outcome.rawValue)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try validateRematchFields()
    }

    /// `rematched` needs both new ids (a new case for another therapist); the
    /// other outcomes forbid them.
    func validateRematchFields() throws(FieldProblem) {
        if outcome == .rematched {
            guard let newCaseId else {
                throw FieldProblem(field: "newCaseId", reason: "is required when the outcome is rematched")
            }
            guard let newTherapistId else {
                throw FieldProblem(field: "newTherapistId", reason: "is required when the outcome is rematched")
            }
            try Validate.id(newCaseId, "newCaseId")
            try Validate.id(newTherapistId, "newTherapistId")
            if newCaseId == caseId { throw FieldProblem(field: "newCaseId", reason: "names the refused case itself") }
        } else {
            if newCaseId != nil {
                throw FieldProblem(field: "newCaseId", reason: "is only allowed when the outcome is rematched, not \(outcome.rawValue)")
            }
            if newTherapistId != nil {
                throw FieldProblem(
                    field: "newTherapistId", reason: "is only allowed when the outcome is rematched, not \(outcome.rawValue)")
            }
        }
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.support)
        guard case .filed = state.refusal else {
            throw judge.fail(
                .noOpenRefusal,
                state.refusal.isFiled ? "the refusal is already resolved" : "no refusal has been filed")
        }
        if outcome == .rematched, newTherapistId == state.therapistId {
            throw judge.fail(.invalidRematch, "a re-match is to another therapist, not the case's own (\(state.therapistId))")
        }
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

extension AntifraudFlagRaised: CasePayload {
    static var eventType: EventType { .antifraudFlagRaised }
    var event: CaseloadEvent { .antifraudFlagRaised(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var rule: String?
        var evidence: [String]?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "evidence": try c.read(&evidence, key, &scanner)
            case "rule": try c.read(&rule, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            rule: try c.required(rule, "rule", scanner),
            evidence: try c.required(evidence, "evidence", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("evidence"); writer.strings(evidence)
        writer.key("rule"); writer.string(rule)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.id(rule, "rule")
        try Validate.references(evidence, "evidence")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow([.system, .support])
        if state.antifraudFlag.isOpen {
            throw judge.fail(.antifraudFlagAlreadyOpen, "an anti-fraud flag is already open on this case")
        }
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

extension AntifraudFlagDisputed: CasePayload {
    static var eventType: EventType { .antifraudFlagDisputed }
    var event: CaseloadEvent { .antifraudFlagDisputed(self) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var caseId: String?
        var explanation: String?
        var evidence: [String]?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId": try c.read(&caseId, key, &scanner)
            case "evidence": try c.read(&evidence, key, &scanner)
            case "explanation": try c.read(&explanation, key, &scanner)
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            caseId: try c.required(caseId, "caseId", scanner),
            explanation: try c.required(explanation, "explanation", scanner),
            evidence: try c.required(evidence, "evidence", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("caseId"); writer.string(caseId)
        writer.key("evidence"); writer.strings(evidence)
        writer.key("explanation"); writer.string(explanation)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(caseId, "caseId")
        try Validate.explanation(explanation)
        try Validate.references(evidence, "evidence")
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.therapist, therapist: state.therapistId)
        switch state.antifraudFlag {
        case .open(disputed: false): break
        case .open(disputed: true):
            throw judge.fail(.antifraudFlagAlreadyDisputed, "the open anti-fraud flag is already disputed")
        case .noFlag, .cleared, .confirmed:
            throw judge.fail(.noOpenAntifraudFlag, "there is no open anti-fraud flag to dispute")
        }
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

extension AntifraudFlagCleared: ExplainedCasePayload {
    static var eventType: EventType { .antifraudFlagCleared }
    var event: CaseloadEvent { .antifraudFlagCleared(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.support)
        guard state.antifraudFlag.isOpen else {
            throw judge.fail(.noOpenAntifraudFlag, "there is no open anti-fraud flag to clear")
        }
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

extension AntifraudFlagConfirmed: ExplainedCasePayload {
    static var eventType: EventType { .antifraudFlagConfirmed }
    var event: CaseloadEvent { .antifraudFlagConfirmed(self) }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        let state = try judge.openCase(caseId, states.caseState)
        try judge.allow(.support)
        guard state.antifraudFlag.isOpen else {
            throw judge.fail(.noOpenAntifraudFlag, "there is no open anti-fraud flag to confirm")
        }
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

extension ClientDataErased: EventPayload {
    static var eventType: EventType { .clientDataErased }
    static var streamCategory: StreamCategory { .client }
    var event: CaseloadEvent { .clientDataErased(self) }
    var streamID: String { clientId }
    /// No rule reads a client's stream; an append only expects its version.
    var stateNeeds: StateNeeds { StateNeeds(clientId: clientId) }

    static func decode(_ scanner: inout JSONScanner, _ c: DecodeContext) throws -> Self {
        var clientId: String?
        var fields: [String]?
        var records: Int?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "clientId": try c.read(&clientId, key, &scanner)
            case "fields":
                // Read as it always was: an element's error names `fields`,
                // and a value that is not an array is malformed JSON.
                try c.once(fields, key.string, scanner)
                var list: [String] = []
                var array = try scanner.beginArray()
                while try scanner.nextElement(&array) { list.append(try c.string(&scanner, key.string)) }
                fields = list
            case "records":
                // As it always was: a non-integer is malformed JSON.
                try c.once(records, key.string, scanner)
                records = Int(try scanner.readInt())
            default: throw c.unknown(key.string, scanner)
            }
        }
        return Self(
            clientId: try c.required(clientId, "clientId", scanner), fields: try c.required(fields, "fields", scanner),
            records: try c.required(records, "records", scanner))
    }

    func encodeFields(into writer: inout JSONWriter) {
        writer.key("clientId"); writer.string(clientId)
        writer.key("fields"); writer.strings(fields)
        writer.key("records"); writer.int(records)
    }

    func validateFields() throws(FieldProblem) {
        try Validate.id(clientId, "clientId")
        guard !fields.isEmpty else { throw FieldProblem(field: "fields", reason: "names no field") }
        for field in fields { try Validate.id(field, "fields") }
        guard records >= 0 else { throw FieldProblem(field: "records", reason: "is negative") }
        guard records <= Validate.maximumRecords else {
            throw FieldProblem(field: "records", reason: "is \(records), more than \(Validate.maximumRecords)")
        }
    }

    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError) {
        // Erasure is support's (or an automated retention job's) act; it
        // touches no case, so no case state constrains it.
        try judge.allow([.support, .system])
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

    /// Hands the payload, as its own type, to `visitor`: the one switch over
    /// the cases. Everything else an event knows comes from its payload's
    /// `EventPayload` conformance through here (generic, so no payload is
    /// boxed in an existential).
    func accept<V: PayloadVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .therapistJoined(let payload): visitor.visit(payload)
        case .cancellationPolicySet(let payload): visitor.visit(payload)
        case .profileViewed(let payload): visitor.visit(payload)
        case .inquiryOpened(let payload): visitor.visit(payload)
        case .therapistReplied(let payload): visitor.visit(payload)
        case .sessionBooked(let payload): visitor.visit(payload)
        case .sessionHeld(let payload): visitor.visit(payload)
        case .sessionCancelled(let payload): visitor.visit(payload)
        case .sessionMissed(let payload): visitor.visit(payload)
        case .caseEnded(let payload): visitor.visit(payload)
        case .exclusionRequested(let payload): visitor.visit(payload)
        case .chatExcluded(let payload): visitor.visit(payload)
        case .exclusionDenied(let payload): visitor.visit(payload)
        case .exclusionRevoked(let payload): visitor.visit(payload)
        case .refusalFiled(let payload): visitor.visit(payload)
        case .refusalResolved(let payload): visitor.visit(payload)
        case .antifraudFlagRaised(let payload): visitor.visit(payload)
        case .antifraudFlagDisputed(let payload): visitor.visit(payload)
        case .antifraudFlagCleared(let payload): visitor.visit(payload)
        case .antifraudFlagConfirmed(let payload): visitor.visit(payload)
        case .clientDataErased(let payload): visitor.visit(payload)
        }
    }

    /// The event's type.
    public var type: EventType { accept(TypeOfPayload()) }

    /// The stable type name stored in the log, such as `SessionBooked`.
    public var typeName: String { type.rawValue }

    /// The schema version this event is encoded with (always the current one).
    public var schemaVersion: Int { type.currentSchemaVersion }

    /// The case the event concerns, for case-stream events.
    public var caseId: String? {
        type.streamCategory == .case ? accept(StreamIDOfPayload()) : nil
    }

    /// The therapist the payload names as its subject: the therapist and
    /// profile streams' owner, and the therapist an inquiry is addressed to.
    /// Other case events name only the case; its therapist is in ``CaseState``.
    public var therapistId: String? { accept(NamedTherapistOfPayload()) }

    /// The stream the event belongs to: `therapist-<id>`, `profile-<id>`,
    /// `case-<id>` or `client-<id>`, the id the therapist's, case's or client's.
    public var streamName: StreamName { StreamName(type.streamCategory, accept(StreamIDOfPayload())) }

    /// The streams whose states the rules need to judge this event.
    public var stateNeeds: StateNeeds { accept(StateNeedsOfPayload()) }
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

    /// Hands this type's payload type (where its versions, stream and
    /// decoder are) to `visitor`: the one switch over the types. Generic, so
    /// each branch is specialised: no existential, no witness call.
    func accept<V: PayloadTypeVisitor>(_ visitor: V) -> V.Result {
        switch self {
        case .therapistJoined: visitor.visit(TherapistJoined.self)
        case .cancellationPolicySet: visitor.visit(CancellationPolicySet.self)
        case .profileViewed: visitor.visit(ProfileViewed.self)
        case .inquiryOpened: visitor.visit(InquiryOpened.self)
        case .therapistReplied: visitor.visit(TherapistReplied.self)
        case .sessionBooked: visitor.visit(SessionBooked.self)
        case .sessionHeld: visitor.visit(SessionHeld.self)
        case .sessionCancelled: visitor.visit(SessionCancelled.self)
        case .sessionMissed: visitor.visit(SessionMissed.self)
        case .caseEnded: visitor.visit(CaseEnded.self)
        case .exclusionRequested: visitor.visit(ExclusionRequested.self)
        case .chatExcluded: visitor.visit(ChatExcluded.self)
        case .exclusionDenied: visitor.visit(ExclusionDenied.self)
        case .exclusionRevoked: visitor.visit(ExclusionRevoked.self)
        case .refusalFiled: visitor.visit(RefusalFiled.self)
        case .refusalResolved: visitor.visit(RefusalResolved.self)
        case .antifraudFlagRaised: visitor.visit(AntifraudFlagRaised.self)
        case .antifraudFlagDisputed: visitor.visit(AntifraudFlagDisputed.self)
        case .antifraudFlagCleared: visitor.visit(AntifraudFlagCleared.self)
        case .antifraudFlagConfirmed: visitor.visit(AntifraudFlagConfirmed.self)
        case .clientDataErased: visitor.visit(ClientDataErased.self)
        }
    }

    /// Decodes a payload of this type: a switch of its own rather than
    /// ``accept(_:)``, because a replay runs it for every event and a visitor
    /// (which cannot take an `inout` scanner or throw) measured slower.
    func decodeEvent(_ scanner: inout JSONScanner, _ context: DecodeContext) throws -> CaseloadEvent {
        switch self {
        case .therapistJoined: try TherapistJoined.decodeEvent(&scanner, context)
        case .cancellationPolicySet: try CancellationPolicySet.decodeEvent(&scanner, context)
        case .profileViewed: try ProfileViewed.decodeEvent(&scanner, context)
        case .inquiryOpened: try InquiryOpened.decodeEvent(&scanner, context)
        case .therapistReplied: try TherapistReplied.decodeEvent(&scanner, context)
        case .sessionBooked: try SessionBooked.decodeEvent(&scanner, context)
        case .sessionHeld: try SessionHeld.decodeEvent(&scanner, context)
        case .sessionCancelled: try SessionCancelled.decodeEvent(&scanner, context)
        case .sessionMissed: try SessionMissed.decodeEvent(&scanner, context)
        case .caseEnded: try CaseEnded.decodeEvent(&scanner, context)
        case .exclusionRequested: try ExclusionRequested.decodeEvent(&scanner, context)
        case .chatExcluded: try ChatExcluded.decodeEvent(&scanner, context)
        case .exclusionDenied: try ExclusionDenied.decodeEvent(&scanner, context)
        case .exclusionRevoked: try ExclusionRevoked.decodeEvent(&scanner, context)
        case .refusalFiled: try RefusalFiled.decodeEvent(&scanner, context)
        case .refusalResolved: try RefusalResolved.decodeEvent(&scanner, context)
        case .antifraudFlagRaised: try AntifraudFlagRaised.decodeEvent(&scanner, context)
        case .antifraudFlagDisputed: try AntifraudFlagDisputed.decodeEvent(&scanner, context)
        case .antifraudFlagCleared: try AntifraudFlagCleared.decodeEvent(&scanner, context)
        case .antifraudFlagConfirmed: try AntifraudFlagConfirmed.decodeEvent(&scanner, context)
        case .clientDataErased: try ClientDataErased.decodeEvent(&scanner, context)
        }
    }

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
    public var currentSchemaVersion: Int { supportedSchemaVersions.upperBound }

    /// The versions the decoder reads (older ones are upcast to the current shape).
    public var supportedSchemaVersions: ClosedRange<Int> { accept(SchemaVersionsOfPayloadType()) }

    /// The kind of stream events of this type go to.
    public var streamCategory: StreamCategory { accept(StreamCategoryOfPayloadType()) }
}
