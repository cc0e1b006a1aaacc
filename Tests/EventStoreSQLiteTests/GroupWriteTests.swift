import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Synchronization
import Testing

/// How many tasks have called append.
final class StartedCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Appends queued behind a held transaction are committed as one group:
/// their rows are written together, and a constraint broken while writing
/// them runs the group again one append at a time. The writer's counters
/// show which path ran, so these tests cannot pass on the other one.
@Suite struct GroupWrites {
    typealias Request = (stream: String, expected: ExpectedVersion, events: [NewEvent])

    /// Submits every request while the writer is held, so that all of them
    /// queue up; returns each outcome in request order.
    func queuedTogether(_ store: SQLiteEventStore, _ requests: [Request]) async throws -> [Result<AppendResult, any Error>] {
        let started = StartedCount()
        let count = requests.count
        async let held: Void = store.withTransaction { _ in
            // Wait until every task has called append, then a little longer
            // for each to pass validation and reach the queue.
            let deadline = Date().addingTimeInterval(10)
            while started.value.load(ordering: .acquiring) < count, Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            Thread.sleep(forTimeInterval: 0.2)
        }
        try await Task.sleep(for: .milliseconds(20))
        let outcomes = await withTaskGroup(of: (Int, Result<AppendResult, any Error>).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask {
                    started.value.add(1, ordering: .releasing)
                    do {
                        return (index, .success(try await store.append(
                            to: try StreamID(request.stream), expected: request.expected, request.events)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var all = [Result<AppendResult, any Error>?](repeating: nil, count: count)
            for await (index, outcome) in group { all[index] = outcome }
            return all.map { $0! }
        }
        try await held
        return outcomes
    }

    func fresh(_ n: Int) -> Request { ("fresh-\(n)", .noStream, [sampleEvent(n * 10), sampleEvent(n * 10 + 1)]) }

    @Test(arguments: Durability.allCases)
    func aCleanGroupIsWrittenTogetherAndAnyBrokenConstraintRunsItAgain(_ durability: Durability) async throws {
        let directory = try TemporaryDirectory()
        let store = try openStore(directory.path("log.sqlite"), durability: durability)
        let committed = try await store.append(to: try StreamID("done"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])

        // Fresh streams, a shared stream, a wrong version: all found while planning.
        var requests = (1...8).map(fresh)
        requests += [("shared", .any, [sampleEvent(901)]), ("shared", .any, [sampleEvent(902)]),
                     ("done", .exactly(5), [sampleEvent(903)])]
        var outcomes = try await queuedTogether(store, requests)
        #expect(store.writerStatistics == WriterStatistics(deferredGroups: 1, groupsRunAgain: 0))
        for outcome in outcomes.prefix(10) { #expect(try outcome.get().outcome == .appended) }
        #expect(throws: EventStoreError.self) { try outcomes[10].get() }

        // A retry with `.any` of an append already committed: found only when
        // the group's rows are written, then answered alone.
        requests = (11...16).map(fresh) + [("done", .any, [sampleEvent(1), sampleEvent(2)])]
        outcomes = try await queuedTogether(store, requests)
        #expect(store.writerStatistics == WriterStatistics(deferredGroups: 1, groupsRunAgain: 1))
        for outcome in outcomes.prefix(6) { #expect(try outcome.get().outcome == .appended) }
        let retry = try outcomes[6].get()
        #expect(retry.outcome == .alreadyAppended && retry.events == committed.events)

        // An id given twice, in a one-row tail and at a chunk's first row.
        let many = (0..<33).map { sampleEvent(5_000 + $0) }
        requests = (21...24).map(fresh) + [("twice-tail", .noStream, many + [sampleEvent(5_000)]),
                                          ("twice-first", .noStream, [sampleEvent(6_000), sampleEvent(6_000), sampleEvent(6_001)])]
        outcomes = try await queuedTogether(store, requests)
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
