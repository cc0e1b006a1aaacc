import Foundation
import GRDB
import GRDBSQLite

func schemaSQL(eventIDUnique: Bool) -> String {
    """
    CREATE TABLE events(
      position INTEGER PRIMARY KEY,
      event_id BLOB NOT NULL\(eventIDUnique ? " UNIQUE" : ""),
      stream_id TEXT NOT NULL,
      stream_version INTEGER NOT NULL,
      type TEXT NOT NULL,
      schema_version INTEGER NOT NULL,
      occurred_at INTEGER NOT NULL,
      recorded_at INTEGER NOT NULL,
      actor TEXT NOT NULL,
      correlation_id BLOB, causation_id BLOB,
      payload TEXT NOT NULL,
      hash BLOB NOT NULL,
      UNIQUE(stream_id, stream_version));
    """
}

let insertSQL = """
    INSERT INTO events(position, event_id, stream_id, stream_version, type, schema_version,
      occurred_at, recorded_at, actor, correlation_id, causation_id, payload, hash)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
    """

let batchSize = 1_000

/// Ends every timed append, so all variants pay for moving the WAL into the
/// database file (with a large wal_autocheckpoint most of it is still there).
let finalCheckpoint = "PRAGMA wal_checkpoint(TRUNCATE)"

struct AppendOptions: Hashable {
    var hashing = true
    var eventIDUnique = true
    var label: String {
        switch (hashing, eventIDUnique) {
        case (true, true): "hash + UNIQUE(event_id)"
        case (false, true): "no hash"
        case (true, false): "no UNIQUE(event_id)"
        case (false, false): "no hash, no UNIQUE(event_id)"
        }
    }
}

enum AppendMethod: String, CaseIterable {
    /// sqlite3_bind_* / step / reset on a connection we open ourselves, with
    /// SQLITE_OPEN_NOMUTEX like GRDB.
    case raw = "raw C API"
    /// The same in SQLite's default serialized mode (no NOMUTEX): the price
    /// of forgetting the flag in a thin wrapper.
    case rawSerialized = "raw C API, serialized mode"
    /// GRDB `Statement`: setUncheckedArguments + execute, one
    /// writeWithoutTransaction holding 1,000 inTransaction blocks.
    case grdbStatement = "GRDB Statement setUncheckedArguments+execute"
    /// GRDB `Statement.execute(arguments:)` (temporary SQLITE_STATIC bindings).
    case grdbExecuteArguments = "GRDB Statement execute(arguments:)"
    /// One `dbPool.write` per 1,000-event batch, `db.cachedStatement`,
    /// setUncheckedArguments + execute: the per-batch dispatch a writer pays.
    case grdbWritePerBatch = "GRDB dbPool.write per batch + cachedStatement"
    /// Raw sqlite3_* calls on `db.sqliteConnection`, transactions by GRDB.
    case grdbRaw = "GRDB + raw C on db.sqliteConnection"
}

@inline(__always)
func nowMicros() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
}

@inline(__always)
func bindTextTransient(_ stmt: OpaquePointer, _ index: Int32, _ text: String) {
    var text = text
    text.withUTF8 { utf8 in
        _ = sqlite3_bind_text(
            stmt, index, UnsafeRawPointer(utf8.baseAddress!).assumingMemoryBound(to: CChar.self),
            Int32(utf8.count), SQLITE_TRANSIENT_)
    }
}

@inline(__always)
func bindOptionalID(_ stmt: OpaquePointer, _ index: Int32, _ id: UnsafeRawPointer?) {
    if let id {
        sqlite3_bind_blob(stmt, index, id, 16, SQLITE_STATIC_)
    } else {
        sqlite3_bind_null(stmt, index)
    }
}

