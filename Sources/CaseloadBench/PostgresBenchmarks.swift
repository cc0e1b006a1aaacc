import Caseload
import CaseloadApplication
import CaseloadCoding
import CaseloadGenerator
import CaseloadStatistics
import EventStore
import EventStorePostgres
import EventStoreSQLite
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The PostgreSQL benchmarks of issue 14, run by `Scripts/bench-postgres`
/// (or `CaseloadBench --postgres URL`): each in a fresh schema of the
/// database at URL, dropped afterwards; medians of `--runs`.
extension Harness {
    static let postgresNames = ["pg-durable", "pg-two-processes", "pg-bulk", "pg-replay", "pg-copy"]

    /// Single-event appends per task in the durable benchmarks (64 tasks).
    var postgresAppendsPerTask: Int {
        ProcessInfo.processInfo.environment["CASELOAD_BENCH_PG_APPENDS_PER_TASK"].flatMap { Int($0) } ?? 200
    }

    /// Events of the bulk benchmark per run.
    var postgresBulkEvents: Int {
        ProcessInfo.processInfo.environment["CASELOAD_BENCH_PG_BULK_EVENTS"].flatMap { Int($0) } ?? 200_000
    }

    func runPostgres(_ url: String) async throws {
        let environment = ProcessInfo.processInfo.environment
        if let child = environment["CASELOAD_BENCH_PG_CHILD"] {
            return try await postgresChild(url, child)
        }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        printMachine()
        try await printServer(url)
        if wanted("pg-durable") { try await postgresDurable(url) }
        if wanted("pg-two-processes") { try await postgresTwoProcesses(url) }
        if wanted("pg-bulk") { try await postgresBulk(url) }
        if wanted("pg-replay") || wanted("pg-copy") { try await postgresHistory(url) }
        try writeJSON()
    }

    // MARK: The server

    /// `url` with its schema set to `schema` (any query it had is replaced).
    func schemaURL(_ url: String, _ schema: String) -> String {
        let base = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        return base + "?schema=" + schema
    }

