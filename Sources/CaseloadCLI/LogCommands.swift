import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import EventStore
import Foundation

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print events of the log in position order.",
        discussion: """
            Examples:
              caseload log --db demo.sqlite --stream case-c9857
              caseload log --db demo.sqlite --from 1000 --type SessionBooked --limit 20
              caseload log --db demo.sqlite --limit 1000 --json > events.json
            """)

    @OptionGroup var store: ReadOptions
    @Option(help: "Start at this position (1 = the first event).") var from: Int64 = 1
    @Option(help: "Only this stream.") var stream: String?
    @Option(help: "Only this event type (repeat for several).") var type: [String] = []
    @Option(help: "At most this many events.") var limit: Int?
    @Flag var format: TableOrJSON = .table

    func validate() throws {
        guard from >= 1 else { throw ValidationError("--from must be 1 or more") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() async throws {
        let selection = LogSelection(from: from, stream: stream, types: type.isEmpty ? nil : Set(type), limit: limit)
        let json = format == .json
        var out = OutputBuffer()
        var printed = 0
        if json { out.append("[") }
        defer { out.flush() }
        try await withApplication(store.readOnlyConfiguration) { app in
            for try await batch in try app.log(selection) {
                for event in batch {
                    if json {
                        var writer = JSONWriter(capacity: 512)
                        event.writeJSON(into: &writer)
                        out.append(printed == 0 ? "\n" : ",\n")
                        out.append(writer.bytes)
                        if out.bytes.count >= 1 << 16 { out.flush() }
                    } else {
                        out.line(
                            "\(event.position)\t\(event.metadata.occurredAt.iso8601)\t\(event.stream)@\(event.streamVersion)\t\(event.type)\t\(event.metadata.actor)\t\(event.payload.text)")
                    }
                    printed += 1
                }
            }
        }
        if json { out.append(printed == 0 ? "]\n" : "\n]\n") }
    }
}

struct HeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Print the last position of the log, its hash and commit time.")

    @OptionGroup var store: ReadOptions
    @Flag var format: TextOrJSON = .text

    func run() async throws {
        let head = try await withApplication(store.readOnlyConfiguration) { app in try await app.head() }
        switch format {
        case .json:
            var writer = JSONWriter()
            head.writeJSON(into: &writer)
            print(writer.text)
        case .text:
            print("position \(head.position)")
            print("hash \(head.hash.hex)")
            print("recorded \(head.recordedAt?.iso8601 ?? "-")")
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain and re-check every event against the domain's rules; exit 2 naming each bad position.",
        discussion: """
            First the hash chain from the first event (a changed byte, a removed or reordered event), then \
            every event in log order against the same rules a live command and an import pass. Every \
            problem is reported with its position. --chain-only skips the rules (for logs that hold \
            other than marketplace events, such as ones written with `caseload append`).
            """)

    @OptionGroup var store: ReadOptions
    @Flag(name: .customLong("chain-only"), help: "Check only the hash chain.") var chainOnly = false
    @Flag var format: TextOrJSON = .text

    func run() async throws {
        let progress = Progress(label: "verified")
        let result = try await withApplication(store.readOnlyConfiguration) { app in
            defer { progress.finish() }
            return try await app.verify(rules: !chainOnly) { done, total in progress.update(done, total) }
        }
        let json = format == .json
        let chain = result.chain
        if json {
            var writer = JSONWriter()
            result.writeJSON(into: &writer)
            print(writer.text)
        } else {
            if let bad = chain.firstBadPosition {
                print("chain broken at position \(bad): \(chain.problem ?? "mismatch") (\(chain.eventsChecked) events before it hold)")
            } else {
                print("chain holds: \(chain.eventsChecked) events, head hash \(chain.headHash.hex)")
            }
            if !chainOnly {
                let ruleProblems = result.problems.filter { $0.kind != .chain }
                if ruleProblems.isEmpty, let bad = result.chain.firstBadPosition {
                    print("rules hold up to position \(bad - 1), before the broken link (not judged past it)")
                } else if ruleProblems.isEmpty {
                    print("rules hold: every event is legal in its stream's order")
                } else {
                    print("\(ruleProblems.count) events break the rules:")
                    for problem in ruleProblems { print("  \(problem)") }
                }
            }
        }
        if !result.problems.isEmpty { throw ExitCode(2) }
    }
}

struct AppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append raw events from JSON Lines, one atomic append per line (store level: no domain rules).",
        discussion: """
            Each line names a stream, what the append expects of it ("any", "no-stream" or the stream's \
            current version, a number) and the events; here one line over several:
              {"stream": "case-1", "expected": "no-stream",
               "events": [{"type": "Marked", "data": {"tag": "a"},
                           "actor": "system:x", "occurredAt": "2024-01-01T00:00:00Z"}]}

            Each line is acknowledged on standard output, once durable, with its outcome ("appended", or \
            "alreadyAppended" for a retry) and the positions of its events:
              {"line": 1, "outcome": "appended", "positions": [1]}

            Lines are appended in order; the first failing line stops the command (exit 1), naming the line. \
            Domain events go through `caseload import` instead, which checks the marketplace's rules.
            """)

    @OptionGroup var store: AppendOptions
    @OptionGroup var lines: LineOptions
    @Argument(help: "A JSON Lines file, or - for standard input.") var file: String = "-"

    func run() async throws {
        try await withApplication(lines.applied(to: store.configuration(create: true))) { app in
            _ = try await app.appendLines(from: file) { acknowledgement in
                var writer = JSONWriter()
                acknowledgement.writeJSON(into: &writer)
                writer.bytes.append(0x0A)
                FileHandle.standardOutput.write(Data(writer.bytes))
            }
        }
    }
}
