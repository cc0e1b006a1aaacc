import CSQLite
public import Logging
public import CaseloadCoding
import Dispatch
public import EventStore
public import Foundation
import Synchronization

/// How durable an acknowledged append is.
public enum Durability: String, Sendable, Hashable, CaseIterable {
    /// As SQLite's `synchronous=FULL`: the WAL is fsynced after every commit
    /// and an append is acknowledged only after that; an acknowledged append
    /// survives a power cut. The default. (The fsync runs on a thread of its
    /// own, see `WALSyncer`, so the writer commits the next group meanwhile.)
    case full
    /// `synchronous=NORMAL`: survives a crash of the process, but the last
    /// commits may be lost on power failure. Faster single commits.
    case normal
}

/// Settings of an SQLite-backed log.
public struct SQLiteEventStoreConfiguration: Sendable {
    public var durability: Durability = .full
    /// How long an append waits for another process's write lock.
    public var busyTimeout: Duration = .seconds(10)
    /// Create the file when it does not exist (commands that only read say no).
    public var createIfMissing = true
    /// Open for reading only: no write lock is ever taken, no migration runs
    /// (the file must already be in this build's format), every write throws
    /// ``EventStoreError/Code/readOnly``, and the file may be read-only (a
    /// mode-444 file, a read-only mount, an auditor's copy). Readers of a WAL
    /// file never wait for a writer.
    public var readOnly = false
    public var limits = EventStoreLimits.default
    /// At most this many appends share one commit.
    public var maxGroupSize = 4096
    /// Told the size of every group commit (metrics).
    public var onGroupCommit: GroupCommitObserver?
    /// WAL pages before a checkpoint copies them into the main file (on a
    /// thread of its own, see `Checkpointer`). SQLite's default (1,000 pages,
    /// 4 MB) makes bulk appends checkpoint every few batches; measured 3.5×
    /// slower than with a large threshold (Benchmarks/SQLiteAccess).
    public var walAutocheckpointPages = 20_000
    /// Checkpoints run on a thread of their own (`Checkpointer`); false
    /// leaves them to SQLite, inside the commit that crosses the threshold,
    /// on the writer thread (for comparison; the `caseload` command's
    /// `CASELOAD_INLINE_CHECKPOINTS=1`).
    public var backgroundCheckpoints = true
    /// Page cache of the writer connection, in KiB.
    public var cacheSizeKiB = 32_768
    /// Page cache of each reader connection, in KiB. Readers mostly scan in
    /// order or look up a few rows, and the file's pages stay in the OS cache;
    /// a scan only cycles its pages through SQLite's. A small cache keeps the
    /// recycled page buffers in the processor's cache: the 1M-event benchmark
    /// scan measured ≈11% less CPU per event with 1 MB than with 8 MB (256 KB
    /// to 1 MB measured alike, 2 MB a little worse).
    public var readerCacheSizeKiB = 1024
    /// Commit time source (tests pass a manual clock).
    public var clock: @Sendable () -> Timestamp = { Timestamp(Date()) }
    /// Where the store says what it does: the writer's group-commit counts
    /// when it closes (debug), a background checkpoint that failed (info).
    /// The library never bootstraps logging; by default nothing is printed.
    public var logger = Logger(label: "caseload.sqlite", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Which events the audit indexes cover. These are the application's
    /// choices (its rare decision types, the actors too many to index), made
    /// when the file is created; see ``AuditIndexing``.
    public var auditIndexing = AuditIndexing.none

    public init() {}
}

/// The embedded event log: one SQLite file in WAL mode.
///
/// One writer thread commits appends in groups (see `Writer`); reads run on
/// a small pool of reader connections and never block the writer. Several
/// processes may open the same file: SQLite's write lock serialises them and
/// the busy timeout makes a writer wait for another's commit.
public final class SQLiteEventStore: EventStore {
    public let path: String
    /// The SQLite library's version, as linked.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
    /// The log format this build writes and reads (`PRAGMA user_version`).
    public static var logFormat: Int64 { Schema.currentVersion }
    let configuration: SQLiteEventStoreConfiguration
    private let terms: Schema.IndexTerms
    /// Nil when the store was opened read-only.
    private let writer: Writer?
    private let writerCounts: WriterConnection.StatisticsBox
    private let readers: ReaderPool
    private let commits: CommitSignal
    private let closed = Atomic<Bool>(false)

    /// Opens (or creates) the log at `path` and brings its schema up to date.
    /// What the writer has done since the store opened (see ``WriterStatistics``).
    public var writerStatistics: WriterStatistics { writerCounts.withLock { $0 } }

