import ArgumentParser
import CaseloadCoding
import EventStore
import EventStoreSQLite
import Caseload
import Foundation

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print events of the log in position order.",
        discussion: """
            Examples:
              caseload log --db demo.sqlite --stream case-c000001
              caseload log --db demo.sqlite --from 1000 --type SessionBooked --limit 20
              caseload log --db demo.sqlite --json > events.json
            """)

    @OptionGroup var store: StoreOptions
    @Option(help: "Start at this position (1 = the first event).") var from: Int64 = 1
    @Option(help: "Only this stream.") var stream: String?
    @Option(help: "Only this event type (repeat for several).") var type: [String] = []
    @Option(help: "At most this many events.") var limit: Int?
    @Flag(help: "A JSON array of events (see EventSchemas/recorded-event.schema.json).") var json = false

    func run() async throws {
        guard from >= 1 else { throw ValidationError("--from must be 1 or more") }
        let log: SQLiteEventStore
        do { log = try store.open(create: false) } catch { throw failure(error) }
        var query = LogQuery(after: from - 1, limit: min(limit ?? 5000, 5000))
        query.types = type.isEmpty ? nil : Set(type)
        do {
            query.stream = try stream.map { try StreamID($0) }
        } catch { throw failure(error) }
        var out = OutputBuffer()
        var printed = 0
        if json { out.append("[") }
        do {
            for try await batch in log.batches(query) {
                for event in batch {
                    if let limit, printed >= limit { break }
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
                if let limit, printed >= limit { break }
            }
        } catch {
            out.flush()
            await log.close()
            throw failure(error)
        }
        if json { out.append(printed == 0 ? "]\n" : "\n]\n") }
        out.flush()
        await log.close()
    }
}

struct HeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Print the last position of the log, its hash and commit time.")

    @OptionGroup var store: StoreOptions
    @Flag(help: "Print a JSON object.") var json = false

    func run() async throws {
        do {
            let log = try store.open(create: false)
            let head = try await log.head()
            await log.close()
            if json {
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("position"); writer.int(head.position)
                writer.key("hash"); writer.string(head.hash.hex)
                writer.key("recordedAt"); writer.optionalString(head.recordedAt?.iso8601)
                writer.endObject()
                print(writer.text)
            } else {
                print("position \(head.position)")
                print("hash \(head.hash.hex)")
                print("recorded \(head.recordedAt?.iso8601 ?? "-")")
            }
        } catch { throw failure(error) }
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

    @OptionGroup var store: StoreOptions
    @Flag(name: .customLong("chain-only"), help: "Check only the hash chain.") var chainOnly = false
    @Flag(help: "Print a JSON object.") var json = false

    func run() async throws {
        let result: (chain: ChainVerification, problems: [IntegrityProblem])
        do {
            let log = try store.open(create: false)
            let progress = Progress(label: "verified")
            result = try await LogIntegrity.check(log, rules: !chainOnly) { done, total in progress.update(done, total) }
            progress.finish()
            await log.close()
        } catch { throw failure(error) }
        let chain = result.chain
        if json {
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("holds"); writer.bool(result.problems.isEmpty)
            writer.key("eventsChecked"); writer.int(chain.eventsChecked)
            writer.key("firstBadPosition"); if let bad = chain.firstBadPosition { writer.int(bad) } else { writer.null() }
            writer.key("headHash"); writer.string(chain.headHash.hex)
            writer.key("rulesChecked"); writer.bool(!chainOnly)
            writer.key("problems"); writer.beginArray()
            for problem in result.problems {
                writer.beginObject()
                writer.key("position"); writer.int(problem.position)
                writer.key("stream"); writer.string(problem.stream)
                writer.key("kind"); writer.string(problem.kind.rawValue)
                writer.key("message"); writer.string(problem.message)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
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
            Each line: {"stream": "case-1", "expected": "any" | "no-stream" | 3,
                        "events": [{"type": "...", "data": {...}, "actor": "system:x", "occurredAt": "2024-01-01T00:00:00Z"}]}
            Each line is acknowledged on standard output, once durable, as
              {"line": N, "outcome": "appended" | "alreadyAppended", "positions": [...]}
            Lines are appended in order; the first failing line stops the command (exit 1), naming the line.
            Domain events go through `caseload import` instead, which checks the marketplace's rules.
            """)

    @OptionGroup var store: StoreOptions
    @Argument(help: "A JSON Lines file, or - for standard input.") var file: String = "-"

    func run() async throws {
        let log: SQLiteEventStore
        do { log = try store.open(create: true) } catch { throw failure(error) }
        let lines: LineReader
        do { lines = try LineReader(path: file) } catch { throw failure(error) }
        var number = 0
        while let line = lines.next() {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                let request = try AppendRequestLine(json: line) { UUID() }
                let result = try await log.append([request.append])
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("line"); writer.int(number)
                writer.key("outcome"); writer.string(result.outcome == .appended ? "appended" : "alreadyAppended")
                writer.key("positions"); writer.beginArray()
                for position in result.positions { writer.int(position) }
                writer.endArray()
                writer.endObject()
                writer.bytes.append(0x0A)
                FileHandle.standardOutput.write(Data(writer.bytes))
            } catch {
                await log.close()
                Console.error("line \(number): \(error)")
                throw ExitCode(1)
            }
        }
        await log.close()
    }
}