/// One INSERT through the C API. Blobs and the payload point into stable
/// buffers (SQLITE_STATIC); Swift strings are bound SQLITE_TRANSIENT.
@inline(__always)
func rawInsert(
    _ db: OpaquePointer, _ ins: OpaquePointer, _ inputs: Inputs, _ i: Int,
    position: Int64, recordedAt: Int64, hash: UnsafeRawPointer
) throws {
    sqlite3_bind_int64(ins, 1, position)
    sqlite3_bind_blob(ins, 2, inputs.eventID(i), 16, SQLITE_STATIC_)
    bindTextTransient(ins, 3, inputs.streams[i])
    sqlite3_bind_int64(ins, 4, inputs.streamVersions[i])
    bindTextTransient(ins, 5, inputs.type(i))
    sqlite3_bind_int64(ins, 6, 1)
    sqlite3_bind_int64(ins, 7, inputs.occurredAt[i])
    sqlite3_bind_int64(ins, 8, recordedAt)
    bindTextTransient(ins, 9, inputs.actors[i])
    bindOptionalID(ins, 10, inputs.correlationID(i))
    bindOptionalID(ins, 11, inputs.causationID(i))
    let payload = inputs.payload(i)
    sqlite3_bind_text(
        ins, 12, payload.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(payload.count), SQLITE_STATIC_)
    sqlite3_bind_blob(ins, 13, hash, 32, SQLITE_STATIC_)
    try rawRun(db, ins)
}

/// The GRDB way: a StatementArguments of DatabaseValueConvertible values.
/// The payload has to become a String to be stored as TEXT.
@inline(__always)
func grdbArguments(_ inputs: Inputs, _ i: Int, position: Int64, recordedAt: Int64, hash: UnsafeRawPointer)
    -> StatementArguments
{
    let payload = inputs.payload(i)
    return [
        position,
        Data(bytes: inputs.eventID(i), count: 16),
        inputs.streams[i],
        inputs.streamVersions[i],
        inputs.type(i),
        Int64(1),
        inputs.occurredAt[i],
        recordedAt,
        inputs.actors[i],
        inputs.correlationID(i).map { Data(bytes: $0, count: 16) },
        inputs.causationID(i).map { Data(bytes: $0, count: 16) },
        String(decoding: payload.assumingMemoryBound(to: UInt8.self), as: UTF8.self),
        Data(bytes: hash, count: 32),
    ]
}

/// GRDB's default configuration plus the same page cache the raw paths get.
func grdbConfiguration(bulk: Bool = false) -> Configuration {
    var config = Configuration()
    let pragma = setupPragmas(bulk: bulk)
    config.prepareDatabase { db in try db.execute(sql: pragma) }
    return config
}

func makePool(_ path: String, synchronous: String, bulk: Bool = false) throws -> DatabasePool {
    let pool = try DatabasePool(path: path, configuration: grdbConfiguration(bulk: bulk))
    // DatabasePool sets WAL + synchronous=NORMAL itself; set it explicitly anyway
    // (and FULL for the durable test) after the pool is open.
    try pool.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA synchronous=\(synchronous)")
    }
    return pool
}

struct Measurement {
    var seconds: Double
    var cpuSeconds: Double
}

@inline(__always) func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

@inline(__always) func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func timed(_ body: () throws -> Void) rethrows -> Measurement {
    let c0 = processCPUSeconds()
    let t0 = monotonicSeconds()
    try body()
    let t1 = monotonicSeconds()
    let c1 = processCPUSeconds()
    return Measurement(seconds: t1 - t0, cpuSeconds: c1 - c0)
}

