import EventStore
import PostgresNIO

/// The log's tables in one PostgreSQL schema, created when missing inside a
/// transaction that holds an advisory lock, so two processes opening a new
/// database at once create them once.
struct Schema: Sendable {
    /// The format this build writes and reads (recorded in `caseload_log`).
    static let currentFormat: Int32 = 1

    /// The schema's name, checked to need no quoting.
    let name: String
    let indexing: AuditIndexing

    /// `name.table`, for SQL text.
    func table(_ table: String) -> String { "\(name).\(table)" }

    static let eventColumns = """
        position, event_id, stream_id, stream_version, type, schema_version, occurred_at, recorded_at, \
        actor, correlation_id, causation_id, payload, hash
        """

    /// The ISO-8601 text of a microsecond count, in UTC, for the JSON view.
    private static func isoTime(_ column: String) -> String {
        "to_char(to_timestamp(\(column) / 1000000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    }

    /// The actor index's condition (nil: every actor indexed); see the SQLite
    /// store's `IndexTerms`: two comparisons select the actors outside the prefix.
    var actorTerm: String? {
        guard let prefix = indexing.unindexedActorPrefix, let last = prefix.utf8.last else { return nil }
        let above = String(decoding: prefix.utf8.dropLast() + [last + 1], as: UTF8.self)
        return "(actor COLLATE \"C\" < '\(prefix)' OR actor COLLATE \"C\" >= '\(above)')"
    }

    /// The type index's condition (nil: no type index).
    var typeTerm: String? {
        indexing.indexedTypes.isEmpty
            ? nil : "type IN (" + indexing.indexedTypes.map { "'\($0)'" }.joined(separator: ", ") + ")"
    }

    /// Whether a filter on these types can use the type index.
    func indexes(types: some Collection<String>) -> Bool {
        typeTerm != nil && types.allSatisfy(indexing.indexedTypes.contains)
    }

    /// Every statement that makes a new log, in order.
    var creation: [String] {
        var statements = [
            // Marks the schema as a Caseload log and records its format.
            "CREATE TABLE \(table("caseload_log")) (format integer NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
            "INSERT INTO \(table("caseload_log")) (format) VALUES (\(Self.currentFormat))",
            // The one-row head: every append transaction locks it (SELECT … FOR
            // UPDATE) before it reads stream versions or assigns positions, so
            // appends commit one after another in position order and the hash
            // chain continues from the row it read.
            """
            CREATE TABLE \(table("head")) (
                only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                position     bigint  NOT NULL,   -- the last committed position (0: empty log)
                hash         bytea   NOT NULL,   -- that event's hash (32 zero bytes: empty log)
                recorded_at  bigint              -- its commit time, µs since 1970-01-01Z
            )
            """,
            "INSERT INTO \(table("head")) (position, hash) VALUES (0, '\\x\(String(repeating: "00", count: 32))'::bytea)",
            """
            CREATE TABLE \(table("events")) (
                position        bigint  PRIMARY KEY,   -- global order, 1-based, gapless (from the head row)
                event_id        uuid    NOT NULL UNIQUE,
                stream_id       text    NOT NULL,
                stream_version  bigint  NOT NULL,      -- 1-based within the stream
                type            text    NOT NULL,
                schema_version  integer NOT NULL,
                occurred_at     bigint  NOT NULL,      -- business time, µs since 1970-01-01Z
                recorded_at     bigint  NOT NULL,      -- commit time, µs since 1970-01-01Z; never decreases
                actor           text    NOT NULL,
                correlation_id  uuid,
                causation_id    uuid,
                payload         bytea   NOT NULL,      -- the JSON object's bytes exactly as appended (hashed as such)
                hash            bytea   NOT NULL CHECK (length(hash) = 32),
                UNIQUE (stream_id, stream_version)
            )
            """,
            // Analysts' view: the payload as jsonb, times as timestamps, and
            // the whole event as one jsonb document (as the SQLite log's view).
            """
            CREATE VIEW \(table("events_json")) AS
            SELECT position, event_id, stream_id, stream_version, type, schema_version,
                   to_timestamp(occurred_at / 1000000.0) AS occurred_at,
                   to_timestamp(recorded_at / 1000000.0) AS recorded_at,
                   actor, correlation_id, causation_id,
                   convert_from(payload, 'UTF8')::jsonb AS payload,
                   jsonb_build_object(
                     'position', position, 'eventId', event_id, 'stream', stream_id,
                     'streamVersion', stream_version, 'type', type, 'schemaVersion', schema_version,
                     'occurredAt', \(Self.isoTime("occurred_at")), 'recordedAt', \(Self.isoTime("recorded_at")),
                     'actor', actor, 'correlationId', correlation_id, 'causationId', causation_id,
                     'data', convert_from(payload, 'UTF8')::jsonb, 'hash', encode(hash, 'hex')
                   ) AS event
            FROM \(table("events"))
            """,
            "CREATE INDEX events_by_actor ON \(table("events")) (actor, position)" + (actorTerm.map { " WHERE \($0)" } ?? ""),
            """
            CREATE TABLE \(table("projections")) (
                name        text   PRIMARY KEY,
                checkpoint  bigint NOT NULL,      -- the last log position folded into state
                state       bytea  NOT NULL,      -- the projection's own serialisation
                saved_at    bigint NOT NULL       -- µs since 1970-01-01Z
            )
            """,
            // The personal-data vault, apart from the log: one key per subject;
            // erasure deletes the key and every value sealed with it.
            "CREATE TABLE \(table("personal_keys")) (subject text PRIMARY KEY, key bytea NOT NULL)",
            """
            CREATE TABLE \(table("personal_data")) (
                ref      text  PRIMARY KEY,
                subject  text  NOT NULL,
                field    text  NOT NULL,
                sealed   bytea NOT NULL
            )
            """,
            "CREATE INDEX personal_data_by_subject ON \(table("personal_data")) (subject)",
        ]
        if let typeTerm {
            statements.append("CREATE INDEX events_by_decision_type ON \(table("events")) (type, position) WHERE \(typeTerm)")
        }
        return statements
    }

    /// Creates the log if the schema has none, or checks the one it has.
    /// A schema holding other tables is refused, never written into.
    func prepare(on connection: PostgresConnection, logger: Logger, describe: String) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            // One opener at a time per schema; released at COMMIT or ROLLBACK.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("caseload:" + name)))", logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(name)"), logger: logger)
            let marker = try await connection.query(
                "SELECT to_regclass(\(table("caseload_log")))::text", logger: logger
            ).collect().first?.decode(String?.self)
            if marker == nil {
                let others = try await connection.query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(name) ORDER BY 1 LIMIT 5",
                    logger: logger
                ).collect().map { try $0.decode(String.self) }
                guard others.isEmpty else {
                    throw EventStoreError(
                        .notAnEventStore,
                        "\(describe): schema '\(name)' holds tables that are not a Caseload event log (\(others.joined(separator: ", "))); use another schema (?schema=NAME) or database")
                }
                for statement in creation {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            } else {
                let format = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT max(format) FROM \(table("caseload_log"))"), logger: logger
                ).collect().first?.decode(Int32?.self)
                guard let format else {
                    throw EventStoreError(.notAnEventStore, "\(describe): schema '\(name)' has an empty caseload_log table")
                }
                guard format == Self.currentFormat else {
                    throw EventStoreError(
                        .notAnEventStore,
                        "\(describe): schema '\(name)' has log format \(format); this build reads format \(Self.currentFormat)")
                }
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
