import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import Testing

/// Issue 15, defect 1: whatever a log holds (the contract caps a price at
/// 10^12 minor units, but a row edited by hand may hold any Int64), sums,
/// fees and windows never trap.
@Suite struct StatisticsOverExtremeValues {
    /// A case opened at `opened`, replied at `replied`, one session booked at
    /// `price` and held at `held`.
    func heldSession(
        _ facts: inout MarketplaceFacts, case caseId: String, price: Int64, position: Int64,
        opened: Timestamp, replied: Timestamp, held: Timestamp
    ) throws(FactsError) {
        try facts.apply(
            .inquiryOpened(InquiryOpened(caseId: caseId, clientId: "k-\(caseId)", therapistId: "t1", format: .individual, oneOff: false)),
            occurredAt: opened, position: position)
        try facts.apply(.therapistReplied(TherapistReplied(caseId: caseId)), occurredAt: replied, position: position + 1)
        try facts.apply(
            .sessionBooked(SessionBooked(
                caseId: caseId, sessionId: "s1", scheduledStart: held, price: Money(amount: price, currency: "UAH"))),
            occurredAt: opened, position: position + 2)
        try facts.apply(.sessionHeld(SessionHeld(caseId: caseId, sessionId: "s1")), occurredAt: held, position: position + 3)
    }

    let early = Timestamp(microsecondsSinceEpoch: 1_700_000_000_000_000)
    let later = Timestamp(microsecondsSinceEpoch: 1_700_000_100_000_000)

    @Test func theIssuesPriceOf10To18SumsExactly() throws {
        var facts = MarketplaceFacts()
        try heldSession(&facts, case: "c1", price: 1_000_000_000_000_000_000, position: 1, opened: early, replied: later, held: later)
        let row = try #require(facts.snapshot(StatisticsWindow(), asOf: later).therapists.first)
        #expect(row.sessionRevenue == 1_000_000_000_000_000_000)
        // 30% commission (3·10^17) plus two sessions' price as the new-client fee (2·10^18).
        #expect(row.platformFees == 2_300_000_000_000_000_000)
    }

    @Test func sumsPastInt64SaturateAtItsEnd() throws {
        var facts = MarketplaceFacts()
        try heldSession(&facts, case: "c1", price: .max, position: 1, opened: early, replied: later, held: later)
        try heldSession(&facts, case: "c2", price: .max, position: 5, opened: early, replied: later, held: later)
        let snapshot = facts.snapshot(StatisticsWindow(), asOf: later)
        #expect(snapshot.platform.sessionRevenue == .max)
        #expect(snapshot.platform.platformFees == .max)
        #expect(snapshot.platform.sessionsHeld == 2)
    }

    @Test func timesAtTheEndsOfInt64GiveAnswersNotTraps() throws {
        var facts = MarketplaceFacts()
        let first = Timestamp(microsecondsSinceEpoch: .min + 1)
        let last = Timestamp(microsecondsSinceEpoch: .max)
        try heldSession(&facts, case: "c1", price: 100, position: 1, opened: first, replied: last, held: last)
        for days in [1, 90, StatisticsWindow.maximumDays, Int.max] {
            _ = facts.snapshot(StatisticsWindow(days: days), asOf: first)
            _ = facts.snapshot(StatisticsWindow(days: days), asOf: last)
        }
        let row = try #require(facts.snapshot(StatisticsWindow(), asOf: last).therapists.first)
        #expect(row.medianFirstResponseSeconds == Double(Int64.max) / 1_000_000)
    }

    @Test func aWindowLongerThanTheContractsTimesIsTheLongestOne() {
        let asOf = Timestamp(microsecondsSinceEpoch: 0)
        #expect(StatisticsWindow(days: Int.max).start(asOf: asOf) == StatisticsWindow(days: StatisticsWindow.maximumDays).start(asOf: asOf))
        // The longest window before the last valid time starts just before the first:
        // 253,402,300,799,999,999 µs − 3,652,059 × 86,400 × 10^6 µs = −62,135,596,800,000,001 µs.
        #expect(
            StatisticsWindow(days: StatisticsWindow.maximumDays).start(asOf: .latestValid)
                == Timestamp(microsecondsSinceEpoch: -62_135_596_800_000_001))
        #expect(StatisticsWindow(days: 106_751_992).start(asOf: Timestamp(microsecondsSinceEpoch: .min + 1))?.microsecondsSinceEpoch == .min)
    }
}

/// Figures far past any real one (counts near Int.max, saturated sums) are
/// written, not trapped on, by the report's fixed-point formatting.
@Suite struct ReportsOfExtremeFigures {
    @Test func theTableWritesAFigurePastInt64Scaled() {
        var row = TherapistStatistics(therapistId: "t1")
        row.retainedClients = 1
        row.chargedSessionsOfRetainedClients = .max
        row.sessionRevenue = .max
        row.platformFees = .max
        row.medianFirstResponseSeconds = Double(Int64.max) / 1_000_000
        let table = StatisticsReport.table([row], platform: row)
        #expect(table.contains("9.223372036854776e+18"), "\(table)")
        #expect(table.contains("92233720368547758.07"), "\(table)")
    }
}
