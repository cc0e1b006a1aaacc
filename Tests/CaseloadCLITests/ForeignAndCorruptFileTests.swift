import CSQLite
import Foundation
import Testing

/// A file that is not a Caseload log, or is one with a damaged page, is
/// named and exits 65 (README "Exit codes"), never 1 with SQLite's words.
@Suite(.serialized) struct ForeignAndCorruptFiles {
    /// An SQLite file whose `events` table is someone else's, recording `format` as its user_version.
    func foreignLog(_ scratch: borrowing Scratch, format: Int) throws -> String {
        let db = scratch.path("foreign.sqlite")
        try execute(db, """
            CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT);
            INSERT INTO events (body) VALUES ('a'), ('b');
            PRAGMA user_version = \(format);
            """)
        return db
    }

    @Test(arguments: [0, 3, 6, 99])
    func aForeignEventsTableIsNotALog(format: Int) throws {
        let scratch = try Scratch()
        let db = try foreignLog(scratch, format: format)
        let input = scratch.path("in.jsonl")
        try Data((marketplaceLines.prefix(1).joined() + "\n").utf8).write(to: URL(fileURLWithPath: input))
        for command in [["head"], ["log"], ["verify"], ["stats"], ["audit", "actor", "support:s1"], ["import", input],
                        ["append", input], ["erase", "client", "k1"]] {
            let result = try CLI.run(command + ["--db", db])
            #expect(result.status == 65, "\(command) format \(format): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains("'\(db)'"), "\(command) format \(format): \(result.stderr)")
            // SQLite's own error, as it gave it (`[SQLite 1]`), would not say what is wrong with the file.
            #expect(!result.stderr.contains("[SQLite"), "\(command) format \(format): SQLite's words: \(result.stderr)")
        }
        // Nothing was written into it.
        try execute(db, "SELECT body FROM events")
    }

    @Test func theForeignTableIsNamed() throws {
        let scratch = try Scratch()
        let db = try foreignLog(scratch, format: 6)
        let result = try CLI.run(["head", "--db", db])
        #expect(result.stderr == "error: '\(db)' is not a Caseload event log: it records log format 6, but its 'events' table is not the log's (no such column: position)\n")
    }

    @Test func verifyRunsSQLitesIntegrityCheckAndNamesACorruptFile() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try CLI.run(["import", "--db", db, file]).status == 0)
        #expect(try CLI.run(["verify", "--db", db]).status == 0)

        // Bytes over the vault's key page: a page the chain walk never reads.
        let (pageSize, page) = try pageOf(db, table: "personal_keys")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: db))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        handle.write(Data((0..<pageSize).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()

        let result = try CLI.run(["verify", "--db", db])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.hasPrefix("error: '\(db)' is corrupt: SQLite's integrity check "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)

        // A command that meets the damaged page (the case's timeline opens
        // the client's name) exits 65 naming the file too.
        let audit = try CLI.run(["audit", "case", "--db", db, "c1"])
        #expect(audit.status == 65, "\(audit.stdout)\(audit.stderr)")
        #expect(audit.stderr.hasPrefix("error: '\(db)' is corrupt: "), "\(audit.stderr)")
    }

    /// Issue 15, defect 9: bytes over the events table's page went unnoticed
    /// by the commands that read it. Each now exits 65 naming the file, and
    /// prints no figure from what it could still read.
    @Test(arguments: [
        ["log", "DB"], ["log", "DB", "--json"], ["stats", "DB"], ["ratings", "DB", "--rules", "fair"], ["replay", "DB"],
        ["audit", "actor", "DB", "client:k1"],
    ])
    func aCommandThatReadsADamagedEventsPageExits65NamingTheFile(_ command: [String]) throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try CLI.run(["import", "--db", db, file]).status == 0)
        let (pageSize, page) = try pageOf(db, table: "events")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: db))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize))
        handle.write(Data((0..<pageSize).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try handle.close()

        let result = try CLI.run(command.flatMap { $0 == "DB" ? ["--db", db] : [$0] })
        #expect(result.status == 65, "\(command): \(result.status) \(result.stdout.prefix(300))\(result.stderr)")
        #expect(result.stderr.contains("'\(db)' is corrupt"), "\(command): \(result.stderr)")
        // `log` streams what it read before the damaged page (an unclosed
        // JSON array, which no reader takes for a whole answer); the others
        // print nothing.
        if command.first != "log" { #expect(result.stdout.isEmpty, "\(command): \(result.stdout.prefix(300))") }
    }
}

/// The page size of the log at `path` and the root page of `table`, after
/// checkpointing its WAL into the file (so the page on disk is the one read).
func pageOf(_ path: String, table: String) throws -> (pageSize: Int, page: Int) {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw CLIError.sql("open") }
    defer { sqlite3_close(db) }
    guard sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nil, nil, nil) == SQLITE_OK else {
        throw CLIError.sql(String(cString: sqlite3_errmsg(db)))
    }
    func integer(_ sql: String) throws -> Int {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw CLIError.sql(String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw CLIError.sql("no row for \(sql)") }
        return Int(sqlite3_column_int64(statement, 0))
    }
    return (try integer("PRAGMA page_size"), try integer("SELECT rootpage FROM sqlite_schema WHERE name = '\(table)'"))
}
