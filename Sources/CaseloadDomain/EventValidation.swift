extension CaseloadEvent {
    /// Checks every field against the contract's value rules (ids, money,
    /// notice hours, explanation length, the re-match fields). The decoder runs
    /// the same checks; commands run them through ``Rules``.
    func validateFields() throws(FieldProblem) {
        switch self {
        case .therapistJoined(let e):
            try Validate.id(e.therapistId, "therapistId")
        case .cancellationPolicySet(let e):
            try Validate.id(e.therapistId, "therapistId")
            try Validate.noticeHours(e.noticeHours, "noticeHours")
        case .profileViewed(let e):
            try Validate.id(e.therapistId, "therapistId")
            if let visitorId = e.visitorId { try Validate.id(visitorId, "visitorId") }
        case .inquiryOpened(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.id(e.clientId, "clientId")
            try Validate.id(e.therapistId, "therapistId")
            if let ref = e.clientNameRef { try Validate.personalDataRef(ref, "clientNameRef") }
            if let origin = e.rematchedFrom {
                try Validate.id(origin, "rematchedFrom")
                if origin == e.caseId { throw FieldProblem(field: "rematchedFrom", reason: "names the case itself") }
            }
        case .therapistReplied(let e):
            try Validate.id(e.caseId, "caseId")
        case .sessionBooked(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.id(e.sessionId, "sessionId")
            try Validate.money(e.price, "price")
        case .sessionHeld(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.id(e.sessionId, "sessionId")
        case .sessionCancelled(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.id(e.sessionId, "sessionId")
            try Validate.noticeHours(e.policyNoticeHours, "policyNoticeHours")
            if e.by == .therapist, e.late {
                throw FieldProblem(field: "late", reason: "is true for a therapist's cancellation, which is never late")
            }
        case .sessionMissed(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.id(e.sessionId, "sessionId")
        case .caseEnded(let e):
            try Validate.id(e.caseId, "caseId")
        case .exclusionRequested(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
            try Validate.references(e.evidence, "evidence")
        case .chatExcluded(let e):
            try Validate.id(e.caseId, "caseId")
        case .exclusionDenied(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
        case .exclusionRevoked(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
        case .refusalFiled(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
        case .refusalResolved(let e):
            try Validate.id(e.caseId, "caseId")
            try e.validateRematchFields()
        case .antifraudFlagRaised(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.id(e.rule, "rule")
            try Validate.references(e.evidence, "evidence")
        case .antifraudFlagDisputed(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
            try Validate.references(e.evidence, "evidence")
        case .antifraudFlagCleared(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
        case .antifraudFlagConfirmed(let e):
            try Validate.id(e.caseId, "caseId")
            try Validate.explanation(e.explanation)
        case .clientDataErased(let e):
            try Validate.id(e.clientId, "clientId")
            guard !e.fields.isEmpty else { throw FieldProblem(field: "fields", reason: "names no field") }
            for field in e.fields { try Validate.id(field, "fields") }
            guard e.records >= 0 else { throw FieldProblem(field: "records", reason: "is negative") }
        }
    }
}

extension RefusalResolved {
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
}
