import Caseload
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreSQLite
import Foundation
import Logging

/// The benchmark harness: `Scripts/bench [--size 1M|10M|14M] [--runs N] [--only NAME,…]`
/// (or `swift run -c release CaseloadBench …`). Every figure is the median of
/// several runs on a fresh file, printed next to its target, and written as
/// JSON (bench-results/latest.json). Timings live here, never in tests.
@main
struct Bench {
    static func main() async throws {
        var options = BenchOptions()
        do { try options.parse(CommandLine.arguments.dropFirst()) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n\(BenchOptions.usage)\n".utf8))
            exit(64)
        }
        if options.isMarketplace && options.only == nil { options.only = Harness.marketplaceNames }
        let harness = Harness(options: options)
        if let url = options.postgres {
            try await harness.runPostgres(url)
        } else {
            try await harness.run()
        }
    }
}

struct BenchOptions {
    var events = 1_000_000
    var runs = 3
    var only: Set<String>?
    var output = "bench-results/latest.json"
    /// A history file to reuse (or to generate once and keep): `--history
    /// PATH` or CASELOAD_BENCH_HISTORY. Without it the history is generated
    /// in the scratch directory on every run.
    var history: String? = ProcessInfo.processInfo.environment["CASELOAD_BENCH_HISTORY"]
    /// Runs the PostgreSQL benchmarks against this database instead (PostgresBenchmarks.swift).
    var postgres: String?

    /// `--size 14M`: issue 16's marketplace history, exactly
    /// `caseload generate --therapists 2000 --months 24 --seed 1 --views`.
    static let marketplaceEvents = 14_000_000
    var isMarketplace: Bool { events == Self.marketplaceEvents }

    static let usage = """
        usage: CaseloadBench [--size N|1M|10M|14M] [--runs N] [--only bench,…] [--output FILE] [--history PATH] [--postgres URL]
        benchmarks: \(Harness.names.joined(separator: ", "))
        --size 14M is issue 16's history (`caseload generate --therapists 2000 --months 24 --seed 1 --views`,
        14,094,515 events) and runs replay, replay-memory, compare and raw-scan unless --only says otherwise.
        --history PATH (or CASELOAD_BENCH_HISTORY=PATH) reuses that history file, generating it there
        once if it does not exist; the history benchmarks then skip generate and import.
        with --postgres URL (each in a fresh schema of that database): \(Harness.postgresNames.joined(separator: ", "))
        """

    mutating func parse(_ arguments: ArraySlice<String>) throws {
        var rest = arguments
        while let argument = rest.popFirst() {
            switch argument {
            case "--size":
                guard let value = rest.popFirst(), let parsed = Self.size(value) else { throw BenchError("--size takes a number such as 250k, 1M or 10M") }
                events = parsed
            case "--runs":
                guard let value = rest.popFirst(), let parsed = Int(value), parsed >= 1 else { throw BenchError("--runs takes a number ≥ 1") }
                runs = parsed
            case "--only":
                guard let value = rest.popFirst() else { throw BenchError("--only takes names") }
                only = Set(value.split(separator: ",").map(String.init))
                if let unknown = only?.subtracting(Harness.names + Harness.postgresNames).first { throw BenchError("no benchmark '\(unknown)'") }
            case "--history":
                guard let value = rest.popFirst() else { throw BenchError("--history takes a path") }
                history = value
            case "--output":
                guard let value = rest.popFirst() else { throw BenchError("--output takes a path") }
                output = value
            case "--postgres":
                guard let value = rest.popFirst() else { throw BenchError("--postgres takes a URL") }
                postgres = value
            case "--help", "-h":
                print(Self.usage)
                exit(0)
            default:
                throw BenchError("unknown argument '\(argument)'")
            }
        }
    }

    static func size(_ text: String) -> Int? {
        let lower = text.lowercased()
        if let value = Double(lower.dropLast()), lower.hasSuffix("m") { return Int(value * 1_000_000) }
        if let value = Double(lower.dropLast()), lower.hasSuffix("k") { return Int(value * 1_000) }
        return Int(lower)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One measured figure: the median of its runs, beside its target.
struct Figure {
    var name: String
    var unit: String
    var runs: [Double]
    var target: String
    var met: Bool?
    var note: String = ""
    /// The machine's speed when the figure was recorded (see `Harness.speedProbe`).
    var probeMilliseconds: Double? = nil

    var median: Double {
        let sorted = runs.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// The store and replay settings every benchmark uses: the defaults with the
/// measuring knobs of this executable's environment (see
/// `CaseloadConfiguration.applyingMeasuringKnobs`); with
/// CASELOAD_WRITER_STATS=1 the store logs its writer's counts to standard
/// error when it closes. (The location is not used: each benchmark opens its
/// own files with `Knobs.store`.)
enum Knobs {
    static let configuration: CaseloadConfiguration = {
        let environment = ProcessInfo.processInfo.environment
        var configuration = CaseloadConfiguration(store: .sqlite(path: "-"))
            .applyingMeasuringKnobs(environment)
        if environment["CASELOAD_WRITER_STATS"] != nil {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
            configuration.logger = Logger(label: "caseload-bench")
            configuration.logger.logLevel = .debug
        }
        return configuration
    }()

    /// The SQLite store's settings, to be adjusted by each benchmark.
    static func storeConfiguration() -> SQLiteEventStoreConfiguration { configuration.sqliteConfiguration }

    static var replay: ReplayTuning { configuration.replay }
}
