import Caseload
import CaseloadCoding
import EventStore
import EventStoreTesting
import Testing

@Suite struct LogIntegrityChecks {
    @Test func aLegalHistoryHasNoProblems() async throws {
        let script = try await variedHistory()
        let (chain, problems) = try await LogIntegrity.check(script.store)
        #expect(chain.holds)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func everyIllegalOrUnreadableEventIsReportedWithItsPosition() async throws {
        let script = Script()
        try await script.join("t1")
        try await script.open("a")
        let store = script.store
        // Written past the rules, straight into the store, as a buggy producer might:
        // a session held that was never booked, an inquiry to a therapist who never joined,
        // and a payload that is not a SessionHeld.
        _ = try await store.append(to: try StreamID("case-a"), expected: .any, [
            NewEvent(id: testUUID(900), type: "SessionHeld", payload: EventPayload(json: #"{"caseId":"a","sessionId":"s9"}"#),
                     occurredAt: at("2024-04-01T10:00:00Z"), actor: "therapist:t1"),
        ])
        _ = try await store.append(to: try StreamID("case-b"), expected: .any, [
            NewEvent(id: testUUID(901), type: "InquiryOpened",
                     payload: EventPayload(json: #"{"caseId":"b","clientId":"k","format":"individual","oneOff":false,"therapistId":"t9"}"#),
                     occurredAt: at("2024-04-01T10:00:00Z"), actor: "client:k"),
        ])
        _ = try await store.append(to: try StreamID("case-a"), expected: .any, [
            NewEvent(id: testUUID(902), type: "SessionHeld", payload: EventPayload(json: #"{"caseId":"a"}"#),
                     occurredAt: at("2024-04-02T10:00:00Z"), actor: "therapist:t1"),
        ])
        let (chain, problems) = try await LogIntegrity.check(store)
        #expect(chain.holds)
        #expect(problems.map(\.position) == [3, 4, 5])
        #expect(problems.map(\.kind) == [.rule, .rule, .unreadable])
        #expect(problems[0].message.contains("s9"))
        #expect(problems[1].message.contains("t9"))
        #expect(problems[2].message.contains("sessionId"))
    }
}
