import CSQLite
import CaseloadCoding
import EventStore
import Foundation

extension SQLiteStatement {
    /// Reads a row of `Schema.eventColumns` (starting at column 0).
    func recordedEvent() throws -> RecordedEvent {
        let position = int64(0)
        guard let id = uuid(1) else {
            throw EventStoreError(.corrupted, "position \(position): event_id is not 16 bytes", position: position)
        }
        guard let hash = EventHash(bytes: bytes(12)) else {
            throw EventStoreError(.corrupted, "position \(position): hash is not 32 bytes", position: position)
        }
        let metadata = EventMetadata(
            occurredAt: Timestamp(microsecondsSinceEpoch: int64(6)),
            recordedAt: Timestamp(microsecondsSinceEpoch: int64(7)),
            actor: string(8), correlationID: isNull(9) ? nil : uuid(9), causationID: isNull(10) ? nil : uuid(10))
        return RecordedEvent(
            id: id, stream: StreamID(unchecked: string(2)), streamVersion: int64(3), position: position,
            type: string(4), schemaVersion: Int(int64(5)), payload: EventPayload(bytes: byteArray(11)),
            metadata: metadata, hash: hash)
    }

    func uuid(_ column: Int32) -> UUID? {
        let raw = bytes(column)
        guard raw.count == 16 else { return nil }
        var value: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: raw) }
        return UUID(uuid: value)
    }

    func bind(_ index: Int32, _ id: UUID) {
        withUnsafeBytes(of: id.uuid) { bindBlob(index, $0) }
    }

    func bind(_ index: Int32, _ id: UUID?) {
        if let id { bind(index, id) } else { bindNull(index) }
    }

    /// Binds every column of `event` for `INSERT INTO events (Schema.eventColumns)`,
    /// as the row after the first `row` rows of a multi-row insert.
    func bindInsert(_ event: RecordedEvent, row: Int = 0) {
        let base = Int32(row) * Queries.insertColumnCount
        bind(base + 1, event.position)
        bind(base + 2, event.id)
        bind(base + 3, event.stream.rawValue)
        bind(base + 4, event.streamVersion)
        bind(base + 5, event.type)
        bind(base + 6, event.schemaVersion)
        bind(base + 7, event.metadata.occurredAt.microsecondsSinceEpoch)
        bind(base + 8, event.metadata.recordedAt.microsecondsSinceEpoch)
        bind(base + 9, event.metadata.actor)
        bind(base + 10, event.metadata.correlationID)
        bind(base + 11, event.metadata.causationID)
        bindText(base + 12, event.payload.bytes)
        withUnsafeBytes(of: event.hash.words) { bindBlob(base + 13, $0) }
    }
}

/// Queries both the writer and the readers run.
enum Queries {
    static let insert = insert(rows: 1)
    static let insertColumnCount: Int32 = 13

    /// One `INSERT` of `rows` events. SQLite runs a multi-row insert with its
    /// cursors opened once, not once a row (see `WriterConnection.insertRows`).
    /// Several rows are written `OR FAIL`: a broken constraint stops the
    /// statement and keeps the rows before it, so SQLite needs no statement
    /// journal to undo them. With the default `ABORT`, or with any function
    /// call in the statement (a CHECK, a partial index's condition), it
    /// copies every existing page the statement touches into one first, and
    /// past 64 KiB into a temporary file: scattered streams (an import) then
    /// ran slower in 32-row statements than one row at a time.
    static func insert(rows: Int) -> String {
        let row = "(" + repeatElement("?", count: Int(insertColumnCount)).joined(separator: ",") + ")"
        return (rows == 1 ? "INSERT" : "INSERT OR FAIL") + " INTO events (\(Schema.eventColumns)) VALUES "
            + repeatElement(row, count: rows).joined(separator: ",")
    }
    static let head = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
    static let streamVersion =
        "SELECT stream_version FROM events WHERE stream_id = ? ORDER BY stream_version DESC LIMIT 1"
    static let byID = "SELECT \(Schema.eventColumns) FROM events WHERE event_id = ?"
    static let stream =
        "SELECT \(Schema.eventColumns) FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version LIMIT ?"

    static func head(_ db: SQLiteConnection) throws -> LogHead {
        let statement = try db.cached(head)
        defer { statement.reset() }
        guard try statement.step() else { return .empty }
        guard let hash = EventHash(bytes: statement.bytes(1)) else {
            throw EventStoreError(.corrupted, "the last event's hash is not 32 bytes", position: statement.int64(0))
        }
        return LogHead(
            position: statement.int64(0), hash: hash,
            recordedAt: Timestamp(microsecondsSinceEpoch: statement.int64(2)))
    }

    static func streamVersion(_ db: SQLiteConnection, _ stream: StreamID) throws -> Int64 {
        let statement = try db.cached(streamVersion)
        defer { statement.reset() }
        statement.bind(1, stream.rawValue)
        return try statement.step() ? statement.int64(0) : 0
    }

    static func event(_ db: SQLiteConnection, id: UUID) throws -> RecordedEvent? {
        let statement = try db.cached(byID)
        defer { statement.reset() }
        statement.bind(1, id)
        return try statement.step() ? try statement.recordedEvent() : nil
    }