    func connectionConfiguration(_ url: String) throws -> PostgresConnection.Configuration {
        let settings = try PostgresEventStoreConfiguration(url: url)
        return PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: .disable)
    }

    /// Runs `sql` statements on a connection of their own.
    @discardableResult
    func postgresQuery(_ url: String, _ sql: String) async throws -> [PostgresRow] {
        let logger = Logger(label: "caseload-bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let connection = try await PostgresConnection.connect(
            configuration: try connectionConfiguration(url), id: 9, logger: logger)
        defer { Task { try? await connection.close() } }
        return try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect()
    }

    func dropSchema(_ url: String, _ schema: String) async throws {
        try await postgresQuery(url, "DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    func printServer(_ url: String) async throws {
        let rows = try await postgresQuery(
            url,
            """
            SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync'),
                   current_setting('wal_sync_method'), current_setting('shared_buffers'), current_setting('max_wal_size')
            """)
        if let row = rows.first {
            let (version, synchronous, fsync, method, buffers, wal) = try row.decode((String, String, String, String, String, String).self)
            print("server: PostgreSQL \(version); synchronous_commit=\(synchronous) (the store sets it on for its writer), fsync=\(fsync), wal_sync_method=\(method), shared_buffers=\(buffers), max_wal_size=\(wal)")
            postgresServer.withLock {
                $0 = "PostgreSQL \(version), synchronous_commit=\(synchronous), fsync=\(fsync), wal_sync_method=\(method), shared_buffers=\(buffers)"
            }
        }
        print("")
    }

    func openPostgres(_ url: String) async throws -> PostgresEventStore {
        var configuration = try PostgresEventStoreConfiguration(url: url)
        // As `caseload` opens it (Marketplace.open).
        configuration.auditIndexing = .marketplace
        if ProcessInfo.processInfo.environment["CASELOAD_WRITER_STATS"] != nil { configuration.logger = Knobs.configuration.logger }
        return try await PostgresEventStore(configuration: configuration)
    }

    // MARK: Durable appends

    /// Every task's single-event appends, built before the clock starts.
    func durableWork(tasks: Int, perTask: Int, seed: UInt64, streamPrefix: String) throws -> [(StreamID, [NewEvent])] {
        try (0..<tasks).map { task in
            var ids = EventIDGenerator(seed: seed &* 1000 &+ UInt64(task) &+ 1)
            return (try StreamID("\(streamPrefix)-\(task)"), (0..<perTask).map { n in
                let at = Timestamp(secondsSinceEpoch: 1_700_000_000 + Int64(n))
                return Harness.payloadEvent(n).newEvent(id: ids.next(at: at), occurredAt: at, actor: .system("bench"))
            })
        }
    }

    /// Runs the work, each task appending one event at a time; returns each append's latency in µs.
    func appendDurably(_ store: some EventLog, _ work: [(StreamID, [NewEvent])]) async throws -> [Double] {
        var latencies: [Double] = []
        try await withThrowingTaskGroup(of: [Double].self) { group in
            for (stream, events) in work {
                group.addTask {
                    var own: [Double] = []
                    own.reserveCapacity(events.count)
                    for event in events {
                        let called = ContinuousClock.now
                        _ = try await store.append(to: stream, expected: .any, [event])
                        own.append((ContinuousClock.now - called).seconds * 1e6)
                    }
                    return own
                }
            }
            for try await own in group { latencies += own }
        }
        return latencies
    }

    func postgresDurable(_ url: String) async throws {
        var rates: [Double] = []
        var p99: [Double] = []
        var groups: [Double] = []
        var single: [Double] = []
        let perTask = postgresAppendsPerTask
        for run in 0..<options.runs {
            let schema = "bench_durable_\(getpid())_\(run)"
            let store = try await openPostgres(schemaURL(url, schema))
            let work = try durableWork(tasks: 64, perTask: perTask, seed: UInt64(run + 1), streamPrefix: "case-durable")
            let start = ContinuousClock.now
            var latencies = try await appendDurably(store, work)
            rates.append(Double(64 * perTask) / (ContinuousClock.now - start).seconds)
            let counts = store.writerStatistics
            groups.append(Double(counts.appends) / Double(max(1, counts.groups)))
            latencies.sort()
            p99.append(latencies[max(0, Int((Double(latencies.count) * 0.99).rounded(.up)) - 1)] / 1000)
            // One task alone, for comparison: the commit's round trips and fsync, unshared.
            let alone = try durableWork(tasks: 1, perTask: 300, seed: UInt64(run + 100), streamPrefix: "case-alone")
            let aloneStart = ContinuousClock.now
            _ = try await appendDurably(store, alone)
            single.append(300 / (ContinuousClock.now - aloneStart).seconds)
            await store.close()
            try await dropSchema(url, schema)
        }
        record(Figure(
            name: "PostgreSQL: durable single-event appends, 64 concurrent tasks (synchronous_commit=on)",
            unit: "events/s acknowledged", runs: rates, target: "≥ 20000", met: median(rates) >= 20_000,
            note: "\(64 * perTask) appends a run; \(postgresServer.withLock { $0 })"))
        record(Figure(
            name: "PostgreSQL: the same appends' latency, 99th percentile", unit: "ms", runs: p99,
            target: "(for comparison)", met: nil))
        record(Figure(
            name: "PostgreSQL: appends per group commit in that run", unit: "appends", runs: groups,
            target: "(for comparison)", met: nil))
        record(Figure(
            name: "PostgreSQL: one task alone, single-event appends", unit: "events/s", runs: single,
            target: "(for comparison)", met: nil))
    }

    // MARK: Two processes

    /// Two processes of this executable, each a store with 64 tasks appending
    /// single events to streams of its own, into one schema at once; the
    /// clock runs from the moment both are told to go until both are done.
    func postgresTwoProcesses(_ url: String) async throws {
        var rates: [Double] = []
        var shares: [Double] = []
        let perTask = postgresAppendsPerTask
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        for run in 0..<options.runs {
            let schema = "bench_two_\(getpid())_\(run)"
            let target = schemaURL(url, schema)
            // The schema made once, before either child opens it.
            await (try openPostgres(target)).close()
            var children: [(Process, Pipe, Pipe)] = []
            for child in 0..<2 {
                let process = Process()
                process.executableURL = binary
                process.arguments = ["--postgres", target]
                var environment = ProcessInfo.processInfo.environment
                environment["CASELOAD_BENCH_PG_CHILD"] = "\(child):\(perTask):\(run)"
                process.environment = environment
                let input = Pipe(), output = Pipe()
                process.standardInput = input
                process.standardOutput = output
                try process.run()
                children.append((process, input, output))
            }
            // Each child builds its events, opens its store and says "ready".
            for (_, _, output) in children {
                guard readLine(output.fileHandleForReading) == "ready" else { throw BenchError("a child process did not start") }
            }
            let start = ContinuousClock.now
            for (_, input, _) in children { input.fileHandleForWriting.write(Data("go\n".utf8)) }
            var own: [Double] = []
            for (process, _, output) in children {
                guard let line = readLine(output.fileHandleForReading), line.hasPrefix("done "),
                      let rate = Double(line.dropFirst(5)) else { throw BenchError("a child process failed") }
                own.append(rate)
                process.waitUntilExit()
            }
            rates.append(Double(2 * 64 * perTask) / (ContinuousClock.now - start).seconds)
            shares.append(own.min()! / own.max()!)
            try await dropSchema(url, schema)
        }
        record(Figure(
            name: "PostgreSQL: two processes appending at once, 64 tasks each, single-event appends, one database",
            unit: "events/s acknowledged (both)", runs: rates, target: "(no target)", met: nil,
            note: "\(2 * 64 * perTask) appends a run"))
        record(Figure(
            name: "PostgreSQL: the slower process's rate ÷ the faster's", unit: "×", runs: shares,
            target: "(for comparison)", met: nil))
    }

    /// A line from `handle` (without its newline), or nil at the end.
    func readLine(_ handle: FileHandle) -> String? {
        var bytes: [UInt8] = []
        while true {
            let byte = handle.readData(ofLength: 1)
            guard let first = byte.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if first == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(first)
        }
    }

    /// The child of ``postgresTwoProcesses(_:)``: `INDEX:PER_TASK:RUN`.
    func postgresChild(_ url: String, _ spec: String) async throws {
        let parts = spec.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 3 else { throw BenchError("CASELOAD_BENCH_PG_CHILD is INDEX:PER_TASK:RUN") }
        let store = try await openPostgres(url)
        let work = try durableWork(
            tasks: 64, perTask: parts[1], seed: UInt64(parts[2] * 10 + parts[0] + 1), streamPrefix: "case-p\(parts[0])")
        FileHandle.standardOutput.write(Data("ready\n".utf8))
        guard Swift.readLine() == "go" else { return }
        let start = ContinuousClock.now
        _ = try await appendDurably(store, work)
        let rate = Double(64 * parts[1]) / (ContinuousClock.now - start).seconds
        await store.close()
        FileHandle.standardOutput.write(Data("done \(rate)\n".utf8))
    }

    // MARK: Bulk appends

    /// 1,000-event appends (100 streams of 10 events), one awaited after
    /// another, as the SQLite bulk benchmark; then the lean decoded scan of
    /// what they wrote.
    func postgresBulk(_ url: String) async throws {
        var rates: [Double] = []
        var scans: [Double] = []
        let total = postgresBulkEvents
        for run in 0..<options.runs {
            let schema = "bench_bulk_\(getpid())_\(run)"
            let store = try await openPostgres(schemaURL(url, schema))
            var ids = EventIDGenerator(seed: UInt64(run + 1))
            let base = Timestamp(secondsSinceEpoch: 1_700_000_000)
            var batches: [[StreamAppend]] = []
            var n = 0
            while n < total {
                var appends: [StreamAppend] = []
                for streamStart in stride(from: n, to: min(n + 1000, total), by: 10) {
                    let events = (streamStart..<min(streamStart + 10, total)).map { k in
                        let at = base.adding(microseconds: Int64(k) * 1000)
                        return Self.payloadEvent(k).newEvent(id: ids.next(at: at), occurredAt: at, actor: .client("k\(k / 10)"))
                    }
                    appends.append(StreamAppend(stream: try StreamID("case-c\(1_000_000 + streamStart / 10)"), expected: .any, events: events))
                }
                batches.append(appends)
                n += 1000
            }
            let start = ContinuousClock.now
            for appends in batches { _ = try await store.append(appends) }
            rates.append(Double(total) / (ContinuousClock.now - start).seconds)
            batches.removeAll()
            let scanStart = ContinuousClock.now
            var decoded = 0
            try await DecodedLog.forEachChunk(store, query: LogQuery(), tuning: Knobs.replay) { chunk, _, _ in decoded += chunk.count }
            precondition(decoded == total)
            scans.append(Double(decoded) / (ContinuousClock.now - scanStart).seconds)
            await store.close()
            try await dropSchema(url, schema)
        }
        record(Figure(
            name: "PostgreSQL: bulk append, 1,000-event batches one after another (hash chain, v7 ids, synchronous_commit=on)",
            unit: "events/s", runs: rates, target: "≥ 100000", met: median(rates) >= 100_000, note: "\(total) events a run"))
        record(Figure(
            name: "PostgreSQL: lean decoded scan of that log (typed events, as replays read)", unit: "events/s",
            runs: scans, target: "(for comparison)", met: nil))
    }

    // MARK: A history: copy in, replay, copy out

    /// A generated marketplace history of about `--size` events in SQLite,
    /// copied into PostgreSQL (`caseload copy`'s code), replayed from there
    /// into all statistics, and copied back into a new SQLite file.
    func postgresHistory(_ url: String) async throws {
        let parameters = historyParameters()
        let source = path("history.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: source + suffix) }
        var configuration = Knobs.storeConfiguration()
        configuration.durability = .normal
        let generated = try SQLiteEventStore(path: source, configuration: configuration)
        let summary = try await HistoryGenerator(parameters: parameters).generate(into: generated)
        await generated.close()
        print("history: \(summary.events) events (\(parameters.therapists) therapists, \(parameters.months) months, profile views on)")

        func marketplace(_ location: String) async throws -> Marketplace {
            try await Marketplace.open(Knobs.configuration.with(store: .init(parsing: location)))
        }
        var copyIn: [Double] = []
        var copyInWhole: [Double] = []
        var copyOut: [Double] = []
        var copyOutWhole: [Double] = []
        var replays: [Double] = []
        let schema = "bench_history_\(getpid())"
        let target = schemaURL(url, schema)
        for run in 0..<(wanted("pg-copy") ? options.runs : 1) {
            try await dropSchema(url, schema)
            /// One whole copy, checked; its events/s and its whole run's.
            func copyWhole(_ source: String, _ target: String, _ what: String) async throws -> (events: Double, whole: Double) {
                let from = try await marketplace(source)
                let to = try await marketplace(target)
                let copied = try await to.copy(from: from)
                guard copied.verification.firstBadPosition == nil, copied.eventsCopied == summary.events else {
                    throw BenchError("the copy \(what) is not whole: \(copied)")
                }
                await from.close()
                await to.close()
                return (copied.eventsPerSecond, Double(copied.eventsCopied) / copied.seconds)
            }
            let into = try await copyWhole(source, target, "into PostgreSQL")
            copyIn.append(into.events)
            copyInWhole.append(into.whole)
            if wanted("pg-copy") {
                let back = path("back-\(run).sqlite")
                let out = try await copyWhole(target, back, "out of PostgreSQL")
                copyOut.append(out.events)
                copyOutWhole.append(out.whole)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: back + suffix) }
            }
        }
        if wanted("pg-replay") {
            let store = try await openPostgres(target)
            for _ in 0..<options.runs {
                let start = ContinuousClock.now
                let facts = try await StatisticsProjection(store: store, tuning: Knobs.replay).rebuild()
                replays.append(Double(facts.checkpoint) / (ContinuousClock.now - start).seconds)
            }
            await store.close()
            record(Figure(
                name: "PostgreSQL: full replay into all statistics (rebuild and save)", unit: "events/s", runs: replays,
                target: "≥ 1000000", met: median(replays) >= 1_000_000, note: "\(summary.events) events"))
        }
        if wanted("pg-copy") {
            record(Figure(
                name: "copy SQLite → PostgreSQL (caseload copy), events phase", unit: "events/s", runs: copyIn,
                target: "(figure)", met: nil, note: "\(summary.events) events"))
            record(Figure(
                name: "copy SQLite → PostgreSQL, whole run (vault, verify included)", unit: "events/s", runs: copyInWhole,
                target: "(figure)", met: nil))
            record(Figure(
                name: "copy PostgreSQL → SQLite (caseload copy), events phase", unit: "events/s", runs: copyOut,
                target: "(figure)", met: nil, note: "\(summary.events) events"))
            record(Figure(
                name: "copy PostgreSQL → SQLite, whole run (vault, verify included)", unit: "events/s", runs: copyOutWhole,
                target: "(figure)", met: nil))
        }
        try await dropSchema(url, schema)
    }
}

/// The server's version and settings, printed and noted beside the first figure.
let postgresServer = Mutex("")

extension CaseloadConfiguration {
    func with(store: StoreLocation) -> CaseloadConfiguration {
        var configuration = self
        configuration.store = store
        return configuration
    }
}
