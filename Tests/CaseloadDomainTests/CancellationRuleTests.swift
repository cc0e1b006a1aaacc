import CaseloadCoding
import CaseloadDomain
import Testing

/// Session s1 of case c1 starts 10 Mar 18:00 UTC; it was booked 2 Mar.
@Suite struct CancellationRuleTests {
    let cancelByClient = Command.cancelSession(caseId: "c1", sessionId: "s1", by: .client)

    func bookedMarket() throws -> Marketplace {
        var market = try Marketplace.withOpenCase()
        try market.book("s1", start: "2024-03-10T18:00:00Z", at: "2024-03-02T10:00:00Z")
        return market
    }

    func cancelled(by party: CancellingParty = .client, hours: Int, late: Bool) -> [CaseloadEvent] {
        [.sessionCancelled(SessionCancelled(caseId: "c1", sessionId: "s1", by: party, policyNoticeHours: hours, late: late))]
    }

    @Test func aClientCancelling30HoursAheadUnderTheDefault24HourPolicyIsNotLate() throws {
        let market = try bookedMarket()
        let events = try market.decide(cancelByClient, by: client, at: "2024-03-09T12:00:00Z")
        #expect(events == cancelled(hours: 24, late: false))
    }

    @Test func aClientCancelling10HoursAheadUnderTheDefaultPolicyIsLate() throws {
        let market = try bookedMarket()
        let events = try market.decide(cancelByClient, by: client, at: "2024-03-10T08:00:00Z")
        #expect(events == cancelled(hours: 24, late: true))
    }