    public init(path: String, configuration: SQLiteEventStoreConfiguration = .init()) throws {
        self.path = path
        self.configuration = configuration
        let terms = Schema.IndexTerms(indexing: configuration.auditIndexing)
        self.terms = terms
        if !configuration.createIfMissing, !FileManager.default.fileExists(atPath: path) {
            throw EventStoreError(.databaseNotFound, "no event log at '\(path)' (the file does not exist)")
        }
        if configuration.readOnly {
            // A WAL file is read through its shared-memory file, which a
            // reader creates if it is missing; where it cannot (a read-only
            // directory or mount), the file is read as immutable: nothing
            // can write to it there either.
            var immutable = false
            var db = try SQLiteConnection(path: path, readOnly: true, create: false)
            do {
                try Schema.checkReadable(db)
            } catch let error as EventStoreError {
                guard let code = (error.underlying as? SQLiteCode)?.code,
                      code & 0xFF == SQLITE_READONLY || code & 0xFF == SQLITE_CANTOPEN
                else { throw error }
                immutable = true
                db = try SQLiteConnection(path: path, readOnly: true, immutable: true, create: false)
                try Schema.checkReadable(db)
            }
            self.commits = CommitSignal(head: try Queries.head(db).position)
            self.writer = nil
            self.writerCounts = WriterConnection.StatisticsBox()
            self.readers = ReaderPool(
                path: path, busyMilliseconds: 0, cacheSizeKiB: configuration.readerCacheSizeKiB,
                access: immutable ? .immutable : .readOnly)
            return
        }
        let db = try SQLiteConnection(path: path, create: configuration.createIfMissing)
        let busyMilliseconds = Int32(clamping: configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        sqlite3_busy_timeout(db.handle, busyMilliseconds)
        do {
            // journal_mode reports the mode it ended in; a read-only or exotic
            // file system may refuse WAL, and then concurrent readers would block.
            let mode = try db.prepare("PRAGMA journal_mode = WAL")
            let isWAL = try mode.step() && mode.string(0).lowercased() == "wal"
            mode.reset()
            guard isWAL else {
                throw EventStoreError(.storageFailure, "'\(path)': SQLite could not switch to WAL mode")
            }
            // FULL durability is NORMAL plus an fsync of the WAL after each
            // commit, which `WALSyncer` issues off the writer thread.
            try db.execute("PRAGMA synchronous = NORMAL")
            try db.execute("PRAGMA cache_size = -\(configuration.cacheSizeKiB)")
            try db.execute("PRAGMA wal_autocheckpoint = \(configuration.walAutocheckpointPages)")
            // Deleted content (erased personal data) is overwritten, not just unlinked.
            try db.execute("PRAGMA secure_delete = ON")
            try Schema.migrate(db, terms)
            // The table's one CHECK (an event id is 16 bytes) calls a
            // function, and a function in an `INSERT` makes SQLite keep a
            // statement journal for each multi-row insert (see
            // `Queries.insert(rows:)`). This connection binds only 16-byte
            // ids, so it skips the check; every other connection (sqlite3
            // by hand) still enforces it. Set after the migrations, which
            // must meet every constraint; connection-wide, so a CHECK added
            // later would need this revisited.
            try db.execute("PRAGMA ignore_check_constraints = ON")
        } catch let error as EventStoreError {
            if error.code == .notAnEventStore || error.code == .storageFailure,
               (error.underlying as? SQLiteCode)?.code == SQLITE_NOTADB {
                throw EventStoreError(.notAnEventStore, "'\(path)' is not an SQLite database", underlying: error)
            }
            throw error
        }
        let commits = CommitSignal(head: try Queries.head(db).position)
        self.commits = commits
        let publish: @Sendable (LogHead) -> Void = { head in commits.publish(head.position) }
        let checkpointer = configuration.backgroundCheckpoints
            ? try Checkpointer(
                path: path, thresholdPages: configuration.walAutocheckpointPages, busyMilliseconds: busyMilliseconds,
                logger: configuration.logger)
            : nil
        let syncer: WALSyncer?
        do {
            syncer = configuration.durability == .full ? try WALSyncer(databasePath: path, onDurable: publish) : nil
        } catch {
            checkpointer?.stop()
            throw error
        }
        let connection = try WriterConnection(
            db: db, clock: configuration.clock, limits: configuration.limits, onCommit: publish, syncer: syncer,
            checkpointer: checkpointer, logger: configuration.logger)
        self.writerCounts = connection.statistics
        self.writer = Writer(connection: connection, maxGroupSize: configuration.maxGroupSize, onGroupCommit: configuration.onGroupCommit)
        self.readers = ReaderPool(
            path: path, busyMilliseconds: busyMilliseconds, cacheSizeKiB: configuration.readerCacheSizeKiB,
            access: .queryOnly)
    }

    deinit {
        if !closed.load(ordering: .acquiring) { writer?.submit(.stop(nil)) }
    }

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw EventStoreError(.closed, "the event store is closed") }
    }

