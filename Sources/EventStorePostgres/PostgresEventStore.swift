import CaseloadCoding
public import EventStore
public import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The event log in a PostgreSQL database: the same contract as the SQLite
/// store, for several service processes on one primary.
///
/// **Order readers can trust.** Every append transaction locks the one-row
/// `head` table (`SELECT … FOR UPDATE`) before it reads stream versions, and
/// takes its positions and its first hash from that row, which it updates
/// before committing. Append transactions therefore commit one after
/// another, in position order, across every process: position N+1 cannot
/// be assigned (let alone committed) until the transaction holding N has
/// committed or rolled back, so a reader's snapshot always holds a gapless
/// prefix of the log. No sequence is involved (a sequence hands out numbers
/// that commit out of order, or not at all).
///
/// **Group commit.** One writer task (see `PostgresWriter`) owns a write
/// connection and takes every append queued while its last transaction ran
/// into the next one: one lock of the head, one `INSERT`, one `COMMIT`,
/// each append still checked against its own expectation.
///
/// Reads run on a pool of connections (`PostgresClient`) and never wait
/// for the writer.
public final class PostgresEventStore: EventStore {
    public let configuration: PostgresEventStoreConfiguration
    let queries: Queries
    private let client: PostgresClient
    private let logger: Logger
    private let clientTask: Task<Void, Never>
    private let writer: PostgresWriter
    private let commits: CommitSignal
    /// Hears the commits of every store on this log (`LISTEN`), other processes' included.
    private let listener: Task<Void, Never>
    private let closed = Atomic<Bool>(false)

    /// The log format this build writes and reads.
    public static var logFormat: Int32 { Schema.currentFormat }

    /// What the writer has done since the store opened.
    public var writerStatistics: PostgresWriterStatistics { writer.counts }

    /// Opens the log at `url` (`postgres://USER:PASS@HOST:PORT/DB`, see
    /// ``PostgresEventStoreConfiguration/init(url:)``), creating its tables if the schema has none.
    public convenience init(url: String) async throws {
        try await self.init(configuration: PostgresEventStoreConfiguration(url: url))
    }

    /// Connects, creates the log's tables if the schema has none (or checks
    /// the ones it has), and starts the writer and the reader pool.
    public init(configuration: PostgresEventStoreConfiguration) async throws {
        guard PostgresEventStoreConfiguration.isPlainIdentifier(configuration.schema) else {
            throw EventStoreError(
                .invalidConfiguration,
                "schema '\(configuration.schema)': use lowercase letters, digits and '_', starting with a letter or '_'")
        }
        self.configuration = configuration
        let schema = Schema(name: configuration.schema, indexing: configuration.auditIndexing)
        let queries = Queries(schema: schema)
        self.queries = queries
        let describe = configuration.serverDescription
        let logger = configuration.logger

        var connectionConfiguration = PostgresConnection.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        let seconds = configuration.connectTimeout.components
        connectionConfiguration.options.connectTimeout = .milliseconds(
            seconds.seconds * 1000 + seconds.attoseconds / 1_000_000_000_000_000)
        // Durable commits whatever the server's default: an acknowledged append is on disk.
        // The application name tells operators (pg_stat_activity) which connection is the writer.
        connectionConfiguration.options.additionalStartupParameters = [
            ("synchronous_commit", "on"), ("application_name", "caseload-writer:\(configuration.schema)"),
        ]
        let connect: @Sendable () async throws -> PostgresConnection = { [connectionConfiguration] in
            try await PostgresConnection.connect(configuration: connectionConfiguration, id: 0, logger: logger)
        }
        var listenerConfiguration = connectionConfiguration
        listenerConfiguration.options.additionalStartupParameters = [
            ("application_name", "caseload-listener:\(configuration.schema)")
        ]
        let connection: PostgresConnection
        do {
            connection = try await connect()
        } catch {
            throw storeError(error, "cannot connect to \(describe)")
        }
        let head: LogHead
        do {
            try await schema.prepare(on: connection, logger: logger, describe: describe)
            guard let row = try await connection.query(queries.readHead, logger: logger).collect().first else {
                throw EventStoreError(.corrupted, "\(describe): the head table has no row")
            }
            head = try row.logHead()
        } catch {
            try? await connection.close()
            throw storeError(error, "cannot open the event log in \(describe)")
        }

        var clientConfiguration = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.username,
            password: configuration.password, database: configuration.database, tls: .disable)
        clientConfiguration.options.maximumConnections = max(1, configuration.maxReaderConnections)
        clientConfiguration.options.connectTimeout = configuration.connectTimeout
        clientConfiguration.options.additionalStartupParameters = [
            ("default_transaction_read_only", "on"), ("application_name", "caseload-reader:\(configuration.schema)"),
        ]
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.clientTask = Self.startRunning(client)

