import CaseloadCoding
import CaseloadDomain
import Testing

@Suite struct SessionRuleTests {
    let booking = Command.bookSession(
        caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-10T18:00:00Z"), price: eur3000)

    @Test func theCasesClientBooksASession() throws {
        let market = try Marketplace.withOpenCase()
        let events = try market.decide(booking, by: client, at: "2024-03-02T10:00:00Z")
        #expect(
            events == [
                .sessionBooked(
                    SessionBooked(
                        caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-10T18:00:00Z"),
                        price: Money(amount: 300_000, currency: "EUR")))
            ])
    }

    @Test func aSessionIdIsBookedOnce() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(booking, by: client, at: "2024-03-02T10:00:00Z")
        #expect(market.refusal(of: booking, by: client, at: "2024-03-02T11:00:00Z")?.code == .sessionAlreadyBooked)
    }

    @Test func onlyTheCasesClientSupportOrTheSystemBook() throws {
        let market = try Marketplace.withOpenCase()
        let time = "2024-03-02T10:00:00Z"
        #expect(market.refusal(of: booking, by: therapist, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: booking, by: .client("k2"), at: time)?.code == .actorNotParticipant)
        #expect(market.refusal(of: booking, by: support, at: time) == nil)
        #expect(market.refusal(of: booking, by: .system("billing"), at: time) == nil)
    }

    @Test func aSessionIsHeldOnlyIfBookedAndOnlyOnce() throws {
        var market = try Marketplace.withOpenCase()
        let hold = Command.holdSession(caseId: "c1", sessionId: "s1")
        #expect(market.refusal(of: hold, by: therapist, at: "2024-03-02T10:00:00Z")?.code == .sessionNotBooked)
        try market.run(booking, by: client, at: "2024-03-02T10:00:00Z")
        let events = try market.run(hold, by: therapist, at: "2024-03-10T19:00:00Z")
        #expect(events == [.sessionHeld(SessionHeld(caseId: "c1", sessionId: "s1"))])
        #expect(market.refusal(of: hold, by: therapist, at: "2024-03-10T19:05:00Z")?.code == .sessionAlreadySettled)
        let missed = Command.markMissed(caseId: "c1", sessionId: "s1")
        #expect(market.refusal(of: missed, by: therapist, at: "2024-03-10T19:05:00Z")?.code == .sessionAlreadySettled)
        let cancel = Command.cancelSession(caseId: "c1", sessionId: "s1", by: .client)
        #expect(market.refusal(of: cancel, by: client, at: "2024-03-10T19:05:00Z")?.code == .sessionAlreadySettled)
    }

    @Test func aMissedSessionIsRecordedOnceAndCannotThenBeHeld() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(booking, by: client, at: "2024-03-02T10:00:00Z")
        let missed = Command.markMissed(caseId: "c1", sessionId: "s1")
        #expect(try market.run(missed, by: scheduler, at: "2024-03-10T19:00:00Z") == [
            .sessionMissed(SessionMissed(caseId: "c1", sessionId: "s1"))
        ])
        #expect(market.refusal(of: missed, by: therapist, at: "2024-03-10T19:01:00Z")?.code == .sessionAlreadySettled)
        let hold = Command.holdSession(caseId: "c1", sessionId: "s1")
        #expect(market.refusal(of: hold, by: therapist, at: "2024-03-10T19:01:00Z")?.code == .sessionAlreadySettled)
        #expect(market.cases["c1"]?.sessionsCountingAsHeld == 1)
    }

    @Test func aCancelledSessionCannotBeHeldOrCancelledAgain() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(booking, by: client, at: "2024-03-02T10:00:00Z")
        try market.run(.cancelSession(caseId: "c1", sessionId: "s1", by: .client), by: client, at: "2024-03-03T10:00:00Z")
        let hold = Command.holdSession(caseId: "c1", sessionId: "s1")
        #expect(market.refusal(of: hold, by: therapist, at: "2024-03-10T19:00:00Z")?.code == .sessionAlreadySettled)
        let cancel = Command.cancelSession(caseId: "c1", sessionId: "s1", by: .therapist)
        #expect(market.refusal(of: cancel, by: therapist, at: "2024-03-04T10:00:00Z")?.code == .sessionAlreadySettled)
    }

    @Test func onlyTheCasesTherapistOrTheSystemRecordHeldAndMissedSessions() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(booking, by: client, at: "2024-03-02T10:00:00Z")
        let time = "2024-03-10T19:00:00Z"
        let hold = Command.holdSession(caseId: "c1", sessionId: "s1")
        let missed = Command.markMissed(caseId: "c1", sessionId: "s1")
        #expect(market.refusal(of: hold, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: hold, by: support, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: hold, by: .therapist("t2"), at: time)?.code == .actorNotParticipant)
        #expect(market.refusal(of: hold, by: scheduler, at: time) == nil)
        #expect(market.refusal(of: missed, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: missed, by: support, at: time)?.code == .actorNotAllowed)
    }

    @Test func noBookingWhileTheChatIsExcludedButAgainOnceRevoked() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(.excludeChat(caseId: "c1", reason: .platformTest), by: support, at: "2024-03-01T12:00:00Z")
        #expect(market.refusal(of: booking, by: client, at: "2024-03-02T10:00:00Z")?.code == .bookingWhileExcluded)
        try market.run(.revokeExclusion(caseId: "c1", explanation: "real client"), by: support, at: "2024-03-02T11:00:00Z")
        #expect(market.refusal(of: booking, by: client, at: "2024-03-02T12:00:00Z") == nil)
    }

    @Test func noBookingAfterTheCaseEnded() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(.endCase(caseId: "c1", reason: .clientStopped), by: client, at: "2024-03-01T12:00:00Z")
        #expect(market.refusal(of: booking, by: client, at: "2024-03-02T10:00:00Z")?.code == .bookingAfterEnd)
    }

    @Test func noBookingAfterARefusalIsFiled() throws {
        var market = try Marketplace.withOpenCase()
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try market.hold("s1", at: "2024-03-05T19:00:00Z")
        try market.run(
            .fileRefusal(caseId: "c1", reason: .personalTrigger, explanation: "strong personal trigger"),
            by: therapist, at: "2024-03-05T20:00:00Z")
        let second = Command.bookSession(
            caseId: "c1", sessionId: "s2", scheduledStart: at("2024-03-12T18:00:00Z"), price: eur3000)
        #expect(market.refusal(of: second, by: client, at: "2024-03-06T10:00:00Z")?.code == .bookingAfterRefusal)
        #expect(market.refusal(of: second, by: support, at: "2024-03-06T10:00:00Z")?.code == .bookingAfterRefusal)
    }

    @Test func commandFieldsAreValidatedLikeDecodedOnes() throws {
        let market = try Marketplace.withOpenCase()
        let free = Command.bookSession(
            caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-10T18:00:00Z"),
            price: Money(amount: -5, currency: "EUR"))
        let error = market.refusal(of: free, by: client, at: "2024-03-02T10:00:00Z")
        #expect(error?.code == .invalidField)
        #expect(error?.rule == "field 'price.amount' is negative (-5)")
        let blank = Command.bookSession(
            caseId: "c1", sessionId: "", scheduledStart: at("2024-03-10T18:00:00Z"), price: eur3000)
        #expect(market.refusal(of: blank, by: client, at: "2024-03-02T10:00:00Z")?.rule == "field 'sessionId' is empty")
    }
}