    /// The writer, or the error a read-only store gives for a write.
    private func writable(_ what: String) throws -> Writer {
        try checkOpen()
        guard let writer else {
            throw EventStoreError(.readOnly, "'\(path)' is open for reading only: cannot \(what)")
        }
        return writer
    }

    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        let writer = try writable("append")
        // Validation (JSON, sizes) runs on the caller's task, in parallel; only
        // expectation checks, hashing and inserts run on the writer thread.
        try AppendPlanner.validate(appends, limits: configuration.limits)
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.append(appends, continuation))
        }
    }

    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        let writer = try writable("write")
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.exclusive { connection in
                continuation.resume(with: Result { try connection.exclusiveTransaction(body) })
            })
        }
    }

    public func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent] {
        try checkOpen()
        return try await readers.read { try Queries.stream($0, stream, from: version, limit: limit) }
    }

    /// One reader trip for all of them (a command's streams: one thread
    /// hop fewer per command than reading them one by one).
    public func readStreams(_ streams: [StreamID]) async throws -> [[RecordedEvent]] {
        try checkOpen()
        return try await readers.read { db in
            try streams.map { stream in
                var all: [RecordedEvent] = []
                while true {
                    let batch = try Queries.stream(db, stream, from: (all.last?.streamVersion ?? 0) + 1, limit: 10_000)
                    all.append(contentsOf: batch)
                    if batch.count < 10_000 { return all }
                }
            }
        }
    }

    public func read(_ query: LogQuery) async throws -> [RecordedEvent] {
        try checkOpen()
        return try await readers.read { [terms] in try Queries.log($0, query, terms) }
    }

    public func scan<T: Sendable>(
        _ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?
    ) async throws -> [T] {
        try checkOpen()
        return try await readers.read { [terms] in try Queries.scan($0, query, terms, transform) }
    }

    public func head() async throws -> LogHead {
        try checkOpen()
        return try await readers.read { try Queries.head($0) }
    }

    public func event(id: UUID) async throws -> RecordedEvent? {
        try checkOpen()
        return try await readers.read { try Queries.event($0, id: id) }
    }

    public func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        try checkOpen()
        return try await readers.read { db in
            // A damaged page the chain walk would never read (an index, the
            // vault) is found by SQLite's own check first.
            try Schema.checkIntegrity(db)
            return try ChainWalk.run(db, progress: progress)
        }
    }

    public func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        try checkOpen()
        if let head = await commits.wait(after: position, timeout: timeout) { return head }
        // Timed out: another process may have committed; ask the file.
        return try await head().position
    }

    public func loadProjection(named name: String) async throws -> ProjectionState? {
        try checkOpen()
        return try await readers.read { db in
            let statement = try db.cached("SELECT checkpoint, state FROM projections WHERE name = ?")
            defer { statement.reset() }
            statement.bind(1, name)
            guard try statement.step() else { return nil }
            let checkpoint = statement.int64(0)
            var state = statement.byteArray(1)
            statement.reset()
            try ProjectionParts.append(name, to: &state, db)
            return ProjectionState(name: name, checkpoint: checkpoint, state: state)
        }
    }

    public func saveProjection(_ projection: ProjectionState) async throws {
        _ = try await withTransaction { transaction in
            try transaction.saveProjection(projection)
            return true
        }
    }

    /// Writes the state in pieces, a row each (see ``ProjectionParts``), so
    /// the state is never whole in memory: the statistics of a 14M-event
    /// history are about 100 MB.
    public func saveProjection(
        named name: String, checkpoint: Int64, size: Int,
        write: @escaping @Sendable (_ piece: (UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) async throws {
        _ = try await withTransaction { transaction in
            guard var own = transaction as? WriterConnection.Transaction else {
                preconditionFailure("a SQLite store's transaction is its writer's")
            }
            try own.saveProjection(named: name, checkpoint: checkpoint, size: size, write: write)
            transaction = own
            return true
        }
    }

    public func personalData(ref: String) async throws -> PersonalDataRecord? {
        try checkOpen()
        return try await readers.read { db in
            let statement = try db.cached(
                "SELECT d.subject, d.field, d.sealed, k.key FROM personal_data d JOIN personal_keys k ON k.subject = d.subject WHERE d.ref = ?")
            defer { statement.reset() }
            statement.bind(1, ref)
            guard try statement.step() else { return nil }
            return PersonalDataRecord(
                ref: ref, subject: statement.string(0), field: statement.string(1), sealed: statement.byteArray(2),
                key: statement.byteArray(3))
        }
    }

    public func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord] {
        try checkOpen()
        return try await readers.read { db in
            let statement = try db.cached(
                "SELECT d.ref, d.subject, d.field, d.sealed, k.key FROM personal_data d JOIN personal_keys k ON k.subject = d.subject WHERE d.ref > ? ORDER BY d.ref LIMIT ?")
            defer { statement.reset() }
            statement.bind(1, ref ?? "")
            statement.bind(2, Int64(max(0, limit)))
            var records: [PersonalDataRecord] = []
            while try statement.step() {
                records.append(PersonalDataRecord(
                    ref: statement.string(0), subject: statement.string(1), field: statement.string(2),
                    sealed: statement.byteArray(3), key: statement.byteArray(4)))
            }
            return records
        }
    }

    public func compact() async throws {
        let writer = try writable("compact the file")
        // Readers must not hold a snapshot while VACUUM rewrites the file.
        readers.drain()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.submit(.exclusive { connection in
                continuation.resume(with: Result { try connection.compact() })
            })
        }
    }

    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let writer { await withCheckedContinuation { continuation in writer.submit(.stop(continuation)) } }
        readers.drain()
        commits.finish()
    }
}

