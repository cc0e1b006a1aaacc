import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import EventStore
import EventStoreTesting
import Foundation
import Testing

/// Builds histories through the backend's commands, one command at a time.
struct Script {
    let store = InMemoryEventStore()
    var service: CaseloadService { CaseloadService(store: store) }
    let counter = Counter()

    final class Counter: @unchecked Sendable {
        // @unchecked: used from one test task at a time.
        var next = 0
    }

    func run(_ command: Command, by actor: Initiator, _ time: String) async throws {
        counter.next += 1
        try await service.execute(command, by: actor, at: at(time), commandID: testUUID(50_000 + counter.next))
    }

    func join(_ therapist: String) async throws {
        try await run(.joinTherapist(therapistId: therapist), by: .support("s1"), "2024-01-01T00:00:00Z")
    }

    func open(_ caseId: String, _ therapist: String = "t1", client: String? = nil, _ time: String = "2024-03-01T09:00:00Z") async throws {
        let client = client ?? "k-\(caseId)"
        try await run(.openInquiry(caseId: caseId, clientId: client, therapistId: therapist, format: .individual, oneOff: false), by: .client(client), time)
    }

    func session(_ caseId: String, _ sessionId: String, price: Int64 = 300_000, day: Int, held: Bool = true, therapist: String = "t1") async throws {
        let dd = day < 10 ? "0\(day)" : "\(day)"
        try await run(.bookSession(caseId: caseId, sessionId: sessionId, scheduledStart: at("2024-04-\(dd)T10:00:00Z"), price: Money(amount: price, currency: "UAH")), by: .client("k-\(caseId)"), "2024-04-\(dd)T08:00:00Z")
        if held {
            try await run(.holdSession(caseId: caseId, sessionId: sessionId), by: .therapist(therapist), "2024-04-\(dd)T11:00:00Z")
        }
    }

    func statistics(_ window: StatisticsWindow = StatisticsWindow(), asOf: String = "2024-12-31T00:00:00Z") async throws -> (TherapistStatistics, TherapistStatistics) {
        let facts = try await StatisticsProjection(store: store).current()
        let snapshot = facts.snapshot(window, asOf: at(asOf))
        return (try #require(snapshot.therapists.first { $0.therapistId == "t1" }), snapshot.platform)
    }
}

@Suite struct StatisticsWorkedExamples {
    @Test func theSeedsFeeExampleAtThreeThousandASession() async throws {
        // Client A: 3 sessions, client B: 1 session, each 3,000.00 (300000 minor units).
        // Revenue 4 × 3,000 = 12,000. Fees: per new client 2 × 3,000 = 6,000 once,
        // plus 30% = 900 a session: A 6,000 + 3 × 900 = 8,700; B 6,000 + 900 = 6,900; total 15,600.
        let script = Script()
        try await script.join("t1")
        try await script.open("a")
        try await script.open("b")
        for day in [1, 8, 15] { try await script.session("a", "a\(day)", day: day) }
        try await script.session("b", "b1", day: 2)
        let (t1, _) = try await script.statistics()
        #expect(t1.sessionRevenue == 1_200_000)
        #expect(t1.platformFees == 1_560_000)
        #expect(t1.sessionsHeld == 4)
        #expect(t1.firstSessions == 2)
        #expect(t1.clientsWithSecondSession == 1)
        #expect(t1.returnRate == 0.5)
        #expect(t1.sessionsPerClient == 2.0)
        // Fees per charged session: 15,600 / 4 = 3,900 — what a "monetary conversion" rule ranks by.
        #expect(t1.metric("platformFeesPerChargedSession")?.value == 390_000)
        // A flat 25% commission instead: 4 × 750 = 3,000.
        let (flat, _) = try await script.statistics(StatisticsWindow(feeModel: .flatCommission(percent: 25)))
        #expect(flat.platformFees == 300_000)
    }

    @Test func anExcludedChatRaisesConversion() async throws {
        // 4 inquiries, 1 converted, 1 excluded as spam: 1/4 = 25% without the
        // exclusion honoured, 1/3 with it.
        let script = Script()
        try await script.join("t1")
        for c in ["a", "b", "c", "d"] { try await script.open(c) }
        try await script.session("a", "a1", day: 1)
        try await script.run(.excludeChat(caseId: "d", reason: .spam), by: .support("agent-7"), "2024-03-02T09:00:00Z")
        let (honoured, _) = try await script.statistics()
        #expect(honoured.inquiries == 4)
        #expect(honoured.excludedInquiries == 1)
        #expect(honoured.countedInquiries == 3)
        #expect(honoured.conversionToFirstSession == 1.0 / 3.0)
        let (ignored, _) = try await script.statistics(StatisticsWindow(honourExclusions: false))
        #expect(ignored.excludedInquiries == 0)
        #expect(ignored.conversionToFirstSession == 0.25)
    }

