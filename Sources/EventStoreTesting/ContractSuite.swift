public import CaseloadCoding
public import EventStore
public import Foundation
import Synchronization

/// A clock tests move by hand.
public final class ManualClock: Sendable {
    private let now: Mutex<Timestamp>
    public init(_ start: Timestamp = Timestamp(secondsSinceEpoch: 1_700_000_000)) { now = Mutex(start) }
    public func read() -> Timestamp { now.withLock { $0 } }
    public func set(_ time: Timestamp) { now.withLock { $0 = time } }
    public func advance(seconds: Int64) { now.withLock { $0 = $0.adding(seconds: seconds) } }
    /// A closure to hand a store as its clock.
    public var closure: @Sendable () -> Timestamp { { self.read() } }
}

/// A broken promise of the contract, with where it was found.
public struct ContractViolation: Error, CustomStringConvertible {
    public var message: String
    public var file: StaticString
    public var line: UInt
    public var description: String { "\(message) (\(file):\(line))" }
}

/// Makes a fresh, empty store that takes its commit times from `clock`.
public typealias StoreFactory = @Sendable (_ clock: ManualClock) async throws -> any EventStore

/// One check of the store contract; every backend's tests run all of them
/// (`@Test(arguments: EventStoreContract.checks)`).
public struct ContractCheck: Sendable, CustomStringConvertible {
    public let name: String
    let body: @Sendable (any EventStore, ManualClock) async throws -> Void

    public var description: String { name }

