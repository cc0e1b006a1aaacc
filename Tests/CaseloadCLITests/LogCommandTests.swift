import CSQLite
import Foundation
import Testing

@Suite(.serialized) struct LogCommands {
    @Test func appendedEventsComeBackFromLogAsJSON() throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let input = [appendLine(stream: "case-1", expected: "no-stream", tag: "a", count: 2),
                     appendLine(stream: "case-2", tag: "b", count: 1)].joined(separator: "\n")
        let appended = try CLI.run(["append", "--db", db, "-"], input: input)
        #expect(appended.status == 0, "\(appended.stderr)")
        #expect(appended.stdout == """
            {"line":1,"outcome":"appended","positions":[1,2]}
            {"line":2,"outcome":"appended","positions":[3]}

            """)
        let log = try CLI.run(["log", "--db", db, "--json", "--stream", "case-1"])
        #expect(log.status == 0)
        let events = try loggedEvents(log.stdout)
        #expect(events.count == 2)
        #expect(events.map { $0["position"] as? Int } == [1, 2])
        #expect(events.map { $0["streamVersion"] as? Int } == [1, 2])
        #expect((events[1]["data"] as? [String: Any])?["index"] as? Int == 1)
        #expect((events[0]["hash"] as? String)?.count == 64)
        let head = try CLI.run(["head", "--db", db, "--json"])
        #expect(head.stdout.hasPrefix(#"{"position":3,"#))
        let verify = try CLI.run(["verify", "--db", db, "--chain-only"])
        #expect(verify.status == 0)
        #expect(verify.stdout.hasPrefix("chain holds: 3 events"))
    }

    @Test func verifyFailsNamingThePositionAChangedByteIsAt() throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let input = (1...6).map { appendLine(stream: "case-\($0)", tag: "t\($0)", count: 1) }.joined(separator: "\n")
        #expect(try CLI.run(["append", "--db", db, "-"], input: input).status == 0)
        try execute(db, "UPDATE events SET payload = replace(payload, 't4', 't5') WHERE position = 4")
        let verify = try CLI.run(["verify", "--db", db, "--json", "--chain-only"])
        #expect(verify.status == 2)
        #expect(verify.stdout.contains(#""firstBadPosition":4"#))
        let human = try CLI.run(["verify", "--db", db, "--chain-only"])
        #expect(human.stdout.hasPrefix("chain broken at position 4"))
    }

    /// A row that no longer reads back (a hash or an id of the wrong size, a
    /// hash stored as text) is a broken link at its position: exit 2, as for
    /// a changed byte, and the rules are judged only before it.
    @Test(arguments: [
        "hash = zeroblob(31)", "hash = 'abc'", "event_id = x'010203'",
    ])
    func verifyNamesARowThatNoLongerReadsBack(_ damage: String) throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let input = (1...6).map { appendLine(stream: "case-\($0)", tag: "t\($0)", count: 1) }.joined(separator: "\n")
        #expect(try CLI.run(["append", "--db", db, "-"], input: input).status == 0)
        try execute(db, "PRAGMA ignore_check_constraints = 1; UPDATE events SET \(damage) WHERE position = 4")
        for flags in [["--chain-only"], []] {
            let verify = try CLI.run(["verify", "--db", db] + flags)
            #expect(verify.status == 2, "\(flags): \(verify.stderr)")
            #expect(verify.stdout.hasPrefix("chain broken at position 4"), "\(flags): \(verify.stdout)")
        }
        let json = try CLI.run(["verify", "--db", db, "--json"])
        #expect(json.status == 2)
        #expect(json.stdout.contains(#""firstBadPosition":4"#))
    }

    /// Commands that only read take no write lock: while another process
    /// holds it (a long import), `head`, `log`, `verify` and the audits
    /// answer at once; and they read a log whose WAL shared-memory file
    /// cannot be made (a read-only directory or mount).
    @Test func readingCommandsNeitherWaitForAWriterNorNeedWriteAccess() throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let input = (1...3).map { appendLine(stream: "case-\($0)", tag: "t\($0)", count: 1) }.joined(separator: "\n")
        #expect(try CLI.run(["append", "--db", db, "-"], input: input).status == 0)

        var holder: OpaquePointer?
        #expect(sqlite3_open(db, &holder) == SQLITE_OK)
        #expect(sqlite3_exec(holder, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        // A command that opened the file for writing would wait out the busy
        // timeout (10 s) for its migration check and then fail.
        for arguments in [["head"], ["log"], ["verify", "--chain-only"], ["audit", "actor", "system:test"]] {
            let result = try CLI.run(arguments + ["--db", db])
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        sqlite3_exec(holder, "ROLLBACK", nil, nil, nil)
        sqlite3_close(holder)

        try FileManager.default.createDirectory(atPath: db + "-shm", withIntermediateDirectories: false)
        let head = try CLI.run(["head", "--db", db])
        #expect(head.status == 0, "\(head.stderr)")
        #expect(head.stdout.contains("3"))
        #expect(try CLI.run(["verify", "--db", db, "--chain-only"]).stdout.hasPrefix("chain holds: 3 events"))
    }

    @Test func aMissingDatabaseIsAClearErrorAndCreatesNothing() throws {
        let scratch = try Scratch()
        let db = scratch.path("missing.sqlite")
        let result = try CLI.run(["log", "--db", db])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no event log at"))
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func aBadLineStopsAppendNamingItAndLeavesTheLogValid() throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let input = [appendLine(stream: "case-1", tag: "a", count: 1),
                     #"{"stream":"","events":[]}"#,
                     appendLine(stream: "case-3", tag: "c", count: 1)].joined(separator: "\n")
        let result = try CLI.run(["append", "--db", db, "-"], input: input)
        #expect(result.status == 1)
        #expect(result.stderr.contains("line 2"))
        #expect(result.stderr.contains("stream id is empty"))
        let verify = try CLI.run(["verify", "--db", db, "--chain-only"])
        #expect(verify.stdout.hasPrefix("chain holds: 1 events"))
    }
}

func execute(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw CLIError.sql("open") }
    defer { sqlite3_close(db) }
    guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
        throw CLIError.sql(String(cString: sqlite3_errmsg(db)))
    }
}

enum CLIError: Error { case sql(String) }

/// Lines are read in time linear in their length, and a line over the limit
/// is refused at once, naming it; what came before it is kept (append) or
/// nothing is (import).
@Suite(.serialized) struct LongLines {
    @Test func aLineOverTheLimitIsRefusedNamingItsLine() throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let long = "{\"stream\":\"case-2\",\"events\":[" + String(repeating: " ", count: 5000) + "]}"
        let input = [appendLine(stream: "case-1", tag: "a", count: 1), long, appendLine(stream: "case-3", tag: "c", count: 1)]
            .joined(separator: "\n")
        let appended = try CLI.run(["append", "--db", db, "--max-line-bytes", "4096", "-"], input: input)
        #expect(appended.status != 0)
        #expect(appended.stderr.contains("line 2: longer than 4096 bytes"), "\(appended.stderr)")
        #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("position 1\n"), "the line before it stays appended")

        let file = scratch.path("history.jsonl")
        let blank = String(repeating: " ", count: 3_000_000)
        try Data((marketplaceLines[0] + "\n" + blank + "\n" + marketplaceLines[1] + "\n").utf8)
            .write(to: URL(fileURLWithPath: file))
        let imported = try CLI.run(["import", "--db", scratch.path("i.sqlite"), file, "--max-line-bytes", "1000000"])
        #expect(imported.status != 0)
        #expect(imported.stderr.contains("line 2: longer than 1000000 bytes"), "\(imported.stderr)")
        // Within the limit, a long blank line is read (and skipped) like any other.
        let whole = try CLI.run(["import", "--db", scratch.path("j.sqlite"), file, "--json"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains(#""appended":2"#), "\(whole.stdout)")
    }

    /// A file an editor saved with a UTF-8 byte-order mark imports as it reads.
    @Test func aByteOrderMarkAtTheStartOfAFileIsIgnored() throws {
        let scratch = try Scratch()
        let file = scratch.path("bom.jsonl")
        try Data([0xEF, 0xBB, 0xBF] + Array((marketplaceLines[0] + "\n" + marketplaceLines[1] + "\n").utf8))
            .write(to: URL(fileURLWithPath: file))
        let imported = try CLI.run(["import", "--db", scratch.path("b.sqlite"), file, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains(#""appended":2"#), "\(imported.stdout)")
    }
}
