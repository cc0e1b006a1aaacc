import CSQLite
import EventStore

/// The log's tables, created and upgraded by numbered migrations recorded in
/// `PRAGMA user_version` (GRDB's `DatabaseMigrator` does the same with a table;
/// one integer is all this schema needs).
enum Schema {
    /// The format this build writes and reads.
    static let currentVersion: Int64 = 6

    /// The event types the type index covers: decisions support and
    /// auditors ask about, rare next to bookings, sessions and profile views.
    /// Every append of a common event would otherwise pay for an index entry
    /// (measured, 1M-event bulk append: the two audit indexes in full took it
    /// from ≈175k to ≈123k events/s; the split between them was not measured).
    static let decisionTypes: [String] = [
        "ExclusionRequested", "ChatExcluded", "ExclusionDenied", "ExclusionRevoked", "RefusalFiled", "RefusalResolved",
        "AntifraudFlagRaised", "AntifraudFlagDisputed", "AntifraudFlagCleared", "AntifraudFlagConfirmed",
        "ClientDataErased",
    ]

    /// The index's WHERE term, repeated verbatim in queries so SQLite can prove
    /// the partial index applies. A chain of `=` terms, not `type IN (…)`:
    /// SQLite evaluates a partial index's `IN` list at every insert by
    /// building a temporary B-tree of the list, which cut bulk appends by
    /// about 40% (measured with the C API, 1M rows: ≈254k → ≈146k rows/s with
    /// `IN`, ≈215–230k with the `=` chain).
    static let decisionTypesTerm = "(" + decisionTypes.map { "type = '\($0)'" }.joined(separator: " OR ") + ")"

    /// The actors the actor index covers: everyone but clients. Support
    /// agents, therapists and system jobs are few, so their entries cluster;
    /// clients are many, and indexing each client's events scattered entries
    /// over the whole index (see `decisionTypes` for what was measured). A client's
    /// actions are read by scanning (or through their cases' streams).
    ///
    /// Two comparisons rather than `actor NOT LIKE 'client:%'` (formats 3–5):
    /// a function anywhere in an `INSERT` (LIKE is one) makes SQLite keep a
    /// statement journal for every multi-row insert, copying each existing
    /// page the statement touches (see `Queries.insert(rows:)`). Every actor
    /// whose bytes begin `client:` sorts from `'client:'` up to, not
    /// including, `'client;'` (`;` follows `:`); unlike LIKE, the test is
    /// case-sensitive, as actors are.
    static let indexedActorsTerm = "(actor < 'client:' OR actor >= 'client;')"

    /// Whether the actor index holds `actor`'s events (its bytes, as SQLite compares them).
    static func isIndexedActor(_ actor: String) -> Bool {
        !actor.utf8.starts(with: "client:".utf8)
    }

    static let eventColumns = """
        position, event_id, stream_id, stream_version, type, schema_version, occurred_at, recorded_at, \
        actor, correlation_id, causation_id, payload, hash
        """

