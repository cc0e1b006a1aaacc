import CSQLite
import CaseloadCoding
import Dispatch
import EventStore
import Foundation
import Logging
import Synchronization

/// The store's single writer: one thread that owns the write connection and
/// commits appends in groups.
///
/// Appends queue up while a commit's fsync is under way; the next commit takes
/// all of them in one transaction. Each append is checked against its own
/// expectation and fails alone (and is undone alone), while the
/// group shares one `COMMIT` and one fsync. A dedicated thread (not the
/// cooperative pool) waits for the disk, so async tasks keep running.
final class Writer: Sendable {
    enum Job {
        case append([StreamAppend], CheckedContinuation<AppendResult, any Error>)
        /// Runs alone, inside its own transaction.
        case exclusive(@Sendable (WriterConnection) -> Void)
        case stop(CheckedContinuation<Void, Never>?)
    }

    private let queue = Mutex<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)
    let maxGroupSize: Int
    let onGroupCommit: GroupCommitObserver?

    init(connection: WriterConnection, maxGroupSize: Int, onGroupCommit: GroupCommitObserver? = nil) {
        self.maxGroupSize = maxGroupSize
        self.onGroupCommit = onGroupCommit
        let box = UncheckedBox(connection)
        let thread = Thread { [self] in
            self.run(box.value)
        }
        thread.name = "caseload-sqlite-writer"
        thread.start()
    }

    func submit(_ job: Job) {
        queue.withLock { $0.append(job) }
        wake.signal()
    }

    private func run(_ connection: WriterConnection) {
        func commit(_ appends: [([StreamAppend], CheckedContinuation<AppendResult, any Error>)]) {
            connection.commitGroup(appends)
            onGroupCommit?(GroupCommit(appends: appends.count))
        }
        var groups = 0
        var grouped = 0
        var commitSeconds = 0.0
        while true {
            wake.wait()
            let jobs = queue.withLock { jobs -> [Job] in
                let taken = jobs
                jobs.removeAll(keepingCapacity: true)
                return taken
            }
            var appends: [([StreamAppend], CheckedContinuation<AppendResult, any Error>)] = []
            for job in jobs {
                switch job {
                case .append(let request, let continuation):
                    appends.append((request, continuation))
                    if appends.count >= maxGroupSize {
                        commit(appends)
                        appends.removeAll(keepingCapacity: true)
                    }
                case .exclusive(let body):
                    if !appends.isEmpty {
                        commit(appends)
                        appends.removeAll(keepingCapacity: true)
                    }
                    body(connection)
                case .stop(let continuation):
                    if !appends.isEmpty { commit(appends) }
                    connection.logger.debug(
                        "writer closing",
                        metadata: [
                            "groups": "\(groups)", "appends": "\(grouped)",
                            "perGroup": "\(String(format: "%.1f", Double(grouped) / Double(max(1, groups))))",
                            "commitSeconds": "\(String(format: "%.3f", commitSeconds))",
                        ])
                    connection.shutdown()
                    continuation?.resume()
                    // Anything queued after the stop is refused.
                    for late in queue.withLock({ jobs -> [Job] in defer { jobs.removeAll() }; return jobs }) {
                        late.refuse()
                    }
                    return
                }
            }
            if !appends.isEmpty {
                let t0 = DispatchTime.now().uptimeNanoseconds
                commit(appends)
                commitSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                groups += 1
                grouped += appends.count
            }
        }
    }
}

extension Writer.Job {
    func refuse() {
        let closed = EventStoreError(.closed, "the event store is closed")
        switch self {
        case .append(_, let continuation): continuation.resume(throwing: closed)
        case .exclusive(let body): body(WriterConnection.closedSentinel)
        case .stop(let continuation): continuation?.resume()
        }
    }
}