/// Reader connections, each used by one thread at a time, opened lazily.
final class ReaderPool: Sendable {
    private let idle = Mutex<[UncheckedBox<SQLiteConnection>]>([])
    private let path: String
    private let busyMilliseconds: Int32
    private let cacheSizeKiB: Int
    private let access: Access
    private let maxIdle = 8

    /// How reader connections open the file.
    enum Access {
        /// Beside this store's writer: read-write handles kept `query_only`
        /// (SQLite then shares the writer's WAL index without a separate open mode).
        case queryOnly
        /// Read-only handles: the store never writes.
        case readOnly
        /// Read-only and immutable (see `SQLiteConnection.init`).
        case immutable
    }

    init(path: String, busyMilliseconds: Int32, cacheSizeKiB: Int, access: Access) {
        self.access = access
        self.path = path
        self.busyMilliseconds = busyMilliseconds
        self.cacheSizeKiB = cacheSizeKiB
    }

    /// Runs `body` with a reader connection, off the cooperative pool.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result {
                    let connection = try self.checkOut()
                    defer { self.checkIn(connection) }
                    return try body(connection.value)
                })
            }
        }
    }

    private func checkOut() throws -> UncheckedBox<SQLiteConnection> {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        let db: SQLiteConnection
        switch access {
        case .queryOnly: db = try SQLiteConnection(path: path, create: false)
        case .readOnly: db = try SQLiteConnection(path: path, readOnly: true, create: false)
        case .immutable: db = try SQLiteConnection(path: path, readOnly: true, immutable: true, create: false)
        }
        sqlite3_busy_timeout(db.handle, busyMilliseconds)
        try db.execute("PRAGMA query_only = 1")
        try db.execute("PRAGMA cache_size = -\(cacheSizeKiB)")
        return UncheckedBox(db)
    }

    private func checkIn(_ connection: UncheckedBox<SQLiteConnection>) {
        idle.withLock { connections in
            if connections.count < maxIdle { connections.append(connection) }
        }
    }

    func drain() {
        idle.withLock { $0.removeAll() }
    }
}

/// Walks the hash chain row by row (see ``ChainWalker``).
enum ChainWalk {
    static func run(_ db: SQLiteConnection, progress: (@Sendable (Int64, Int64) -> Void)?) throws -> ChainVerification {
        var walker = ChainWalker(total: try Queries.head(db).position, progress: progress)
        let statement = try db.prepare("SELECT \(Schema.eventColumns) FROM events ORDER BY position")
        while try statement.step() {
            if let broken = walker.check({ try statement.recordedEvent() }) { return broken }
        }
        return walker.finish()
    }
}