    @Test func aRefusalDoesNotLowerConversionNorCountInRetention() async throws {
        // Two inquiries, both converted; one refused after its first session.
        // Conversion stays 2/2; retention is over the one non-refused client.
        let script = Script()
        try await script.join("t1")
        try await script.open("a")
        try await script.open("b")
        try await script.session("a", "a1", day: 1)
        try await script.session("a", "a2", day: 8)
        try await script.session("b", "b1", day: 2)
        try await script.run(.fileRefusal(caseId: "b", reason: .personalTrigger, explanation: "a strong personal trigger"), by: .therapist("t1"), "2024-04-03T09:00:00Z")
        let (t1, _) = try await script.statistics()
        #expect(t1.conversionToFirstSession == 1.0)
        #expect(t1.refusals == 1)
        #expect(t1.returnRate == 1.0)
        #expect(t1.sessionsPerClient == 2.0)
        // Refusals not honoured: b joins the retention figures (1 of 2 returned).
        let (unhonoured, _) = try await script.statistics(StatisticsWindow(honourRefusals: false))
        #expect(unhonoured.returnRate == 0.5)
        #expect(unhonoured.conversionToFirstSession == 1.0)
    }

    @Test func aLateCancellationIsJudgedByThePolicyInForceWhenItHappened() async throws {
        // Policy 48 h; the client cancels 30 h before the start: late, charged,
        // the case converts. The therapist later relaxes the policy to 12 h;
        // a rebuild still counts what was judged then.
        let script = Script()
        try await script.join("t1")
        try await script.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 48), by: .therapist("t1"), "2024-02-01T00:00:00Z")
        try await script.open("a")
        try await script.run(.bookSession(caseId: "a", sessionId: "a1", scheduledStart: at("2024-04-10T10:00:00Z"), price: Money(amount: 200_000, currency: "UAH")), by: .client("k-a"), "2024-04-01T08:00:00Z")
        try await script.run(.cancelSession(caseId: "a", sessionId: "a1", by: .client), by: .client("k-a"), "2024-04-09T04:00:00Z")
        try await script.run(.setCancellationPolicy(therapistId: "t1", noticeHours: 12), by: .therapist("t1"), "2024-05-01T00:00:00Z")
        _ = try await StatisticsProjection(store: script.store).rebuild()
        let (t1, _) = try await script.statistics()
        #expect(t1.lateCancellations == 1)
        #expect(t1.earlyCancellations == 0)
        #expect(t1.firstSessions == 1)
        #expect(t1.conversionToFirstSession == 1.0)
        #expect(t1.sessionRevenue == 200_000)
    }

    @Test func anAsOfDateBeforeAndAfterAnExclusion() async throws {
        let script = Script()
        try await script.join("t1")
        try await script.open("a")
        try await script.run(.requestExclusion(caseId: "a", reason: .platformTest, explanation: "the client wrote it was a test", evidence: ["shot-1"]), by: .therapist("t1"), "2024-03-05T09:00:00Z")
        try await script.run(.excludeChat(caseId: "a", reason: .platformTest), by: .support("agent-7"), "2024-03-10T09:00:00Z")
        let (before, _) = try await script.statistics(asOf: "2024-03-09T00:00:00Z")
        #expect(before.inquiries == 1 && before.excludedInquiries == 0 && before.countedInquiries == 1)
        #expect(before.conversionToFirstSession == 0.0)
        let (after, _) = try await script.statistics(asOf: "2024-03-11T00:00:00Z")
        #expect(after.inquiries == 1 && after.excludedInquiries == 1 && after.countedInquiries == 0)
        #expect(after.conversionToFirstSession == nil, "no counted inquiry: the rate is null")
        // Revoked later: counted again from then on.
        try await script.run(.revokeExclusion(caseId: "a", explanation: "anti-fraud check found a real client"), by: .support("agent-9"), "2024-03-20T09:00:00Z")
        let (revoked, _) = try await script.statistics(asOf: "2024-03-21T00:00:00Z")
        #expect(revoked.excludedInquiries == 0 && revoked.countedInquiries == 1)
        let (between, _) = try await script.statistics(asOf: "2024-03-15T00:00:00Z")
        #expect(between.excludedInquiries == 1)
    }

    @Test func windowsCountOnlyTheirDays() async throws {
        // Cases opened on 1 March and 1 June; a 30-day window as of 15 June sees only the June one.
        let script = Script()
        try await script.join("t1")
        try await script.open("a", "t1", client: nil, "2024-03-01T09:00:00Z")
        try await script.open("b", "t1", client: nil, "2024-06-01T09:00:00Z")
        let (all, _) = try await script.statistics(asOf: "2024-06-15T00:00:00Z")
        #expect(all.inquiries == 2)
        let (recent, _) = try await script.statistics(StatisticsWindow(days: 30), asOf: "2024-06-15T00:00:00Z")
        #expect(recent.inquiries == 1)
    }
}
