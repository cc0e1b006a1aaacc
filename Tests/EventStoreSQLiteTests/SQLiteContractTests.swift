import CSQLite
import CaseloadCoding
import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

/// A fresh directory per test, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Audit indexes as an application would ask for them (the marketplace's,
/// spelled out: this module does not know the marketplace).
let decisionIndexing = try! AuditIndexing(
    indexedTypes: [
        "ExclusionRequested", "ChatExcluded", "ExclusionDenied", "ExclusionRevoked", "RefusalFiled", "RefusalResolved",
        "AntifraudFlagRaised", "AntifraudFlagDisputed", "AntifraudFlagCleared", "AntifraudFlagConfirmed",
        "ClientDataErased",
    ],
    unindexedActorPrefix: "client:")

func openStore(
    _ path: String, clock: ManualClock? = nil, durability: Durability = .normal,
    indexing: AuditIndexing = decisionIndexing
) throws -> SQLiteEventStore {
    var configuration = SQLiteEventStoreConfiguration()
    configuration.durability = durability
    configuration.auditIndexing = indexing
    if let clock { configuration.clock = clock.closure }
    return try SQLiteEventStore(path: path, configuration: configuration)
}

@Suite struct SQLiteStoreContract {
    /// Both durabilities: FULL acknowledges through the WAL syncer's thread,
    /// NORMAL straight from the writer.
    @Test("the SQLite store keeps the store contract", arguments: EventStoreContract.checks, Durability.allCases)
    func keepsTheContract(_ check: ContractCheck, durability: Durability) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        try await check.run { clock in try openStore(path, clock: clock, durability: durability) }
    }
}

