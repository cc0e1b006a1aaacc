@testable import CaseloadStatistics
import Testing

@Suite struct CaseByCaseTalliesTests {
    /// Every tally a case holds survives packing, each in its own place.
    @Test func packingKeepsEveryTallyApart() {
        var s = TherapistStatistics(therapistId: "t")
        s.inquiries = 1
        s.excludedInquiries = 2
        s.countedInquiries = 3
        s.repliedInquiries = 4
        s.firstSessions = 5
        s.refusals = 6
        s.sessionsHeld = 7
        s.lateCancellations = 8
        s.earlyCancellations = 9
        s.noShows = 10
        s.clientsWithSecondSession = 11
        s.sessionRevenue = 12
        s.platformFees = 13
        s.retainedClients = 14
        s.chargedSessionsOfRetainedClients = 15
        s.chargedSessions = 16
        let packed = CaseByCaseStatistics.pack(s)
        #expect(packed == Array(1...16))
        #expect(CaseByCaseStatistics.unpack(packed[...], therapistId: "t") == s)
        // Views are the one tally no case holds.
        #expect(Tally.allCases.count == CaseByCaseStatistics.width + 1)
    }
}
