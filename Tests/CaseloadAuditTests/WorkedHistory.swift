import CaseloadDomain
import Testing

/// A small marketplace history with every audited path, built through the
/// backend's commands. Positions are in the comments; the tests' expected
/// output was written by hand from this list.
enum WorkedHistory {
    static func build() async throws -> Script {
        let s = Script()
        let uah = { (amount: Int64) in Money(amount: amount, currency: "UAH") }
        try await s.run(.joinTherapist(therapistId: "t1"), by: .support("s1"), "2024-01-01T00:00:00Z")  // 1
        try await s.run(.joinTherapist(therapistId: "t2"), by: .support("s1"), "2024-01-01T00:00:00Z")  // 2
        try await s.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: .therapist("t1"), "2024-02-01T00:00:00Z")  // 3

        // c1: replied, one session, refused, re-matched to t2 as c2.
        try await s.run(.openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false), by: .client("k1"), "2024-03-01T09:00:00Z")  // 4
        try await s.run(.reply(caseId: "c1"), by: .therapist("t1"), "2024-03-01T11:30:00Z")  // 5
        try await s.run(.bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: uah(300_000)), by: .client("k1"), "2024-03-02T09:00:00Z")  // 6
        try await s.run(.holdSession(caseId: "c1", sessionId: "s1"), by: .therapist("t1"), "2024-03-05T11:00:00Z")  // 7
        try await s.run(.fileRefusal(caseId: "c1", reason: .personalTrigger, explanation: "a strong personal trigger"), by: .therapist("t1"), "2024-03-06T09:00:00Z")  // 8
        try await s.run(.resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2"), by: .support("agent-7"), "2024-03-07T09:00:00Z")  // 9, 10 (c2 opens)

        // c3: the therapist asks to exclude it as spam; agent-7 grants it.
        try await s.run(.openInquiry(caseId: "c3", clientId: "k3", therapistId: "t1", format: .individual, oneOff: false), by: .client("k3"), "2024-03-08T09:00:00Z")  // 11
        try await s.run(.requestExclusion(caseId: "c3", reason: .spam, explanation: "advertises a casino", evidence: ["shot-1", "shot-2"]), by: .therapist("t1"), "2024-03-09T09:00:00Z")  // 12
        try await s.run(.excludeChat(caseId: "c3", reason: .spam), by: .support("agent-7"), "2024-03-10T09:00:00Z")  // 13

        // c4: agent-7 excludes it on its own initiative; agent-9 revokes it later.
        try await s.run(.openInquiry(caseId: "c4", clientId: "k4", therapistId: "t1", format: .couple, oneOff: false), by: .client("k4"), "2024-03-11T09:00:00Z")  // 14
        try await s.run(.excludeChat(caseId: "c4", reason: .platformTest), by: .support("agent-7"), "2024-03-12T09:00:00Z")  // 15

        // c5: a request agent-7 denies.
        try await s.run(.openInquiry(caseId: "c5", clientId: "k5", therapistId: "t1", format: .individual, oneOff: true), by: .client("k5"), "2024-03-13T09:00:00Z")  // 16
        try await s.run(.requestExclusion(caseId: "c5", reason: .accidentalContact, explanation: "client wrote by accident", evidence: ["shot-3"]), by: .therapist("t1"), "2024-03-14T09:00:00Z")  // 17
        try await s.run(.denyExclusion(caseId: "c5", explanation: "the client asked about therapy"), by: .support("agent-7"), "2024-03-15T09:00:00Z")  // 18

        try await s.run(.revokeExclusion(caseId: "c4", explanation: "anti-fraud check found a real client"), by: .support("agent-9"), "2024-03-20T09:00:00Z")  // 19

        // c6: converted by a no-show, then a late and an early cancellation under t1's 48 h policy.
        try await s.run(.openInquiry(caseId: "c6", clientId: "k6", therapistId: "t1", format: .individual, oneOff: false), by: .client("k6"), "2024-03-21T09:00:00Z")  // 20
        try await s.run(.bookSession(caseId: "c6", sessionId: "s1", scheduledStart: at("2024-03-25T10:00:00Z"), price: uah(250_000)), by: .client("k6"), "2024-03-22T09:00:00Z")  // 21
        try await s.run(.markMissed(caseId: "c6", sessionId: "s1"), by: .therapist("t1"), "2024-03-25T11:00:00Z")  // 22
        try await s.run(.bookSession(caseId: "c6", sessionId: "s2", scheduledStart: at("2024-04-10T10:00:00Z"), price: uah(250_000)), by: .client("k6"), "2024-04-01T09:00:00Z")  // 23
        try await s.run(.cancelSession(caseId: "c6", sessionId: "s2", by: .client), by: .client("k6"), "2024-04-09T04:00:00Z")  // 24: 30 h notice
        try await s.run(.bookSession(caseId: "c6", sessionId: "s3", scheduledStart: at("2024-04-20T10:00:00Z"), price: uah(250_000)), by: .client("k6"), "2024-04-11T09:00:00Z")  // 25
        try await s.run(.cancelSession(caseId: "c6", sessionId: "s3", by: .client), by: .client("k6"), "2024-04-15T10:00:00Z")  // 26: 5 days' notice

        // Four views of t1's profile.
        for time in ["2024-03-01T08:00:00Z", "2024-03-01T08:30:00Z", "2024-03-08T08:00:00Z", "2024-03-11T08:00:00Z"] {
            try await s.run(.recordProfileView(therapistId: "t1", visitorId: nil), by: .system("web"), time)  // 27–30
        }

        // c7: t2's duplicate chat, excluded by agent-7.
        try await s.run(.openInquiry(caseId: "c7", clientId: "k7", therapistId: "t2", format: .couple, oneOff: false), by: .client("k7"), "2024-03-22T10:00:00Z")  // 31
        try await s.run(.excludeChat(caseId: "c7", reason: .duplicateChat), by: .support("agent-7"), "2024-03-23T09:00:00Z")  // 32
        return s
    }
}
