import CaseloadCoding
import CaseloadDomain
import Testing

@Suite struct CaseOpeningRuleTests {
    let opening = Command.openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .couple, oneOff: true)

    @Test func aClientsInquiryToAJoinedTherapistOpensTheCase() throws {
        var market = Marketplace()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t1")), by: support, at: "2024-01-01T00:00:00Z")
        let events = try market.decide(opening, by: client, at: "2024-03-01T09:00:00Z")
        #expect(
            events == [
                .inquiryOpened(
                    InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .couple, oneOff: true))
            ])
        #expect(events.map(\.streamName.description) == ["case-c1"])
    }

    @Test func aCaseOpensOnlyOnce() throws {
        let market = try Marketplace.withOpenCase()
        #expect(market.refusal(of: opening, by: client, at: "2024-03-02T09:00:00Z")?.code == .caseAlreadyOpened)
    }

    @Test func anInquiryToATherapistWhoHasNotJoinedIsRefused() {
        let market = Marketplace()
        #expect(market.refusal(of: opening, by: client, at: "2024-03-01T09:00:00Z")?.code == .therapistNotJoined)
    }

    @Test func anInquiryDatedBeforeTheTherapistJoinedIsRefused() throws {
        var market = Marketplace()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t1")), by: support, at: "2024-01-01T00:00:00Z")
        #expect(market.refusal(of: opening, by: client, at: "2023-12-31T23:59:59Z")?.code == .therapistNotJoined)
        #expect(market.refusal(of: opening, by: client, at: "2024-01-01T00:00:00Z") == nil)
    }

    @Test func noCaseEventComesBeforeTheInquiry() throws {
        let market = try Marketplace.withOpenCase()
        #expect(market.refusal(of: .reply(caseId: "c9"), by: therapist, at: "2024-03-02T09:00:00Z")?.code == .caseNotOpened)
        let booking = Command.bookSession(
            caseId: "c9", sessionId: "s1", scheduledStart: at("2024-03-10T18:00:00Z"), price: eur3000)
        #expect(market.refusal(of: booking, by: client, at: "2024-03-02T09:00:00Z")?.code == .caseNotOpened)
        let held = CaseloadEvent.sessionHeld(SessionHeld(caseId: "c9", sessionId: "s1"))
        #expect(market.refusal(ofEvent: held, by: therapist, at: "2024-03-02T09:00:00Z")?.code == .caseNotOpened)
    }

    @Test func anEventDatedBeforeTheCasesLastEventIsRefused() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(.reply(caseId: "c1"), by: therapist, at: "2024-03-01T10:00:00Z")
        let booking = Command.bookSession(
            caseId: "c1", sessionId: "s1", scheduledStart: at("2024-03-10T18:00:00Z"), price: eur3000)
        let error = market.refusal(of: booking, by: client, at: "2024-03-01T09:59:59.999999Z")
        #expect(error?.code == .occurredAtWentBackwards)
        #expect(market.refusal(of: booking, by: client, at: "2024-03-01T10:00:00Z") == nil)
    }

    @Test func aTherapistStreamsTimeNeverGoesBackwards() throws {
        var market = Marketplace()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t1")), by: support, at: "2024-01-01T00:00:00Z")
        try market.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 12), by: therapist, at: "2024-02-01T00:00:00Z")
        let error = market.refusal(
            of: .setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: therapist, at: "2024-01-15T00:00:00Z")
        #expect(error?.code == .occurredAtWentBackwards)
    }

    @Test func aProfileStreamsTimeNeverGoesBackwards() throws {
        var market = Marketplace()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t1")), by: support, at: "2024-01-01T00:00:00Z")
        try market.run(.recordProfileView(therapistId: "t1", visitorId: nil), by: client, at: "2024-03-01T10:00:00Z")
        let error = market.refusal(
            of: .recordProfileView(therapistId: "t1", visitorId: nil), by: client, at: "2024-03-01T09:00:00Z")
        #expect(error?.code == .occurredAtWentBackwards)
    }

    @Test func onlyTheInquiringClientOpensAnOrdinaryCase() throws {
        var market = Marketplace()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t1")), by: support, at: "2024-01-01T00:00:00Z")
        let time = "2024-03-01T09:00:00Z"
        #expect(market.refusal(of: opening, by: .client("k2"), at: time)?.code == .actorNotParticipant)
        #expect(market.refusal(of: opening, by: support, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: opening, by: therapist, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: opening, by: scheduler, at: time)?.code == .actorNotAllowed)
    }

    @Test func aRefusalNamesTheStreamTheEventTheActorAndTheRuleBroken() throws {
        let market = try Marketplace.withOpenCase()
        let error = try #require(market.refusal(of: .reply(caseId: "c1"), by: client, at: "2024-03-01T10:00:00Z"))
        #expect(
            error.message
                == "case-c1: TherapistReplied by client:k1 at 2024-03-01T10:00:00Z refused: TherapistReplied may be caused only by the case's therapist, not by client"
        )
        let stranger = try #require(
            market.refusal(of: .reply(caseId: "c1"), by: .therapist("t2"), at: "2024-03-01T10:00:00Z"))
        #expect(stranger.rule == "therapist:t2 is not the case's therapist (therapist:t1)")
        #expect(stranger.stream == "case-c1")
        #expect(stranger.eventType == "TherapistReplied")
    }
}

