import CaseloadCoding
import CaseloadDomain

/// A time from ISO-8601 text (test literals only).
func at(_ text: String) -> Timestamp {
    do {
        return try Timestamp(iso8601: text)
    } catch {
        fatalError("bad test timestamp \(text): \(error)")
    }
}

let eur3000 = Money(amount: 300_000, currency: "EUR")

/// One sample of every event type, with every optional field set somewhere.
let sampleEvents: [CaseloadEvent] = [
    .therapistJoined(TherapistJoined(therapistId: "t1")),
    .cancellationPolicySet(CancellationPolicySet(therapistId: "t1", noticeHours: 48)),
    .profileViewed(ProfileViewed(therapistId: "t1", visitorId: "v-9")),
    .profileViewed(ProfileViewed(therapistId: "t1")),
    .inquiryOpened(
        InquiryOpened(caseId: "c2", clientId: "k1", therapistId: "t2", format: .couple, oneOff: true, rematchedFrom: "c1")),
    .inquiryOpened(InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false)),
    .therapistReplied(TherapistReplied(caseId: "c1")),
    .sessionBooked(
        SessionBooked(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T18:00:00.25Z"), price: eur3000)),
    .sessionHeld(SessionHeld(caseId: "c1", sessionId: "s1")),
    .sessionCancelled(SessionCancelled(caseId: "c1", sessionId: "s2", by: .client, policyNoticeHours: 24, late: true)),
    .sessionMissed(SessionMissed(caseId: "c1", sessionId: "s3")),
    .caseEnded(CaseEnded(caseId: "c1", reason: .goalsReached)),
    .exclusionRequested(
        ExclusionRequested(
            caseId: "c1", reason: .duplicateChat, explanation: "Couple wrote twice: \"quoted\" \\ and ünïcode",
            evidence: ["screenshot-17", "screenshot-18"])),
    .exclusionRequested(ExclusionRequested(caseId: "c1", reason: .spam, explanation: "spam", evidence: [])),
    .chatExcluded(ChatExcluded(caseId: "c1", reason: .platformTest)),
    .exclusionDenied(ExclusionDenied(caseId: "c1", explanation: "not enough evidence")),
    .exclusionRevoked(ExclusionRevoked(caseId: "c1", explanation: "excluded by mistake")),
    .refusalFiled(RefusalFiled(caseId: "c1", reason: .needsOtherSpecialist, explanation: "needs psychiatric co-care")),
    .refusalResolved(RefusalResolved(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2")),
    .refusalResolved(RefusalResolved(caseId: "c1", outcome: .refunded)),
    .antifraudFlagRaised(AntifraudFlagRaised(caseId: "c1", rule: "offPlatformPayment", evidence: ["msg-ref-1"])),
    .antifraudFlagDisputed(AntifraudFlagDisputed(caseId: "c1", explanation: "paid on platform", evidence: ["receipt-2"])),
    .antifraudFlagCleared(AntifraudFlagCleared(caseId: "c1", explanation: "receipt checks out")),
    .antifraudFlagConfirmed(AntifraudFlagConfirmed(caseId: "c1", explanation: "confirmed by billing")),
    .inquiryOpened(InquiryOpened(
        caseId: "c3", clientId: "k3", therapistId: "t1", format: .individual, oneOff: true,
        clientNameRef: "pd-0b8e5f7c-2d41-4c3a-9e61-7f2a1b3c4d5e")),
    .clientDataErased(ClientDataErased(clientId: "k1", fields: ["clientName"], records: 2)),
]
