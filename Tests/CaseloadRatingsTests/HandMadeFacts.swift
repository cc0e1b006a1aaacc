import CaseloadCoding
import CaseloadStatistics

/// Facts written case by case for worked examples, at 3,000 roubles a
/// session (300,000 kopecks), days counted back from the as-of instant
/// 2025-06-30T00:00:00Z (so `-29` is 29 days before it).
struct HandMadeFacts {
    static let asOf = Timestamp(secondsSinceEpoch: 1_751_241_600)
    static let rub = CurrencyCode("RUB")!
    static let price: Int64 = 300_000

    static func day(_ offset: Int) -> Timestamp { asOf.adding(seconds: Int64(offset) * 86_400) }

    private var cases: [CaseFacts] = []
    private var views: [String: Int] = [:]

    /// A case of `therapist` with `client`, opened on day `opened`, with a
    /// session held on each of `sessions` (each booked two days before it,
    /// and `booked` more bookings), ended or refused on the days given.
    mutating func add(
        _ therapist: String, client: String, opened: Int, sessions: [Int], booked: [Int] = [], ended: Int? = nil,
        refused: Int? = nil
    ) {
        var facts = CaseFacts(
            caseId: "case-\(client)", therapistId: therapist, clientId: client, openedAt: Self.day(opened))
        facts.firstReplyAt = Self.day(opened).adding(seconds: 3600)
        for session in sessions {
            facts.charged.append(ChargedSession(at: Self.day(session), price: Price(amount: Self.price, currency: Self.rub), kind: .held))
        }
        facts.bookedAt = (sessions.map { $0 - 2 } + booked).sorted().map(Self.day)
        facts.endedAt = ended.map(Self.day)
        facts.refusedAt = refused.map(Self.day)
        cases.append(facts)
    }

    /// `count` profile views of `therapist` ten days before the as-of date.
    mutating func views(_ therapist: String, _ count: Int) { views[therapist, default: 0] += count }

    var facts: MarketplaceFacts {
        var facts = MarketplaceFacts(cases: cases, currency: Self.rub)
        for therapist in Set(cases.map(\.therapistId)) { facts.addTherapist(therapist, joinedAt: Self.day(-400)) }
        for (therapist, count) in views { facts.addViews(of: therapist, at: Array(repeating: Self.day(-10), count: count)) }
        return facts
    }

    var source: FactsSource { FactsSource(facts: facts, asOf: Self.asOf) }
}

/// A statistics source over facts (the application's own lives in a module
/// these tests do not import).
struct FactsSource: StatisticsSource {
    let facts: MarketplaceFacts
    let asOf: Timestamp

    func snapshot(_ window: StatisticsWindow) throws -> StatisticsSnapshot { facts.snapshot(window, asOf: asOf) }
}
