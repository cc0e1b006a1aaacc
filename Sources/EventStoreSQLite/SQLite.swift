import CSQLite
import EventStore
import Foundation

/// A thin wrapper over one SQLite connection, in the manner of GRDB's
/// `Database`: statements are finalized in `deinit`, the connection is closed
/// in `deinit`, and the type is deliberately not `Sendable` — each connection
/// is owned by one thread at a time (the writer thread, or a reader checked out
/// of the pool).
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: SQLiteStatement] = [:]

    /// SQLite's "transient" destructor: SQLite copies the bound bytes.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Library-wide settings, applied once before the first connection opens
    /// (SQLite accepts them only before it initializes).
    private static let libraryConfigured: Int32 = caseload_sqlite3_disable_memstatus()

    /// `immutable` (read-only only) tells SQLite that nothing changes the
    /// file while it is open, so it reads a WAL-mode file without its shared
    /// memory file: the way to read a log on a read-only mount or in a
    /// directory one cannot write to, where that file cannot be created.
    init(path: String, readOnly: Bool = false, immutable: Bool = false, create: Bool) throws {
        _ = Self.libraryConfigured
        var flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var handle: OpaquePointer?
        let code: Int32
        if immutable && readOnly {
            // A URI filename: the path percent-encoded where URI syntax would read it.
            var encoded = ""
            for character in path.unicodeScalars {
                switch character {
                case "%", "?", "#": encoded += String(format: "%%%02X", character.value)
                default: encoded.unicodeScalars.append(character)
                }
            }
            code = sqlite3_open_v2("file:\(encoded)?immutable=1", &handle, flags | SQLITE_OPEN_URI, nil)
        } else {
            code = sqlite3_open_v2(path, &handle, flags, nil)
        }
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite3_close_v2(handle) }
            throw EventStoreError(
                code == SQLITE_CANTOPEN ? .databaseNotFound : .storageFailure,
                "cannot open database '\(path)': \(message)")
        }
        self.handle = handle
        self.path = path
        sqlite3_extended_result_codes(handle, 1)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ code: Int32, _ context: String) -> EventStoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        let primary = code & 0xFF
        let kind: EventStoreError.Code = primary == SQLITE_NOTADB ? .notAnEventStore
            : primary == SQLITE_CORRUPT ? .corrupted : .storageFailure
        let hint = primary == SQLITE_BUSY ? " (another process holds the write lock; raise the busy timeout or retry)" : ""
        // A damaged page can be met by any query: the message names the file.
        let file = primary == SQLITE_CORRUPT ? "'\(path)' is corrupt: " : ""
        return EventStoreError(kind, "\(file)\(context): \(message)\(hint) [SQLite \(code)]", underlying: SQLiteCode(code: code))
    }

    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if let errorMessage { sqlite3_free(errorMessage) }
        guard code == SQLITE_OK else { throw error(code, "SQL '\(sql.prefix(60))' failed") }
    }

    /// A prepared statement for `sql`, reused across calls (reset, bindings cleared).
    func cached(_ sql: String) throws -> SQLiteStatement {
        if let statement = statements[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statements[sql] = statement
        return statement
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        guard code == SQLITE_OK, let pointer else { throw error(code, "cannot prepare '\(sql.prefix(80))'") }
        return SQLiteStatement(pointer, connection: self)
    }

    /// The first column of the first row of `sql`, as an integer.
    func integer(_ sql: String) throws -> Int64? {
        let statement = try cached(sql)
        defer { statement.reset() }
        return try statement.step() ? (statement.isNull(0) ? nil : statement.int64(0)) : nil
    }

    var changes: Int32 { sqlite3_changes(handle) }
}

/// An SQLite result code, kept as the underlying error.
struct SQLiteCode: Error, Sendable {
    var code: Int32
}

/// A prepared statement; finalized when released.
final class SQLiteStatement {
    let pointer: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ pointer: OpaquePointer, connection: SQLiteConnection) {
        self.pointer = pointer
        self.connection = connection
    }

    deinit { sqlite3_finalize(pointer) }

    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
    }

    /// Steps once: true when a row is available, false when done.
    @discardableResult
    func step() throws -> Bool {
        let code = sqlite3_step(pointer)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(code, "statement failed")
            sqlite3_reset(pointer)
            throw error
        }
    }

    /// Steps and returns the raw result code (for callers that handle constraints).
    func stepCode() -> Int32 { sqlite3_step(pointer) }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(pointer, index, value) }
    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(pointer, index, Int64(value)) }
    func bindNull(_ index: Int32) { sqlite3_bind_null(pointer, index) }

    func bind(_ index: Int32, _ value: String) {
        var value = value
        value.withUTF8 { buffer in
            _ = sqlite3_bind_text(
                pointer, index, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self),
                Int32(buffer.count), SQLiteConnection.transient)
        }
    }

    func bindText(_ index: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            _ = sqlite3_bind_text(
                pointer, index, UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                Int32(buffer.count), SQLiteConnection.transient)
        }
    }

    func bindBlob(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        _ = sqlite3_bind_blob(pointer, index, bytes.baseAddress, Int32(bytes.count), SQLiteConnection.transient)
    }

    /// Binds bytes without copying them: they must stay put until the
    /// statement has stepped (a large projection state need not be doubled).
    func bindBlobNoCopy(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        _ = sqlite3_bind_blob64(pointer, index, bytes.baseAddress, sqlite3_uint64(bytes.count), nil)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(pointer, column) }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(pointer, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(pointer, column))), as: UTF8.self)
    }

    /// The column's bytes (text or blob), valid until the next step.
    func bytes(_ column: Int32) -> UnsafeRawBufferPointer {
        // Blob pointer first, then its size: the order SQLite documents as safe.
        guard let base = sqlite3_column_blob(pointer, column) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base, count: Int(sqlite3_column_bytes(pointer, column)))
    }

    func byteArray(_ column: Int32) -> [UInt8] { Array(bytes(column)) }
}
