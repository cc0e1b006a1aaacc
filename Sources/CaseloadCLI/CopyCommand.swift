import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import EventStore
import Foundation

struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a log into another store, exactly; a rerun copies only what is missing.",
        discussion: """
            The events as recorded (positions, ids, stream versions, times, hashes), in transactions of \
            --batch-size events, so an interrupted copy leaves a prefix that a rerun continues; then the \
            personal-data vault (sealed values and keys; a client erased on the source is erased on the \
            target); then, with --projections, the statistics' saved state (without, the target rebuilds \
            it on its first read). The target's chain is verified at the end.

            The target must be empty or a prefix of the source: one whose event at its head differs from \
            the source's at that position is refused, naming it (exit 65), and nothing is written. Either \
            side may be an SQLite file or postgres://USER:PASS@HOST:PORT/DB.

            Examples:
              caseload copy --from demo.sqlite --to copy.sqlite
              caseload copy --from demo.sqlite --to copy.sqlite --json
            """)

    @Option(name: .long, help: ArgumentHelp("The log to copy: an SQLite file or a postgres:// URL.", valueName: "path|url"))
    var from: String
    @Option(name: .long, help: ArgumentHelp("Where to copy it (created when missing).", valueName: "path|url"))
    var to: String
    @Flag(help: "Copy the projections' saved state too.") var projections = false
    @Option(name: .customLong("up-to"), help: ArgumentHelp("Copy only up to this position.", valueName: "position"))
    var upTo: Int64?
    @Option(name: .customLong("batch-size"), help: "Events per transaction on the target.")
    var batchSize = LogCopyRequest.defaultBatchSize
    @Option(
        help: ArgumentHelp(
            "When a batch counts as written on the target: full (fsync) or normal.", valueName: "level"))
    var durability: DurabilityOption = .full
    @Flag var format: TextOrJSON = .text

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be 1 or more") }
        if let upTo, upTo < 0 { throw ValidationError("--up-to must be 0 or more") }
    }

    func run() async throws {
        let source = Edge.configuration(.readingOnly(.init(parsing: from)))
        var target = CaseloadConfiguration(store: .init(parsing: to))
        target.durability = durability.level
        target = Edge.configuration(target)
        let request = LogCopyRequest(projections: projections, batchSize: batchSize, upToPosition: upTo)
        let progress = Progress(label: "copied")
        let copy = try await withApplication(source) { source in
            try await withApplication(target) { target in
                defer { progress.finish() }
                return try await target.copy(from: source, request) { done, total in progress.update(done, total) }
            }
        }
        switch format {
        case .json:
            var writer = JSONWriter()
            copy.writeJSON(into: &writer)
            print(writer.text)
        case .text:
            let rate = copy.eventsCopied > 0
                ? String(format: " in %.2fs (%.0f events/s)", copy.eventSeconds, copy.eventsPerSecond) : ""
            let resumed = copy.targetHeadBefore > 0 ? ", after the \(copy.targetHeadBefore) already there" : ""
            print("copied \(copy.eventsCopied) events\(rate)\(resumed): \(copy.target) is at position \(copy.copiedUpTo)")
            print("vault: \(copy.vaultRecordsCopied) sealed values copied, \(copy.subjectsErased) subjects erased")
            if projections { print("projections copied: \(copy.projectionsCopied.isEmpty ? "none" : copy.projectionsCopied.joined(separator: ", "))") }
            let chain = copy.verification
            if let bad = chain.firstBadPosition {
                print("the copy's chain is broken at position \(bad): \(chain.problem ?? "mismatch")")
            } else {
                print("chain holds: \(chain.eventsChecked) events, head hash \(chain.headHash.hex) (\(String(format: "%.2f", copy.seconds))s in all)")
            }
        }
        if !copy.verification.holds { throw ExitCode(65) }
    }
}