        let commits = CommitSignal(head: head.position)
        self.commits = commits
        self.listener = Task { [listenerConfiguration, channel = queries.commitChannel] in
            await Self.listen(on: channel, configuration: listenerConfiguration, logger: logger, commits: commits)
        }
        let session = WriterSession(
            connection: connection, connect: connect, queries: queries, clock: configuration.clock,
            limits: configuration.limits, logger: logger, onCommit: { commits.publish($0.position) }, describe: describe)
        self.writer = PostgresWriter(
            session: session, maxGroupSize: max(1, configuration.maxGroupSize), onGroupCommit: configuration.onGroupCommit)
    }

    deinit {
        if !closed.load(ordering: .acquiring) {
            writer.submit(.stop(nil))
            clientTask.cancel()
            listener.cancel()
        }
    }

    /// Starts the reader pool's `run()`, which must be running before the
    /// first query leases a connection (else postgres-nio warns "run()
    /// hasn't been called yet"). `Task { await client.run() }` does not
    /// order them: a short command's first read (`caseload head`) often
    /// reached the pool before that task had started. An immediate task
    /// runs `run()` on this thread up to its first suspension, which comes
    /// after it has marked the client running, so every query follows it.
    private static func startRunning(_ client: PostgresClient) -> Task<Void, Never> {
        if #available(macOS 26.0, iOS 26.0, tvOS 26.0, watchOS 26.0, visionOS 26.0, *) {
            return Task.immediate { await client.run() }
        }
        // Older Apple systems have no immediate tasks: the race (a warning,
        // the query still waits for the pool) remains there.
        return Task { await client.run() }
    }

    /// Publishes every commit announced on `channel` until cancelled,
    /// reconnecting (after a second) when the connection is lost. Missing
    /// announcements cost only latency: a waiter that times out asks the database.
    private static func listen(
        on channel: String, configuration: PostgresConnection.Configuration, logger: Logger, commits: CommitSignal
    ) async {
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
                await withTaskCancellationHandler {
                    do {
                        try await connection.listen(on: channel) { notifications in
                            for try await notification in notifications {
                                if let position = Int64(notification.payload) { commits.publish(position) }
                            }
                        }
                    } catch {
                        logger.debug("commit listener stopped", metadata: ["error": "\(error)"])
                    }
                } onCancel: {
                    let _: EventLoopFuture<Void> = connection.close()
                }
                try? await connection.close()
            } catch {
                logger.debug("commit listener cannot connect", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private var describe: String { configuration.serverDescription }

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw EventStoreError(.closed, "the event store is closed") }
    }

    /// Runs `query` on a reader connection and returns its rows.
    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try checkOpen()
        do {
            return try await reading { [logger = configuration.logger] connection in
                try await connection.query(query, logger: logger).collect()
            }
        } catch {
            throw storeError(error, "cannot read from \(describe)")
        }
    }

    // MARK: EventLog

    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        try checkOpen()
        // Validation (JSON, sizes) runs on the caller's task, in parallel.
        try AppendPlanner.validate(appends, limits: configuration.limits)
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.append(appends, continuation))
        }
    }

    public func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        try checkOpen()
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.exclusive { session in
                do {
                    continuation.resume(returning: try await session.exclusiveTransaction(body))
                } catch {
                    continuation.resume(throwing: error)
                }
            })
        }
    }

    // MARK: EventLogReader

    public func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await rows(queries.stream(stream, from: version, limit: limit)).map { try $0.recordedEvent() }
    }

    public func read(_ query: LogQuery) async throws -> [RecordedEvent] {
        try await rows(queries.log(query, columns: Schema.eventColumns)).map { try $0.recordedEvent() }
    }

    public func scan<T: Sendable>(
        _ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?
    ) async throws -> [T] {
        try checkOpen()
        let sql = queries.log(query, columns: "position, type, schema_version, occurred_at, recorded_at, payload")
        do {
            return try await reading { [logger = configuration.logger] connection in
            var mapped: [T] = []
            // Rows are mapped as they stream in, without keeping them all.
            for try await row in try await connection.query(sql, logger: logger) {
                let lean = try LeanRow(row)
                let value = try lean.payload.withUnsafeReadableBytes { bytes in
                    try transform(EventView(
                        position: lean.position, type: lean.type, schemaVersion: Int(lean.schemaVersion),
                        occurredAt: Timestamp(microsecondsSinceEpoch: lean.occurredAt),
                        recordedAt: Timestamp(microsecondsSinceEpoch: lean.recordedAt), payload: bytes))
                }
                if let value { mapped.append(value) }
            }
            return mapped
            }
        } catch let error as PSQLError {
            throw storeError(error, "cannot read from \(describe)")
        }
    }

    public func head() async throws -> LogHead {
        guard let row = try await rows(queries.readHead).first else {
            throw EventStoreError(.corrupted, "\(describe): the head table has no row")
        }
        return try row.logHead()
    }

    public func event(id: UUID) async throws -> RecordedEvent? {
        try await rows(queries.event(id: id)).first?.recordedEvent()
    }

    /// Walks the chain in one query whose rows stream in (no batch of the
    /// whole log in memory); a row that does not decode is the first bad position.
    public func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        let total = try await head().position
        do {
            let sql = PostgresQuery(
                unsafeSQL: "SELECT \(Schema.eventColumns) FROM \(queries.schema.table("events")) WHERE position <= $1 ORDER BY position",
                binds: { var binds = PostgresBindings(); binds.append(total); return binds }())
            return try await reading { [logger = configuration.logger] connection in
                var walker = ChainWalker(total: total, progress: progress)
                for try await row in try await connection.query(sql, logger: logger) {
                    if let broken = walker.check({ try row.recordedEvent() }) { return broken }
                }
                return walker.finish()
            }
        } catch let error as PSQLError {
            throw storeError(error, "cannot read from \(describe)")
        }
    }

    /// Runs `work` on a reader connection of the pool, failing it if the
    /// connection is lost with a query unanswered (``untilClosed(_:_:_:)``),
    /// and failing with `storageFailure` if no connection is had within
    /// ``readerLeaseTimeout``: the pool waits for a connection without end,
    /// so while PostgreSQL is down every read (and the service request
    /// behind it) would hang instead of answering 503.
    ///
    /// A read whose connection turns out closed (the server restarted or
    /// ended it while it sat idle in the pool, before the pool noticed) is
    /// run again on another connection, at most twice: reads change nothing,
    /// so running one again is safe, and a client should not see a 503 for
    /// a connection the pool was about to replace. Three losses in a row
    /// retry; the fourth reaches the caller.
    private func reading<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await leasedRead(retryingIfLost: attempt < 4, work)
            } catch let lost as LostReaderConnection {
                logger.info(
                    "a reader connection was found closed; reading again on another",
                    metadata: ["attempt": "\(attempt)", "error": "\(String(reflecting: lost.underlying))"])
                attempt += 1
            }
        }
    }

    private func leasedRead<T: Sendable>(
        retryingIfLost: Bool, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let leased = LeaseFlag()
        let (client, describe, timeout) = (client, describe, Self.readerLeaseTimeout)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    leased.set()
                    do {
                        return try await untilClosed(connection, describe) { try await work(connection) }
                    } catch where retryingIfLost && (connection.isClosed || isLostConnection(error)) {
                        // Closed by us too, so that the pool drops it (a
                        // connection whose last query was never answered
                        // may still look open to it) and leases another.
                        if !connection.isClosed { try? await connection.close() }
                        throw LostReaderConnection(underlying: error)
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                if !leased.isSet {
                    throw EventStoreError(.storageFailure, "\(describe): no connection to the server within \(timeout) (is it running?)")
                }
                return nil
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw EventStoreError(.storageFailure, "\(describe): the read ended without an answer")
        }
    }

    /// How long a read waits for a connection of the pool.
    static let readerLeaseTimeout: Duration = .seconds(10)

    public func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        try checkOpen()
        if let head = await commits.wait(after: position, timeout: timeout) { return head }
        // Timed out: another process may have committed; ask the database.
        return try await head().position
    }

    // MARK: ProjectionStore

    public func loadProjection(named name: String) async throws -> ProjectionState? {
        var binds = PostgresBindings()
        binds.append(name)
        let found = try await rows(PostgresQuery(
            unsafeSQL: "SELECT checkpoint, state FROM \(queries.schema.table("projections")) WHERE name = $1", binds: binds))
        guard let row = found.first else { return nil }
        let (checkpoint, state) = try row.decode((Int64, ByteBuffer).self)
        return ProjectionState(name: name, checkpoint: checkpoint, state: Array(state.readableBytesView))
    }

    public func saveProjection(_ projection: ProjectionState) async throws {
        _ = try await withTransaction { transaction in
            try transaction.saveProjection(projection)
            return true
        }
    }

    // MARK: PersonalDataStore

    public func personalData(ref: String) async throws -> PersonalDataRecord? {
        var binds = PostgresBindings()
        binds.append(ref)
        let found = try await rows(PostgresQuery(
            unsafeSQL: """
                SELECT d.subject, d.field, d.sealed, k.key FROM \(queries.schema.table("personal_data")) d
                JOIN \(queries.schema.table("personal_keys")) k ON k.subject = d.subject WHERE d.ref = $1
                """,
            binds: binds))
        guard let row = found.first else { return nil }
        let (subject, field, sealed, key) = try row.decode((String, String, ByteBuffer, ByteBuffer).self)
        return PersonalDataRecord(
            ref: ref, subject: subject, field: field, sealed: Array(sealed.readableBytesView),
            key: Array(key.readableBytesView))
    }

    public func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord] {
        var binds = PostgresBindings()
        binds.append(ref ?? "")
        binds.append(Int64(max(0, limit)))
        // `COLLATE "C"`: byte order, as on SQLite, whatever the database's collation.
        let found = try await rows(PostgresQuery(
            unsafeSQL: """
                SELECT d.ref, d.subject, d.field, d.sealed, k.key FROM \(queries.schema.table("personal_data")) d
                JOIN \(queries.schema.table("personal_keys")) k ON k.subject = d.subject
                WHERE d.ref COLLATE "C" > $1 ORDER BY d.ref COLLATE "C" LIMIT $2
                """,
            binds: binds))
        return try found.map { row in
            let (ref, subject, field, sealed, key) = try row.decode((String, String, String, ByteBuffer, ByteBuffer).self)
            return PersonalDataRecord(
                ref: ref, subject: subject, field: field, sealed: Array(sealed.readableBytesView),
                key: Array(key.readableBytesView))
        }
    }

    /// Rewrites the vault's tables (`VACUUM FULL`), so that erased keys and
    /// values are no longer in their files, then asks for a `CHECKPOINT`
    /// (when the user may), after which the server can recycle the WAL
    /// segments that logged them. What this does not reach: the old files'
    /// blocks on the file system until they are reused, WAL segments the
    /// server keeps (`wal_keep_size`, replication slots), and any WAL
    /// archive, replica or backup.
    public func compact() async throws {
        try checkOpen()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.submit(.exclusive { [queries, describe] session in
                do {
                    let connection = try await session.live()
                    for table in ["personal_data", "personal_keys"] {
                        try await session.run(
                            PostgresQuery(unsafeSQL: "VACUUM (FULL) \(queries.schema.table(table))"), on: connection)
                    }
                    // A checkpoint lets the server recycle the WAL segments
                    // that logged the erased values (it needs the
                    // pg_checkpoint role or a superuser; without, the server
                    // recycles them after its next scheduled checkpoint).
                    do {
                        try await session.run("CHECKPOINT", on: connection)
                    } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
                        session.logger.info("compact: no right to CHECKPOINT; the WAL is recycled at the next scheduled one")
                    }
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: storeError(error, "cannot compact \(describe)"))
                }
            })
        }
    }

    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await withCheckedContinuation { continuation in writer.submit(.stop(continuation)) }
        clientTask.cancel()
        listener.cancel()
        _ = await clientTask.value
        _ = await listener.value
        commits.finish()
    }
}
