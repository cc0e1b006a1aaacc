import GRDBSQLite

// The "thin wrapper over the SQLite C API": just enough to open, exec, prepare
// and fail loudly. The hot loops call sqlite3_* directly.

/// SQLITE_STATIC / SQLITE_TRANSIENT are C macros casting 0 / -1 to a function
/// pointer; Swift cannot import them.
let SQLITE_STATIC_: sqlite3_destructor_type? = nil
nonisolated(unsafe) let SQLITE_TRANSIENT_ = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

struct SQLiteFailure: Error, CustomStringConvertible {
    var description: String
}

@inline(never)
func fail(_ db: OpaquePointer?, _ rc: Int32, _ what: String) -> SQLiteFailure {
    let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "?"
    return SQLiteFailure(description: "\(what): rc=\(rc) \(message)")
}

/// Page cache per connection, in KiB, applied to every connection of every
/// path (raw and GRDB alike) right after it opens. SQLite's default is 2000 KiB,
/// far below the two random-order UNIQUE indexes of a 1M-event log (~70 MB).
nonisolated(unsafe) var cacheSizeKiB = 131_072
/// `PRAGMA wal_autocheckpoint` (pages) for the bulk-append connections only;
/// 0 keeps SQLite's default of 1000. See RESULTS.md for why the bulk test
/// raises it, and for the figures at the default.
nonisolated(unsafe) var bulkAutocheckpoint = 100_000

/// The pragmas every connection runs right after opening.
func setupPragmas(bulk: Bool) -> String {
    "PRAGMA cache_size=-\(cacheSizeKiB)"
        + (bulk && bulkAutocheckpoint > 0 ? "; PRAGMA wal_autocheckpoint=\(bulkAutocheckpoint)" : "")
}

/// Opens a connection with the flags GRDB uses: SQLITE_OPEN_NOMUTEX
/// (multi-thread mode; GRDB's SerializedDatabase forces it, since each
/// connection is only used from its own serial queue), unless `noMutex` is
/// false, which leaves the library's compiled default (serialized on Debian:
/// a mutex around every sqlite3_* call). `readOnly` opens with
/// SQLITE_OPEN_READONLY, as GRDB's pool readers do.
func rawOpen(_ path: String, noMutex: Bool = true, readOnly: Bool = false, bulk: Bool = false) throws -> OpaquePointer {
    var db: OpaquePointer?
    var flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
    if noMutex { flags |= SQLITE_OPEN_NOMUTEX }
    let rc = sqlite3_open_v2(path, &db, flags, nil)
    guard rc == SQLITE_OK, let db else { throw fail(db, rc, "open \(path)") }
    try rawExec(db, setupPragmas(bulk: bulk))
    return db
}

func rawExec(_ db: OpaquePointer, _ sql: String) throws {
    let rc = sqlite3_exec(db, sql, nil, nil, nil)
    guard rc == SQLITE_OK else { throw fail(db, rc, sql) }
}

func rawPrepare(_ db: OpaquePointer, _ sql: String) throws -> OpaquePointer {
    var stmt: OpaquePointer?
    let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
    guard rc == SQLITE_OK, let stmt else { throw fail(db, rc, "prepare \(sql)") }
    return stmt
}

/// Steps a statement that returns no row (BEGIN, COMMIT, INSERT), then resets it.
@inline(__always)
func rawRun(_ db: OpaquePointer, _ stmt: OpaquePointer) throws {
    let rc = sqlite3_step(stmt)
    guard rc == SQLITE_DONE else {
        sqlite3_reset(stmt)
        throw fail(db, rc, "step")
    }
    sqlite3_reset(stmt)
}

func rawScalarText(_ db: OpaquePointer, _ sql: String) throws -> String {
    let stmt = try rawPrepare(db, sql)
    defer { sqlite3_finalize(stmt) }
    guard sqlite3_step(stmt) == SQLITE_ROW, let text = sqlite3_column_text(stmt, 0) else {
        throw fail(db, 0, sql)
    }
    return String(cString: text)
}

func rawClose(_ db: OpaquePointer) {
    let rc = sqlite3_close_v2(db)
    precondition(rc == SQLITE_OK, "close: \(rc)")
}