    static let migrations: [String] = [
        // 1: the log, and a view that shows every event as JSON for plain-SQL analysis.
        """
        CREATE TABLE events (
            position        INTEGER PRIMARY KEY,   -- global order, 1-based, gapless
            event_id        BLOB    NOT NULL UNIQUE CHECK (length(event_id) = 16),
            stream_id       TEXT    NOT NULL,
            stream_version  INTEGER NOT NULL,      -- 1-based within the stream
            type            TEXT    NOT NULL,
            schema_version  INTEGER NOT NULL,
            occurred_at     INTEGER NOT NULL,      -- business time, µs since 1970-01-01Z
            recorded_at     INTEGER NOT NULL,      -- commit time, µs since 1970-01-01Z; never decreases
            actor           TEXT    NOT NULL,      -- client:ID | therapist:ID | support:ID | system:NAME
            correlation_id  BLOB,                  -- 16-byte UUID or NULL
            causation_id    BLOB,                  -- 16-byte UUID or NULL
            payload         TEXT    NOT NULL,      -- one JSON object, exactly as appended
            hash            BLOB    NOT NULL,      -- SHA-256 chain link (see HashChain)
            UNIQUE (stream_id, stream_version)
        );
        CREATE VIEW events_json AS
        SELECT position,
               json_object(
                 'position', position,
                 'eventId', lower(substr(hex(event_id), 1, 8) || '-' || substr(hex(event_id), 9, 4) || '-' ||
                            substr(hex(event_id), 13, 4) || '-' || substr(hex(event_id), 17, 4) || '-' ||
                            substr(hex(event_id), 21, 12)),
                 'stream', stream_id,
                 'streamVersion', stream_version,
                 'type', type,
                 'schemaVersion', schema_version,
                 'occurredAt', strftime('%Y-%m-%dT%H:%M:%fZ', occurred_at / 1000000.0, 'unixepoch'),
                 'recordedAt', strftime('%Y-%m-%dT%H:%M:%fZ', recorded_at / 1000000.0, 'unixepoch'),
                 'actor', actor,
                 'correlationId', CASE WHEN correlation_id IS NULL THEN NULL ELSE lower(
                        substr(hex(correlation_id), 1, 8) || '-' || substr(hex(correlation_id), 9, 4) || '-' ||
                        substr(hex(correlation_id), 13, 4) || '-' || substr(hex(correlation_id), 17, 4) || '-' ||
                        substr(hex(correlation_id), 21, 12)) END,
                 'causationId', CASE WHEN causation_id IS NULL THEN NULL ELSE lower(
                        substr(hex(causation_id), 1, 8) || '-' || substr(hex(causation_id), 9, 4) || '-' ||
                        substr(hex(causation_id), 13, 4) || '-' || substr(hex(causation_id), 17, 4) || '-' ||
                        substr(hex(causation_id), 21, 12)) END,
                 'data', json(payload),
                 'hash', lower(hex(hash))
               ) AS event
        FROM events;
        """,
        // 2: projections' saved states, each with its checkpoint in the same row.
        """
        CREATE TABLE projections (
            name        TEXT    PRIMARY KEY,
            checkpoint  INTEGER NOT NULL,      -- the last log position folded into state
            state       BLOB    NOT NULL,      -- the projection's own serialisation
            saved_at    INTEGER NOT NULL       -- µs since 1970-01-01Z
        );
        """,
        // 3: audit queries answer from indexes: who did what, and the rare
        // decision events (a partial index: the common events pay nothing).
        """
        CREATE INDEX events_by_actor ON events (actor, position) WHERE actor NOT LIKE 'client:%';
        CREATE INDEX events_by_decision_type ON events (type, position) WHERE type IN (
            'ExclusionRequested','ChatExcluded','ExclusionDenied','ExclusionRevoked','RefusalFiled','RefusalResolved',
            'AntifraudFlagRaised','AntifraudFlagDisputed','AntifraudFlagCleared','AntifraudFlagConfirmed',
            'ClientDataErased');
        """,
        // 4: the personal-data vault, apart from the log: one key per subject
        // (a client), values sealed with it. Erasure deletes both.
        """
        CREATE TABLE personal_keys (
            subject  TEXT PRIMARY KEY,
            key      BLOB NOT NULL
        );
        CREATE TABLE personal_data (
            ref      TEXT PRIMARY KEY,             -- what an event carries, e.g. pd-<uuid>
            subject  TEXT NOT NULL,
            field    TEXT NOT NULL,
            sealed   BLOB NOT NULL                 -- AES-GCM combined: nonce | ciphertext | tag
        );
        CREATE INDEX personal_data_by_subject ON personal_data (subject);
        """,
        // 5: the type index's condition as a chain of `=` (see `decisionTypesTerm`):
        // the same rows, without a temporary B-tree at every insert.
        """
        DROP INDEX events_by_decision_type;
        CREATE INDEX events_by_decision_type ON events (type, position) WHERE \(decisionTypesTerm);
        """,
        // 6: the actor index's condition without a function (see `indexedActorsTerm`):
        // the same rows for every actor written in lower case, as the domain writes them.
        """
        DROP INDEX events_by_actor;
        CREATE INDEX events_by_actor ON events (actor, position) WHERE \(indexedActorsTerm);
        """,
    ]

    /// Brings the file up to the current format inside one transaction.
    static func migrate(_ db: SQLiteConnection) throws {
        try db.execute("BEGIN IMMEDIATE")
        do {
            let version = try db.integer("PRAGMA user_version") ?? 0
            if version == 0 {
                // A database someone else made is not ours to write into.
                let tables = try db.integer(
                    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") ?? 0
                if tables > 0 {
                    throw EventStoreError(
                        .notAnEventStore, "'\(db.path)' is an SQLite database, but not a Caseload event log")
                }
            }
            // The indexes' conditions compare bytes (`indexedActorsTerm`), as
            // UTF-8 has them; a file made with another encoding is refused.
            let encoding = try db.prepare("PRAGMA encoding")
            let name = try encoding.step() ? encoding.string(0) : "UTF-8"
            guard name == "UTF-8" else {
                throw EventStoreError(
                    .notAnEventStore, "'\(db.path)' stores text as \(name); a Caseload event log is UTF-8")
            }
            guard version <= currentVersion else {
                throw EventStoreError(
                    .notAnEventStore,
                    "'\(db.path)' has log format \(version), newer than this build's \(currentVersion); upgrade caseload")
            }
            for index in Int(version)..<Int(currentVersion) {
                try db.execute(migrations[index])
            }
            if version < currentVersion { try db.execute("PRAGMA user_version = \(currentVersion)") }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
