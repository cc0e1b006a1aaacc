import CaseloadCoding
import EventStore
import Foundation
import PostgresNIO

/// The SQL both the writer and the readers run, over one schema.
struct Queries: Sendable {
    let schema: Schema

    init(schema: Schema) { self.schema = schema }

    private var events: String { schema.table("events") }

    var lockHead: PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT position, hash, recorded_at FROM \(schema.table("head")) FOR UPDATE")
    }

    var readHead: PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT position, hash, recorded_at FROM \(schema.table("head"))")
    }

    /// The channel each commit is announced on (`NOTIFY`, delivered at
    /// commit), so that stores in other processes wake their subscribers.
    var commitChannel: String { "caseload_commits_\(schema.name)" }

    /// Moves the head and announces it on ``commitChannel``.
    func updateHead(_ head: LogHead) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 4)
        binds.append(head.position)
        binds.append(ByteBuffer(bytes: head.hash.bytes))
        binds.append(head.recordedAt?.microsecondsSinceEpoch)
        binds.append(commitChannel)
        return PostgresQuery(
            unsafeSQL: """
                WITH moved AS (UPDATE \(schema.table("head")) SET position = $1, hash = $2, recorded_at = $3 RETURNING position)
                SELECT pg_notify($4, position::text) FROM moved
                """,
            binds: binds)
    }

    /// The current version of one stream: one step down the (stream_id,
    /// stream_version) index. (`max(…) … GROUP BY` would read every entry
    /// of the stream: PostgreSQL's min/max shortcut skips grouped queries.)
    private var latestVersion: String {
        "(SELECT stream_version FROM \(events) e WHERE e.stream_id = s.id ORDER BY stream_version DESC LIMIT 1)"
    }

    /// The current version of each of `streams` (NULL: no events).
    func streamVersions(_ streams: [String]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 1)
        binds.append(streams)
        return PostgresQuery(unsafeSQL: "SELECT s.id, \(latestVersion) FROM unnest($1::text[]) AS s(id)", binds: binds)
    }

    /// What planning a group needs, in one round trip: a row per stream
    /// (position NULL, stream_id, its version or NULL), then the committed
    /// events among `ids` (as `Schema.eventColumns`).
    func planningReads(streams: [String], ids: [UUID]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 2)
        binds.append(streams)
        binds.append(ids)
        return PostgresQuery(
            unsafeSQL: """
                SELECT NULL::bigint, NULL::uuid, s.id, \(latestVersion), NULL::text, NULL::integer, NULL::bigint, \
                NULL::bigint, NULL::text, NULL::uuid, NULL::uuid, NULL::bytea, NULL::bytea FROM unnest($1::text[]) AS s(id)
                UNION ALL
                SELECT \(Schema.eventColumns) FROM \(events) WHERE event_id = ANY($2)
                """,
            binds: binds)
    }

    func event(id: UUID) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 1)
        binds.append(id)
        return PostgresQuery(unsafeSQL: "SELECT \(Schema.eventColumns) FROM \(events) WHERE event_id = $1", binds: binds)
    }

    func stream(_ stream: StreamID, from version: Int64, limit: Int) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 3)
        binds.append(stream.rawValue)
        binds.append(version)
        binds.append(Int64(max(0, limit)))
        return PostgresQuery(
            unsafeSQL: "SELECT \(Schema.eventColumns) FROM \(events) WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version LIMIT $3",
            binds: binds)
    }

    /// Inserts `rows` in one statement: each column is bound as one array and
    /// `unnest` turns the arrays back into rows, so the statement's text is
    /// the same for any number of rows. PostgreSQL arrays here hold no
    /// NULLs, so absent correlation and causation ids travel as ''.
    ///
    /// With `head`, the same statement moves the head row there (a
    /// data-modifying `WITH` runs whether or not it is read) and announces
    /// it (``updateHead(_:)``), saving the group commit round trips.
    func insert(_ rows: some Collection<RecordedEvent>, movingHeadTo head: LogHead? = nil) -> PostgresQuery {
        var positions: [Int64] = [], ids: [UUID] = [], streams: [String] = [], versions: [Int64] = []
        var types: [String] = [], schemaVersions: [Int32] = [], occurred: [Int64] = [], recorded: [Int64] = []
        var actors: [String] = [], correlations: [String] = [], causations: [String] = []
        var payloads: [ByteBuffer] = [], hashes: [ByteBuffer] = []
        for event in rows {
            positions.append(event.position)
            ids.append(event.id)
            streams.append(event.stream.rawValue)
            versions.append(event.streamVersion)
            types.append(event.type)
            schemaVersions.append(Int32(event.schemaVersion))
            occurred.append(event.metadata.occurredAt.microsecondsSinceEpoch)
            recorded.append(event.metadata.recordedAt.microsecondsSinceEpoch)
            actors.append(event.metadata.actor)
            correlations.append(event.metadata.correlationID?.uuidString ?? "")
            causations.append(event.metadata.causationID?.uuidString ?? "")
            payloads.append(ByteBuffer(bytes: event.payload.bytes))
            hashes.append(ByteBuffer(bytes: event.hash.bytes))
        }
        var binds = PostgresBindings(capacity: 13)
        binds.append(positions)
        binds.append(ids)
        binds.append(streams)
        binds.append(versions)
        binds.append(types)
        binds.append(schemaVersions)
        binds.append(occurred)
        binds.append(recorded)
        binds.append(actors)
        binds.append(correlations)
        binds.append(causations)
        binds.append(payloads)
        binds.append(hashes)
        let insert = """
            INSERT INTO \(events) (\(Schema.eventColumns))
            SELECT p, i, s, v, t, sv, o, r, a, NULLIF(c, '')::uuid, NULLIF(k, '')::uuid, pl, h
            FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::integer[], \
            $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::bytea[], $13::bytea[])
              AS u(p, i, s, v, t, sv, o, r, a, c, k, pl, h)
            """
        guard let head else { return PostgresQuery(unsafeSQL: insert, binds: binds) }
        binds.append(head.position)
        binds.append(ByteBuffer(bytes: head.hash.bytes))
        binds.append(head.recordedAt?.microsecondsSinceEpoch)
        binds.append(commitChannel)
        return PostgresQuery(
            unsafeSQL: """
                WITH inserted AS (\(insert) RETURNING 1),
                moved AS (UPDATE \(schema.table("head")) SET position = $14, hash = $15, recorded_at = $16 RETURNING position)
                SELECT pg_notify($17, position::text) FROM moved
                """,
            binds: binds)
    }

    /// The log read `query` describes, with `columns`.
    func log(_ query: LogQuery, columns: String) -> PostgresQuery {
        var binds = PostgresBindings()
        var sql = "SELECT \(columns) FROM \(events) WHERE position > $1"
        binds.append(query.after)
        func bind(_ term: String, _ append: (inout PostgresBindings) -> Void) {
            append(&binds)
            sql += " AND " + term.replacingOccurrences(of: "?", with: "$\(binds.count)")
        }
        if let bound = query.upToPosition { bind("position <= ?") { $0.append(bound) } }
        if let stream = query.stream { bind("stream_id = ?") { $0.append(stream.rawValue) } }
        if let actor = query.actor {
            bind("actor = ?") { $0.append(actor) }
            // The partial index's condition, repeated so the planner can prove it applies.
            if let term = schema.actorTerm, schema.indexing.indexes(actor: actor) { sql += " AND " + term }
        }
        if let types = query.types {
            bind("type = ANY(?)") { $0.append(types.sorted()) }
            if types.count <= 4, schema.indexes(types: types), let term = schema.typeTerm { sql += " AND " + term }
        }
        if let bound = query.occurredAtOrBefore { bind("occurred_at <= ?") { $0.append(bound.microsecondsSinceEpoch) } }
        if let bound = query.recordedAtOrBefore { bind("recorded_at <= ?") { $0.append(bound.microsecondsSinceEpoch) } }
        binds.append(Int64(max(0, query.limit)))
        sql += " ORDER BY position LIMIT $\(binds.count)"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}

