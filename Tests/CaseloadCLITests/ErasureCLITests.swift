import CSQLite
import Foundation
import Testing

/// `erase client` says what state it left: erased and compacted, or erased
/// with the compaction pending (exit 75, naming the command that finishes
/// it); a rerun compacts without recording a second erasure.
@Suite(.serialized) struct ErasureCommand {
    /// A log holding the marketplace history (client k1's name sealed in the vault).
    func importedLog(_ scratch: borrowing Scratch) throws -> String {
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let imported = try CLI.run(["import", "--db", db, file])
        #expect(imported.status == 0, "\(imported.stderr)")
        return db
    }

    /// How many ClientDataErased events the log holds.
    func erasures(_ db: String) throws -> Int {
        let log = try CLI.run(["log", "--db", db, "--json"])
        #expect(log.status == 0, "\(log.stderr)")
        return try loggedEvents(log.stdout).filter { $0["type"] as? String == "ClientDataErased" }.count
    }

    @Test func anErasureCompactsAndARerunRecordsNoSecondErasure() throws {
        let scratch = try Scratch()
        let db = try importedLog(scratch)

        let erased = try CLI.run(["erase", "client", "--db", db, "k1", "--actor", "support:agent-7"])
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout == "erased 1 sealed value of client k1; recorded at position 12; file compacted\n")

        let rerun = try CLI.run(["erase", "client", "--db", db, "k1", "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(
            rerun.stdout
                == #"{"clientId":"k1","records":1,"position":12,"alreadyErased":true,"compacted":true}"# + "\n")
        #expect(try erasures(db) == 1)
        #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("position 12"))
    }

    @Test func aReaderInATransactionLeavesTheCompactionPendingAndTheNamedCommandFinishesIt() throws {
        let scratch = try Scratch()
        let db = try importedLog(scratch)
        var reader: OpaquePointer?
        #expect(sqlite3_open_v2(db, &reader, SQLITE_OPEN_READONLY, nil) == SQLITE_OK)
        #expect(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM events;", nil, nil, nil) == SQLITE_OK)

        // The compaction waits for the busy timeout (10 s), then gives up.
        let pending = try CLI.run(["erase", "client", "--db", db, "k1", "--actor", "support:agent-7"])
        sqlite3_exec(reader, "COMMIT", nil, nil, nil)
        sqlite3_close(reader)
        #expect(pending.status == 75, "\(pending.stdout)\(pending.stderr)")
        let lines = pending.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(pending.stdout)")
        #expect(lines.first?.hasPrefix("erased 1 sealed value of client k1; recorded at position 12; compaction pending: ") == true)
        #expect(!pending.stdout.contains("file compacted"))
        #expect(lines.last == "to finish it: caseload erase client k1 --db \(db)")

        // The command it names, run as printed.
        let finish = try CLI.shell(String(lines[1].dropFirst("to finish it: ".count)), directory: scratch.url)
        #expect(finish.status == 0, "\(finish.stderr)")
        #expect(finish.stdout == "client k1 was already erased (recorded at position 12); nothing erased now; file compacted\n")
        #expect(try erasures(db) == 1)
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
    }
}
