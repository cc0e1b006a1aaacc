import CSQLite
import EventStore

/// The log's tables, created and upgraded by numbered migrations recorded in
/// `PRAGMA user_version` (GRDB's `DatabaseMigrator` does the same with a table;
/// one integer is all this schema needs).
enum Schema {
    /// The format this build writes and reads.
    static let currentVersion: Int64 = 6

    /// The audit indexes' conditions, made from the application's
    /// ``AuditIndexing``, and repeated verbatim in queries so SQLite can prove
    /// a partial index applies.
    struct IndexTerms: Sendable {
        let indexing: AuditIndexing

        /// The type index's WHERE term (nil: no type index). The marketplace
        /// indexes only its decision types: rare next to bookings, sessions
        /// and profile views, which would otherwise each pay for an index
        /// entry (measured, 1M-event bulk append: the two audit indexes in
        /// full took it from ≈175k to ≈123k events/s; the split between them
        /// was not measured).
        ///
        /// A chain of `=` terms, not `type IN (…)`: SQLite evaluates a
        /// partial index's `IN` list at every insert by building a temporary
        /// B-tree of the list, which cut bulk appends by about 40% (measured
        /// with the C API, 1M rows: ≈254k → ≈146k rows/s with `IN`,
        /// ≈215–230k with the `=` chain).
        var types: String? {
            indexing.indexedTypes.isEmpty
                ? nil : "(" + indexing.indexedTypes.map { "type = '\($0)'" }.joined(separator: " OR ") + ")"
        }

        /// The actor index's WHERE term (nil: every actor indexed). The
        /// marketplace leaves clients out: support agents, therapists and
        /// system jobs are few, so their entries cluster; clients are many,
        /// and indexing each client's events scattered entries over the whole
        /// index. A client's actions are read by scanning (or through their
        /// cases' streams).
        ///
        /// Two comparisons rather than `actor NOT LIKE 'client:%'` (formats
        /// 3–5): a function anywhere in an `INSERT` (LIKE is one) makes
        /// SQLite keep a statement journal for every multi-row insert,
        /// copying each existing page the statement touches (see
        /// `Queries.insert(rows:)`). Every actor whose bytes begin with the
        /// prefix sorts from the prefix up to, not including, the prefix
        /// with its last byte raised by one (`client:` … `client;`); unlike
        /// LIKE, the test is case-sensitive, as actors are.
        var actors: String? {
            guard let prefix = indexing.unindexedActorPrefix, let last = prefix.utf8.last else { return nil }
            let above = String(decoding: prefix.utf8.dropLast() + [last + 1], as: UTF8.self)
            return "(actor < '\(prefix)' OR actor >= '\(above)')"
        }

        /// Whether a filter on these types can use the type index.
        func indexes(types: [String]) -> Bool {
            self.types != nil && types.allSatisfy(indexing.indexedTypes.contains)
        }

        func createTypeIndex() -> String {
            types.map { "CREATE INDEX events_by_decision_type ON events (type, position) WHERE \($0);" } ?? ""
        }

        func createActorIndex() -> String {
            "CREATE INDEX events_by_actor ON events (actor, position)" + (actors.map { " WHERE \($0);" } ?? ";")
        }
    }

    static let eventColumns = """
        position, event_id, stream_id, stream_version, type, schema_version, occurred_at, recorded_at, \
        actor, correlation_id, causation_id, payload, hash
        """

    static func migrations(_ terms: IndexTerms) -> [String] { [
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
        // (Formats 3–4 wrote these with `NOT LIKE` and `IN`; 5 and 6 rewrote them.)
        terms.createActorIndex() + terms.createTypeIndex(),
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
        // 5: the type index's condition as a chain of `=` (see `IndexTerms.types`):
        // the same rows, without a temporary B-tree at every insert.
        "DROP INDEX IF EXISTS events_by_decision_type;" + terms.createTypeIndex(),
        // 6: the actor index's condition without a function (see `IndexTerms.actors`):
        // the same rows for every actor written in lower case, as the domain writes them.
        "DROP INDEX IF EXISTS events_by_actor;" + terms.createActorIndex(),
    ] }

    /// Each table a log of format `since` or later has, with the columns its
    /// queries read.
    static let tables: [(name: String, columns: String, since: Int64)] = [
        ("events", eventColumns, 1),
        ("projections", "name, checkpoint, state, saved_at", 2),
        ("personal_keys", "subject, key", 4),
        ("personal_data", "ref, subject, field, sealed", 4),
    ]

