import Foundation
import Testing

/// Issue 15, defect 1: no value the log accepts, no row edited by hand and
/// no option makes a later command trap.
@Suite(.serialized) struct ExtremeValues {
    /// Runs `caseload arguments` through the shell, so that a trap shows as
    /// its shell status (128 + the signal: 132 for SIGILL), not as a signal number.
    func status(_ arguments: [String], in scratch: borrowing Scratch) throws -> (status: Int, output: String) {
        let quoted = arguments.map { "'\($0)'" }.joined(separator: " ")
        let result = try CLI.shell("caseload \(quoted) >/dev/null 2>err.txt; echo $?; cat err.txt", directory: scratch.url)
        let lines = result.stdout.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        return (Int(lines.first ?? "") ?? -1, lines.count > 1 ? String(lines[1]) : "")
    }

    func importedMarketplace(_ scratch: borrowing Scratch) throws -> String {
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try CLI.run(["import", "--db", db, file]).status == 0)
        return db
    }

    @Test(arguments: [
        ["stats", "--days", "106751992"], ["stats", "--days", "0"], ["stats", "--days", "-5"],
        ["explain", "--therapist", "t1", "--metric", "conversionToFirstSession", "--days", "200000000"],
    ])
    func aWindowOutsideTheContractsYearsIsAUsageErrorNamingDays(_ arguments: [String]) throws {
        let scratch = try Scratch()
        let db = try importedMarketplace(scratch)
        let result = try status(arguments + ["--db", db], in: scratch)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("--days"), "\(result.output)")
    }

    @Test func theLongestWindowIsAccepted() throws {
        let scratch = try Scratch()
        let db = try importedMarketplace(scratch)
        #expect(try status(["stats", "--db", db, "--days", "3652059"], in: scratch).status == 0)
    }

    /// The issue's import repros are refused at the boundary, naming line and field.
    @Test(arguments: [
        (#""occurredAt":"2024-03-02T09:00:00Z""#, #""occurredAt":"0000-01-01T00:00:00+00:01""#, "occurredAt"),
        (#""amount":300000"#, #""amount":1000000000000000000"#, "price.amount"),
    ])
    func anImportOutsideTheRangesIsRefusedNamingLineAndField(_ from: String, _ to: String, _ field: String) throws {
        let scratch = try Scratch()
        let file = scratch.path("history.jsonl")
        var lines = marketplaceLines
        lines[4] = lines[4].replacingOccurrences(of: from, with: to)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let result = try status(["import", "--db", scratch.path("m.sqlite"), file], in: scratch)
        #expect(result.status == 1, "\(result.output)")  // a line the contract refuses, as any bad line
        #expect(result.output.contains("line 5"), "\(result.output)")
        #expect(result.output.contains(field), "\(result.output)")
    }

    /// Rows edited with SQL past what the contract allows: every command
    /// answers (with figures, or an error naming the problem), none traps.
    @Test(arguments: [
        "occurred_at = -9223372036854775807", "occurred_at = 9223372036854775807", "recorded_at = -9223372036854775807",
        "payload = replace(payload, '300000', '1000000000000000000')",
        "payload = replace(payload, '2024-03-05T10:00:00Z', '0000-01-01T00:00:00+00:01')",
        // A position near Int64.max: replaying reads the events, not every empty chunk up to it.
        "position = 9223372036854775807", "stream_version = 9223372036854775807",
    ])
    func aRowEditedPastTheRangesCrashesNoCommand(_ edit: String) throws {
        let scratch = try Scratch()
        let db = try importedMarketplace(scratch)
        try execute(db, "UPDATE events SET \(edit) WHERE position = 5")
        for command in [
            ["verify"], ["verify", "--json"], ["log"], ["log", "--json"], ["head"], ["stats"], ["stats", "--days", "90"],
            ["stats", "--days", "3652059", "--as-of", "9999-12-31"], ["ratings"], ["audit", "actor", "client:k1"],
            ["audit", "case", "c1"], ["audit", "exclusions"],
            ["explain", "--therapist", "t1", "--metric", "platformFees"],
        ] {
            let result = try status(command + ["--db", db], in: scratch)
            #expect((0..<128).contains(result.status), "\(command) after \(edit): \(result.status) \(result.output)")
        }
    }

    /// `append` is store level (no domain rules), but an event of the
    /// contract's types passes the event decoder: the issue's price is refused
    /// there too, naming the line and the field; a type of one's own still appends.
    @Test func appendRefusesAContractEventOutsideTheRangesNamingLineAndField() throws {
        let scratch = try Scratch()
        let db = scratch.path("a.sqlite")
        let booked = #"{"stream":"case-c1","events":[{"type":"SessionBooked","actor":"client:k1","occurredAt":"2024-03-02T09:00:00Z","data":{"caseId":"c1","price":{"amount":1000000000000000000,"currency":"UAH"},"scheduledStart":"2024-03-05T10:00:00Z","sessionId":"s1"}}]}"#
        let input = [appendLine(stream: "case-1", tag: "a", count: 1), booked].joined(separator: "\n")
        let result = try CLI.run(["append", "--db", db, "-"], input: input)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("line 2"), "\(result.stderr)")
        #expect(result.stderr.contains("price.amount"), "\(result.stderr)")
        #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("position 1"))
        let early = #"{"stream":"x-1","events":[{"type":"Marked","actor":"system:t","occurredAt":"0000-01-01T00:00:00+00:01","data":{}}]}"#
        let refused = try CLI.run(["append", "--db", db, "-"], input: early)
        #expect(refused.status != 0 && refused.stderr.contains("0001-01-01"), "\(refused.stderr)")
    }

    /// The generator's options are usage errors naming the option, also
    /// when together they would run past the contract's last year.
    @Test(arguments: [
        (["generate", "--jsonl", "g.jsonl", "--start", "9999-01-01", "--months", "600"], "--months"),
        (["generate", "--jsonl", "g.jsonl", "--months", "9223372036854775807"], "--months"),
        (["demo", "--db", "d.sqlite", "--months", "100000"], "--months"),
        (["demo", "--db", "d.sqlite", "--therapists", "0"], "--therapists"),
    ])
    func generatorOptionsOutsideTheirRangesAreUsageErrors(_ arguments: [String], _ option: String) throws {
        let scratch = try Scratch()
        let result = try status(arguments, in: scratch)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains(option), "\(result.output)")
    }

    /// The server's timers: an idle timeout past about 292 years overflowed
    /// its nanosecond timer (SIGILL, exit 132) before it listened.
    @Test(arguments: [
        (["--idle-timeout", "1000000000000"], "--idle-timeout"), (["--idle-timeout", "0"], "--idle-timeout"),
        (["--heartbeat", "9223372036854775807"], "--heartbeat"), (["--heartbeat", "86401"], "--heartbeat"),
    ])
    func serveTimersOutsideTheirRangesAreUsageErrors(_ arguments: [String], _ option: String) throws {
        let scratch = try Scratch()
        let result = try status(["serve", "--db", "s.sqlite", "--tokens", "tokens.txt", "--listen", "127.0.0.1:0"] + arguments, in: scratch)
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains(option), "\(result.output)")
    }

    /// Positions and versions are gapless from 1; after a row edited to
    /// Int64.max no event can follow it, and writes say so (exit 65, a data
    /// error) instead of trapping on the next number.
    @Test(arguments: [
        ("position = 9223372036854775807", ["import", "one.jsonl"]),
        ("position = 9223372036854775807", ["append", "app.jsonl"]),
        ("position = 9223372036854775807", ["erase", "client", "k1", "--actor", "support:s1"]),
        ("stream_version = 9223372036854775807", ["append", "app.jsonl"]),
    ])
    func aWriteAfterAnEditedHeadOrVersionIsRefusedAsCorrupt(_ edit: String, _ command: [String]) throws {
        let scratch = try Scratch()
        let db = try importedMarketplace(scratch)
        try execute(db, "UPDATE events SET \(edit) WHERE position = 11")
        let one = #"{"type":"TherapistJoined","occurredAt":"2024-03-09T08:00:00Z","actor":"support:s1","data":{"therapistId":"t9"}}"#
        try Data((one + "\n").utf8).write(to: URL(fileURLWithPath: scratch.path("one.jsonl")))
        let append = #"{"stream":"case-c3","events":[{"type":"Marked","data":{},"actor":"system:t","occurredAt":"2024-01-01T00:00:00Z"}]}"#
        try Data((append + "\n").utf8).write(to: URL(fileURLWithPath: scratch.path("app.jsonl")))
        let result = try status(command + ["--db", db], in: scratch)
        #expect(result.status == 65, "\(command) after \(edit): \(result.output)")
        #expect(result.output.contains("9223372036854775807"), "\(result.output)")
    }
}
