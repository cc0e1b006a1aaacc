import CSQLite
import EventStoreSQLite
import Foundation
import Testing

/// `--help` is read at 80 columns and its examples are copied as printed;
/// `--version` names the build, the log format it writes and its SQLite.
@Suite struct HelpAndVersionTests {
    /// The width the help is rendered at (the parser reads `COLUMNS`; tests have no tty).
    static let columns = 80

    /// `caseload <command…> --help` at 80 columns.
    static func help(_ command: [String]) throws -> String {
        let result = try CLI.run(command + ["--help"], environment: ["COLUMNS": String(columns)])
        #expect(result.status == 0, "\(command) --help: \(result.stderr)")
        return result.stdout
    }

    /// The subcommands a help text lists (the names in its SUBCOMMANDS section).
    static func subcommands(in help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { return [] }
        var names: [String] = []
        for line in lines[(start + 1)...] {
            if line.isEmpty { break }
            // A name sits two spaces in; a wrapped abstract is indented further.
            guard line.hasPrefix("  "), !line.dropFirst(2).hasPrefix(" ") else { continue }
            let name = String(line.dropFirst(2).prefix { $0 != " " })
            if name != "help" { names.append(name) }
        }
        return names
    }

    /// Every command path: `[]` (caseload itself), `["audit"]`, `["audit", "case"]`, …
    static func allCommands() throws -> [[String]] {
        var found: [[String]] = []
        var pending: [[String]] = [[]]
        while let command = pending.popLast() {
            found.append(command)
            pending += subcommands(in: try help(command)).map { command + [$0] }
        }
        return found
    }

    /// An example as printed: its lines, and whether it is a command or JSON.
    struct Example: CustomStringConvertible {
        enum Kind { case command, json }
        var kind: Kind
        var lines: [String]
        var text: String { lines.joined(separator: "\n") }
        var description: String { text }
    }

    /// The examples in a help text: lines starting with `caseload ` (with
    /// their ` \` continuation lines), and JSON objects over one or more lines.
    static func examples(in help: String) -> [Example] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var examples: [Example] = []
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].drop { $0 == " " }
            if trimmed.hasPrefix("caseload ") {
                var example = Example(kind: .command, lines: [lines[index]])
                while example.lines.last!.hasSuffix("\\"), index + 1 < lines.count {
                    index += 1
                    example.lines.append(lines[index])
                }
                examples.append(example)
            } else if trimmed.hasPrefix("{") {
                var example = Example(kind: .json, lines: [lines[index]])
                var depth = braceDepth(lines[index])
                while depth > 0, index + 1 < lines.count {
                    index += 1
                    example.lines.append(lines[index])
                    depth += braceDepth(lines[index])
                }
                examples.append(example)
            }
            index += 1
        }
        return examples
    }

    static func braceDepth(_ line: String) -> Int {
        line.reduce(0) { $0 + ($1 == "{" ? 1 : $1 == "}" ? -1 : 0) }
    }

    /// The demo history the examples run against, written once per test run
    /// into a temporary folder (the examples say `--db demo.sqlite`).
    static let demoFolder: Swift.Result<URL, DemoFailed> = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-help-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let demo = try CLI.run(["demo", "--db", folder.appendingPathComponent("demo.sqlite").path])
            guard demo.status == 0 else { return .failure(DemoFailed(message: demo.stderr)) }
        } catch {
            return .failure(DemoFailed(message: "\(error)"))
        }
        return .success(folder)
    }()

    @Test func everyHelpExampleFitsEightyColumnsAndRunsAsPrinted() throws {
        let folder = try Self.demoFolder.get()
        defer { try? FileManager.default.removeItem(at: folder) }
        let commands = try Self.allCommands()
        #expect(commands.contains(["audit", "case"]) && commands.contains(["erase", "client"]), "\(commands)")

        var commandExamples = 0
        for command in commands {
            let examples = Self.examples(in: try Self.help(command))
            for example in examples {
                for line in example.lines {
                    #expect(line.count <= Self.columns, "caseload \(command) --help: \(line.count) columns: \(line)")
                }
                switch example.kind {
                case .command:
                    commandExamples += 1
                    // The service runs until stopped: it is given 8 seconds,
                    // then SIGTERM, after which it must stop cleanly (exit 0).
                    let text = example.text.trimmingCharacters(in: .whitespaces).hasPrefix("caseload serve ")
                        ? "timeout --preserve-status -s TERM 8 " + example.text : example.text
                    let result = try CLI.shell(text, directory: folder)
                    #expect(result.status == 0, "caseload \(command) --help, example:\n\(example)\n\(result.stderr)")
                case .json:
                    // A JSON example is one JSON Lines line shown over several.
                    let line = example.lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                    #expect(
                        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any],
                        "caseload \(command) --help, not JSON:\n\(example)")
                }
            }
        }
        // Every command group with examples in its help was seen.
        #expect(commandExamples >= 15, "only \(commandExamples) examples found")
    }

    /// `append --help`'s input example, fed to `caseload append` as one line,
    /// is acknowledged exactly as its acknowledgement example says.
    @Test func appendHelpExampleIsAcknowledgedAsPrinted() throws {
        let examples = Self.examples(in: try Self.help(["append"])).filter { $0.kind == .json }
        try #require(examples.count == 2, "\(examples)")
        func oneLine(_ example: Example) -> String {
            example.lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
        let scratch = try Scratch()
        let result = try CLI.run(["append", "--db", scratch.path("append.sqlite"), "-"], input: oneLine(examples[0]) + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let printed = try JSONSerialization.jsonObject(with: Data(oneLine(examples[1]).utf8)) as? NSDictionary
        let acknowledged = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? NSDictionary
        #expect(printed != nil && printed == acknowledged, "printed \(String(describing: printed)), got \(result.stdout)")
    }

    @Test func versionNamesReleaseLogFormatAndSQLite() throws {
        let result = try CLI.run(["--version"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(result.stdout)")
        #expect(lines[0].wholeMatch(of: /caseload \d+\.\d+\.\d+(-[0-9A-Za-z.]+)?/) != nil, "\(lines[0])")
        #expect(lines[2] == "SQLite \(SQLiteEventStore.sqliteVersion)")

        // The log format printed is the one a freshly created log records.
        let scratch = try Scratch()
        let db = scratch.path("fresh.sqlite")
        let append = try CLI.run(["append", "--db", db, "-"], input: appendLine(stream: "s-1", tag: "v", count: 1) + "\n")
        try #require(append.status == 0, "\(append.stderr)")
        let written = try userVersion(db)
        #expect(written == SQLiteEventStore.logFormat)
        #expect(lines[1] == "log format \(written)")
    }
}

/// `caseload demo` did not write the history the help examples need.
struct DemoFailed: Error { var message: String }

/// `PRAGMA user_version` of the SQLite file at `path`.
func userVersion(_ path: String) throws -> Int64 {
    var db: OpaquePointer?
    guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw CLIError.sql("open") }
    defer { sqlite3_close(db) }
    var statement: OpaquePointer?
    guard sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &statement, nil) == SQLITE_OK else {
        throw CLIError.sql(String(cString: sqlite3_errmsg(db)))
    }
    defer { sqlite3_finalize(statement) }
    guard sqlite3_step(statement) == SQLITE_ROW else { throw CLIError.sql(String(cString: sqlite3_errmsg(db))) }
    return sqlite3_column_int64(statement, 0)
}
