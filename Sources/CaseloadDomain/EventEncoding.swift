public import CaseloadCoding

extension CaseloadEvent {
    /// The payload as canonical JSON: compact, keys in sorted byte order,
    /// optional fields omitted when nil, times in UTC. The log stores (and the
    /// hash chain covers) exactly these bytes. Never writes `clientName`.
    public func encodedPayload() -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        encodePayload(into: &writer)
        return writer.bytes
    }

    /// Writes the payload object into `writer` (for embedding it in a larger document).
    public func encodePayload(into writer: inout JSONWriter) {
        // Each branch writes its keys in sorted byte order by hand; a test
        // checks the order for every event type.
        writer.beginObject()
        switch self {
        case .therapistJoined(let e):
            writer.key("therapistId"); writer.string(e.therapistId)
        case .cancellationPolicySet(let e):
            writer.key("noticeHours"); writer.int(e.noticeHours)
            writer.key("therapistId"); writer.string(e.therapistId)
        case .profileViewed(let e):
            writer.key("therapistId"); writer.string(e.therapistId)
            if let visitorId = e.visitorId { writer.key("visitorId"); writer.string(visitorId) }
        case .inquiryOpened(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("clientId"); writer.string(e.clientId)
            if let ref = e.clientNameRef { writer.key("clientNameRef"); writer.string(ref) }
            writer.key("format"); writer.string(e.format.rawValue)
            writer.key("oneOff"); writer.bool(e.oneOff)
            if let origin = e.rematchedFrom { writer.key("rematchedFrom"); writer.string(origin) }
            writer.key("therapistId"); writer.string(e.therapistId)
        case .therapistReplied(let e):
            writer.key("caseId"); writer.string(e.caseId)
        case .sessionBooked(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("price"); e.price.encode(into: &writer)
            writer.key("scheduledStart"); writer.string(e.scheduledStart.iso8601)
            writer.key("sessionId"); writer.string(e.sessionId)
        case .sessionHeld(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("sessionId"); writer.string(e.sessionId)
        case .sessionCancelled(let e):
            writer.key("by"); writer.string(e.by.rawValue)
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("late"); writer.bool(e.late)
            writer.key("policyNoticeHours"); writer.int(e.policyNoticeHours)
            writer.key("sessionId"); writer.string(e.sessionId)
        case .sessionMissed(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("sessionId"); writer.string(e.sessionId)
        case .caseEnded(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("reason"); writer.string(e.reason.rawValue)
        case .exclusionRequested(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("evidence"); writer.strings(e.evidence)
            writer.key("explanation"); writer.string(e.explanation)
            writer.key("reason"); writer.string(e.reason.rawValue)
        case .chatExcluded(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("reason"); writer.string(e.reason.rawValue)
        case .exclusionDenied(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("explanation"); writer.string(e.explanation)
        case .exclusionRevoked(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("explanation"); writer.string(e.explanation)
        case .refusalFiled(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("explanation"); writer.string(e.explanation)
            writer.key("reason"); writer.string(e.reason.rawValue)
        case .refusalResolved(let e):
            writer.key("caseId"); writer.string(e.caseId)
            if let newCaseId = e.newCaseId { writer.key("newCaseId"); writer.string(newCaseId) }
            if let newTherapistId = e.newTherapistId { writer.key("newTherapistId"); writer.string(newTherapistId) }
            writer.key("outcome"); writer.string(e.outcome.rawValue)
        case .antifraudFlagRaised(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("evidence"); writer.strings(e.evidence)
            writer.key("rule"); writer.string(e.rule)
        case .antifraudFlagDisputed(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("evidence"); writer.strings(e.evidence)
            writer.key("explanation"); writer.string(e.explanation)
        case .antifraudFlagCleared(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("explanation"); writer.string(e.explanation)
        case .antifraudFlagConfirmed(let e):
            writer.key("caseId"); writer.string(e.caseId)
            writer.key("explanation"); writer.string(e.explanation)
        case .clientDataErased(let e):
            writer.key("clientId"); writer.string(e.clientId)
            writer.key("fields"); writer.strings(e.fields)
            writer.key("records"); writer.int(e.records)
        }
        writer.endObject()
    }
}

extension Money {
    func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("amount"); writer.int(amount)
        writer.key("currency"); writer.string(currency)
        writer.endObject()
    }
}

extension JSONWriter {
    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }
}