/// Appends all `inputs` to a fresh database at `path` with `method`. The timed
/// region is the appends plus a final TRUNCATE checkpoint (connection open and
/// schema excluded).
func runAppend(_ method: AppendMethod, _ options: AppendOptions, inputs: Inputs, path: String) throws -> Measurement {
    let n = inputs.count
    var chain = HashChainer()
    defer { chain.deallocate() }
    let hash = UnsafeRawPointer(chain.current.baseAddress!)
    var measurement: Measurement

    switch method {
    case .raw, .rawSerialized:
        let db = try rawOpen(path, noMutex: method != .rawSerialized, bulk: true)
        defer { rawClose(db) }
        try rawExec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        try rawExec(db, schemaSQL(eventIDUnique: options.eventIDUnique))
        let ins = try rawPrepare(db, insertSQL)
        let begin = try rawPrepare(db, "BEGIN IMMEDIATE")
        let commit = try rawPrepare(db, "COMMIT")
        defer { for s in [ins, begin, commit] { sqlite3_finalize(s) } }
        measurement = try timed {
            var start = 0
            while start < n {
                let end = min(start + batchSize, n)
                let recordedAt = nowMicros()
                try rawRun(db, begin)
                for i in start ..< end {
                    let position = Int64(i + 1)
                    if options.hashing { chain.advance(inputs, i, position: position, recordedAt: recordedAt) }
                    try rawInsert(db, ins, inputs, i, position: position, recordedAt: recordedAt, hash: hash)
                }
                try rawRun(db, commit)
                start = end
            }
            try rawExec(db, finalCheckpoint)
        }

    case .grdbStatement, .grdbExecuteArguments, .grdbRaw:
        let pool = try makePool(path, synchronous: "NORMAL", bulk: true)
        defer { try? pool.close() }
        try pool.write { db in try db.execute(sql: schemaSQL(eventIDUnique: options.eventIDUnique)) }
        measurement = try timed {
            try pool.writeWithoutTransaction { db in
                let statement = try db.makeStatement(sql: insertSQL)
                let connection = db.sqliteConnection!
                let ins = try rawPrepare(connection, insertSQL)
                defer { sqlite3_finalize(ins) }
                var start = 0
                while start < n {
                    let end = min(start + batchSize, n)
                    let recordedAt = nowMicros()
                    try db.inTransaction(.immediate) {
                        for i in start ..< end {
                            let position = Int64(i + 1)
                            if options.hashing {
                                chain.advance(inputs, i, position: position, recordedAt: recordedAt)
                            }
                            switch method {
                            case .grdbStatement:
                                statement.setUncheckedArguments(
                                    grdbArguments(inputs, i, position: position, recordedAt: recordedAt, hash: hash))
                                try statement.execute()
                            case .grdbExecuteArguments:
                                try statement.execute(
                                    arguments: grdbArguments(
                                        inputs, i, position: position, recordedAt: recordedAt, hash: hash))
                            default:
                                try rawInsert(
                                    connection, ins, inputs, i, position: position, recordedAt: recordedAt, hash: hash)
                            }
                        }
                        return .commit
                    }
                    start = end
                }
                try db.execute(sql: finalCheckpoint)
            }
        }

    case .grdbWritePerBatch:
        let pool = try makePool(path, synchronous: "NORMAL", bulk: true)
        defer { try? pool.close() }
        try pool.write { db in try db.execute(sql: schemaSQL(eventIDUnique: options.eventIDUnique)) }
        measurement = try timed {
            var start = 0
            while start < n {
                let end = min(start + batchSize, n)
                let recordedAt = nowMicros()
                try pool.write { db in
                    let statement = try db.cachedStatement(sql: insertSQL)
                    for i in start ..< end {
                        let position = Int64(i + 1)
                        if options.hashing { chain.advance(inputs, i, position: position, recordedAt: recordedAt) }
                        statement.setUncheckedArguments(
                            grdbArguments(inputs, i, position: position, recordedAt: recordedAt, hash: hash))
                        try statement.execute()
                    }
                }
                start = end
            }
            try pool.writeWithoutTransaction { db in try db.execute(sql: finalCheckpoint) }
        }
    }
    try verifyAppend(path: path, expected: n)
    return measurement
}

/// Checks row count and position range after each run (outside the timing).
func verifyAppend(path: String, expected: Int) throws {
    let db = try rawOpen(path)
    defer { rawClose(db) }
    let summary = try rawScalarText(
        db, "SELECT count(*) || ',' || min(position) || ',' || max(position) || ',' || sum(length(hash)=32) FROM events")
    let want = "\(expected),1,\(expected),\(expected)"
    guard summary == want else { throw SQLiteFailure(description: "verify: got \(summary), want \(want)") }
}
