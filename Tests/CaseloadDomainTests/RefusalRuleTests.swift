import CaseloadCoding
import CaseloadDomain
import Testing

@Suite struct RefusalRuleTests {
    let refusal = Command.fileRefusal(caseId: "c1", reason: .outsideCompetence, explanation: "needs an addiction specialist")

    /// c1 with session s1 held on 5 Mar; therapist t2 joined too.
    func afterFirstSession() throws -> Marketplace {
        var market = try Marketplace.withOpenCase()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t2")), by: support, at: "2024-01-02T00:00:00Z")
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try market.hold("s1", at: "2024-03-05T19:00:00Z")
        return market
    }

    @Test func theCasesTherapistRefusesAfterTheFirstHeldSession() throws {
        let market = try afterFirstSession()
        let events = try market.decide(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        #expect(
            events == [
                .refusalFiled(
                    RefusalFiled(caseId: "c1", reason: .outsideCompetence, explanation: "needs an addiction specialist"))
            ])
    }

    @Test func aChargedNoShowCountsAsTheFirstSession() throws {
        var market = try Marketplace.withOpenCase()
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try market.run(.markMissed(caseId: "c1", sessionId: "s1"), by: therapist, at: "2024-03-05T19:00:00Z")
        #expect(market.refusal(of: refusal, by: therapist, at: "2024-03-05T20:00:00Z") == nil)
    }

    @Test func aRefusalBeforeAnySessionIsRefused() throws {
        var market = try Marketplace.withOpenCase()
        #expect(market.refusal(of: refusal, by: therapist, at: "2024-03-01T12:00:00Z")?.code == .refusalBeforeFirstSession)
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        #expect(market.refusal(of: refusal, by: therapist, at: "2024-03-03T12:00:00Z")?.code == .refusalBeforeFirstSession)
    }

    @Test func aRefusalAfterTheSecondBookingIsRefused() throws {
        var market = try afterFirstSession()
        try market.book("s2", start: "2024-03-12T18:00:00Z", at: "2024-03-05T21:00:00Z")
        let error = market.refusal(of: refusal, by: therapist, at: "2024-03-06T10:00:00Z")
        #expect(error?.code == .refusalAfterSecondBooking)
    }

    @Test func aRebookingAfterAnEarlyCancellationIsStillTheFirstSession() throws {
        var market = try Marketplace.withOpenCase()
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try market.run(.cancelSession(caseId: "c1", sessionId: "s1", by: .client), by: client, at: "2024-03-03T10:00:00Z")
        try market.book("s2", start: "2024-03-07T18:00:00Z", at: "2024-03-03T11:00:00Z")
        try market.hold("s2", at: "2024-03-07T19:00:00Z")
        #expect(market.refusal(of: refusal, by: therapist, at: "2024-03-07T20:00:00Z") == nil)
    }