@Suite struct CaseEndRuleTests {
    @Test func theCasesClientEndsTheCase() throws {
        let market = try Marketplace.withOpenCase()
        let events = try market.decide(.endCase(caseId: "c1", reason: .oneOffCompleted), by: client, at: "2024-03-05T10:00:00Z")
        #expect(events == [.caseEnded(CaseEnded(caseId: "c1", reason: .oneOffCompleted))])
    }

    @Test func supportOrTheSystemMayEndACaseButNotTheTherapistOrAnotherClient() throws {
        let market = try Marketplace.withOpenCase()
        let end = Command.endCase(caseId: "c1", reason: .other)
        let time = "2024-03-05T10:00:00Z"
        #expect(market.refusal(of: end, by: support, at: time) == nil)
        #expect(market.refusal(of: end, by: scheduler, at: time) == nil)
        #expect(market.refusal(of: end, by: therapist, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: end, by: .client("k2"), at: time)?.code == .actorNotParticipant)
    }

    @Test func aCaseEndsOnce() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(.endCase(caseId: "c1", reason: .goalsReached), by: client, at: "2024-03-05T10:00:00Z")
        let again = market.refusal(of: .endCase(caseId: "c1", reason: .other), by: support, at: "2024-03-06T10:00:00Z")
        #expect(again?.code == .caseAlreadyEnded)
    }
}
