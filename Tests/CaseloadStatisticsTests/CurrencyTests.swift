import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import Testing

/// Prices keep their currency, and a second currency is refused, never added
/// to the first (the reason is on `MarketplaceFacts.currency`).
@Suite struct Currencies {
    let at = { (text: String) in try! Timestamp(iso8601: text) }

    /// One case, one session booked in `currency` and held.
    func book(_ facts: inout MarketplaceFacts, case caseId: String, _ currency: String, position: Int64) throws(FactsError) {
        try facts.apply(
            .inquiryOpened(InquiryOpened(caseId: caseId, clientId: "k-\(caseId)", therapistId: "t1", format: .individual, oneOff: false)),
            occurredAt: at("2024-01-03T00:00:00Z"), position: position)
        try facts.apply(
            .sessionBooked(SessionBooked(
                caseId: caseId, sessionId: "s1", scheduledStart: at("2024-01-05T10:00:00Z"),
                price: Money(amount: 300_000, currency: currency))),
            occurredAt: at("2024-01-03T01:00:00Z"), position: position + 1)
        try facts.apply(
            .sessionHeld(SessionHeld(caseId: caseId, sessionId: "s1")), occurredAt: at("2024-01-05T11:00:00Z"),
            position: position + 2)
    }

    @Test func aPriceKeepsItsCurrencyThroughTheSavedForm() throws {
        var facts = MarketplaceFacts()
        try book(&facts, case: "c1", "UAH", position: 1)
        let uah = try #require(CurrencyCode("UAH"))
        #expect(facts.currency == uah)
        #expect(facts.facts(ofCase: "c1")?.charged.map(\.price) == [Price(amount: 300_000, currency: uah)])
        let decoded = try FactsCodec.decode(FactsCodec.encode(facts))
        #expect(decoded == facts)
        #expect(decoded.currency?.description == "UAH")
        #expect(facts.snapshot(StatisticsWindow(), asOf: at("2024-12-31T00:00:00Z")).currency == uah)
    }

    @Test func aBookingInASecondCurrencyIsRefusedAndChangesNothing() throws {
        var facts = MarketplaceFacts()
        try book(&facts, case: "c1", "UAH", position: 1)
        var second = facts
        #expect(throws: FactsError.self) { try book(&second, case: "c2", "EUR", position: 4) }
        // The inquiry before the booking was folded; the booking and what follows were not.
        do {
            try second.apply(
                .sessionBooked(SessionBooked(
                    caseId: "c2", sessionId: "s2", scheduledStart: at("2024-01-06T10:00:00Z"),
                    price: Money(amount: 9_000, currency: "EUR"))),
                occurredAt: at("2024-01-04T00:00:00Z"), position: 7)
            Issue.record("a second currency was folded")
        } catch {
            #expect(error.code == .mixedCurrencies)
            #expect(error.position == 7)
            #expect(error.caseId == "c2")
            #expect(error.description.contains("EUR") && error.description.contains("UAH"))
        }
        #expect(second.checkpoint == 4)
        #expect(second.facts(ofCase: "c2")?.charged == [])
        let row = try #require(second.snapshot(StatisticsWindow(), asOf: at("2024-12-31T00:00:00Z")).therapists.first)
        // Only the UAH session: 300,000, not 309,000 or 600,000.
        #expect(row.sessionRevenue == 300_000)
        #expect(row.sessionsHeld == 1)
    }

    @Test func aCurrencyThatIsNotACodeIsRefused() throws {
        var facts = MarketplaceFacts()
        #expect(throws: FactsError.self) { try book(&facts, case: "c1", "uah", position: 1) }
        #expect(CurrencyCode("UAH ") == nil && CurrencyCode("UA") == nil && CurrencyCode("ÜAH") == nil)
    }

    @Test func aStateSavedInTheFormatBeforeCurrenciesIsNotRead() throws {
        var facts = MarketplaceFacts()
        try book(&facts, case: "c1", "UAH", position: 1)
        var bytes = FactsCodec.encode(facts)
        #expect(FactsCodec.formatVersion == 4)
        bytes[3] = 2
        #expect(throws: FactsCodecError.self) { try FactsCodec.decode(bytes) }
    }
}
