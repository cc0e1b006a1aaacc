import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

/// Appends queued behind a held transaction are committed as one group:
/// their rows are written together, and a constraint broken while writing
/// them runs the group again one append at a time. The writer's counters
/// show which path ran, so these tests cannot pass on the other one.
@Suite struct GroupWrites {
    func fresh(_ n: Int) -> QueuedAppend {
        QueuedAppend(try! StreamID("fresh-\(n)"), .noStream, [sampleEvent(n * 10), sampleEvent(n * 10 + 1)])
    }

    func to(_ stream: String, _ expected: ExpectedVersion, _ events: [NewEvent]) -> QueuedAppend {
        QueuedAppend(try! StreamID(stream), expected, events)
    }

    @Test(arguments: Durability.allCases)
    func aCleanGroupIsWrittenTogetherAndAnyBrokenConstraintRunsItAgain(_ durability: Durability) async throws {
        let directory = try TemporaryDirectory()
        let store = try openStore(directory.path("log.sqlite"), durability: durability)
        let committed = try await store.append(to: try StreamID("done"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])

        // Fresh streams, a shared stream, a wrong version: all found while planning.
        var requests = (1...8).map(fresh)
        requests += [to("shared", .any, [sampleEvent(901)]), to("shared", .any, [sampleEvent(902)]),
                     to("done", .exactly(5), [sampleEvent(903)])]
        var outcomes = try await appendQueuedTogether(store, requests)
        #expect(store.writerStatistics == WriterStatistics(deferredGroups: 1, groupsRunAgain: 0))
        for outcome in outcomes.prefix(10) { #expect(try outcome.get().outcome == .appended) }
        #expect(throws: EventStoreError.self) { try outcomes[10].get() }

        // A retry with `.any` of an append already committed: found only when
        // the group's rows are written, then answered alone.
        requests = (11...16).map(fresh) + [to("done", .any, [sampleEvent(1), sampleEvent(2)])]
        outcomes = try await appendQueuedTogether(store, requests)
        #expect(store.writerStatistics == WriterStatistics(deferredGroups: 1, groupsRunAgain: 1))
        for outcome in outcomes.prefix(6) { #expect(try outcome.get().outcome == .appended) }
        let retry = try outcomes[6].get()
        #expect(retry.outcome == .alreadyAppended && retry.events == committed.events)

        // An id given twice, in a one-row tail and at a chunk's first row.
        let many = (0..<33).map { sampleEvent(5_000 + $0) }
        requests = (21...24).map(fresh) + [to("twice-tail", .noStream, many + [sampleEvent(5_000)]),
                                          to("twice-first", .noStream, [sampleEvent(6_000), sampleEvent(6_000), sampleEvent(6_001)])]
        outcomes = try await appendQueuedTogether(store, requests)
        #expect(store.writerStatistics == WriterStatistics(deferredGroups: 1, groupsRunAgain: 2))
        for outcome in outcomes.prefix(4) { #expect(try outcome.get().outcome == .appended) }
        for outcome in outcomes.suffix(2) {
            #expect { try outcome.get() } throws: { ($0 as? EventStoreError)?.code == .invalidAppend }
        }

        let log = try await store.read(LogQuery(after: 0, limit: 1_000))
        #expect(log.map(\.position) == Array(1...Int64(log.count)))
        let expectedCount = 2 + 8 * 2 + 2 + 6 * 2 + 4 * 2
        #expect(log.count == expectedCount)
        #expect(try await store.verify(progress: nil).holds)
        await store.close()
    }
}