    @Test func aCaseIsRefusedAtMostOnce() throws {
        var market = try afterFirstSession()
        try market.run(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        #expect(market.refusal(of: refusal, by: therapist, at: "2024-03-05T21:00:00Z")?.code == .refusalAlreadyFiled)
    }

    @Test func onlyTheCasesTherapistFilesARefusal() throws {
        let market = try afterFirstSession()
        let time = "2024-03-05T20:00:00Z"
        #expect(market.refusal(of: refusal, by: support, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: refusal, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: refusal, by: .therapist("t2"), at: time)?.code == .actorNotParticipant)
    }

    @Test func supportResolvesAFiledRefusalOnce() throws {
        var market = try afterFirstSession()
        let refund = Command.resolveRefusal(caseId: "c1", outcome: .refunded, newCaseId: nil, newTherapistId: nil)
        #expect(market.refusal(of: refund, by: support, at: "2024-03-05T20:30:00Z")?.code == .noOpenRefusal)
        try market.run(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        #expect(market.refusal(of: refund, by: therapist, at: "2024-03-06T10:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: refund, by: scheduler, at: "2024-03-06T10:00:00Z")?.code == .actorNotAllowed)
        let events = try market.run(refund, by: support, at: "2024-03-06T10:00:00Z")
        #expect(events == [.refusalResolved(RefusalResolved(caseId: "c1", outcome: .refunded))])
        #expect(market.refusal(of: refund, by: support, at: "2024-03-06T11:00:00Z")?.code == .noOpenRefusal)
    }

    @Test func aRematchNeedsBothNewIdsAndOtherOutcomesForbidThem() throws {
        var market = try afterFirstSession()
        try market.run(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        let time = "2024-03-06T10:00:00Z"
        let noIds = Command.resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: nil)
        #expect(market.refusal(of: noIds, by: support, at: time)?.rule == "field 'newTherapistId' is required when the outcome is rematched")
        let closedWithIds = Command.resolveRefusal(caseId: "c1", outcome: .closed, newCaseId: "c2", newTherapistId: "t2")
        #expect(market.refusal(of: closedWithIds, by: support, at: time)?.code == .invalidField)
    }

    @Test func aRematchResolvesTheOldCaseAndOpensTheNewOneInOneDecision() throws {
        var market = try afterFirstSession()
        try market.run(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        let rematch = Command.resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2")
        let events = try market.run(rematch, by: support, at: "2024-03-06T10:00:00Z")
        #expect(
            events == [
                .refusalResolved(RefusalResolved(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2")),
                .inquiryOpened(
                    InquiryOpened(
                        caseId: "c2", clientId: "k1", therapistId: "t2", format: .individual, oneOff: false,
                        rematchedFrom: "c1")),
            ])
        #expect(events.map(\.streamName.description) == ["case-c1", "case-c2"])
        #expect(market.cases["c2"]?.rematchedFrom == "c1")
        #expect(market.cases["c2"]?.therapistId == "t2")
    }

    @Test func aRematchToATherapistWhoHasNotJoinedOrToTheSameOneIsRefused() throws {
        var market = try afterFirstSession()
        try market.run(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        let time = "2024-03-06T10:00:00Z"
        let toStranger = Command.resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t9")
        let strangerError = market.refusal(of: toStranger, by: support, at: time)
        #expect(strangerError?.code == .therapistNotJoined)
        #expect(strangerError?.stream == "case-c2")
        let toSelf = Command.resolveRefusal(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t1")
        #expect(market.refusal(of: toSelf, by: support, at: time)?.code == .invalidRematch)
    }

    @Test func anImportedRematchedInquiryMustMatchTheResolution() throws {
        var market = try afterFirstSession()
        try market.run(refusal, by: therapist, at: "2024-03-05T20:00:00Z")
        let opening = InquiryOpened(
            caseId: "c2", clientId: "k1", therapistId: "t2", format: .individual, oneOff: false, rematchedFrom: "c1")
        let time = "2024-03-06T10:00:00Z"
        // Before the resolution is recorded, there is nothing to re-match from.
        #expect(market.refusal(ofEvent: .inquiryOpened(opening), by: support, at: time)?.code == .rematchMismatch)
        try market.given(
            .refusalResolved(RefusalResolved(caseId: "c1", outcome: .rematched, newCaseId: "c2", newTherapistId: "t2")),
            by: support, at: time)
        #expect(market.refusal(ofEvent: .inquiryOpened(opening), by: support, at: time) == nil)
        #expect(market.refusal(ofEvent: .inquiryOpened(opening), by: client, at: time)?.code == .actorNotAllowed)
        var otherClient = opening
        otherClient.clientId = "k2"
        #expect(market.refusal(ofEvent: .inquiryOpened(otherClient), by: support, at: time)?.code == .rematchMismatch)
        var otherCase = opening
        otherCase.caseId = "c3"
        #expect(market.refusal(ofEvent: .inquiryOpened(otherCase), by: support, at: time)?.code == .rematchMismatch)
    }
}

@Suite struct AntifraudRuleTests {
    let raise = Command.raiseAntifraudFlag(caseId: "c1", rule: "offPlatformPayment", evidence: ["pattern-3"])
    let dispute = Command.disputeAntifraudFlag(caseId: "c1", explanation: "all sessions paid here", evidence: ["receipt-1"])

    @Test func theSystemRaisesAFlag() throws {
        let market = try Marketplace.withOpenCase()
        let events = try market.decide(raise, by: antifraud, at: "2024-03-02T10:00:00Z")
        #expect(
            events == [
                .antifraudFlagRaised(AntifraudFlagRaised(caseId: "c1", rule: "offPlatformPayment", evidence: ["pattern-3"]))
            ])
        #expect(market.refusal(of: raise, by: support, at: "2024-03-02T10:00:00Z") == nil)
        #expect(market.refusal(of: raise, by: therapist, at: "2024-03-02T10:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: raise, by: client, at: "2024-03-02T10:00:00Z")?.code == .actorNotAllowed)
    }

    @Test func aFlagIsRaisedOnlyWhenNoneIsOpen() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(raise, by: antifraud, at: "2024-03-02T10:00:00Z")
        #expect(market.refusal(of: raise, by: antifraud, at: "2024-03-02T11:00:00Z")?.code == .antifraudFlagAlreadyOpen)
        try market.run(.clearAntifraudFlag(caseId: "c1", explanation: "false positive"), by: support, at: "2024-03-03T10:00:00Z")
        #expect(market.refusal(of: raise, by: antifraud, at: "2024-03-04T10:00:00Z") == nil)
    }

    @Test func theCasesTherapistDisputesAnOpenFlagOnce() throws {
        var market = try Marketplace.withOpenCase()
        #expect(market.refusal(of: dispute, by: therapist, at: "2024-03-02T09:00:00Z")?.code == .noOpenAntifraudFlag)
        try market.run(raise, by: antifraud, at: "2024-03-02T10:00:00Z")
        #expect(market.refusal(of: dispute, by: support, at: "2024-03-02T11:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: dispute, by: .therapist("t2"), at: "2024-03-02T11:00:00Z")?.code == .actorNotParticipant)
        let events = try market.run(dispute, by: therapist, at: "2024-03-02T11:00:00Z")
        #expect(
            events == [
                .antifraudFlagDisputed(
                    AntifraudFlagDisputed(caseId: "c1", explanation: "all sessions paid here", evidence: ["receipt-1"]))
            ])
        #expect(
            market.refusal(of: dispute, by: therapist, at: "2024-03-02T12:00:00Z")?.code == .antifraudFlagAlreadyDisputed)
    }

    @Test func onlySupportClearsOrConfirmsAnOpenFlag() throws {
        var market = try Marketplace.withOpenCase()
        let clear = Command.clearAntifraudFlag(caseId: "c1", explanation: "receipts check out")
        let confirm = Command.confirmAntifraudFlag(caseId: "c1", explanation: "paid by bank transfer off platform")
        #expect(market.refusal(of: clear, by: support, at: "2024-03-02T09:00:00Z")?.code == .noOpenAntifraudFlag)
        #expect(market.refusal(of: confirm, by: support, at: "2024-03-02T09:00:00Z")?.code == .noOpenAntifraudFlag)
        try market.run(raise, by: antifraud, at: "2024-03-02T10:00:00Z")
        try market.run(dispute, by: therapist, at: "2024-03-02T11:00:00Z")
        #expect(market.refusal(of: confirm, by: antifraud, at: "2024-03-03T10:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: clear, by: therapist, at: "2024-03-03T10:00:00Z")?.code == .actorNotAllowed)
        let events = try market.run(confirm, by: support, at: "2024-03-03T10:00:00Z")
        #expect(
            events == [
                .antifraudFlagConfirmed(
                    AntifraudFlagConfirmed(caseId: "c1", explanation: "paid by bank transfer off platform"))
            ])
        #expect(market.refusal(of: clear, by: support, at: "2024-03-03T11:00:00Z")?.code == .noOpenAntifraudFlag)
    }
}