    /// Checks that the tables a file of log format `version` has are the
    /// log's own: a file that records a format but whose `events` (say) is
    /// someone else's table is refused as not a log, rather than failing
    /// later with SQLite's "no such column" from the first query.
    static func checkTables(_ db: SQLiteConnection, format version: Int64) throws {
        for table in tables where table.since <= version {
            do {
                _ = try db.prepare("SELECT \(table.columns) FROM \(table.name) LIMIT 0")
            } catch let error as EventStoreError {
                // Only a missing table or column (SQLITE_ERROR) says the
                // file is not ours; a corrupt or unreadable one stays as it is.
                guard let code = (error.underlying as? SQLiteCode)?.code, code & 0xFF == SQLITE_ERROR else { throw error }
                let detail = String(cString: sqlite3_errmsg(db.handle))
                throw EventStoreError(
                    .notAnEventStore,
                    "'\(db.path)' is not a Caseload event log: it records log format \(version), but its '\(table.name)' table is not the log's (\(detail))",
                    underlying: error)
            }
        }
    }

    /// SQLite's own check of the file's structure (`PRAGMA quick_check`:
    /// every page, cell and free-list entry, in time linear in the file, like
    /// the chain walk it precedes; `integrity_check` would also cross-check
    /// every index entry against its row, at a B-tree search per entry).
    /// Random bytes over a page are found here even where the chain walk
    /// never reads (an index, the vault, a free page). Throws `corrupted`,
    /// naming the file and SQLite's first findings.
    static func checkIntegrity(_ db: SQLiteConnection) throws {
        let limit = 20
        var findings: [String] = []
        do {
            let statement = try db.prepare("PRAGMA quick_check(\(limit))")
            while try statement.step() { findings.append(statement.string(0)) }
        } catch let error as EventStoreError where error.code == .corrupted || error.code == .notAnEventStore {
            let detail = (error.underlying as? SQLiteCode).map { String(cString: sqlite3_errstr($0.code)) } ?? error.message
            throw EventStoreError(
                .corrupted, "'\(db.path)' is corrupt: SQLite's integrity check stopped at a damaged page (\(detail))",
                underlying: error)
        }
        // A row that breaks a CHECK or NOT NULL constraint (a 3-byte event
        // id set by hand) is the chain walk's to report, with its position.
        let capped = findings.count >= limit
        findings.removeAll { $0 == "ok" || $0.hasPrefix("CHECK constraint failed") || $0.hasPrefix("NULL value in ") }
        guard !findings.isEmpty else { return }
        let count = "\(findings.count)\(capped ? " or more" : "") problem\(findings.count == 1 && !capped ? "" : "s")"
        throw EventStoreError(
            .corrupted,
            "'\(db.path)' is corrupt: SQLite's integrity check found \(count): \(findings.prefix(3).joined(separator: "; "))\(findings.count > 3 ? "; …" : "")")
    }

    /// Checks, without a write lock, that a file opened read-only is a log
    /// in this build's format (a read-only open cannot upgrade it).
    static func checkReadable(_ db: SQLiteConnection) throws {
        let version: Int64
        do { version = try db.integer("PRAGMA user_version") ?? 0 } catch let error as EventStoreError {
            if (error.underlying as? SQLiteCode).map({ $0.code & 0xFF == SQLITE_NOTADB }) == true {
                throw EventStoreError(.notAnEventStore, "'\(db.path)' is not an SQLite database", underlying: error)
            }
            throw error
        }
        if version == 0 {
            throw EventStoreError(.notAnEventStore, "'\(db.path)' is not a Caseload event log (no log format recorded)")
        }
        if version > currentVersion {
            throw EventStoreError(
                .notAnEventStore,
                "'\(db.path)' has log format \(version), newer than this build's \(currentVersion); upgrade caseload")
        }
        if version < currentVersion {
            throw EventStoreError(
                .notAnEventStore,
                "'\(db.path)' has log format \(version), older than this build's \(currentVersion), and a read-only open cannot upgrade it; open it once with a command that writes (such as `caseload replay`)")
        }
        try checkTables(db, format: version)
    }

    /// Brings the file up to the current format inside one transaction.
    static func migrate(_ db: SQLiteConnection, _ terms: IndexTerms) throws {
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
            // The indexes' conditions compare bytes (`IndexTerms.actors`), as
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
            // The tables the file says it has must be the log's before a
            // migration builds on them (an index on a foreign table's
            // missing column would fail with SQLite's words, not ours).
            try checkTables(db, format: version)
            let migrations = migrations(terms)
            for index in Int(version)..<Int(currentVersion) where !migrations[index].isEmpty {
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