    static func stream(_ db: SQLiteConnection, _ stream: StreamID, from version: Int64, limit: Int) throws -> [RecordedEvent] {
        let statement = try db.cached(Queries.stream)
        defer { statement.reset() }
        statement.bind(1, stream.rawValue)
        statement.bind(2, version)
        statement.bind(3, Int64(limit))
        var events: [RecordedEvent] = []
        while try statement.step() { events.append(try statement.recordedEvent()) }
        return events
    }

    /// The lean columns ``EventView`` needs, mapped on this thread.
    static func scan<T>(
        _ db: SQLiteConnection, _ query: LogQuery, _ terms: Schema.IndexTerms, _ transform: (EventView) throws -> T?
    ) throws -> [T] {
        let statement = try prepared(db, query, terms, columns: "position, type, schema_version, occurred_at, recorded_at, payload")
        defer { statement.reset() }
        var names = TypeNames()
        var mapped: [T] = []
        // Room for what the query can return (no more than the positions it
        // spans), made when the first value is kept: a transform that keeps
        // nothing allocates nothing.
        let span = query.upToPosition.map { max(0, $0 - query.after) } ?? Int64.max
        let expected = Int(min(Int64(min(query.limit, 65_536)), span))
        while try statement.step() {
            let view = EventView(
                position: statement.int64(0), type: names.name(statement.bytes(1)),
                schemaVersion: Int(statement.int64(2)),
                occurredAt: Timestamp(microsecondsSinceEpoch: statement.int64(3)),
                recordedAt: Timestamp(microsecondsSinceEpoch: statement.int64(4)), payload: statement.bytes(5))
            if let value = try transform(view) {
                if mapped.capacity == 0 { mapped.reserveCapacity(expected) }
                mapped.append(value)
            }
        }
        return mapped
    }

    /// The log read `query` describes. Types are bound as parameters; the SQL
    /// text depends only on which filters are present, so it caches well.
    static func log(_ db: SQLiteConnection, _ query: LogQuery, _ terms: Schema.IndexTerms) throws -> [RecordedEvent] {
        let statement = try prepared(db, query, terms, columns: Schema.eventColumns)
        defer { statement.reset() }
        var events: [RecordedEvent] = []
        events.reserveCapacity(min(query.limit, 10_000))
        while try statement.step() { events.append(try statement.recordedEvent()) }
        return events
    }

    /// The statement for `query`, prepared (cached) and bound.
    static func prepared(
        _ db: SQLiteConnection, _ query: LogQuery, _ terms: Schema.IndexTerms, columns: String
    ) throws -> SQLiteStatement {
        var sql = "SELECT \(columns) FROM events WHERE position > ?"
        if query.upToPosition != nil { sql += " AND position <= ?" }
        if query.stream != nil { sql += " AND stream_id = ?" }
        if let actor = query.actor {
            sql += " AND actor = ?"
            // Repeat the partial index's term so SQLite can prove it applies.
            if let term = terms.actors, terms.indexing.indexes(actor: actor) { sql += " AND " + term }
        }
        let types = query.types.map { $0.sorted() }
        if let types {
            // A few decision types (an audit query) use the partial type index
            // (its WHERE term repeated so SQLite can use it); other filters
            // scan in position order — the unary `+` keeps SQLite from
            // sorting most of the log through an index instead.
            let indexed = types.count <= 4 && terms.indexes(types: types)
            sql += " AND \(indexed ? "type" : "+type") IN (\(types.map { _ in "?" }.joined(separator: ",")))"
            if indexed, let term = terms.types { sql += " AND " + term }
        }
        if query.occurredAtOrBefore != nil { sql += " AND occurred_at <= ?" }
        if query.recordedAtOrBefore != nil { sql += " AND recorded_at <= ?" }
        sql += " ORDER BY position LIMIT ?"
        let statement = try db.cached(sql)
        var index: Int32 = 1
        func next() -> Int32 { defer { index += 1 }; return index }
        statement.bind(next(), query.after)
        if let bound = query.upToPosition { statement.bind(next(), bound) }
        if let stream = query.stream { statement.bind(next(), stream.rawValue) }
        if let actor = query.actor { statement.bind(next(), actor) }
        for type in types ?? [] { statement.bind(next(), type) }
        if let bound = query.occurredAtOrBefore { statement.bind(next(), bound.microsecondsSinceEpoch) }
        if let bound = query.recordedAtOrBefore { statement.bind(next(), bound.microsecondsSinceEpoch) }
        statement.bind(next(), Int64(max(0, query.limit)))
        return statement
    }
}

/// Type names read back from rows, made once each: a log has a few dozen
/// types and millions of rows, and a name over 15 bytes costs an allocation.
struct TypeNames {
    private var known: [(bytes: [UInt8], name: String)] = []

    mutating func name(_ bytes: UnsafeRawBufferPointer) -> String {
        for entry in known where entry.bytes.count == bytes.count {
            if entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
                return entry.name
            }
        }
        let name = String(decoding: bytes, as: UTF8.self)
        if known.count < 64 { known.append((Array(bytes), name)) }
        return name
    }
}