@Suite struct TherapistRuleTests {
    @Test func supportRecordsATherapistJoiningOnce() throws {
        var market = Marketplace()
        let events = try market.run(.joinTherapist(therapistId: "t1"), by: support, at: "2024-01-01T00:00:00Z")
        #expect(events == [.therapistJoined(TherapistJoined(therapistId: "t1"))])
        #expect(events.map(\.streamName.description) == ["therapist-t1"])
        let again = market.refusal(of: .joinTherapist(therapistId: "t1"), by: support, at: "2024-02-01T00:00:00Z")
        #expect(again?.code == .therapistAlreadyJoined)
    }

    @Test func neitherClientNorTherapistRecordsAJoining() {
        let market = Marketplace()
        let join = Command.joinTherapist(therapistId: "t1")
        #expect(market.refusal(of: join, by: client, at: "2024-01-01T00:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: join, by: therapist, at: "2024-01-01T00:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: join, by: .system("onboarding"), at: "2024-01-01T00:00:00Z") == nil)
    }

    @Test func aTherapistSetsTheirOwnCancellationPolicy() throws {
        var market = Marketplace()
        try market.run(.joinTherapist(therapistId: "t1"), by: support, at: "2024-01-01T00:00:00Z")
        let events = try market.run(
            .setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: therapist, at: "2024-02-01T00:00:00Z")
        #expect(events == [.cancellationPolicySet(CancellationPolicySet(therapistId: "t1", noticeHours: 48))])
        #expect(market.therapists["t1"]?.currentNoticeHours == 48)
        #expect(market.therapists["t1"]?.noticeHours(at: at("2024-01-31T23:59:59Z")) == 24)
    }

    @Test func aCancellationPolicyIsSetOnlyByItsTherapistOrSupportWithinLimits() throws {
        var market = Marketplace()
        try market.run(.joinTherapist(therapistId: "t1"), by: support, at: "2024-01-01T00:00:00Z")
        let time = "2024-02-01T00:00:00Z"
        let set12 = Command.setCancellationPolicy(therapistId: "t1", noticeHours: 12)
        #expect(market.refusal(of: set12, by: .therapist("t2"), at: time)?.code == .actorNotParticipant)
        #expect(market.refusal(of: set12, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: set12, by: scheduler, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: set12, by: support, at: time) == nil)
        let zero = Command.setCancellationPolicy(therapistId: "t1", noticeHours: 0)
        #expect(market.refusal(of: zero, by: therapist, at: time)?.code == .invalidField)
        let month = Command.setCancellationPolicy(therapistId: "t1", noticeHours: 721)
        #expect(market.refusal(of: month, by: therapist, at: time)?.code == .invalidField)
    }

    @Test func aPolicyNeedsATherapistWhoHasJoined() {
        let market = Marketplace()
        let set12 = Command.setCancellationPolicy(therapistId: "t1", noticeHours: 12)
        #expect(market.refusal(of: set12, by: therapist, at: "2024-02-01T00:00:00Z")?.code == .therapistNotJoined)
    }

    @Test func aClientOrTheSystemViewsAJoinedTherapistsProfile() throws {
        var market = Marketplace()
        let view = Command.recordProfileView(therapistId: "t1", visitorId: "v-9")
        #expect(market.refusal(of: view, by: client, at: "2024-03-01T09:00:00Z")?.code == .therapistNotJoined)
        try market.run(.joinTherapist(therapistId: "t1"), by: support, at: "2024-01-01T00:00:00Z")
        let events = try market.run(view, by: client, at: "2024-03-01T09:00:00Z")
        #expect(events == [.profileViewed(ProfileViewed(therapistId: "t1", visitorId: "v-9"))])
        #expect(events.map(\.streamName.description) == ["profile-t1"])
        #expect(market.refusal(of: view, by: therapist, at: "2024-03-01T10:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: view, by: .system("web"), at: "2024-03-01T10:00:00Z") == nil)
    }

    @Test func anActorWithAnInvalidIdIsRefused() throws {
        var market = Marketplace()
        try market.run(.joinTherapist(therapistId: "t1"), by: support, at: "2024-01-01T00:00:00Z")
        let view = Command.recordProfileView(therapistId: "t1", visitorId: nil)
        #expect(market.refusal(of: view, by: .client(""), at: "2024-03-01T09:00:00Z")?.code == .invalidActor)
    }
}