extension PostgresRow {
    /// Reads a row of `Schema.eventColumns`.
    func recordedEvent() throws -> RecordedEvent {
        var cells = BinaryCells(self)
        if let position = cells.int64(), case .some(.some(let id)) = cells.uuid(), let stream = cells.text(),
           let version = cells.int64(), let type = cells.text(), let schemaVersion = cells.int32(),
           let occurred = cells.int64(), let recorded = cells.int64(), let actor = cells.text(),
           case .some(let correlation) = cells.uuid(), case .some(let causation) = cells.uuid(),
           let payload = cells.bytea(), let hash = cells.bytea() {
            return try Self.recordedEvent(
                position, id, stream, version, type, schemaVersion, occurred, recorded, actor, correlation, causation,
                payload, hash)
        }
        let (position, id, stream, version, type, schemaVersion, occurred, recorded, actor, correlation, causation, payload, hash) =
            try decode(
                (Int64, UUID, String, Int64, String, Int32, Int64, Int64, String, UUID?, UUID?, ByteBuffer, ByteBuffer).self)
        return try Self.recordedEvent(
            position, id, stream, version, type, schemaVersion, occurred, recorded, actor, correlation, causation,
            payload, hash)
    }

    private static func recordedEvent(
        _ position: Int64, _ id: UUID, _ stream: String, _ version: Int64, _ type: String, _ schemaVersion: Int32,
        _ occurred: Int64, _ recorded: Int64, _ actor: String, _ correlation: UUID?, _ causation: UUID?,
        _ payload: ByteBuffer, _ hash: ByteBuffer
    ) throws -> RecordedEvent {
        guard let chained = hash.withUnsafeReadableBytes({ EventHash(bytes: $0) }) else {
            throw EventStoreError(.corrupted, "position \(position): hash is not 32 bytes", position: position)
        }
        let metadata = EventMetadata(
            occurredAt: Timestamp(microsecondsSinceEpoch: occurred), recordedAt: Timestamp(microsecondsSinceEpoch: recorded),
            actor: actor, correlationID: correlation, causationID: causation)
        return RecordedEvent(
            id: id, stream: StreamID(unchecked: stream), streamVersion: version, position: position, type: type,
            schemaVersion: Int(schemaVersion), payload: EventPayload(bytes: Array(payload.readableBytesView)),
            metadata: metadata, hash: chained)
    }