@Suite struct SQLiteStoreFile {
    @Test func eventsSurviveClosingAndReopening() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path, durability: .full)
        let written = try await store.append(to: try StreamID("case-1"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])
        await store.close()
        let reopened = try openStore(path)
        let read = try await reopened.readStream(try StreamID("case-1"))
        #expect(read == written.events)
        #expect(try await reopened.verify(progress: nil).holds)
        await reopened.close()
    }

    @Test func aPayloadByteChangedWithPlainSQLIsFoundByVerify() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        for n in 1...10 { _ = try await store.append(to: try StreamID("s"), expected: .any, [sampleEvent(n)]) }
        await store.close()
        try sqlite(path, "UPDATE events SET payload = replace(payload, 'sample', 'sampLe') WHERE position = 7")
        let reopened = try openStore(path)
        let result = try await reopened.verify(progress: nil)
        #expect(result.firstBadPosition == 7)
        #expect(result.eventsChecked == 6)
        await reopened.close()
    }

    @Test func aDeletedEventIsFoundByVerify() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        for n in 1...5 { _ = try await store.append(to: try StreamID("s-\(n)"), expected: .any, [sampleEvent(n)]) }
        await store.close()
        try sqlite(path, "DELETE FROM events WHERE position = 3")
        let reopened = try openStore(path)
        #expect(try await reopened.verify(progress: nil).firstBadPosition == 3)
        await reopened.close()
    }

    @Test func theJSONViewShowsEachEventForPlainSQL() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        let event = NewEvent(
            id: UUID(uuidString: "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")!, type: "SessionBooked",
            payload: EventPayload(json: #"{"caseId":"c1","price":{"amount":300000,"currency":"UAH"}}"#),
            occurredAt: try Timestamp(iso8601: "2024-03-04T10:00:00.250Z"), actor: "client:c1")
        _ = try await store.append(to: try StreamID("case-c1"), expected: .noStream, [event])
        await store.close()
        let amount = try sqliteValue(path, "SELECT json_extract(payload, '$.price.amount') FROM events")
        #expect(amount == "300000")
        let json = try sqliteValue(
            path,
            "SELECT json_extract(event, '$.eventId') || ' ' || json_extract(event, '$.occurredAt') || ' ' || json_extract(event, '$.data.caseId') FROM events_json")
        #expect(json == "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b 2024-03-04T10:00:00.250Z c1")
    }

    /// Format 5 rewrote the type index's condition from `type IN (…)` (which
    /// SQLite evaluates at every insert with a temporary B-tree) to a chain of
    /// `=`: a format-4 file is upgraded on open, and queries still use the index.
    @Test func aFormat4FileGetsTheEqualityChainTypeIndex() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [
            sampleEvent(1, type: "InquiryOpened"), sampleEvent(2, type: "ChatExcluded"),
        ])
        await store.close()
        // Put the file back as format 4 left it.
        try sqlite(path, """
            DROP INDEX events_by_decision_type;
            CREATE INDEX events_by_decision_type ON events (type, position) WHERE type IN ('ChatExcluded','RefusalFiled');
            PRAGMA user_version = 4;
            """)
        let reopened = try openStore(path)
        #expect(try await reopened.read(LogQuery(types: ["ChatExcluded"])).map(\.position) == [2])
        await reopened.close()
        #expect(try sqliteValue(path, "PRAGMA user_version") == "6")
        let indexSQL = try #require(try sqliteValue(
            path, "SELECT sql FROM sqlite_schema WHERE name = 'events_by_decision_type'"))
        #expect(!indexSQL.contains(" IN "))
        #expect(indexSQL.contains("type = 'ExclusionRequested' OR type = 'ChatExcluded'"))
        // SQLite proves the partial index applies when a query repeats its condition.
        let condition = String(try #require(indexSQL.range(of: "WHERE ").map { indexSQL[$0.upperBound...] }))
        let plan = try sqliteColumn(
            path, "EXPLAIN QUERY PLAN SELECT position FROM events WHERE type IN ('ChatExcluded') AND \(condition)", 3)
        #expect(plan.contains { $0?.contains("INDEX events_by_decision_type") == true }, "plan: \(plan)")
        #expect(try sqliteValue(path, "SELECT count(*) FROM events WHERE \(condition)") == "1")
    }

    /// Format 6 rewrote the actor index's condition from `NOT LIKE` (a
    /// function, which makes SQLite journal every multi-row insert) to two
    /// comparisons: a format-5 file is upgraded on open, holds the same
    /// rows, and reads by actor still use the index.
    @Test func aFormat5FileGetsTheActorIndexWithoutAFunction() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [
            sampleEvent(1, actor: "client:c1"), sampleEvent(2, actor: "support:a1"),
            sampleEvent(3, actor: "therapist:t1"), sampleEvent(4, actor: "client:c1"),
            sampleEvent(5, actor: "system:antifraud"), sampleEvent(6, actor: "clientele:x"),
        ])
        await store.close()
        // Put the file back as format 5 left it.
        try sqlite(path, """
            DROP INDEX events_by_actor;
            CREATE INDEX events_by_actor ON events (actor, position) WHERE actor NOT LIKE 'client:%';
            PRAGMA user_version = 5;
            """)
        let before = try sqliteColumn(path, "SELECT position FROM events INDEXED BY events_by_actor WHERE actor NOT LIKE 'client:%' ORDER BY position", 0)
        #expect(before == ["2", "3", "5", "6"])
        let reopened = try openStore(path)
        #expect(try await reopened.read(LogQuery(actor: "support:a1")).map(\.position) == [2])
        #expect(try await reopened.read(LogQuery(actor: "client:c1")).map(\.position) == [1, 4])
        #expect(try await reopened.read(LogQuery(actor: "clientele:x")).map(\.position) == [6])
        await reopened.close()
        #expect(try sqliteValue(path, "PRAGMA user_version") == "6")
        let indexSQL = try #require(try sqliteValue(
            path, "SELECT sql FROM sqlite_schema WHERE name = 'events_by_actor'"))
        #expect(!indexSQL.contains("LIKE"))
        let condition = String(try #require(indexSQL.range(of: "WHERE ").map { indexSQL[$0.upperBound...] }))
        // The same rows as before the upgrade.
        #expect(try sqliteColumn(path, "SELECT position FROM events INDEXED BY events_by_actor WHERE \(condition) ORDER BY position", 0) == before)
        let plan = try sqliteColumn(
            path, "EXPLAIN QUERY PLAN SELECT position FROM events WHERE actor = 'support:a1' AND \(condition) ORDER BY position", 3)
        #expect(plan.contains { $0?.contains("INDEX events_by_actor") == true }, "plan: \(plan)")
    }

    /// The audit indexes are the application's choice: without one, every
    /// actor is indexed and no type index is made; filters still answer.
    @Test func auditIndexesFollowTheApplicationsChoice() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let indexing = try AuditIndexing(indexedTypes: ["Decided"], unindexedActorPrefix: "crowd:")
        let store = try openStore(path, indexing: indexing)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [
            sampleEvent(1, type: "Decided", actor: "crowd:c1"), sampleEvent(2, type: "Other", actor: "staff:s1"),
        ])
        #expect(try await store.read(LogQuery(types: ["Decided"])).map(\.position) == [1])
        #expect(try await store.read(LogQuery(actor: "crowd:c1")).map(\.position) == [1])
        #expect(try await store.read(LogQuery(actor: "staff:s1")).map(\.position) == [2])
        await store.close()
        #expect(try sqliteValue(path, "SELECT sql FROM sqlite_schema WHERE name = 'events_by_decision_type'")
            == "CREATE INDEX events_by_decision_type ON events (type, position) WHERE (type = 'Decided')")
        #expect(try sqliteValue(path, "SELECT sql FROM sqlite_schema WHERE name = 'events_by_actor'")
            == "CREATE INDEX events_by_actor ON events (actor, position) WHERE (actor < 'crowd:' OR actor >= 'crowd;')")

        let plainPath = directory.path("plain.sqlite")
        let plain = try openStore(plainPath, indexing: .none)
        _ = try await plain.append(to: try StreamID("case-1"), expected: .noStream, [
            sampleEvent(1, type: "ChatExcluded", actor: "client:c1"),
        ])
        #expect(try await plain.read(LogQuery(types: ["ChatExcluded"])).map(\.position) == [1])
        #expect(try await plain.read(LogQuery(actor: "client:c1")).map(\.position) == [1])
        await plain.close()
        #expect(try sqliteValue(plainPath, "SELECT count(*) FROM sqlite_schema WHERE name = 'events_by_decision_type'") == "0")
        #expect(try sqliteValue(plainPath, "SELECT sql FROM sqlite_schema WHERE name = 'events_by_actor'")
            == "CREATE INDEX events_by_actor ON events (actor, position)")
    }

    @Test func auditIndexingRefusesWhatCannotStandInAnIndexCondition() {
        #expect(throws: EventStoreError.self) { try AuditIndexing(indexedTypes: ["It's"], unindexedActorPrefix: nil) }
        #expect(throws: EventStoreError.self) { try AuditIndexing(indexedTypes: [], unindexedActorPrefix: "") }
        #expect(throws: EventStoreError.self) { try AuditIndexing(indexedTypes: ["Tab\t"], unindexedActorPrefix: nil) }
    }

    /// A checkpoint cannot copy past a reader's snapshot, and SQLite says so
    /// in the pragma's row, not as an error: compact() reads it and throws
    /// `compactionIncomplete` rather than returning as if the file were
    /// compacted; once the reader is gone it compacts.
    @Test func compactionThatAReaderKeepsFromFinishingThrowsAndCompactsOnceTheReaderIsGone() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        var configuration = SQLiteEventStoreConfiguration()
        configuration.durability = .normal
        configuration.busyTimeout = .milliseconds(50)
        let store = try SQLiteEventStore(path: path, configuration: configuration)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [sampleEvent(1)])

        var reader: OpaquePointer?
        #expect(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READONLY, nil) == SQLITE_OK)
        #expect(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM events;", nil, nil, nil) == SQLITE_OK)
        _ = try await store.append(to: try StreamID("case-2"), expected: .noStream, [sampleEvent(2)])
        let blocked = try await expectError(EventStoreError.self) { try await store.compact() }
        #expect(blocked.code == .compactionIncomplete)
        #expect(blocked.message.contains("another connection is still reading"), "\(blocked.message)")
        sqlite3_exec(reader, "COMMIT", nil, nil, nil)
        sqlite3_close(reader)

        try await store.compact()
        #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int == 0, "the WAL is truncated")
        await store.close()
    }

    /// A reader opens without the write lock: while another connection holds
    /// it (a long import), a read-only store opens and reads at once, and
    /// refuses every write by name.
    @Test func aReadOnlyStoreReadsWhileAnotherHoldsTheWriteLockAndRefusesWrites() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])
        await store.close()

        var holder: OpaquePointer?
        #expect(sqlite3_open(path, &holder) == SQLITE_OK)
        defer { sqlite3_close(holder) }
        #expect(sqlite3_exec(holder, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)

        var configuration = SQLiteEventStoreConfiguration()
        configuration.readOnly = true
        configuration.busyTimeout = .zero  // any wait for the lock would fail at once
        let reader = try SQLiteEventStore(path: path, configuration: configuration)
        #expect(try await reader.head().position == 2)
        #expect(try await reader.read(LogQuery()).map(\.position) == [1, 2])
        #expect(try await reader.verify(progress: nil).holds)
        let refused = try await expectError(EventStoreError.self) {
            _ = try await reader.append(to: try StreamID("case-2"), expected: .noStream, [sampleEvent(3)])
        }
        #expect(refused.code == .readOnly && refused.message.contains("reading only"))
        #expect(try await expectError(EventStoreError.self) {
            try await reader.saveProjection(ProjectionState(name: "p", checkpoint: 1, state: []))
        }.code == .readOnly)
        #expect(try await expectError(EventStoreError.self) { try await reader.compact() }.code == .readOnly)
        await reader.close()
        sqlite3_exec(holder, "ROLLBACK", nil, nil, nil)

        // A read-write open, by contrast, needs the lock for its migration check.
        var writerConfiguration = SQLiteEventStoreConfiguration()
        writerConfiguration.busyTimeout = .zero
        #expect(sqlite3_exec(holder, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        #expect(throws: EventStoreError.self) { try SQLiteEventStore(path: path, configuration: writerConfiguration) }
        sqlite3_exec(holder, "ROLLBACK", nil, nil, nil)
    }

    /// Where a reader cannot create the WAL's shared-memory file (a
    /// read-only directory or mount; here a directory stands in its way,
    /// which holds even for root), a read-only store still reads the log.
    @Test func aReadOnlyStoreReadsWhereTheSharedMemoryFileCannotBeMade() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
        try FileManager.default.createDirectory(atPath: path + "-shm", withIntermediateDirectories: false)

        var configuration = SQLiteEventStoreConfiguration()
        configuration.readOnly = true
        let reader = try SQLiteEventStore(path: path, configuration: configuration)
        #expect(try await reader.head().position == 2)
        #expect(try await reader.read(LogQuery()).map(\.position) == [1, 2])
        #expect(try await reader.verify(progress: nil).holds)
        await reader.close()
        // A read-write open cannot work there, and says so.
        #expect(throws: EventStoreError.self) { _ = try openStore(path) }
    }

    @Test func aReadOnlyOpenOfAnOlderFormatSaysHowToUpgradeIt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        await store.close()
        try sqlite(path, "PRAGMA user_version = 5")
        var configuration = SQLiteEventStoreConfiguration()
        configuration.readOnly = true
        let error = try expectError(EventStoreError.self) { _ = try SQLiteEventStore(path: path, configuration: configuration) }
        #expect(error.code == .notAnEventStore)
        #expect(error.message.contains("log format 5, older than this build's 6"))
        try sqlite(directory.path("other.sqlite"), "CREATE TABLE t (x)")
        #expect(try expectError(EventStoreError.self) {
            _ = try SQLiteEventStore(path: directory.path("other.sqlite"), configuration: configuration)
        }.code == .notAnEventStore)
    }

    /// The indexes' conditions compare UTF-8 bytes: a file that stores text
    /// in UTF-16 (made by hand, with no tables yet) is refused, not written into.
    @Test func aUTF16FileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("utf16.sqlite")
        try sqlite(path, "PRAGMA encoding = 'UTF-16le'; CREATE TABLE x (a); DROP TABLE x;")
        #expect(try sqliteValue(path, "PRAGMA encoding") == "UTF-16le")
        #expect {
            try SQLiteEventStore(path: path)
        } throws: { error in
            (error as? EventStoreError)?.code == .notAnEventStore && "\(error)".contains("UTF-16le")
        }
        #expect(try sqliteValue(path, "SELECT count(*) FROM sqlite_schema") == "0")
    }

    @Test func aMissingFileIsAClearErrorWhenCreationIsOff() throws {
        let directory = try TemporaryDirectory()
        var configuration = SQLiteEventStoreConfiguration()
        configuration.createIfMissing = false
        let path = directory.path("absent.sqlite")
        #expect {
            try SQLiteEventStore(path: path, configuration: configuration)
        } throws: { error in
            (error as? EventStoreError)?.code == .databaseNotFound && "\(error)".contains("absent.sqlite")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("notes.txt")
        try Data(String(repeating: "not a database\n", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try openStore(path)
        } throws: { error in
            (error as? EventStoreError)?.code == .notAnEventStore
        }
    }

    @Test func anotherApplicationsDatabaseIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("other.sqlite")
        try sqlite(path, "CREATE TABLE customers(id INTEGER PRIMARY KEY)")
        #expect {
            try openStore(path)
        } throws: { error in
            (error as? EventStoreError)?.code == .notAnEventStore
        }
    }

    @Test func aClosedStoreRefusesWork() async throws {
        let directory = try TemporaryDirectory()
        let store = try openStore(directory.path("log.sqlite"))
        await store.close()
        await #expect {
            _ = try await store.append(to: try StreamID("s"), expected: .any, [sampleEvent(1)])
        } throws: { error in
            (error as? EventStoreError)?.code == .closed
        }
    }

    @Test func concurrentDurableAppendsShareCommitsYetEachIsCheckedAlone() async throws {
        // 64 tasks append to their own streams with exact expectations while
        // some deliberately give a stale one: the stale appends fail alone,
        // the others all land, positions stay gapless.
        let directory = try TemporaryDirectory()
        let store = try openStore(directory.path("log.sqlite"), durability: .full)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for task in 0..<64 {
                group.addTask {
                    let stream = try StreamID("case-\(task)")
                    var ok = 0
                    var refused = 0
                    for n in 0..<20 {
                        let expected: ExpectedVersion = n == 10 && task % 2 == 0 ? .exactly(99) : .exactly(Int64(ok))
                        do {
                            _ = try await store.append(to: stream, expected: expected, [sampleEvent(task * 100 + n)])
                            ok += 1
                        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                            refused += 1
                        }
                    }
                    return (ok, refused)
                }
            }
            var all: [(Int, Int)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let refused: Int = outcomes.map(\.1).reduce(0, +)
        let landed: Int = outcomes.map(\.0).reduce(0, +)
        #expect(refused == 32)
        #expect(landed == 1248)
        let head = try await store.head()
        #expect(head.position == 1248)
        var positions: [Int64] = []
        for try await batch in store.batches(LogQuery(limit: 500)) { positions += batch.map(\.position) }
        #expect(positions == Array(1...head.position))
        #expect(try await store.verify(progress: nil).holds)
        await store.close()
    }
}

