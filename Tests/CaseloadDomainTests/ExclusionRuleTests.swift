import CaseloadCoding
import CaseloadDomain
import Testing

@Suite struct ExclusionRuleTests {
    let request = Command.requestExclusion(
        caseId: "c1", reason: .duplicateChat, explanation: "the couple's partner opened a second chat",
        evidence: ["screenshot-17"])

    @Test func theCasesTherapistRequestsAnExclusion() throws {
        let market = try Marketplace.withOpenCase()
        let events = try market.decide(request, by: therapist, at: "2024-03-01T12:00:00Z")
        #expect(
            events == [
                .exclusionRequested(
                    ExclusionRequested(
                        caseId: "c1", reason: .duplicateChat, explanation: "the couple's partner opened a second chat",
                        evidence: ["screenshot-17"]))
            ])
    }

    @Test func onlyTheCasesTherapistRequestsAnExclusion() throws {
        let market = try Marketplace.withOpenCase()
        let time = "2024-03-01T12:00:00Z"
        #expect(market.refusal(of: request, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: request, by: support, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: request, by: .therapist("t2"), at: time)?.code == .actorNotParticipant)
    }

    @Test func anExclusionIsRefusedAfterAHeldSession() throws {
        var market = try Marketplace.withOpenCase()
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try market.hold("s1", at: "2024-03-05T19:00:00Z")
        let error = market.refusal(of: request, by: therapist, at: "2024-03-06T10:00:00Z")
        #expect(error?.code == .exclusionAfterSession)
        #expect(
            error?.rule
                == "the case has 1 held or charged session; only a chat before any session can be excluded (after one, file a refusal)")
    }

    @Test func supportsExclusionIsRefusedAfterAChargedNoShow() throws {
        var market = try Marketplace.withOpenCase()
        try market.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try market.run(.markMissed(caseId: "c1", sessionId: "s1"), by: therapist, at: "2024-03-05T19:00:00Z")
        let exclude = Command.excludeChat(caseId: "c1", reason: .spam)
        #expect(market.refusal(of: exclude, by: support, at: "2024-03-06T10:00:00Z")?.code == .exclusionAfterSession)
        #expect(market.refusal(of: request, by: therapist, at: "2024-03-06T10:00:00Z")?.code == .exclusionAfterSession)
    }

    @Test func aLateCancellationBlocksExclusionButAnEarlyOneDoesNot() throws {
        var late = try Marketplace.withOpenCase()
        try late.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try late.run(.cancelSession(caseId: "c1", sessionId: "s1", by: .client), by: client, at: "2024-03-05T10:00:00Z")
        #expect(late.refusal(of: request, by: therapist, at: "2024-03-06T10:00:00Z")?.code == .exclusionAfterSession)

        var early = try Marketplace.withOpenCase()
        try early.book("s1", start: "2024-03-05T18:00:00Z", at: "2024-03-02T10:00:00Z")
        try early.run(.cancelSession(caseId: "c1", sessionId: "s1", by: .client), by: client, at: "2024-03-03T10:00:00Z")
        #expect(early.refusal(of: request, by: therapist, at: "2024-03-06T10:00:00Z") == nil)
    }

    @Test func aRequestIsRefusedWhileOneIsPendingOrTheChatIsExcludedButAllowedAfterADenial() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(request, by: therapist, at: "2024-03-01T12:00:00Z")
        #expect(market.refusal(of: request, by: therapist, at: "2024-03-01T13:00:00Z")?.code == .exclusionAlreadyRequested)
        try market.run(.denyExclusion(caseId: "c1", explanation: "no evidence of a duplicate"), by: support, at: "2024-03-02T09:00:00Z")
        #expect(market.refusal(of: request, by: therapist, at: "2024-03-02T10:00:00Z") == nil)
        try market.run(.excludeChat(caseId: "c1", reason: .spam), by: support, at: "2024-03-02T11:00:00Z")
        #expect(market.refusal(of: request, by: therapist, at: "2024-03-02T12:00:00Z")?.code == .chatAlreadyExcluded)
    }

    @Test func supportGrantsARequestedExclusion() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(request, by: therapist, at: "2024-03-01T12:00:00Z")
        let events = try market.run(
            .excludeChat(caseId: "c1", reason: .duplicateChat), by: support, at: "2024-03-02T09:00:00Z")
        #expect(events == [.chatExcluded(ChatExcluded(caseId: "c1", reason: .duplicateChat))])
        #expect(market.cases["c1"]?.exclusion == .excluded(.duplicateChat))
    }

    @Test func supportOrAntifraudExcludeWithoutARequest() throws {
        let market = try Marketplace.withOpenCase()
        let exclude = Command.excludeChat(caseId: "c1", reason: .randomCharacters)
        #expect(try market.decide(exclude, by: support, at: "2024-03-01T12:00:00Z") == [
            .chatExcluded(ChatExcluded(caseId: "c1", reason: .randomCharacters))
        ])
        #expect(market.refusal(of: exclude, by: antifraud, at: "2024-03-01T12:00:00Z") == nil)
    }

    @Test func onlySupportOrTheSystemGrantDenyOrRevoke() throws {
        var market = try Marketplace.withOpenCase()
        try market.run(request, by: therapist, at: "2024-03-01T12:00:00Z")
        let time = "2024-03-02T09:00:00Z"
        let exclude = Command.excludeChat(caseId: "c1", reason: .duplicateChat)
        let deny = Command.denyExclusion(caseId: "c1", explanation: "no")
        #expect(market.refusal(of: exclude, by: therapist, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: exclude, by: client, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: deny, by: therapist, at: time)?.code == .actorNotAllowed)
        #expect(market.refusal(of: deny, by: antifraud, at: time) == nil)
        try market.run(exclude, by: support, at: time)
        let revoke = Command.revokeExclusion(caseId: "c1", explanation: "the client is real")
        #expect(market.refusal(of: revoke, by: therapist, at: "2024-03-03T09:00:00Z")?.code == .actorNotAllowed)
        #expect(market.refusal(of: revoke, by: support, at: "2024-03-03T09:00:00Z") == nil)
    }

    @Test func aDenialNeedsAPendingRequest() throws {
        var market = try Marketplace.withOpenCase()
        let deny = Command.denyExclusion(caseId: "c1", explanation: "no")
        #expect(market.refusal(of: deny, by: support, at: "2024-03-01T12:00:00Z")?.code == .noPendingExclusionRequest)
        try market.run(request, by: therapist, at: "2024-03-01T12:00:00Z")
        try market.run(deny, by: support, at: "2024-03-01T13:00:00Z")
        #expect(market.refusal(of: deny, by: support, at: "2024-03-01T14:00:00Z")?.code == .noPendingExclusionRequest)
    }

    @Test func aRevocationNeedsAnExcludedChat() throws {
        var market = try Marketplace.withOpenCase()
        let revoke = Command.revokeExclusion(caseId: "c1", explanation: "mistake")
        #expect(market.refusal(of: revoke, by: support, at: "2024-03-01T12:00:00Z")?.code == .chatNotExcluded)
        try market.run(.excludeChat(caseId: "c1", reason: .spam), by: support, at: "2024-03-01T12:00:00Z")
        let events = try market.run(revoke, by: support, at: "2024-03-01T13:00:00Z")
        #expect(events == [.exclusionRevoked(ExclusionRevoked(caseId: "c1", explanation: "mistake"))])
        #expect(market.refusal(of: revoke, by: support, at: "2024-03-01T14:00:00Z")?.code == .chatNotExcluded)
        #expect(market.refusal(of: .excludeChat(caseId: "c1", reason: .spam), by: support, at: "2024-03-01T14:00:00Z") == nil)
    }

    @Test func anExplanationIsOneTo2000Characters() throws {
        let market = try Marketplace.withOpenCase()
        let empty = Command.requestExclusion(caseId: "c1", reason: .spam, explanation: "", evidence: [])
        #expect(market.refusal(of: empty, by: therapist, at: "2024-03-01T12:00:00Z")?.code == .invalidField)
        let long = Command.requestExclusion(
            caseId: "c1", reason: .spam, explanation: String(repeating: "a", count: 2001), evidence: [])
        #expect(market.refusal(of: long, by: therapist, at: "2024-03-01T12:00:00Z")?.code == .invalidField)
        let longest = Command.requestExclusion(
            caseId: "c1", reason: .spam, explanation: String(repeating: "я", count: 2000), evidence: [])
        #expect(market.refusal(of: longest, by: therapist, at: "2024-03-01T12:00:00Z") == nil)
    }
}
