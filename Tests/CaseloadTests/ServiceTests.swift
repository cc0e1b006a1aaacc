import Caseload
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreTesting
import Foundation
import Testing

func at(_ text: String) -> Timestamp { try! Timestamp(iso8601: text) }

/// Sequential command ids for readable tests.
func commandID(_ n: Int) -> UUID { testUUID(1_000 + n) }

@Suite struct CaseloadServiceCommands {
    let store = InMemoryEventStore()
    var service: CaseloadService { CaseloadService(store: store) }

    func openCase(_ caseId: String = "c1", therapist: String = "t1") async throws {
        try await service.execute(.joinTherapist(therapistId: therapist), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1))
        try await service.execute(
            .openInquiry(caseId: caseId, clientId: "k1", therapistId: therapist, format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: commandID(2))
    }

    @Test func anInquiryToATherapistWhoHasNotJoinedIsRefusedWithATypedError() async throws {
        await #expect {
            try await service.execute(
                .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t9", format: .individual, oneOff: false),
                by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: commandID(1))
        } throws: { error in
            (error as? DomainError)?.code == .therapistNotJoined
        }
        #expect(try await store.head().position == 0)
    }

    @Test func commandsAppendToTheirStreamsWithTheirActorAndTime() async throws {
        try await openCase()
        let booked = try await service.execute(
            .bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 300_000, currency: "UAH")),
            by: .client("k1"), at: at("2024-03-02T09:00:00Z"), commandID: commandID(3))
        #expect(booked.count == 1)
        #expect(booked[0].stream.rawValue == "case-c1")
        #expect(booked[0].streamVersion == 2)
        #expect(booked[0].type == "SessionBooked")
        #expect(booked[0].metadata.actor == "client:k1")
        #expect(booked[0].metadata.occurredAt == at("2024-03-02T09:00:00Z"))
        #expect(booked[0].id == commandID(3))
        #expect(booked[0].payload.text == #"{"caseId":"c1","price":{"amount":300000,"currency":"UAH"},"scheduledStart":"2024-03-05T10:00:00Z","sessionId":"s1"}"#)
    }

    @Test func aRetriedCommandReturnsTheEventsItRecordedTheFirstTime() async throws {
        try await openCase()
        let command = Command.bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 1000, currency: "UAH"))
        let first = try await service.execute(command, by: .client("k1"), at: at("2024-03-02T09:00:00Z"), commandID: commandID(3))
        let retry = try await service.execute(command, by: .client("k1"), at: at("2024-03-02T09:00:00Z"), commandID: commandID(3))
        #expect(retry == first)
        #expect(try await store.head().position == 3)
    }

    /// A command is decided and appended before its id is looked up; each
    /// way a retry can show itself still answers the first run's events.
    @Test func aRetryIsKnownWhateverItsReDecisionGives() async throws {
        try await openCase()
        let time = at("2024-03-02T09:00:00Z")
        // The rules refuse the re-decision (s1 is booked already).
        let book = Command.bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 1000, currency: "UAH"))
        let booked = try await service.run(book, by: .client("k1"), at: time, commandID: commandID(3))
        let rebooked = try await service.run(book, by: .client("k1"), at: time, commandID: commandID(3))
        #expect(!booked.alreadyAppended && rebooked.alreadyAppended && rebooked.events == booked.events)
        // The re-decision gives the same events: the store returns the originals.
        let view = Command.recordProfileView(therapistId: "t1", visitorId: "v1")
        let viewed = try await service.run(view, by: .system("web"), at: time, commandID: commandID(4))
        let reviewed = try await service.run(view, by: .system("web"), at: time, commandID: commandID(4))
        #expect(!viewed.alreadyAppended && reviewed.alreadyAppended && reviewed.events == viewed.events)
        // The same events but another correlation id: other content to the
        // store, the same command to the service.
        let correlated = try await service.run(view, by: .system("web"), at: time, commandID: commandID(4), correlationID: testUUID(77))
        #expect(correlated.alreadyAppended && correlated.events == viewed.events)
        #expect(try await store.head().position == 4)
        // Another command under a recorded id is refused, by the store or the rules.
        for other in [
            Command.recordProfileView(therapistId: "t2", visitorId: "v1"),
            Command.bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 1000, currency: "UAH")),
        ] {
            await #expect {
                try await service.run(other, by: .system("web"), at: time, commandID: commandID(4))
            } throws: { error in
                (error as? EventStoreError)?.code == .idempotencyConflict
            }
        }
        // A refusal under a new id stays a refusal.
        await #expect(throws: DomainError.self) {
            try await service.run(book, by: .client("k1"), at: time, commandID: commandID(5))
        }
        #expect(try await store.head().position == 4)
    }

    @Test func aLateCancellationRecordsThePolicyInForceThen() async throws {
        try await openCase()
        try await service.execute(.setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: .therapist("t1"), at: at("2024-03-01T10:00:00Z"), commandID: commandID(3))
        try await service.execute(
            .bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 1000, currency: "UAH")),
            by: .client("k1"), at: at("2024-03-02T09:00:00Z"), commandID: commandID(4))
        // 30 hours before the start: late under 48 h (it would not be under the default 24 h).
        let cancelled = try await service.execute(
            .cancelSession(caseId: "c1", sessionId: "s1", by: .client), by: .client("k1"), at: at("2024-03-04T04:00:00Z"),
            commandID: commandID(5))
        #expect(cancelled[0].payload.text == #"{"by":"client","caseId":"c1","late":true,"policyNoticeHours":48,"sessionId":"s1"}"#)
    }

    /// c1 with t1, a first session held and a refusal filed (positions 1–6); t2 joined.
    func refusedCase() async throws {
        try await openCase()
        try await service.execute(.joinTherapist(therapistId: "t2"), by: .support("s1"), at: at("2024-03-01T08:30:00Z"), commandID: commandID(10))
        try await service.execute(
            .bookSession(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 1000, currency: "UAH")),
            by: .client("k1"), at: at("2024-03-02T09:00:00Z"), commandID: commandID(3))
        try await service.execute(.holdSession(caseId: "c1", sessionId: "s1"), by: .therapist("t1"), at: at("2024-03-05T11:00:00Z"), commandID: commandID(4))
        try await service.execute(
            .fileRefusal(caseId: "c1", reason: .outsideCompetence, explanation: "needs a specialist in eating disorders"),
            by: .therapist("t1"), at: at("2024-03-05T12:00:00Z"), commandID: commandID(5))
    }

    @Test func aRematchAppendsToBothCasesAtomically() async throws {
        try await refusedCase()
        let resolved = try await service.execute(
            .resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2"),
            by: .support("s1"), at: at("2024-03-06T09:00:00Z"), commandID: commandID(6))
        #expect(resolved.map(\.stream.rawValue) == ["case-c1", "case-c2"])
        #expect(resolved.map(\.type) == ["RefusalResolved", "InquiryOpened"])
        #expect(resolved[1].payload.text.contains(#""rematchedFrom":"c1""#))
        #expect(resolved[1].id == UUID.derived(from: commandID(6), index: 1))
        #expect(resolved.map(\.position) == [7, 8])
    }

    /// Found by the command fuzzer: a re-match into a case id already taken
    /// was decided as if the id were free (the new case's state was not
    /// read), appended, and then refused by `verify`. The rules now refuse it.
    @Test func aRematchIntoATakenCaseIdIsRefused() async throws {
        try await refusedCase()
        try await service.execute(
            .openInquiry(caseId: "c9", clientId: "k9", therapistId: "t2", format: .individual, oneOff: false),
            by: .client("k9"), at: at("2024-03-05T13:00:00Z"), commandID: commandID(11))
        let head = try await store.head().position
        for taken in ["c9", "c1"] {
            await #expect(throws: DomainError.self) {
                try await service.execute(
                    .resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: taken, newTherapistId: "t2"),
                    by: .support("s1"), at: at("2024-03-06T09:00:00Z"), commandID: commandID(taken == "c9" ? 6 : 7))
            }
        }
        #expect(try await store.head().position == head)
        // A free id still re-matches.
        let resolved = try await service.execute(
            .resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2"),
            by: .support("s1"), at: at("2024-03-06T09:00:00Z"), commandID: commandID(8))
        #expect(resolved.map(\.type) == ["RefusalResolved", "InquiryOpened"])
    }

    @Test func concurrentCommandsOnOneCaseAllLandByRedeciding() async throws {
        try await openCase()
        let service = self.service
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<10 {
                group.addTask {
                    try await service.execute(
                        .bookSession(caseId: "c1", sessionId: "s\(n)", scheduledStart: at("2024-03-05T10:00:00Z"), price: Money(amount: 1000, currency: "UAH")),
                        by: .client("k1"), at: at("2024-03-02T09:00:00Z"), commandID: commandID(100 + n))
                }
            }
            try await group.waitForAll()
        }
        let events = try await store.readStream(try StreamID("case-c1"))
        #expect(events.count == 11)
        #expect(events.map(\.streamVersion) == Array(1...11))
    }
}