    @Test func exactlyThePolicysNoticeIsNotLateAndAMicrosecondLessIs() throws {
        let market = try bookedMarket()
        #expect(try market.decide(cancelByClient, by: client, at: "2024-03-09T18:00:00Z") == cancelled(hours: 24, late: false))
        #expect(
            try market.decide(cancelByClient, by: client, at: "2024-03-09T18:00:00.000001Z") == cancelled(hours: 24, late: true))
    }

    @Test func aClientCancelling30HoursAheadUnderA48HourPolicyIsLate() throws {
        var market = try bookedMarket()
        try market.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: therapist, at: "2024-03-05T00:00:00Z")
        let events = try market.decide(cancelByClient, by: client, at: "2024-03-09T12:00:00Z")
        #expect(events == cancelled(hours: 48, late: true))
    }

    @Test func thePolicyInForceWhenCancellingAppliesNotTheOneWhenBooking() throws {
        var market = try bookedMarket()  // booked under the default 24 h
        try market.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 12), by: therapist, at: "2024-03-05T00:00:00Z")
        // 18 h ahead: late under 24 h, on time under 12 h.
        let events = try market.decide(cancelByClient, by: client, at: "2024-03-10T00:00:00Z")
        #expect(events == cancelled(hours: 12, late: false))
    }

    @Test func aPolicyChangeAfterTheCancellationDoesNotChangeItsVerdict() throws {
        var market = try bookedMarket()
        let before = market
        try market.run(cancelByClient, by: client, at: "2024-03-09T12:00:00Z")  // 30 h ahead under 24 h
        try market.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: therapist, at: "2024-03-09T13:00:00Z")
        let recorded = cancelled(hours: 24, late: false)[0]

        // A re-fold of the streams says what was recorded…
        let caseState = CaseState.fold([
            (.inquiryOpened(InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false)),
             at("2024-03-01T09:00:00Z")),
            (.sessionBooked(SessionBooked(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-10T18:00:00Z"), price: eur3000)),
             at("2024-03-02T10:00:00Z")),
            (recorded, at("2024-03-09T12:00:00Z")),
        ])
        #expect(caseState?.sessions["s1"]?.status == .cancelled(by: .client, late: false))
        #expect(caseState?.sessionsCountingAsHeld == 0)
        #expect(market.therapists["t1"]?.currentNoticeHours == 48)
        #expect(market.therapists["t1"]?.noticeHours(at: at("2024-03-09T12:00:00Z")) == 24)

        // …and verifying the recorded event against today's therapist state still accepts it.
        try Rules.check(
            recorded, occurredAt: at("2024-03-09T12:00:00Z"), actor: client, caseState: before.cases["c1"],
            therapistState: market.therapists["t1"])
        // While the same cancellation claimed late under today's 48 h policy is refused.
        let rejudged = cancelled(hours: 48, late: true)[0]
        #expect(throws: DomainError.self) {
            try Rules.check(
                rejudged, occurredAt: at("2024-03-09T12:00:00Z"), actor: client, caseState: before.cases["c1"],
                therapistState: market.therapists["t1"])
        }
    }

    @Test func aTherapistsCancellationIsNeverLate() throws {
        var market = try bookedMarket()
        try market.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: therapist, at: "2024-03-05T00:00:00Z")
        let events = try market.decide(
            .cancelSession(caseId: "c1", sessionId: "s1", by: .therapist), by: therapist, at: "2024-03-10T17:00:00Z")
        #expect(events == cancelled(by: .therapist, hours: 48, late: false))
    }

    @Test func aCancellationIsMadeByThePartyItNamesOrBySupportOrTheSystem() throws {
        let market = try bookedMarket()
        let time = "2024-03-09T12:00:00Z"
        let byTherapist = Command.cancelSession(caseId: "c1", sessionId: "s1", by: .therapist)
        #expect(market.refusal(of: cancelByClient, by: therapist, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: byTherapist, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: cancelByClient, by: .client("k2"), at: time)?.code == .actorNotParticipant)
        #expect(market.refusal(of: byTherapist, by: .therapist("t2"), at: time)?.code == .actorNotParticipant)
        #expect(try market.decide(cancelByClient, by: support, at: time) == cancelled(hours: 24, late: false))
        #expect(try market.decide(byTherapist, by: scheduler, at: time) == cancelled(by: .therapist, hours: 24, late: false))
    }

    @Test func anUnbookedSessionCannotBeCancelled() throws {
        let market = try bookedMarket()
        let other = Command.cancelSession(caseId: "c1", sessionId: "s9", by: .client)
        #expect(market.refusal(of: other, by: client, at: "2024-03-09T12:00:00Z")?.code == .sessionNotBooked)
    }

    @Test func aRecordedCancellationWhoseTermsDisagreeWithTheRulesIsRefused() throws {
        let market = try bookedMarket()
        let claimedOnTime = cancelled(hours: 24, late: false)[0]  // but 10 h ahead is late
        let error = market.refusal(ofEvent: claimedOnTime, by: client, at: "2024-03-10T08:00:00Z")
        #expect(error?.code == .cancellationTermsMismatch)
        #expect(
            error?.rule
                == "late is false, but session s1 starts at 2024-03-10T18:00:00Z, 10 h after the cancellation, under a 24 h policy, so it is late"
        )
        let wrongPolicy = cancelled(hours: 12, late: true)[0]
        let policyError = market.refusal(ofEvent: wrongPolicy, by: client, at: "2024-03-10T08:00:00Z")
        #expect(policyError?.code == .cancellationTermsMismatch)
        #expect(
            policyError?.rule
                == "policyNoticeHours is 12, but the therapist's policy in force at 2024-03-10T08:00:00Z was 24 h")
    }

    // MARK: Import: terms given or filled in

    func completed(_ data: String, at time: String, in market: Marketplace) throws -> CaseloadEvent {
        let input = try CaseloadEvent.decodeInput(type: "SessionCancelled", payload: Array(data.utf8))
        return try input.completed(
            occurredAt: at(time), caseState: market.cases["c1"], therapistState: market.therapists["t1"])
    }

    @Test func anImportedCancellationWithoutTermsHasThemFilledIn() throws {
        let market = try bookedMarket()
        let event = try completed(#"{"by":"client","caseId":"c1","sessionId":"s1"}"#, at: "2024-03-10T08:00:00Z", in: market)
        #expect([event] == cancelled(hours: 24, late: true))
        #expect(market.refusal(ofEvent: event, by: client, at: "2024-03-10T08:00:00Z") == nil)
    }

    @Test func anImportedCancellationGivingOneTermHasTheOtherFilledInAndTheGivenOneChecked() throws {
        let market = try bookedMarket()
        let event = try completed(
            #"{"by":"client","caseId":"c1","late":true,"sessionId":"s1"}"#, at: "2024-03-10T08:00:00Z", in: market)
        #expect([event] == cancelled(hours: 24, late: true))
        #expect(throws: DomainError.self) {
            _ = try completed(
                #"{"by":"client","caseId":"c1","policyNoticeHours":48,"sessionId":"s1"}"#, at: "2024-03-10T08:00:00Z",
                in: market)
        }
    }

    @Test func anImportedCancellationWhoseGivenTermsDisagreeIsAnError() throws {
        let market = try bookedMarket()
        let data = #"{"by":"client","caseId":"c1","late":false,"policyNoticeHours":24,"sessionId":"s1"}"#
        let event = try completed(data, at: "2024-03-10T08:00:00Z", in: market)  // complete: passed through…
        // …and judged by the same rule as every event.
        #expect(market.refusal(ofEvent: event, by: client, at: "2024-03-10T08:00:00Z")?.code == .cancellationTermsMismatch)
        do {
            _ = try completed(#"{"by":"client","caseId":"c1","late":false,"sessionId":"s1"}"#, at: "2024-03-10T08:00:00Z", in: market)
            Issue.record("a wrong 'late' was accepted")
        } catch {
            #expect(error is DomainError)
            #expect((error as? DomainError)?.code == .cancellationTermsMismatch)
        }
    }

    @Test func completingACancellationNeedsTheCasesTherapist() throws {
        let market = try bookedMarket()
        let input = try CaseloadEvent.decodeInput(
            type: "SessionCancelled", payload: Array(#"{"by":"client","caseId":"c1","sessionId":"s1"}"#.utf8))
        #expect(throws: DomainError.self) {
            _ = try input.completed(occurredAt: at("2024-03-10T08:00:00Z"), caseState: market.cases["c1"], therapistState: nil)
        }
    }
}