    /// Runs the check against a fresh store from `factory`, then closes it.
    public func run(_ factory: StoreFactory) async throws {
        let clock = ManualClock()
        let store = try await factory(clock)
        do {
            try await body(store, clock)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

func check(
    _ condition: @autoclosure () async throws -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) async throws {
    guard try await condition() else { throw ContractViolation(message: message(), file: file, line: line) }
}

/// Runs `body` and returns the `EventStoreError` it throws, or fails.
func expectStoreError(
    _ code: EventStoreError.Code, file: StaticString = #fileID, line: UInt = #line,
    _ body: () async throws -> Void
) async throws -> EventStoreError {
    do {
        try await body()
    } catch let error as EventStoreError {
        try await check(error.code == code, "expected \(code), got \(error.code): \(error.message)", file: file, line: line)
        return error
    } catch {
        throw ContractViolation(message: "expected \(code), got \(error)", file: file, line: line)
    }
    throw ContractViolation(message: "expected \(code), but it succeeded", file: file, line: line)
}

/// A deterministic UUID for tests: `n` in the last bytes.
public func testUUID(_ n: Int) -> UUID {
    let hex = String(n, radix: 16)
    let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
    return UUID(uuidString: "00000000-0000-4000-8000-\(tail)")!
}

/// A new event with a small valid payload.
public func sampleEvent(
    _ n: Int, type: String = "SampleHappened", payload: String? = nil,
    occurredAt: Timestamp = Timestamp(secondsSinceEpoch: 1_700_000_000), actor: String = "system:test"
) -> NewEvent {
    NewEvent(
        id: testUUID(n), type: type, payload: EventPayload(json: payload ?? #"{"n":\#(n),"note":"sample"}"#),
        occurredAt: occurredAt, actor: actor)
}

func stream(_ name: String) -> StreamID { try! StreamID(name) }

/// The event store contract, as executable checks.
public enum EventStoreContract {
    public static let checks: [ContractCheck] = [
        ContractCheck(name: "a new stream takes versions and positions from 1 with a hash chain") { store, clock in
            let result = try await store.append(to: stream("case-1"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])
            try await check(result.outcome == .appended, "outcome \(result.outcome)")
            try await check(result.events.map(\.streamVersion) == [1, 2], "versions \(result.events.map(\.streamVersion))")
            try await check(result.positions == [1, 2], "positions \(result.positions)")
            try await check(result.events.allSatisfy { $0.metadata.recordedAt == clock.read() }, "recordedAt is the commit time")
            let first = HashChain.hash(of: result.events[0], previous: .genesis)
            try await check(result.events[0].hash == first, "first hash chains from genesis")
            try await check(
                result.events[1].hash == HashChain.hash(of: result.events[1], previous: first), "second chains from first")
            let head = try await store.head()
            try await check(head.position == 2 && head.hash == result.events[1].hash, "head \(head)")
        },
        ContractCheck(name: "a wrong expectation names stream, expected and actual version and writes nothing") { store, _ in
            _ = try await store.append(to: stream("case-1"), expected: .noStream, [sampleEvent(1)])
            let error = try await expectStoreError(.wrongExpectedVersion) {
                _ = try await store.append(to: stream("case-1"), expected: .exactly(5), [sampleEvent(2)])
            }
            try await check(error.stream == stream("case-1"), "stream \(String(describing: error.stream))")
            try await check(error.expected == .exactly(5) && error.actualVersion == 1, "expected/actual in \(error)")
            try await check(error.message.contains("case-1") && error.message.contains("5") && error.message.contains("1"), error.message)
            _ = try await expectStoreError(.wrongExpectedVersion) {
                _ = try await store.append(to: stream("case-1"), expected: .noStream, [sampleEvent(3)])
            }
            try await check(try await store.head().position == 1, "nothing written")
        },
        ContractCheck(name: "exact and any expectations append at the stream's end") { store, _ in
            _ = try await store.append(to: stream("s"), expected: .noStream, [sampleEvent(1)])
            let exact = try await store.append(to: stream("s"), expected: .exactly(1), [sampleEvent(2)])
            try await check(exact.events[0].streamVersion == 2, "exact -> version 2")
            let any = try await store.append(to: stream("s"), expected: .any, [sampleEvent(3)])
            try await check(any.events[0].streamVersion == 3 && any.events[0].position == 3, "any -> version 3")
            let fresh = try await store.append(to: stream("other"), expected: .any, [sampleEvent(4)])
            try await check(fresh.events[0].streamVersion == 1 && fresh.events[0].position == 4, "any on a new stream")
            let zero = try await store.append(to: stream("third"), expected: .exactly(0), [sampleEvent(5)])
            try await check(zero.events[0].streamVersion == 1, "exactly(0) means no stream")
        },
        ContractCheck(name: "an append to several streams commits all or none") { store, _ in
            _ = try await store.append(to: stream("case-a"), expected: .noStream, [sampleEvent(1)])
            _ = try await expectStoreError(.wrongExpectedVersion) {
                _ = try await store.append([
                    StreamAppend(stream: stream("case-a"), expected: .exactly(1), events: [sampleEvent(2)]),
                    StreamAppend(stream: stream("case-b"), expected: .exactly(3), events: [sampleEvent(3)]),
                ])
            }
            try await check(try await store.head().position == 1, "neither stream written")
            try await check(try await store.readStream(stream("case-b")).isEmpty, "case-b untouched")
            let both = try await store.append([
                StreamAppend(stream: stream("case-a"), expected: .exactly(1), events: [sampleEvent(2)]),
                StreamAppend(stream: stream("case-b"), expected: .noStream, events: [sampleEvent(3), sampleEvent(4)]),
            ])
            try await check(both.positions == [2, 3, 4], "positions \(both.positions)")
            try await check(both.events.map(\.stream.rawValue) == ["case-a", "case-b", "case-b"], "streams in order")
            try await check(both.events.map(\.streamVersion) == [2, 1, 2], "versions \(both.events.map(\.streamVersion))")
        },
        ContractCheck(name: "a stream may appear twice in one append, positions following the given order") { store, _ in
            let result = try await store.append([
                StreamAppend(stream: stream("a"), expected: .noStream, events: [sampleEvent(1)]),
                StreamAppend(stream: stream("b"), expected: .noStream, events: [sampleEvent(2)]),
                StreamAppend(stream: stream("a"), expected: .exactly(1), events: [sampleEvent(3)]),
            ])
            try await check(result.positions == [1, 2, 3], "positions \(result.positions)")
            try await check(result.events.map(\.streamVersion) == [1, 1, 2], "versions \(result.events.map(\.streamVersion))")
            _ = try await expectStoreError(.wrongExpectedVersion) {
                _ = try await store.append([
                    StreamAppend(stream: stream("a"), expected: .exactly(2), events: [sampleEvent(4)]),
                    StreamAppend(stream: stream("a"), expected: .exactly(2), events: [sampleEvent(5)]),
                ])
            }
            try await check(try await store.head().position == 3, "the failed append wrote nothing")
        },
        ContractCheck(name: "a projection's state and checkpoint are saved and loaded together") { store, _ in
            try await check(try await store.loadProjection(named: "stats") == nil, "nothing saved yet")
            _ = try await store.append(to: stream("s"), expected: .any, [sampleEvent(1), sampleEvent(2)])
            try await store.saveProjection(ProjectionState(name: "stats", checkpoint: 1, state: [1, 2, 3]))
            try await store.saveProjection(ProjectionState(name: "stats", checkpoint: 2, state: [4, 5]))
            let loaded = try await store.loadProjection(named: "stats")
            try await check(loaded == ProjectionState(name: "stats", checkpoint: 2, state: [4, 5]), "loaded \(String(describing: loaded))")
            _ = try await expectStoreError(.invalidAppend) {
                try await store.saveProjection(ProjectionState(name: "stats", checkpoint: 9, state: []))
            }
            try await check(try await store.loadProjection(named: "stats")?.checkpoint == 2, "a refused save changes nothing")
        },
        ContractCheck(name: "a retried append returns the original positions and writes nothing") { store, clock in
            let events = [sampleEvent(1), sampleEvent(2)]
            let first = try await store.append(to: stream("case-1"), expected: .noStream, events)
            _ = try await store.append(to: stream("case-1"), expected: .exactly(2), [sampleEvent(3)])
            clock.advance(seconds: 60)
            let retry = try await store.append(to: stream("case-1"), expected: .noStream, events)
            try await check(retry.outcome == .alreadyAppended, "outcome \(retry.outcome)")
            try await check(retry.events == first.events, "the originals come back")
            try await check(try await store.head().position == 3, "nothing written")
            let anyRetry = try await store.append(to: stream("case-1"), expected: .any, events)
            try await check(anyRetry.outcome == .alreadyAppended, "retry with any")
        },
        ContractCheck(name: "the same event id with other content is a conflict") { store, _ in
            _ = try await store.append(to: stream("case-1"), expected: .noStream, [sampleEvent(1)])
            var changed = sampleEvent(1)
            changed.payload = EventPayload(json: #"{"n":1,"note":"changed"}"#)
            let error = try await expectStoreError(.idempotencyConflict) {
                _ = try await store.append(to: stream("case-1"), expected: .any, [changed])
            }
            try await check(error.position == 1, "names the original position: \(error)")
            _ = try await expectStoreError(.idempotencyConflict) {
                _ = try await store.append(to: stream("case-2"), expected: .any, [sampleEvent(1)])
            }
            _ = try await expectStoreError(.idempotencyConflict) {
                _ = try await store.append(to: stream("case-1"), expected: .any, [sampleEvent(5), sampleEvent(1)])
            }
            try await check(try await store.head().position == 1, "nothing written")
        },
        ContractCheck(name: "an event id given twice in one append is refused, small or large") { store, _ in
            let small = try await expectStoreError(.invalidAppend) {
                _ = try await store.append([
                    StreamAppend(stream: stream("case-1"), expected: .any, events: [sampleEvent(1), sampleEvent(2)]),
                    StreamAppend(stream: stream("case-2"), expected: .any, events: [sampleEvent(1)]),
                ])
            }
            try await check(small.stream == stream("case-2"), "names the stream of the repeat: \(small)")
            try await check(small.eventID == testUUID(1).uuidString.lowercased(), "names the id: \(small)")
            // The same within one stream, after many events.
            let large = try await expectStoreError(.invalidAppend) {
                _ = try await store.append(to: stream("case-3"), expected: .any, (1...40).map { sampleEvent($0) } + [sampleEvent(17)])
            }
            try await check(large.eventID == testUUID(17).uuidString.lowercased(), "names the id: \(large)")
            try await check(try await store.head().position == 0, "nothing written")
            let fine = try await store.append(to: stream("case-3"), expected: .any, (1...40).map { sampleEvent($0) })
            try await check(fine.positions == Array(1...40), "distinct ids append")
        },
        ContractCheck(name: "appends of many sizes read back as returned; a taken or repeated id anywhere writes nothing") { store, _ in
            // Sizes around the points where a backend may split an append
            // into several statements (the SQLite store writes up to 32 rows
            // a statement).
            var next = 1
            var returned: [RecordedEvent] = []
            for size in [1, 2, 31, 32, 33, 34, 64, 65, 100] {
                let result = try await store.append(
                    to: stream("s-\(size)"), expected: .noStream, (next..<(next + size)).map { sampleEvent($0) })
                next += size
                returned += result.events
            }
            let stored = try await store.read(LogQuery(after: 0, limit: 1_000))
            try await check(stored == returned, "the log reads back exactly what the appends returned")
            try await check(stored.map(\.position) == Array(1...Int64(returned.count)), "gapless positions")
            try await check(try await store.verify(progress: nil).holds, "the chain holds")
            let head = try await store.head()
            // An id committed earlier (event 40, position 40), in the middle of a large append.
            var late = (next..<(next + 80)).map { sampleEvent($0) }
            late[49] = sampleEvent(40)
            let taken = try await expectStoreError(.idempotencyConflict) {
                _ = try await store.append(to: stream("late"), expected: .noStream, late)
            }
            try await check(taken.eventID == testUUID(40).uuidString.lowercased() && taken.position == 40, "names the id and its original position: \(taken)")
            // An id given twice within the first rows of a large append.
            var twice = (next..<(next + 80)).map { sampleEvent($0) }
            twice[10] = sampleEvent(next + 3)
            let repeated = try await expectStoreError(.invalidAppend) {
                _ = try await store.append(to: stream("late"), expected: .noStream, twice)
            }
            try await check(repeated.eventID == testUUID(next + 3).uuidString.lowercased(), "names the repeated id: \(repeated)")
            try await check(try await store.head() == head, "nothing written")
            let fine = try await store.append(to: stream("late"), expected: .noStream, (next..<(next + 80)).map { sampleEvent($0) })
            try await check(fine.positions == Array((head.position + 1)...(head.position + 80)), "the same ids append once the mistakes are gone")
            try await check(try await store.verify(progress: nil).holds, "the chain still holds")
        },
        ContractCheck(name: "appends queued up together each succeed or fail alone") { store, _ in
            // A backend writing appends together (the SQLite store writes a
            // group's rows in shared statements) must still answer each one
            // as if it ran alone. Two bursts: the first holds an append that
            // repeats an id (which the SQLite store finds only when writing
            // the group's rows), the second only outcomes found before that.
            let committed = try await store.append(to: stream("done"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])
            var written = committed.events
            written += try await queuedBurst(store, round: 1, committed: committed, withRepeatedIDs: true)
            written += try await queuedBurst(store, round: 2, committed: committed, withRepeatedIDs: false)
            let stored = try await store.read(LogQuery(after: 0, limit: 1_000))
            try await check(stored == written.sorted { $0.position < $1.position }, "the log holds exactly the successful appends")
            try await check(stored.map(\.position) == Array(1...Int64(stored.count)), "gapless positions")
            let shared = try await store.readStream(stream("shared"))
            try await check(shared.map(\.streamVersion) == Array(1...10), "shared stream versions \(shared.map(\.streamVersion))")
            try await check(try await store.verify(progress: nil).holds, "the chain holds")
        },
        ContractCheck(name: "reads by stream, position, type and time bounds") { store, clock in
            for n in 1...10 {
                let type = n % 2 == 0 ? "Even" : "Odd"
                _ = try await store.append(
                    to: stream("s-\(n % 3)"), expected: .any,
                    [sampleEvent(
                        n, type: type, occurredAt: Timestamp(secondsSinceEpoch: 1_000 + Int64(n)),
                        actor: n % 4 == 0 ? "support:a4" : "system:test")])
                clock.advance(seconds: 10)
            }
            let s1 = try await store.readStream(stream("s-1"), fromVersion: 2, limit: 10)
            try await check(s1.map(\.position) == [4, 7, 10], "s-1 from version 2: \(s1.map(\.position))")
            let several = try await store.readStreams([stream("s-2"), stream("none"), stream("s-0"), stream("s-2")])
            try await check(
                several.map { $0.map(\.position) } == [[2, 5, 8], [], [3, 6, 9], [2, 5, 8]],
                "streams s-2, none, s-0, s-2 at once: \(several.map { $0.map(\.position) })")
            let page = try await store.read(LogQuery(after: 3, limit: 4))
            try await check(page.map(\.position) == [4, 5, 6, 7], "page \(page.map(\.position))")
            let odd = try await store.read(LogQuery(after: 0, limit: 100, types: ["Odd"]))
            try await check(odd.map(\.position) == [1, 3, 5, 7, 9], "odd \(odd.map(\.position))")
            let asOf = try await store.read(LogQuery(limit: 100, occurredAtOrBefore: Timestamp(secondsSinceEpoch: 1_004)))
            try await check(asOf.map(\.position) == [1, 2, 3, 4], "as of \(asOf.map(\.position))")
            let knownAt = try await store.read(LogQuery(limit: 100, recordedAtOrBefore: Timestamp(secondsSinceEpoch: 1_700_000_020)))
            try await check(knownAt.map(\.position) == [1, 2, 3], "known at \(knownAt.map(\.position))")
            let byActor = try await store.read(LogQuery(limit: 100, actor: "support:a4"))
            try await check(byActor.map(\.position) == [4, 8], "by actor \(byActor.map(\.position))")
            let actorAndType = try await store.read(LogQuery(limit: 100, types: ["Even"], actor: "support:a4"))
            try await check(actorAndType.map(\.position) == [4, 8], "actor and type")
            let inStream = try await store.read(LogQuery(after: 2, limit: 100, stream: stream("s-2")))
            try await check(inStream.map(\.position) == [5, 8], "stream filter \(inStream.map(\.position))")
            var all: [Int64] = []
            for try await batch in store.batches(LogQuery(limit: 3)) { all += batch.map(\.position) }
            try await check(all == Array(1...10), "batches \(all)")
            let found = try await store.event(id: testUUID(7))
            try await check(found?.position == 7, "event by id")
            try await check(try await store.event(id: testUUID(99)) == nil, "unknown id")
        },
        ContractCheck(name: "a lean scan maps the events a query selects, on the reading thread") { store, _ in
            for n in 1...6 {
                _ = try await store.append(
                    to: stream("s-\(n % 2)"), expected: .any,
                    [sampleEvent(n, type: n % 3 == 0 ? "Third" : "Other", occurredAt: Timestamp(secondsSinceEpoch: Int64(n)))])
            }
            let mapped = try await store.scan(LogQuery(after: 1, limit: 100, types: ["Third", "Other"], upToPosition: 5)) { view in
                view.position == 4 ? nil : "\(view.position):\(view.type):\(view.occurredAt.microsecondsSinceEpoch / 1_000_000):\(String(decoding: view.payload, as: UTF8.self))"
            }
            try await check(
                mapped == [#"2:Other:2:{"n":2,"note":"sample"}"#, #"3:Third:3:{"n":3,"note":"sample"}"#, #"5:Other:5:{"n":5,"note":"sample"}"#],
                "scanned \(mapped)")
        },
        ContractCheck(name: "commit time never goes backwards even when the clock does") { store, clock in
            let first = try await store.append(to: stream("s"), expected: .any, [sampleEvent(1)])
            clock.advance(seconds: -3600)
            let second = try await store.append(to: stream("s"), expected: .any, [sampleEvent(2)])
            try await check(
                second.events[0].metadata.recordedAt >= first.events[0].metadata.recordedAt,
                "recordedAt went back")
        },
        ContractCheck(name: "bad input is refused with a clear error and nothing is written") { store, _ in
            _ = try await store.append(to: stream("ok"), expected: .noStream, [sampleEvent(1)])
            _ = try await expectStoreError(.invalidStreamID) { _ = try StreamID("") }
            _ = try await expectStoreError(.invalidStreamID) { _ = try StreamID(String(repeating: "x", count: 300)) }
            _ = try await expectStoreError(.invalidStreamID) { _ = try StreamID("case-\n1") }
            _ = try await expectStoreError(.invalidExpectation) { _ = try ExpectedVersion(parsing: "sometimes") }
            for bad in ["[1,2]", "\"text\"", "{\"a\":", "{\"a\":1} trailing", "", "{\"a\":01}", "{'a':1}"] {
                let error = try await expectStoreError(.invalidPayload) {
                    _ = try await store.append(to: stream("ok"), expected: .any, [sampleEvent(2, payload: bad)])
                }
                try await check(error.message.contains("ok"), "names the stream: \(error.message)")
            }
            let big = "{\"blob\":\"" + String(repeating: "a", count: 10 * 1024 * 1024) + "\"}"
            _ = try await expectStoreError(.payloadTooLarge) {
                _ = try await store.append(to: stream("ok"), expected: .any, [sampleEvent(3, payload: big)])
            }
            _ = try await expectStoreError(.invalidEvent) {
                _ = try await store.append(to: stream("ok"), expected: .any, [sampleEvent(4, type: "")])
            }
            _ = try await expectStoreError(.invalidEvent) {
                _ = try await store.append(to: stream("ok"), expected: .any, [sampleEvent(4, actor: "")])
            }
            _ = try await expectStoreError(.invalidAppend) {
                _ = try await store.append(to: stream("ok"), expected: .any, [])
            }
            _ = try await expectStoreError(.invalidAppend) {
                _ = try await store.append(to: stream("ok"), expected: .any, [sampleEvent(5), sampleEvent(5)])
            }
            try await check(try await store.head().position == 1, "nothing written")
            try await check(try await store.verify(progress: nil).holds, "the log still verifies")
        },
        ContractCheck(name: "verify walks the whole chain") { store, _ in
            for n in 1...25 {
                _ = try await store.append(to: stream("s-\(n % 4)"), expected: .any, [sampleEvent(n)])
            }
            let result = try await store.verify(progress: nil)
            try await check(result.holds && result.eventsChecked == 25, "verify \(result)")
            try await check(result.headHash == (try await store.head().hash), "head hash")
        },
        ContractCheck(name: "a transaction's appends, projections and vault writes commit together or not at all") { store, _ in
            struct Abort: Error {}
            _ = try await store.append(to: stream("s"), expected: .noStream, [sampleEvent(1)])
            let record = PersonalDataRecord(ref: "pd-1", subject: "k1", field: "clientName", sealed: [9, 9, 9])
            do {
                _ = try await store.withTransaction { transaction in
                    _ = try transaction.append([StreamAppend(stream: stream("s"), expected: .exactly(1), events: [sampleEvent(2)])])
                    try transaction.saveProjection(ProjectionState(name: "p", checkpoint: 2, state: [1]))
                    _ = try transaction.personalDataKey(subject: "k1", createWith: [7, 7])
                    try transaction.storePersonalData(record)
                    throw Abort()
                }
                throw ContractViolation(message: "the abort was swallowed", file: #fileID, line: #line)
            } catch is Abort {}
            try await check(try await store.head().position == 1, "the append rolled back")
            try await check(try await store.loadProjection(named: "p") == nil, "the projection rolled back")
            try await check(try await store.personalData(ref: "pd-1") == nil, "the vault rolled back")
            try await store.withTransaction { transaction in
                _ = try transaction.append([StreamAppend(stream: stream("s"), expected: .exactly(1), events: [sampleEvent(2)])])
                try transaction.saveProjection(ProjectionState(name: "p", checkpoint: 2, state: [1]))
                _ = try transaction.personalDataKey(subject: "k1", createWith: [7, 7])
                try transaction.storePersonalData(record)
                // A checkpoint past the transaction's own head is refused.
                do {
                    try transaction.saveProjection(ProjectionState(name: "q", checkpoint: 3, state: [2]))
                    throw ContractViolation(message: "a checkpoint past the head was saved", file: #fileID, line: #line)
                } catch let error as EventStoreError where error.code == .invalidAppend {}
            }
            try await check(try await store.head().position == 2, "the append committed")
            try await check(
                try await store.loadProjection(named: "p") == ProjectionState(name: "p", checkpoint: 2, state: [1]),
                "the projection committed")
            try await check(try await store.loadProjection(named: "q") == nil, "the refused save left nothing")
            let stored = try await store.personalData(ref: "pd-1")
            try await check(stored?.sealed == [9, 9, 9] && stored?.key == [7, 7], "the vault committed: \(String(describing: stored))")
        },
        ContractCheck(name: "a transaction commits everything or, on a throw, nothing") { store, _ in
            struct Abort: Error {}
            do {
                _ = try await store.withTransaction { transaction in
                    _ = try transaction.append([StreamAppend(stream: stream("t"), expected: .noStream, events: [sampleEvent(1)])])
                    throw Abort()
                }
                throw ContractViolation(message: "the abort was swallowed", file: #fileID, line: #line)
            } catch is Abort {}
            try await check(try await store.head().position == 0, "rolled back")
            let count = try await store.withTransaction { transaction in
                _ = try transaction.append([StreamAppend(stream: stream("t"), expected: .noStream, events: [sampleEvent(1)])])
                guard try transaction.currentVersion(of: stream("t")) == 1 else {
                    throw ContractViolation(message: "a transaction sees its own append", file: #fileID, line: #line)
                }
                // A failing append inside is undone alone; the rest still commits.
                do {
                    _ = try transaction.append([StreamAppend(stream: stream("t"), expected: .noStream, events: [sampleEvent(2)])])
                } catch let error as EventStoreError where error.code == .wrongExpectedVersion {}
                _ = try transaction.append([StreamAppend(stream: stream("t"), expected: .exactly(1), events: [sampleEvent(3)])])
                // One that fails after inserting its first event leaves the
                // stream's version where it was, for what follows.
                do {
                    _ = try transaction.append([StreamAppend(stream: stream("t"), expected: .exactly(2), events: [sampleEvent(4), sampleEvent(1)])])
                } catch let error as EventStoreError where error.code == .idempotencyConflict {}
                _ = try transaction.append([StreamAppend(stream: stream("t"), expected: .exactly(2), events: [sampleEvent(5)])])
                return try transaction.readStream(stream("t"), fromVersion: 1, limit: 10).count
            }
            try await check(count == 3, "three events in the transaction: \(count)")
            let events = try await store.readStream(stream("t"))
            try await check(events.map(\.id) == [testUUID(1), testUUID(3), testUUID(5)], "committed \(events.map(\.id))")
            try await check(try await store.verify(progress: nil).holds, "chain holds")
        },
        ContractCheck(name: "recorded events are imported verbatim, and appends continue after them") { store, clock in
            let source = try await recordedSource(count: 7)
            let recorded = try await source.read(LogQuery(limit: 100))
            clock.advance(seconds: 3600)  // the target's clock is not the source's: times must come from the events
            let first = try await store.importRecorded(Array(recorded[0..<4]))
            try await check(first.position == 4 && first.hash == recorded[3].hash, "head after the first batch \(first)")
            let second = try await store.importRecorded(Array(recorded[4...]))
            try await check(second == (try await source.head()), "head \(second) is the source's")
            let copied = try await store.read(LogQuery(limit: 100))
            try await check(copied == recorded, "the log reads back as recorded")
            try await check(try await store.readStream(stream("b")) == recorded.filter { $0.stream == stream("b") }, "streams read back")
            try await check(try await store.event(id: recorded[5].id) == recorded[5], "an event by id")
            let verification = try await store.verify(progress: nil)
            try await check(verification.holds && verification.eventsChecked == 7, "verify \(verification)")
            let next = try await store.append(to: stream("b"), expected: .exactly(4), [sampleEvent(50)])
            try await check(next.events[0].position == 8 && next.events[0].streamVersion == 5, "an append continues: \(next.events[0])")
            try await check(
                next.events[0].hash == HashChain.hash(of: next.events[0], previous: recorded[6].hash), "and chains from the imported head")
            try await check(
                next.events[0].metadata.recordedAt >= recorded[6].metadata.recordedAt, "commit time does not go back")
            try await check(try await store.importRecorded([]) == (try await store.head()), "an empty import is nothing")
        },
        ContractCheck(name: "an import that does not continue the log exactly is refused, naming the event, and writes nothing") { store, _ in
            let source = try await recordedSource(count: 6)
            let recorded = try await source.read(LogQuery(limit: 100))
            _ = try await store.importRecorded(Array(recorded[0..<2]))
            var tampered = recorded[3]
            tampered.payload = EventPayload(json: #"{"n":4,"note":"edited"}"#)
            var wrongVersion = recorded[2]
            wrongVersion.streamVersion += 1
            let refused: [(String, [RecordedEvent], Int64)] = [
                ("a gap", [recorded[3]], 4),
                ("a position already taken", [recorded[1]], 2),
                ("a gap inside the batch", [recorded[2], recorded[4]], 5),
                ("changed content", [recorded[2], tampered, recorded[4]], 4),
                ("a skipped stream version", [wrongVersion], 3),
                ("another log's event", [try await otherLogEvent(position: 3)], 3),
            ]
            for (what, events, position) in refused {
                let error = try await expectStoreError(.invalidAppend) { _ = try await store.importRecorded(events) }
                try await check(error.position == position, "\(what): position \(String(describing: error.position)) in \(error.message)")
                try await check(error.message.contains("position \(position)"), "\(what): \(error.message)")
                try await check(try await store.head().position == 2, "\(what): nothing written")
            }
            _ = try await store.importRecorded(Array(recorded[2...]))
            try await check(try await store.read(LogQuery(limit: 100)) == recorded, "the right events still import")
        },
        ContractCheck(name: "the vault lists its values with their keys, by reference, page by page") { store, _ in
            try await store.withTransaction { transaction in
                for (n, subject) in ["c-2", "c-1", "c-2", "c-3"].enumerated() {
                    let key = try transaction.personalDataKey(subject: subject, createWith: [UInt8](repeating: UInt8(n), count: 32))
                    try transaction.storePersonalData(
                        PersonalDataRecord(ref: "pd-\(n)", subject: subject, field: "clientName", sealed: [UInt8(n), 9], key: key))
                }
                _ = try transaction.erasePersonalData(subject: "c-3")
            }
            let first = try await store.personalDataRecords(after: nil, limit: 2)
            let rest = try await store.personalDataRecords(after: first.last?.ref, limit: 2)
            let expected = [
                PersonalDataRecord(ref: "pd-0", subject: "c-2", field: "clientName", sealed: [0, 9], key: [UInt8](repeating: 0, count: 32)),
                PersonalDataRecord(ref: "pd-1", subject: "c-1", field: "clientName", sealed: [1, 9], key: [UInt8](repeating: 1, count: 32)),
                PersonalDataRecord(ref: "pd-2", subject: "c-2", field: "clientName", sealed: [2, 9], key: [UInt8](repeating: 0, count: 32)),
            ]
            try await check(first + rest == expected, "listed \(first + rest)")
            try await check(try await store.personalDataRecords(after: "pd-2", limit: 2).isEmpty, "nothing after the last")
        },
        ContractCheck(name: "a catch-up subscription delivers history, then new commits") { store, _ in
            for n in 1...5 { _ = try await store.append(to: stream("s"), expected: .any, [sampleEvent(n, type: n == 3 ? "Skip" : "Keep")]) }
            let subscription = store.subscribe(from: 1, query: LogQuery(limit: 2, types: ["Keep"]))
            let reader = Task {
                var seen: [Int64] = []
                for try await event in subscription {
                    seen.append(event.position)
                    if seen.count == 5 { break }
                }
                return seen
            }
            try await Task.sleep(for: .milliseconds(50))
            _ = try await store.append(to: stream("s"), expected: .any, [sampleEvent(6, type: "Skip")])
            _ = try await store.append(to: stream("s"), expected: .any, [sampleEvent(7, type: "Keep")])
            _ = try await store.append(to: stream("s"), expected: .any, [sampleEvent(8, type: "Keep")])
            let seen = try await reader.value
            try await check(seen == [2, 4, 5, 7, 8], "subscription saw \(seen)")
        },
        ContractCheck(name: "concurrent appenders with exact expectations take every version once") { store, _ in
            // 8 tasks × 500 appends to one stream: each reads the version, then
            // appends with exactly that; losers get the wrong-version error and retry.
            let s = stream("case-contended")
            let counts = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var wins = 0
                        var losses = 0
                        var version: Int64 = 0
                        while wins < 500 {
                            version += Int64(try await store.readStream(s, fromVersion: version + 1, limit: 10_000).count)
                            do {
                                _ = try await store.append(
                                    to: s, expected: .exactly(version),
                                    [sampleEvent(100_000 * (task + 1) + wins)])
                                wins += 1
                            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                                losses += 1
                            }
                        }
                        return (wins, losses)
                    }
                }
                var all: [(Int, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            let events = try await store.readStream(s)
            try await check(events.count == 4000, "4000 events, got \(events.count)")
            try await check(events.map(\.streamVersion) == (1...4000).map { Int64($0) }, "every version once")
            try await check(events.map(\.position) == (1...4000).map { Int64($0) }, "positions gapless")
            try await check(Set(events.map(\.id)).count == 4000, "no duplicate ids")
            try await check(counts.allSatisfy { $0.0 == 500 }, "every task won 500")
            try await check(try await store.verify(progress: nil).holds, "chain holds")
        },
    ]
}

/// A log of `count` events alternating over streams `b` and `a`, recorded by
/// an in-memory store on a clock of its own (a minute between commits): the
/// source of the import checks.
func recordedSource(count: Int) async throws -> InMemoryEventStore {
    let clock = ManualClock(Timestamp(secondsSinceEpoch: 1_600_000_000))
    let source = InMemoryEventStore(clock: clock.closure)
    for n in 1...count {
        clock.advance(seconds: 60)
        _ = try await source.append(to: stream(n % 2 == 0 ? "a" : "b"), expected: .any, [sampleEvent(n)])
    }
    return source
}

/// The event at `position` of a log like ``recordedSource(count:)``'s with
/// other payloads: its position and stream version fit, its chain does not.
func otherLogEvent(position: Int) async throws -> RecordedEvent {
    let other = InMemoryEventStore()
    for n in 1...position {
        _ = try await other.append(to: stream(n % 2 == 0 ? "a" : "b"), expected: .any, [sampleEvent(100 + n)])
    }
    return try await other.read(LogQuery(after: Int64(position - 1), limit: 1))[0]
}

/// One append, to be submitted with others by ``appendQueuedTogether(_:_:)``.
public struct QueuedAppend: Sendable {
    public var stream: StreamID
    public var expected: ExpectedVersion
    public var events: [NewEvent]

    public init(_ stream: StreamID, _ expected: ExpectedVersion, _ events: [NewEvent]) {
        self.stream = stream
        self.expected = expected
        self.events = events
    }
}

/// How many tasks have called append.
private final class StartedCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Submits every append while a transaction holds the writer, so that all
/// of them queue up behind it (a backend that groups appends takes them
/// together); returns each outcome in request order.
public func appendQueuedTogether(
    _ store: any EventStore, _ requests: [QueuedAppend]
) async throws -> [Result<AppendResult, any Error>] {
    let started = StartedCount()
    let count = requests.count
    async let held: Void = store.withTransaction { _ in
        // Wait until every task has called append, then a little longer for
        // each to pass validation and reach the queue.
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
                    return (index, .success(try await store.append(to: request.stream, expected: request.expected, request.events)))
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

/// 27 appends queued up together (``appendQueuedTogether(_:_:)``): to fresh
/// streams, to one shared stream, retries of `committed`, (optionally)
/// appends that give an id twice, wrong expectations, and the same new
/// append twice. Checks each outcome; returns the events written.
func queuedBurst(
    _ store: any EventStore, round: Int, committed: AppendResult, withRepeatedIDs: Bool
) async throws -> [RecordedEvent] {
    let base = round * 1_000
    let requests = (0..<27).map { task -> QueuedAppend in
        if task >= 25 {
            // The same append twice at once: a retry whose original is queued with it.
            return QueuedAppend(stream("twin-\(round)"), .noStream, [sampleEvent(base + 600), sampleEvent(base + 601)])
        }
        switch task % 5 {
        case 0: return QueuedAppend(
            stream("fresh-\(round)-\(task)"), .noStream, [sampleEvent(base + 100 + task), sampleEvent(base + 200 + task)])
        case 1: return QueuedAppend(stream("shared"), .any, [sampleEvent(base + 300 + task)])
        case 2: return QueuedAppend(stream("done"), .noStream, [sampleEvent(1), sampleEvent(2)])
        case 3 where withRepeatedIDs: return QueuedAppend(
            stream("twice-\(round)-\(task)"), .noStream, [sampleEvent(base + 400 + task), sampleEvent(base + 400 + task)])
        default: return QueuedAppend(stream("done"), .exactly(7), [sampleEvent(base + 500 + task)])
        }
    }
    let outcomes = try await appendQueuedTogether(store, requests)
    var written: [RecordedEvent] = []
    for task in 0..<25 {
        let outcome = outcomes[task]
        let kind = task % 5 == 3 && !withRepeatedIDs ? 4 : task % 5
        switch (kind, outcome) {
        case (0, .success(let result)):
            try await check(result.outcome == .appended && result.events.map(\.streamVersion) == [1, 2], "fresh stream, task \(task): \(result)")
            written += result.events
        case (1, .success(let result)):
            try await check(result.outcome == .appended, "shared stream, task \(task)")
            written += result.events
        case (2, .success(let result)):
            try await check(result.outcome == .alreadyAppended && result.events == committed.events, "retry, task \(task): \(result)")
        case (3, .failure(let error as EventStoreError)):
            try await check(error.code == .invalidAppend && error.eventID == testUUID(base + 400 + task).uuidString.lowercased(), "repeated id, task \(task): \(error)")
        case (4, .failure(let error as EventStoreError)):
            try await check(error.code == .wrongExpectedVersion && error.actualVersion == 2, "wrong version, task \(task): \(error)")
        default:
            throw ContractViolation(message: "round \(round), task \(task) (kind \(kind)): unexpected \(outcome)", file: #fileID, line: #line)
        }
    }
    let twins = try [outcomes[25].get(), outcomes[26].get()].sorted { $0.outcome == .appended && $1.outcome != .appended }
    try await check(
        twins[0].outcome == .appended && twins[1].outcome == .alreadyAppended && twins[0].events == twins[1].events,
        "one twin appends, the other gets its events back: \(twins.map(\.outcome))")
    return written + twins[0].events
}