/// Carries a non-`Sendable` value across one thread hand-off.
///
/// `@unchecked Sendable` is safe here because the sender never touches the
/// value again after handing it over (ownership moves to the receiver).
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The write connection and its prepared statements. Used only on the writer thread.
final class WriterConnection {
    private(set) var db: SQLiteConnection?
    let clock: @Sendable () -> Timestamp
    let limits: EventStoreLimits
    let onCommit: @Sendable (LogHead) -> Void
    /// With `Durability.full`: flushes the WAL after commits, off this thread.
    let syncer: WALSyncer?
    /// Checkpoints the WAL off this thread (nil: SQLite's automatic ones).
    let checkpointer: Checkpointer?
    let logger: Logger
    private var insert: SQLiteStatement?
    /// `INSERT`s of several rows each, by row count, prepared when first needed.
    private var multiRowInserts: [Int: SQLiteStatement] = [:]
    private var undo: SQLiteStatement?
    private(set) var isClosed = false

    /// Stands in for a connection after the store is closed; every use fails.
    static var closedSentinel: WriterConnection { WriterConnection() }

    private init() {
        db = nil
        clock = { Timestamp(microsecondsSinceEpoch: 0) }
        limits = .default
        onCommit = { _ in }
        syncer = nil
        checkpointer = nil
        logger = Logger(label: "caseload.sqlite", factory: { _ in SwiftLogNoOpLogHandler() })
        isClosed = true
    }

    init(
        db: SQLiteConnection, clock: @escaping @Sendable () -> Timestamp, limits: EventStoreLimits,
        onCommit: @escaping @Sendable (LogHead) -> Void, syncer: WALSyncer?, checkpointer: Checkpointer?,
        logger: Logger
    ) throws {
        self.logger = logger
        self.db = db
        self.clock = clock
        self.limits = limits
        self.onCommit = onCommit
        self.syncer = syncer
        self.checkpointer = checkpointer
        checkpointer?.attach(to: db)
        insert = try db.prepare(Queries.insert)
        undo = try db.prepare("DELETE FROM events WHERE position > ?")
    }

    func shutdown() {
        // Every commit written is acknowledged (or failed) before the file closes.
        syncer?.stop()
        if let checkpointer, let db {
            Checkpointer.detach(from: db)
            checkpointer.stop()
        }
        insert = nil
        multiRowInserts = [:]
        undo = nil
        db = nil  // closes the connection (its deinit), so other processes see no lock
        isClosed = true
    }

    private func connection() throws -> SQLiteConnection {
        guard let db, !isClosed else { throw EventStoreError(.closed, "the event store is closed") }
        return db
    }

    /// Begins the write transaction, after copying any WAL tail the
    /// checkpointer left (see `Checkpointer`).
    private func begin(_ db: SQLiteConnection) throws {
        checkpointer?.finishTail(on: db)
        try db.execute("BEGIN IMMEDIATE")
    }