    /// Reads a row of `position, hash, recorded_at`.
    func logHead() throws -> LogHead {
        let (position, hash, recorded) = try decode((Int64, ByteBuffer, Int64?).self)
        guard let chained = EventHash(bytes: Array(hash.readableBytesView)) else {
            throw EventStoreError(.corrupted, "the head's hash is not 32 bytes", position: position)
        }
        return LogHead(position: position, hash: chained, recordedAt: recorded.map { Timestamp(microsecondsSinceEpoch: $0) })
    }
}

/// Reads rows straight from their cells in PostgreSQL's binary format
/// (which postgres-nio asks for), without `PostgresRow.decode`: that generic
/// decoding, not specialised across the module boundary, looked up type
/// metadata for every column of every row and took about three quarters of
/// a replay's scan (perf, release build). A cell of another type or format
/// than expected makes the caller fall back to `decode`, so these only ever
/// read what they can read exactly.
struct BinaryCells {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    /// The next cell's bytes if it has `type` in binary format (nil inside: SQL NULL).
    private mutating func next(_ type: PostgresDataType) -> ByteBuffer?? {
        guard let cell = cells.next(), cell.dataType == type, cell.format == .binary else { return nil }
        return .some(cell.bytes)
    }

    mutating func int64() -> Int64? {
        guard case .some(.some(let bytes)) = next(.int8), bytes.readableBytes == 8 else { return nil }
        return bytes.getInteger(at: bytes.readerIndex, as: Int64.self)
    }

    mutating func int32() -> Int32? {
        guard case .some(.some(let bytes)) = next(.int4), bytes.readableBytes == 4 else { return nil }
        return bytes.getInteger(at: bytes.readerIndex, as: Int32.self)
    }

    mutating func text() -> String? {
        guard case .some(.some(let bytes)) = next(.text) else { return nil }
        return bytes.getString(at: bytes.readerIndex, length: bytes.readableBytes)
    }

    mutating func bytea() -> ByteBuffer? {
        guard case .some(.some(let bytes)) = next(.bytea) else { return nil }
        return bytes
    }

    /// A uuid cell: `.some(nil)` for NULL, nil if the cell is not a binary uuid.
    mutating func uuid() -> UUID?? {
        guard case .some(let cell) = next(.uuid) else { return nil }
        guard let bytes = cell else { return .some(nil) }
        guard bytes.readableBytes == 16 else { return nil }
        return .some(bytes.withUnsafeReadableBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) })
    }
}

/// A row of the lean scan: `position, type, schema_version, occurred_at, recorded_at, payload`.
struct LeanRow {
    var position: Int64
    var type: String
    var schemaVersion: Int32
    var occurredAt: Int64
    var recordedAt: Int64
    var payload: ByteBuffer

    init(_ row: PostgresRow) throws {
        var cells = BinaryCells(row)
        if let position = cells.int64(), let type = cells.text(), let schemaVersion = cells.int32(),
           let occurred = cells.int64(), let recorded = cells.int64(), let payload = cells.bytea() {
            (self.position, self.type, self.schemaVersion) = (position, type, schemaVersion)
            (occurredAt, recordedAt, self.payload) = (occurred, recorded, payload)
        } else {
            (position, type, schemaVersion, occurredAt, recordedAt, payload) =
                try row.decode((Int64, String, Int32, Int64, Int64, ByteBuffer).self)
        }
    }
}