/// Runs SQL on a file with a plain SQLite connection, as an analyst or a tamperer would.
func sqlite(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw SQLTestError(message: "open failed") }
    defer { sqlite3_close(db) }
    var message: UnsafeMutablePointer<CChar>?
    guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
        throw SQLTestError(message: message.map { String(cString: $0) } ?? "exec failed")
    }
}

/// The first row's first column (as text; nil for NULL or no row).
func sqliteValue(_ path: String, _ sql: String) throws -> String? {
    try sqliteColumn(path, sql, 0).first ?? nil
}

/// Every row's value of one column (as text; nil for NULL).
func sqliteColumn(_ path: String, _ sql: String, _ column: Int32) throws -> [String?] {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw SQLTestError(message: "open failed") }
    defer { sqlite3_close(db) }
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
        throw SQLTestError(message: String(cString: sqlite3_errmsg(db)))
    }
    defer { sqlite3_finalize(statement) }
    var values: [String?] = []
    while sqlite3_step(statement) == SQLITE_ROW {
        values.append(sqlite3_column_text(statement, column).map { String(cString: $0) })
    }
    return values
}

struct SQLTestError: Error { var message: String }

@Suite struct BackgroundCheckpoints {
    /// With a tiny threshold the checkpointer copies and restarts the WAL many
    /// times while appends and reads go on: nothing is lost or misread, the
    /// chain holds, and the pages reach the main file.
    @Test(arguments: Durability.allCases)
    func appendsAndReadsStayWholeWhileTheWALIsCheckpointed(_ durability: Durability) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try checkpointingStore(path, thresholdPages: 8, durability: durability)
        for batch in 0..<300 {
            try await appendBatch(batch, to: store)
            if batch % 50 == 0 {
                let read = try await store.read(LogQuery(limit: 100_000))
                #expect(read.count == batch * 10 + 10)
                #expect(read.map(\.position) == Array(1...Int64(batch * 10 + 10)))
            }
        }
        // Checkpoints copied the pages into the main file (which holds only
        // the schema until the first one): 3,000 events of ≈450 bytes.
        func mainFileBytes() -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        let deadline = ContinuousClock.now + .seconds(20)
        while mainFileBytes() < 1_000_000, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(mainFileBytes() >= 1_000_000, "the main file has \(mainFileBytes()) bytes")
        #expect(try await store.verify(progress: nil).holds)
        #expect(try await store.head().position == 3000)
        await store.close()
        let reopened = try openStore(path)
        #expect(try await reopened.read(LogQuery(limit: 5000)).count == 3000)
        #expect(try await reopened.verify(progress: nil).holds)
        await reopened.close()
    }

    /// Appends that never pause still let the WAL start over: the
    /// checkpointer leaves the writer only a short tail to copy, so the WAL
    /// file stays near the threshold instead of growing until the `RESTART`
    /// fallback at four times it (each append here writes a few pages; the
    /// run writes about 25 times the threshold).
    @Test func theWALStartsOverWhileAppendsNeverPause() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try checkpointingStore(path, thresholdPages: 200, durability: .full)
        for batch in 0..<1_000 { try await appendBatch(batch, to: store) }
        let walBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        let pageBytes = 4096 + 24
        // Measured: 410–440 pages with the tail hand-off, 845 without it.
        #expect(walBytes < 700 * pageBytes, "the WAL grew to \(walBytes / pageBytes) pages")
        #expect(try await store.verify(progress: nil).holds)
        await store.close()
    }

    /// A store on `path` whose background checkpointer runs every `thresholdPages` WAL pages.
    private func checkpointingStore(_ path: String, thresholdPages: Int, durability: Durability) throws -> SQLiteEventStore {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.durability = durability
        configuration.walAutocheckpointPages = thresholdPages
        configuration.backgroundCheckpoints = true
        return try SQLiteEventStore(path: path, configuration: configuration)
    }

    /// Appends batch number `batch`: ten events of ≈450 bytes, positions
    /// `batch * 10 + 1…`, to one of 37 streams in turn.
    private func appendBatch(_ batch: Int, to store: SQLiteEventStore) async throws {
        let payload = #"{"note":""# + String(repeating: "x", count: 400) + #""}"#
        let events = (0..<10).map { sampleEvent(batch * 10 + $0 + 1, payload: payload) }
        _ = try await store.append(to: try StreamID("case-\(batch % 37)"), expected: .any, events)
    }
}

/// Runs `body`, which must throw an `E`, and returns that error.
func expectError<E: Error>(_ type: E.Type, _ body: () async throws -> Void) async throws -> E {
    do { try await body() } catch let error as E { return error }
    throw SQLTestError(message: "expected a \(E.self) to be thrown")
}

/// Runs `body`, which must throw an `E`, and returns that error.
func expectError<E: Error>(_ type: E.Type, _ body: () throws -> Void) throws -> E {
    do { try body() } catch let error as E { return error }
    throw SQLTestError(message: "expected a \(E.self) to be thrown")
}
