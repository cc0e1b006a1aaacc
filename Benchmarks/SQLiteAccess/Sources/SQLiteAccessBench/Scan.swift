import Foundation
import GRDB
import GRDBSQLite

/// What a replay materialises per row: strings as String, the payload copied
/// into [UInt8], ids as UUID, the hash as four words.
struct ScannedEvent {
    var position: Int64
    var id: UUID
    var stream: String
    var streamVersion: Int64
    var type: String
    var schemaVersion: Int
    var occurredAt: Int64
    var recordedAt: Int64
    var actor: String
    var correlationID: UUID?
    var causationID: UUID?
    var payload: [UInt8]
    var hash: (UInt64, UInt64, UInt64, UInt64)
}

/// Folds every field of every row, so nothing is optimised away and the three
/// paths can be checked to have read the same data.
struct ScanChecksum: Equatable {
    var rows = 0
    var acc: UInt64 = 0

    @inline(never)
    mutating func consume(_ e: ScannedEvent) {
        rows += 1
        var h = acc &* 0x100_0000_01B3
        h ^= UInt64(bitPattern: e.position) &+ UInt64(bitPattern: e.streamVersion) &* 31
        h ^= UInt64(e.stream.utf8.count) &+ UInt64(e.type.utf8.count) << 8 &+ UInt64(e.actor.utf8.count) << 16
        h ^= UInt64(bitPattern: e.occurredAt) ^ UInt64(bitPattern: e.recordedAt) >> 3 ^ UInt64(e.schemaVersion)
        h ^= UInt64(e.id.uuid.0) << 24 ^ UInt64(e.correlationID?.uuid.15 ?? 7) << 32 ^ UInt64(e.causationID?.uuid.3 ?? 9) << 40
        h ^= UInt64(e.payload.count) << 48 ^ UInt64(e.payload[e.payload.count / 2])
        h ^= e.hash.0 ^ e.hash.3
        h ^= UInt64(e.stream.utf8.last ?? 0) ^ UInt64(e.actor.utf8.last ?? 0) << 4
        acc = h
    }
}

let scanSQL = """
    SELECT position, event_id, stream_id, stream_version, type, schema_version, occurred_at,
      recorded_at, actor, correlation_id, causation_id, payload, hash
    FROM events ORDER BY position
    """

enum ScanMethod: String, CaseIterable {
    case raw = "raw C API"
    case rawSerialized = "raw C API, serialized mode"
    case grdbRowCursor = "GRDB Row.fetchCursor, columns by index"
    case grdbRaw = "GRDB + raw C on db.sqliteConnection (dbPool.read)"
}

@inline(__always)
func columnString(_ stmt: OpaquePointer, _ i: Int32) -> String {
    guard let text = sqlite3_column_text(stmt, i) else { return "" }
    let count = Int(sqlite3_column_bytes(stmt, i))
    return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
}

@inline(__always)
func columnUUID(_ stmt: OpaquePointer, _ i: Int32) -> UUID? {
    guard sqlite3_column_bytes(stmt, i) == 16, let bytes = sqlite3_column_blob(stmt, i) else { return nil }
    return UUID(uuid: bytes.loadUnaligned(as: uuid_t.self))
}

/// The thin-wrapper scan: step and read columns straight from the statement.
func rawScan(_ db: OpaquePointer) throws -> ScanChecksum {
    let stmt = try rawPrepare(db, scanSQL)
    defer { sqlite3_finalize(stmt) }
    var checksum = ScanChecksum()
    while true {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { break }
        guard rc == SQLITE_ROW else { throw fail(db, rc, "scan step") }
        let payloadCount = Int(sqlite3_column_bytes(stmt, 11))
        let payloadBytes = sqlite3_column_blob(stmt, 11)
        let payload = [UInt8](UnsafeRawBufferPointer(start: payloadBytes, count: payloadCount))
        let hashBytes = sqlite3_column_blob(stmt, 12)!
        precondition(sqlite3_column_bytes(stmt, 12) == 32)
        let event = ScannedEvent(
            position: sqlite3_column_int64(stmt, 0),
            id: columnUUID(stmt, 1)!,
            stream: columnString(stmt, 2),
            streamVersion: sqlite3_column_int64(stmt, 3),
            type: columnString(stmt, 4),
            schemaVersion: Int(sqlite3_column_int64(stmt, 5)),
            occurredAt: sqlite3_column_int64(stmt, 6),
            recordedAt: sqlite3_column_int64(stmt, 7),
            actor: columnString(stmt, 8),
            correlationID: columnUUID(stmt, 9),
            causationID: columnUUID(stmt, 10),
            payload: payload,
            hash: hashBytes.loadUnaligned(as: (UInt64, UInt64, UInt64, UInt64).self))
        checksum.consume(event)
    }
    return checksum
}

/// The GRDB scan: a Row cursor, values decoded by column index with GRDB's
/// own conversions (UUID from a 16-byte blob, String, Int64), and the blobs
/// read without an intermediate Data copy through `withUnsafeData`.
func grdbRowScan(_ db: Database) throws -> ScanChecksum {
    var checksum = ScanChecksum()
    let rows = try Row.fetchCursor(db, sql: scanSQL)
    while let row = try rows.next() {
        let payload = try row.withUnsafeData(atIndex: 11) { data in
            data!.withUnsafeBytes { [UInt8]($0) }
        }
        let hash = try row.withUnsafeData(atIndex: 12) { data in
            data!.withUnsafeBytes { $0.loadUnaligned(as: (UInt64, UInt64, UInt64, UInt64).self) }
        }
        let event = ScannedEvent(
            position: row[0],
            id: row[1],
            stream: row[2],
            streamVersion: row[3],
            type: row[4],
            schemaVersion: row[5],
            occurredAt: row[6],
            recordedAt: row[7],
            actor: row[8],
            correlationID: row[9],
            causationID: row[10],
            payload: payload,
            hash: hash)
        checksum.consume(event)
    }
    return checksum
}

func runScan(_ method: ScanMethod, path: String) throws -> (Measurement, ScanChecksum) {
    var checksum = ScanChecksum()
    switch method {
    case .raw, .rawSerialized:
        let db = try rawOpen(path, noMutex: method != .rawSerialized, readOnly: true)
        defer { rawClose(db) }
        let m = try timed { checksum = try rawScan(db) }
        return (m, checksum)
    case .grdbRowCursor, .grdbRaw:
        let pool = try DatabasePool(path: path, configuration: grdbConfiguration())
        defer { try? pool.close() }
        let m = try timed {
            checksum = try pool.read { db in
                method == .grdbRowCursor ? try grdbRowScan(db) : try rawScan(db.sqliteConnection!)
            }
        }
        return (m, checksum)
    }
}
