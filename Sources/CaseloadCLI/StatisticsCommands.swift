import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import Foundation

/// `--as-of` / `--known-at`, shared by the commands that report on a date.
struct TimeOptions: ParsableArguments {
    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp(
            "Count what had happened by then (occurredAt). Default: the latest event's time.",
            valueName: "time"))
    var asOf: String?

    @Option(
        name: .customLong("known-at"),
        help: ArgumentHelp(
            "Count only what the log knew at then (recordedAt). With --as-of: what did we believe on that day about that day.",
            valueName: "time"))
    var knownAt: String?

    func validate() throws { _ = try reportTime() }

    /// The options as the application's report time.
    func reportTime() throws -> ReportTime {
        ReportTime(asOf: try parseTime(asOf, "--as-of"), knownAt: try parseTime(knownAt, "--known-at"))
    }
}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Per-therapist statistics, with the platform's figures beside them.",
        discussion: """
            Definitions (the contract): a case converted when its first session was held or charged \
            (a late client cancellation or a no-show is charged); counted cases are those not excluded \
            as of the date asked about; a refusal never lowers conversion. Rates with a zero denominator \
            are null. --json prints an array of objects with therapistId and exactly the published keys.

            Examples:
              caseload stats --db demo.sqlite --therapist t0049
              caseload stats --db demo.sqlite --as-of 2025-01-01 --days 90 --json
              caseload stats --db demo.sqlite --days 90 --csv > stats.csv
            """)

    @OptionGroup var store: ReadOptions
    @OptionGroup var time: TimeOptions
    @Option(help: "Only this therapist (platform figures still cover everyone).") var therapist: String?
    @Option(help: "Only the last N days up to the as-of date (default: all history).") var days: Int?
    @Flag(name: .customLong("no-exclusions"), help: "Count excluded chats as ordinary inquiries.") var ignoreExclusions = false
    @Flag(name: .customLong("no-refusals"), help: "Count refused cases in retention.") var ignoreRefusals = false
    @Flag var format: OutputFormat = .table

    func validate() throws {
        try validateDays(days)
    }

    func run() async throws {
        let request = StatisticsRequest(
            time: try time.reportTime(), therapist: therapist, days: days, honourExclusions: !ignoreExclusions,
            honourRefusals: !ignoreRefusals, includePlatform: format == .table)
        let progress = Progress(label: "replayed")
        let result = try await withApplication(store.configuration) { app in
            defer { progress.finish() }
            return try await app.statistics(request) { progress.update($0, $1) }
        }
        switch format {
        case .json: print(StatisticsReport.json(result.therapists))
        case .csv: print(StatisticsReport.csv(result.therapists), terminator: "")
        case .table:
            print("as of \(result.asOf.iso8601)\(days.map { ", last \($0) days" } ?? ", all history"); (×n) = relative to the platform")
            print(StatisticsReport.table(result.therapists, platform: result.platform), terminator: "")
        }
    }
}

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild every projection from position 0, with progress (events/s, ETA) on stderr.")

    @OptionGroup var store: ReadOptions

    func run() async throws {
        let progress = Progress(label: "replayed", alwaysShow: true)
        let result = try await withApplication(store.configuration) { app in
            defer { progress.finish() }
            return try await app.replay { progress.update($0, $1) }
        }
        let seconds = result.duration.seconds
        var line = "rebuilt statistics: \(result.events) events, \(result.cases) cases, \(result.therapists) therapists in \(String(format: "%.2f", seconds)) s (\(Int(Double(result.events) / max(seconds, 0.001))) events/s)"
        if let peak = Self.peakMemoryMiB() { line += "; peak memory \(peak) MiB" }
        print(line)
    }
}

extension ReplayCommand {
    /// This process's peak resident memory (VmHWM, Linux), in MiB. Read from
    /// /proc rather than getrusage: a process's ru_maxrss survives exec and
    /// can report its parent's peak.
    static func peakMemoryMiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kib / 1024
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
