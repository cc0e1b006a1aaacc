import ArgumentParser
import Caseload
import CaseloadCoding
import CaseloadStatistics
import EventStoreSQLite
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

    func parse(_ text: String?, _ option: String) throws -> Timestamp? {
        guard let text else { return nil }
        do { return try Timestamp(userInput: text) } catch {
            throw ValidationError("\(option): \(error) (use 2024-06-01 or 2024-06-01T12:00:00Z)")
        }
    }

    /// The facts for these options and the "as of" to read them at.
    func facts(_ store: SQLiteEventStore, progress: Progress) async throws -> (MarketplaceFacts, Timestamp) {
        let asOf = try parse(self.asOf, "--as-of")
        let knownAt = try parse(self.knownAt, "--known-at")
        let projection = StatisticsProjection(store: store)
        let facts: MarketplaceFacts
        if let knownAt {
            facts = try await projection.facts(knownAt: knownAt) { progress.update($0, $1) }
        } else {
            facts = try await projection.current { progress.update($0, $1) }
        }
        progress.finish()
        return (facts, asOf ?? facts.latestOccurredAt)
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
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
              caseload stats --db demo.sqlite --therapist t007
              caseload stats --db demo.sqlite --as-of 2024-06-01 --known-at 2024-06-01 --json
              caseload stats --db demo.sqlite --days 90 --csv > stats.csv
            """)

    @OptionGroup var store: StoreOptions
    @OptionGroup var time: TimeOptions
    @Option(help: "Only this therapist (platform figures still cover everyone).") var therapist: String?
    @Option(help: "Only the last N days up to the as-of date (default: all history).") var days: Int?
    @Flag(name: .customLong("no-exclusions"), help: "Count excluded chats as ordinary inquiries.") var ignoreExclusions = false
    @Flag(name: .customLong("no-refusals"), help: "Count refused cases in retention.") var ignoreRefusals = false
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "CSV output.") var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
        if let days, days < 1 { throw ValidationError("--days must be 1 or more") }
    }

    func run() async throws {
        let log: SQLiteEventStore
        do { log = try store.open(create: false) } catch { throw failure(error) }
        do {
            let (facts, asOf) = try await time.facts(log, progress: Progress(label: "replayed"))
            await log.close()
            let window = StatisticsWindow(days: days, honourExclusions: !ignoreExclusions, honourRefusals: !ignoreRefusals)
            let snapshot = facts.snapshot(window, asOf: asOf)
            var rows = snapshot.therapists
            if let therapist {
                rows = rows.filter { $0.therapistId == therapist }
                if rows.isEmpty {
                    Console.error("no therapist '\(therapist)' in the log")
                    throw ExitCode(1)
                }
            }
            if json {
                print(StatisticsReport.json(rows))
            } else if csv {
                print(StatisticsReport.csv(rows), terminator: "")
            } else {
                print("as of \(asOf.iso8601)\(days.map { ", last \($0) days" } ?? ", all history"); (×n) = relative to the platform")
                print(StatisticsReport.table(rows, platform: snapshot.platform), terminator: "")
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            await log.close()
            throw failure(error)
        }
    }
}

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild every projection from position 0, with progress (events/s, ETA) on stderr.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let log: SQLiteEventStore
        do { log = try store.open(create: false) } catch { throw failure(error) }
        let progress = Progress(label: "replayed", alwaysShow: true)
        let started = ContinuousClock.now
        do {
            let facts = try await StatisticsProjection(store: log).rebuild { progress.update($0, $1) }
            progress.finish()
            await log.close()
            let seconds = (ContinuousClock.now - started).seconds
            var line = "rebuilt statistics: \(facts.checkpoint) events, \(facts.cases.count) cases, \(facts.therapists.count) therapists in \(String(format: "%.2f", seconds)) s (\(Int(Double(facts.checkpoint) / max(seconds, 0.001))) events/s)"
            if let peak = Self.peakMemoryMiB() { line += "; peak memory \(peak) MiB" }
            print(line)
        } catch {
            progress.finish()
            await log.close()
            throw failure(error)
        }
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
