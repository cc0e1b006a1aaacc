import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import Testing

@Suite struct SavedFacts {
    func facts() throws -> MarketplaceFacts {
        var facts = MarketplaceFacts()
        let at = { (text: String) in try! Timestamp(iso8601: text) }
        try facts.apply(.therapistJoined(TherapistJoined(therapistId: "t1")), occurredAt: at("2024-01-01T00:00:00Z"), position: 1)
        try facts.apply(.profileViewed(ProfileViewed(therapistId: "t1", visitorId: "v")), occurredAt: at("2024-01-02T00:00:00Z"), position: 2)
        try facts.apply(.inquiryOpened(InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false)),
                    occurredAt: at("2024-01-03T00:00:00Z"), position: 3)
        try facts.apply(.sessionBooked(SessionBooked(caseId: "c1", sessionId: "s1", scheduledStart: at("2024-01-05T10:00:00Z"),
                                                 price: Money(amount: 300_000, currency: "UAH"))), occurredAt: at("2024-01-03T01:00:00Z"), position: 4)
        try facts.apply(.sessionHeld(SessionHeld(caseId: "c1", sessionId: "s1")), occurredAt: at("2024-01-05T11:00:00Z"), position: 5)
        try facts.apply(.chatExcluded(ChatExcluded(caseId: "c1", reason: .spam)), occurredAt: at("2024-01-06T00:00:00Z"), position: 6)
        return facts
    }

    @Test func factsRoundTripThroughTheirSavedForm() throws {
        let original = try facts()
        let decoded = try FactsCodec.decode(FactsCodec.encode(original))
        #expect(decoded == original)
        #expect(decoded.checkpoint == 6)
        #expect(decoded.facts(ofCase: "c1")?.charged.map(\.price) == [Price(amount: 300_000, currency: try #require(CurrencyCode("UAH")))])
        #expect(decoded.viewTimes(of: "t1") == [try Timestamp(iso8601: "2024-01-02T00:00:00Z")])
    }

    @Test func aDamagedOrForeignStateIsRefused() throws {
        var bytes = FactsCodec.encode(try facts())
        #expect(throws: FactsCodecError.self) { try FactsCodec.decode(Array(bytes.dropLast(3))) }
        bytes[3] = 99
        #expect(throws: FactsCodecError.self) { try FactsCodec.decode(bytes) }
        #expect(throws: FactsCodecError.self) { try FactsCodec.decode(Array("not facts".utf8)) }
    }
}
