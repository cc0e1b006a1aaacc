import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import EventStore
import EventStoreTesting
import Testing

/// A history with every kind of fact: 24 cases across 3 therapists.
func variedHistory() async throws -> Script {
    let script = Script()
    for t in ["t1", "t2", "t3"] { try await script.join(t) }
    try await script.run(.recordProfileView(therapistId: "t1", visitorId: "v1"), by: .system("web"), "2024-02-01T00:00:00Z")
    for n in 0..<24 {
        let therapist = ["t1", "t2", "t3"][n % 3]
        let caseId = "c\(n)"
        try await script.open(caseId, therapist, client: "k-\(caseId)", "2024-03-01T09:\(n < 10 ? "0" : "")\(n):00Z")
        try await script.run(.reply(caseId: caseId), by: .therapist(therapist), "2024-03-01T12:00:00Z")
        switch n % 6 {
        case 0:
            try await script.run(.excludeChat(caseId: caseId, reason: .spam), by: .support("agent-1"), "2024-03-02T09:00:00Z")
        case 1:
            for week in 0..<(1 + n % 5) { try await script.session(caseId, "s\(week)", day: 1 + 7 * week, therapist: therapist) }
        case 2:
            try await script.session(caseId, "s0", day: 2, therapist: therapist)
            try await script.run(.fileRefusal(caseId: caseId, reason: .other, explanation: "organisational reasons"), by: .therapist(therapist), "2024-04-03T09:00:00Z")
        case 3:
            try await script.session(caseId, "s0", day: 3, held: false, therapist: therapist)
            try await script.run(.markMissed(caseId: caseId, sessionId: "s0"), by: .system("scheduler"), "2024-04-03T12:00:00Z")
        case 4:
            try await script.session(caseId, "s0", day: 4, held: false, therapist: therapist)
            try await script.run(.cancelSession(caseId: caseId, sessionId: "s0", by: .client), by: .client("k-\(caseId)"), "2024-04-04T09:00:00Z")
        default:
            break
        }
    }
    return script
}

@Suite struct ProjectionLaws {
    @Test func catchingUpInAnyBatchesAndSplitsEqualsARebuild() async throws {
        let script = try await variedHistory()
        let store = script.store
        let head = try await store.head().position
        var rebuilt = MarketplaceFacts()
        try await StatisticsProjection.fold(store, into: &rebuilt, query: LogQuery())
        #expect(rebuilt.checkpoint == head)
        var random = SeededRandom(seed: 42)
        for _ in 0..<25 {
            // Random split points; between segments the state goes through its
            // saved form, as it does between two `caseload stats` runs.
            let splits = (0..<random.next(upTo: 5)).map { _ in Int64(random.next(upTo: Int(head))) }.sorted() + [head]
            var facts = MarketplaceFacts()
            var done: Int64 = 0
            for split in splits where split > done {
                try await StatisticsProjection.fold(
                    store, into: &facts, query: LogQuery(after: done, upToPosition: split), tuning: ReplayTuning(chunkSize: 1 + random.next(upTo: 40)))
                #expect(facts.checkpoint == split)
                facts = try FactsCodec.decode(FactsCodec.encode(facts))
                done = split
            }
            #expect(facts == rebuilt)
            let window = StatisticsWindow(days: 60)
            let asOf = at("2024-04-20T00:00:00Z")
            #expect(facts.snapshot(window, asOf: asOf).therapists == rebuilt.snapshot(window, asOf: asOf).therapists)
        }
    }

    /// The service's one-therapist read computes only that row: it must be
    /// the full snapshot's row, with the same platform, in every window.
    @Test func oneTherapistsSnapshotIsTheirRowOfTheWholeOne() async throws {
        let script = try await variedHistory()
        var facts = MarketplaceFacts()
        try await StatisticsProjection.fold(script.store, into: &facts, query: LogQuery())
        let restored = try FactsCodec.decode(FactsCodec.encode(facts))
        for days in [nil, 1, 30, 60, 3650] as [Int?] {
            for asOf in ["2024-03-01T09:10:00Z", "2024-04-03T10:00:00Z", "2024-06-01T00:00:00Z"].map(at) {
                let window = StatisticsWindow(days: days)
                let whole = facts.snapshot(window, asOf: asOf)
                #expect(whole.therapists.map(\.therapistId) == ["t1", "t2", "t3"])
                for row in whole.therapists {
                    let one = facts.snapshot(window, asOf: asOf, therapist: row.therapistId)
                    #expect(one.therapists == [row])
                    #expect(one.platform == whole.platform)
                    // The row alone reads only the therapist's cases, also
                    // in facts restored from their saved state.
                    #expect(facts.row(of: row.therapistId, window, asOf: asOf) == row)
                    #expect(restored.row(of: row.therapistId, window, asOf: asOf) == row)
                }
                #expect(facts.snapshot(window, asOf: asOf, therapist: "t9").therapists.isEmpty)
                #expect(facts.row(of: "t9", window, asOf: asOf) == nil)
            }
        }
    }

    @Test func theSavedStateCatchesUpFromItsCheckpoint() async throws {
        let script = try await variedHistory()
        let projection = StatisticsProjection(store: script.store)
        let first = try await projection.current()
        let saved = try #require(try await script.store.loadProjection(named: StatisticsProjection.name))
        #expect(saved.checkpoint == first.checkpoint)
        try await script.open("late", "t2", client: "k-late", "2024-05-01T09:00:00Z")
        let caughtUp = try await projection.current()
        #expect(caughtUp.checkpoint == first.checkpoint + 1)
        #expect(caughtUp == (try await projection.rebuild()))
    }

    @Test func aStateSavedInAnotherFormatIsRebuiltNotMisread() async throws {
        let script = try await variedHistory()
        let head = try await script.store.head().position
        // Empty facts claiming to be up to the head, under the format before currencies:
        // read as they are, they would hide every case.
        var stale = MarketplaceFacts()
        stale.checkpoint = head
        var bytes = FactsCodec.encode(stale)
        bytes[3] = FactsCodec.formatVersion - 1
        try await script.store.saveProjection(ProjectionState(name: StatisticsProjection.name, checkpoint: head, state: bytes))
        let projection = StatisticsProjection(store: script.store)
        let facts = try await projection.current()
        #expect(facts.cases.count == 24)
        #expect(facts == (try await projection.rebuild()))
    }

    @Test func aLogWithPricesInTwoCurrenciesIsRefusedNotAdded() async throws {
        let script = Script()
        try await script.join("t1")
        try await script.open("c1")
        try await script.session("c1", "s0", day: 1)
        try await script.open("c2")
        try await script.run(
            .bookSession(caseId: "c2", sessionId: "s0", scheduledStart: at("2024-04-02T10:00:00Z"), price: Money(amount: 9_000, currency: "EUR")),
            by: .client("k-c2"), "2024-04-02T08:00:00Z")
        let head = try await script.store.head().position
        do {
            _ = try await StatisticsProjection(store: script.store).current()
            Issue.record("statistics added prices in two currencies")
        } catch let error as FactsError {
            #expect(error.code == .mixedCurrencies)
            #expect(error.position == head)
            #expect(error.caseId == "c2")
        }
    }
}

/// Repeatable random choices in tests.
typealias SeededRandom = SplitMix64

extension SplitMix64 {
    mutating func next(upTo bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
}