    /// Commits a group of appends in one transaction; each succeeds or fails alone.
    ///
    /// A group of several appends first runs with its rows deferred: each
    /// append is checked and planned in turn (stream versions the group
    /// writes are kept in memory), and all their rows are then written
    /// together in multi-row statements. Should writing them break a
    /// constraint (a retry of a committed append, an id given twice), the
    /// transaction is rolled back and the group runs again writing each
    /// append's rows at once, which finds and names the failing append alone.
    func commitGroup(_ group: [([StreamAppend], CheckedContinuation<AppendResult, any Error>)]) {
        var results: [Result<AppendResult, any Error>] = []
        results.reserveCapacity(group.count)
        var newHead: LogHead?
        var deferring = group.count > 1
        while true {
            do {
                let db = try connection()
                try begin(db)
                do {
                    var head = try Queries.head(db)
                    let now = clock()
                    var knownVersions: [StreamID: Int64]? = deferring ? [:] : nil
                    deferredRows = deferring ? [] : nil
                    defer { deferredRows = nil }
                    for (appends, _) in group {
                        let result = appendUndoable(appends, head: &head, now: now, knownVersions: &knownVersions)
                        if case .failure(let error) = result {
                            if error is DeferredWriteFailed { throw error }
                            if let error = error as? EventStoreError, error.code == .storageFailure { throw error }
                        }
                        results.append(result)
                    }
                    try writeDeferredRows()
                    try db.execute("COMMIT")
                    newHead = head
                    if deferring { statistics.withLock { $0.deferredGroups += 1 } }
                } catch {
                    try? db.execute("ROLLBACK")
                    throw error
                }
            } catch is DeferredWriteFailed {
                statistics.withLock { $0.groupsRunAgain += 1 }
                results.removeAll(keepingCapacity: true)
                deferring = false
                continue
            } catch {
                // The transaction as a whole failed: no append of the group committed.
                for (_, continuation) in group { continuation.resume(throwing: error) }
                return
            }
            break
        }
        guard let syncer, let newHead else {
            for ((_, continuation), result) in zip(group, results) { continuation.resume(with: result) }
            if let newHead { onCommit(newHead) }
            return
        }
        // Failures wrote nothing and are answered now; successes (retries
        // included: their originals may still be in flight) once on disk.
        var durable: [WALSyncer.Delivery] = []
        durable.reserveCapacity(group.count)
        for ((_, continuation), result) in zip(group, results) {
            switch result {
            case .success(let appended): durable.append((continuation, appended))
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
        if !durable.isEmpty { syncer.acknowledgeWhenDurable(durable, head: newHead) }
    }

    /// The group's planned rows while it defers them (nil: rows are written at once).
    fileprivate var deferredRows: [RecordedEvent]?
    /// Rows ever added to `deferredRows` (a flush empties it; this only grows).
    fileprivate var deferredRowsPlanned = 0

    /// Writing a group's deferred rows broke a constraint: the group runs again, writing at once.
    struct DeferredWriteFailed: Error {}

    /// What the writer did, for tests and diagnostics (shared with the store).
    let statistics = StatisticsBox()

    final class StatisticsBox: Sendable {
        private let counts = Mutex(WriterStatistics())
        func withLock<R>(_ body: (inout WriterStatistics) -> R) -> R { counts.withLock { body(&$0) } }
    }

    /// Writes the rows the group deferred, if any; deferring goes on.
    fileprivate func writeDeferredRows() throws {
        guard let rows = deferredRows, !rows.isEmpty else { return }
        deferredRows = nil
        defer { deferredRows = [] }
        var storage = Storage(connection: self, knownVersions: nil)
        do {
            try insertRows(rows[...], storage: &storage)
        } catch let error as EventStoreError
            where error.code == .idempotencyConflict || (error.underlying as? SQLiteCode).map({ $0.code & 0xFF == SQLITE_CONSTRAINT }) == true {
            // A broken constraint belongs to one append; running the group
            // again finds which. Anything else (a full disk) fails the group.
            throw DeferredWriteFailed()
        }
    }

    /// One append inside the open transaction. Expectations and idempotency
    /// are checked before anything is written, so a failure usually leaves
    /// nothing to undo; if an insert fails part-way, the rows this append
    /// wrote (the positions after the head it started from) are deleted,
    /// which undoes it exactly — cheaper than a savepoint around every append.
    fileprivate func appendUndoable(
        _ appends: [StreamAppend], head: inout LogHead, now: Timestamp,
        knownVersions: inout [StreamID: Int64]?
    ) -> Result<AppendResult, any Error> {
        let plannedBefore = deferredRowsPlanned
        do {
            var storage = Storage(connection: self, knownVersions: knownVersions)
            let (result, after) = try AppendPlanner.append(appends, to: &storage, head: head, recordedAt: now)
            head = after
            knownVersions = storage.knownVersions
            return .success(result)
        } catch {
            if deferredRows != nil {
                // A deferred append fails before it plans any row (only
                // writing rows can fail after that), so nothing of it is
                // pending or written. Should one ever fail later, the group
                // runs again writing at once, which undoes appends exactly.
                if error is DeferredWriteFailed || deferredRowsPlanned != plannedBefore {
                    return .failure(DeferredWriteFailed())
                }
                return .failure(error)
            }
            if let undo, let db, (try? Queries.head(db).position).map({ $0 > head.position }) == true {
                undo.reset()
                undo.bind(1, head.position)
                if (try? undo.step()) == nil {
                    // The undo itself failed: fail the whole group rather than commit a partial append.
                    return .failure(EventStoreError(.storageFailure, "could not undo a failed append: \(error)"))
                }
                undo.reset()
            }
            return .failure(error)
        }
    }

    /// Rows per multi-row `INSERT`. SQLite opens the table's and every
    /// index's cursor once per statement, not once per row: with the C API
    /// alone, 1M rows with every index went from 217,794 rows/s one row a
    /// statement to 308,319 with 32 (`Benchmarks/SQLiteIndexCost/run-rows`).
    /// The store's bulk append ran alike with 8, 32, 64 and 128 (within the
    /// machine's noise).
    static let rowsPerInsert = 32

    /// Writes `events` in statements of up to `rowsPerInsert` rows. A
    /// statement that breaks a constraint stops there, keeping the rows
    /// before it (`OR FAIL`); the rest of its rows are then written one at a
    /// time, so the error names the event exactly as a single insert does.
    fileprivate func insertRows(_ events: ArraySlice<RecordedEvent>, storage: inout Storage) throws {
        let db = try connection()
        var start = events.startIndex
        while events.endIndex - start > 1 {
            let count = min(Self.rowsPerInsert, events.endIndex - start)
            let statement: SQLiteStatement
            if let prepared = multiRowInserts[count] {
                statement = prepared
            } else {
                statement = try db.prepare(Queries.insert(rows: count))
                multiRowInserts[count] = statement
            }
            let chunk = events[start..<(start + count)]
            for (row, event) in chunk.enumerated() { statement.bindInsert(event, row: row) }
            let code = statement.stepCode()
            // The rows an `OR FAIL` statement kept before the one that broke a constraint.
            let kept = code == SQLITE_DONE ? count : Int(db.changes)
            // Clears the bindings too, so that no statement holds copies of payloads.
            statement.reset()
            if code == SQLITE_DONE {
                storage.noteWritten(chunk)
            } else if code & 0xFF == SQLITE_CONSTRAINT, (0..<count).contains(kept) {
                storage.noteWritten(chunk.prefix(kept))
                for event in chunk.dropFirst(kept) { try storage.insert(event) }
            } else {
                throw db.error(
                    code, "cannot insert events at positions \(chunk.first!.position)–\(chunk.last!.position)")
            }
            start += count
        }
        if start < events.endIndex { try storage.insert(events[start]) }
    }

    /// Rewrites the file without freed pages, then empties the WAL, so that
    /// deleted (erased) bytes are gone from both. `secure_delete` already
    /// zeroes deleted content in place; VACUUM and the truncating checkpoints
    /// remove the older copies a WAL may still hold.
    ///
    /// A checkpoint cannot copy past the snapshot of a reader that is still
    /// in a transaction (another process's, say), and SQLite reports that
    /// in the pragma's row, not as an error: so each row is read, and one
    /// that did not finish throws `compactionIncomplete` instead of letting
    /// the file keep the old pages unnoticed.
    func compact() throws {
        let db = try connection()
        try checkpointTruncating(db, "before VACUUM")
        try db.execute("VACUUM")
        try checkpointTruncating(db, "after VACUUM")
    }

    private func checkpointTruncating(_ db: SQLiteConnection, _ stage: String) throws {
        let statement = try db.prepare("PRAGMA wal_checkpoint(TRUNCATE)")
        // Columns: busy (1 when it could not finish), frames in the WAL, frames checkpointed.
        guard try statement.step() else { return }
        let busy = statement.int64(0)
        let logged = statement.int64(1)
        let copied = statement.int64(2)
        guard busy == 0, logged <= 0 || copied == logged else {
            throw EventStoreError(
                .compactionIncomplete,
                "the checkpoint \(stage) could not finish (\(max(copied, 0)) of \(max(logged, 0)) WAL frames copied): another connection is still reading an older snapshot of the file, so older copies of its pages remain until a later compaction")
        }
    }

    /// Runs `body` in one transaction of its own (for `withTransaction`).
    func exclusiveTransaction<T>(_ body: (inout any EventStoreTransaction) throws -> T) throws -> T {
        let db = try connection()
        try begin(db)
        do {
            var transaction: any EventStoreTransaction = Transaction(connection: self, head: try Queries.head(db))
            let value = try body(&transaction)
            try db.execute("COMMIT")
            try syncer?.syncNow()
            onCommit(transaction.head)
            return value
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// The transaction view handed to `withTransaction` bodies.
    struct Transaction: EventStoreTransaction {
        let connection: WriterConnection
        var head: LogHead
        /// The version of every stream this transaction appended to: it
        /// holds the write lock, so they cannot change under it, and a long
        /// import checks each expectation here instead of in the index.
        var knownVersions: [StreamID: Int64]? = [:]

        init(connection: WriterConnection, head: LogHead) {
            self.connection = connection
            self.head = head
        }

        func currentVersion(of stream: StreamID) throws -> Int64 {
            if let known = knownVersions?[stream] { return known }
            return try Queries.streamVersion(try connection.connection(), stream)
        }

        func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) throws -> [RecordedEvent] {
            try Queries.stream(try connection.connection(), stream, from: version, limit: limit)
        }

        func event(id: UUID) throws -> RecordedEvent? {
            try Queries.event(try connection.connection(), id: id)
        }

        func greatestEventID() throws -> UUID? {
            // One step down the event_id index.
            let statement = try connection.connection().cached("SELECT max(event_id) FROM events")
            defer { statement.reset() }
            guard try statement.step(), !statement.isNull(0) else { return nil }
            return statement.uuid(0)
        }

        mutating func personalDataKey(subject: String, createWith newKey: [UInt8]) throws -> [UInt8] {
            let db = try connection.connection()
            let select = try db.cached("SELECT key FROM personal_keys WHERE subject = ?")
            select.bind(1, subject)
            let existing = try select.step() ? select.byteArray(0) : nil
            select.reset()
            if let existing { return existing }
            let insert = try db.cached("INSERT INTO personal_keys (subject, key) VALUES (?, ?)")
            defer { insert.reset() }
            insert.bind(1, subject)
            newKey.withUnsafeBytes { insert.bindBlob(2, $0) }
            try insert.step()
            return newKey
        }

        mutating func storePersonalData(_ record: PersonalDataRecord) throws {
            let statement = try connection.connection().cached(
                "INSERT OR REPLACE INTO personal_data (ref, subject, field, sealed) VALUES (?, ?, ?, ?)")
            defer { statement.reset() }
            statement.bind(1, record.ref)
            statement.bind(2, record.subject)
            statement.bind(3, record.field)
            record.sealed.withUnsafeBytes { statement.bindBlob(4, $0) }
            try statement.step()
        }

        mutating func erasePersonalData(subject: String) throws -> Int {
            let db = try connection.connection()
            let values = try db.cached("DELETE FROM personal_data WHERE subject = ?")
            values.bind(1, subject)
            try values.step()
            values.reset()
            let count = Int(db.changes)
            let key = try db.cached("DELETE FROM personal_keys WHERE subject = ?")
            defer { key.reset() }
            key.bind(1, subject)
            try key.step()
            return count
        }

        mutating func saveProjection(_ projection: ProjectionState) throws {
            guard projection.checkpoint <= head.position else {
                throw EventStoreError(
                    .invalidAppend,
                    "projection '\(projection.name)': checkpoint \(projection.checkpoint) is past the head \(head.position)")
            }
            // A state saved whole replaces one saved in parts.
            try ProjectionParts.delete(projection.name, try connection.connection())
            let savedAt = connection.clock().microsecondsSinceEpoch
            let statement = try connection.connection().cached(
                "INSERT OR REPLACE INTO projections (name, checkpoint, state, saved_at) VALUES (?, ?, ?, ?)")
            defer { statement.reset() }
            statement.bind(1, projection.name)
            statement.bind(2, projection.checkpoint)
            statement.bind(4, savedAt)
            try projection.state.withUnsafeBytes { state in
                statement.bindBlobNoCopy(3, state)
                try statement.step()
            }
        }

        /// ``saveProjection(_:)`` with the state written in pieces, each in a
        /// row of its own: the first in the projection's row, the next ones
        /// in part rows (``ProjectionParts``), all in this transaction. SQLite
        /// builds a row's record whole in memory (a zero-filled one too, for a
        /// value that is not the last column), so one ~100 MB state had cost
        /// its size twice over while it was saved.
        mutating func saveProjection(
            named name: String, checkpoint: Int64, size: Int,
            write: (_ piece: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
        ) throws {
            guard checkpoint <= head.position else {
                throw EventStoreError(
                    .invalidAppend, "projection '\(name)': checkpoint \(checkpoint) is past the head \(head.position)")
            }
            let db = try connection.connection()
            try ProjectionParts.delete(name, db)
            let savedAt = connection.clock().microsecondsSinceEpoch
            let statement = try db.cached(
                "INSERT OR REPLACE INTO projections (name, checkpoint, state, saved_at) VALUES (?, ?, ?, ?)")
            var part = 0
            var written = 0
            func insert(_ piece: UnsafeRawBufferPointer) throws {
                defer { statement.reset() }
                statement.bind(1, part == 0 ? name : ProjectionParts.name(name, part))
                statement.bind(2, checkpoint)
                statement.bind(4, savedAt)
                if piece.isEmpty {
                    sqlite3_bind_zeroblob(statement.pointer, 3, 0)
                } else {
                    statement.bindBlobNoCopy(3, piece)
                }
                try statement.step()
                part += 1
                written += piece.count
            }
            try write { piece in
                guard piece.count <= size - written else {
                    throw EventStoreError(.invalidAppend, "projection '\(name)': its state is longer than the \(size) bytes announced")
                }
                try insert(piece)
            }
            if part == 0 { try insert(UnsafeRawBufferPointer(start: nil, count: 0)) }
            guard written == size else {
                throw EventStoreError(.invalidAppend, "projection '\(name)': its state is \(written) bytes, not the \(size) announced")
            }
        }

        mutating func importRecorded(_ events: [RecordedEvent]) throws {
            guard !events.isEmpty else { return }
            let after = try RecordedImport.check(events, after: head) { try currentVersion(of: $0) }
            // Multi-row statements, as a bulk append writes; a taken id
            // throws, and `exclusiveTransaction` rolls everything back.
            var storage = Storage(connection: connection, knownVersions: knownVersions)
            try connection.insertRows(events[...], storage: &storage)
            knownVersions = storage.knownVersions
            head = after
        }

        mutating func append(_ appends: [StreamAppend]) throws -> AppendResult {
            try AppendPlanner.validate(appends, limits: connection.limits)
            switch connection.appendUndoable(appends, head: &head, now: connection.clock(), knownVersions: &knownVersions) {
            case .success(let result): return result
            case .failure(let error): throw error
            }
        }
    }

    /// The writer's view for the shared append algorithm.
    struct Storage: AppendStorage {
        let connection: WriterConnection
        /// Stream versions known without a lookup (nil: none kept, as in
        /// group commits); updated by every insert.
        var knownVersions: [StreamID: Int64]?

        func currentVersion(of stream: StreamID) throws -> Int64 {
            if let known = knownVersions?[stream] { return known }
            return try Queries.streamVersion(try connection.connection(), stream)
        }

        func committedEvent(id: UUID) throws -> RecordedEvent? {
            // The group's earlier appends may hold the id in rows not yet written.
            try connection.writeDeferredRows()
            return try Queries.event(try connection.connection(), id: id)
        }

        mutating func insert(_ event: RecordedEvent) throws {
            if connection.deferredRows != nil {
                connection.deferredRows!.append(event)
                connection.deferredRowsPlanned += 1
                knownVersions?[event.stream] = event.streamVersion
                return
            }
            guard let statement = connection.insert else { throw EventStoreError(.closed, "the event store is closed") }
            statement.bindInsert(event)
            let code = statement.stepCode()
            statement.reset()
            guard code == SQLITE_DONE else {
                if code == 2067 /* SQLITE_CONSTRAINT_UNIQUE */, let original = try committedEvent(id: event.id) {
                    throw EventStoreError(
                        .idempotencyConflict,
                        "stream '\(event.stream)': event \(event.id.uuidString.lowercased()) is already committed at position \(original.position) in stream '\(original.stream)'; an append is retried whole or not at all",
                        stream: event.stream, position: original.position,
                        eventID: event.id.uuidString.lowercased())
                }
                throw try connection.connection().error(code, "cannot insert event at position \(event.position)")
            }
            knownVersions?[event.stream] = event.streamVersion
        }

        mutating func insert(contentsOf events: ArraySlice<RecordedEvent>) throws {
            if connection.deferredRows != nil {
                connection.deferredRows!.append(contentsOf: events)
                connection.deferredRowsPlanned += events.count
                noteWritten(events)
                return
            }
            try connection.insertRows(events, storage: &self)
        }

        /// Keeps the versions `events` give their streams, if versions are kept.
        mutating func noteWritten(_ events: ArraySlice<RecordedEvent>) {
            guard knownVersions != nil else { return }
            for event in events { knownVersions![event.stream] = event.streamVersion }
        }
    }
}

/// Counts of what the store's writer did since it opened: for tests that
/// must know which path ran, and for diagnostics.
public struct WriterStatistics: Sendable, Hashable {
    /// Groups of several appends whose rows were written together and committed.
    public var deferredGroups = 0
    /// Groups run again writing each append at once, after writing their rows together broke a constraint.
    public var groupsRunAgain = 0

    public init(deferredGroups: Int = 0, groupsRunAgain: Int = 0) {
        self.deferredGroups = deferredGroups
        self.groupsRunAgain = groupsRunAgain
    }
}

/// A projection state saved in pieces (``SQLiteEventStore/saveProjection(named:checkpoint:size:write:)``):
/// the first piece in the projection's own row, piece k in a row named
/// `name` + U+0001 + k (six digits), so that the parts sort in order after
/// it. A reader joins them in that order; a build that does not know parts
/// reads the first piece alone, which its decoder refuses, and rebuilds.
enum ProjectionParts {
    static func name(_ name: String, _ part: Int) -> String {
        let digits = String(part)
        return name + "\u{1}" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// The range of the part rows' names: [name + U+0001, name + U+0002).
    static func bounds(_ name: String) -> (String, String) { (name + "\u{1}", name + "\u{2}") }

    static func delete(_ name: String, _ db: SQLiteConnection) throws {
        let statement = try db.cached("DELETE FROM projections WHERE name >= ? AND name < ?")
        defer { statement.reset() }
        let (low, high) = bounds(name)
        statement.bind(1, low)
        statement.bind(2, high)
        try statement.step()
    }

    /// The state's part rows after the first, joined onto `state`.
    static func append(_ name: String, to state: inout [UInt8], _ db: SQLiteConnection) throws {
        let statement = try db.cached("SELECT state FROM projections WHERE name >= ? AND name < ? ORDER BY name")
        defer { statement.reset() }
        let (low, high) = bounds(name)
        statement.bind(1, low)
        statement.bind(2, high)
        while try statement.step() { state.append(contentsOf: statement.bytes(0)) }
    }
}
