import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import EventStore
import Foundation
import Logging

/// `--db`, for the commands that only read the log.
struct ReadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The event log: an SQLite file, or postgres://USER:PASS@HOST:PORT/DB.", valueName: "path|url"))
    var db: String

    /// The configuration of a front end that only reads (the file must
    /// exist); the statistics' saved state is still caught up and saved.
    var configuration: CaseloadConfiguration {
        Edge.configuration(.reading(.init(parsing: db)))
    }

    /// For commands that save nothing at all (log reads, `head`, `verify`,
    /// audits): the file opened read-only, without the write lock, so they
    /// run beside a long import and on read-only files.
    var readOnlyConfiguration: CaseloadConfiguration {
        Edge.configuration(.readingOnly(.init(parsing: db)))
    }
}

/// `--db` and `--durability`, for the commands that append.
struct AppendOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The event log: an SQLite file, or postgres://USER:PASS@HOST:PORT/DB.", valueName: "path|url"))
    var db: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "When an append counts as done: full (fsync every commit; survives power loss) or normal (survives a crash of the process).",
            valueName: "level"))
    var durability: DurabilityOption = .full

    /// The configuration of a front end that appends; `create`: make the file if it is missing.
    func configuration(create: Bool) -> CaseloadConfiguration {
        var configuration = CaseloadConfiguration(store: .init(parsing: db))
        configuration.durability = durability.level
        configuration.createIfMissing = create
        return Edge.configuration(configuration)
    }
}

/// `--max-line-bytes`, for the commands that read JSON Lines (import, append).
struct LineOptions: ParsableArguments {
    @Option(
        name: .customLong("max-line-bytes"),
        help: ArgumentHelp(
            "The longest input line read (bytes); a longer one is refused, naming it. Default 8388608 (8 MiB).",
            valueName: "n"))
    var maxLineBytes: Int = CaseloadConfiguration.defaultMaxLineBytes

    func validate() throws {
        if maxLineBytes < 1 { throw ValidationError("--max-line-bytes must be 1 or more") }
    }

    /// `configuration` with this limit.
    func applied(to configuration: CaseloadConfiguration) -> CaseloadConfiguration {
        var configuration = configuration
        configuration.maxLineBytes = maxLineBytes
        return configuration
    }
}

/// `--durability full|normal`.
enum DurabilityOption: String, ExpressibleByArgument, CaseIterable {
    case full, normal

    var level: CaseloadConfiguration.Durability { self == .full ? .full : .normal }
}

/// `--table` (the default), `--json` or `--csv`.
enum OutputFormat: String, EnumerableFlag {
    case table, json, csv

    static func help(for value: OutputFormat) -> ArgumentHelp? {
        switch value {
        case .table: "A table for people."
        case .json: "JSON output."
        case .csv: "CSV output."
        }
    }
}

/// `--table` (the default) or `--json`, for commands without a CSV form.
enum TableOrJSON: String, EnumerableFlag {
    case table, json

    static func help(for value: TableOrJSON) -> ArgumentHelp? {
        switch value {
        case .table: "Lines for people."
        case .json: "JSON output."
        }
    }
}

/// `--text` (the default) or `--json`, for commands that print a summary.
enum TextOrJSON: String, EnumerableFlag {
    case text, json

    static func help(for value: TextOrJSON) -> ArgumentHelp? {
        switch value {
        case .text: "A sentence for people."
        case .json: "A JSON object."
        }
    }
}

/// Where the executable meets its environment: the only place that reads
/// environment variables and makes the logger that goes to standard error.
enum Edge {
    /// `configuration` with the environment's knobs for measuring (see
    /// `CaseloadConfiguration.applyingMeasuringKnobs`) and the logger:
    /// CASELOAD_WRITER_STATS=1 (the store's counts at debug level when it
    /// closes), CASELOAD_LOG_LEVEL (trace … critical; default warning).
    static func configuration(_ configuration: CaseloadConfiguration) -> CaseloadConfiguration {
        var configuration = configuration.applyingMeasuringKnobs(ProcessInfo.processInfo.environment)
        configuration.logger = logger
        configuration.notices = { Console.note($0) }
        return configuration
    }

    /// The application's logger: to standard error (see `CaseloadCommand.main`),
    /// at CASELOAD_LOG_LEVEL, or debug with CASELOAD_WRITER_STATS, or warning.
    static let logger: Logger = {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "caseload")
        if let level = environment["CASELOAD_LOG_LEVEL"].flatMap({ Logger.Level(rawValue: $0.lowercased()) }) {
            logger.logLevel = level
        } else {
            logger.logLevel = environment["CASELOAD_WRITER_STATS"] != nil ? .debug : .warning
        }
        return logger
    }()
}

/// Opens the application for one command, runs `body`, and always closes
/// it; any error becomes a message and an exit code (see ``failure(_:)``).
func withApplication<Result>(
    _ configuration: CaseloadConfiguration, isolation: isolated (any Actor)? = #isolation,
    _ body: (Marketplace) async throws -> Result
) async throws -> Result {
    do {
        return try await withMarketplace(configuration, isolation: isolation, body)
    } catch {
        throw failure(error)
    }
}

/// Parses a time option: ISO-8601 or a date (midnight UTC).
func parseTime(_ text: String?, _ option: String) throws -> Timestamp? {
    guard let text else { return nil }
    do { return try Timestamp(userInput: text) } catch {
        throw ValidationError("\(option): \(error) (use 2024-06-01 or 2024-06-01T12:00:00Z)")
    }
}

/// Buffered writing to standard output (one `write` per 64 KiB, not per line).
struct OutputBuffer: ~Copyable {
    var bytes: [UInt8] = []

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    mutating func line(_ text: String) {
        append(text)
        bytes.append(0x0A)
        if bytes.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}

/// Messages and progress for people, on standard error.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }

    static let stderrIsTerminal = isatty(2) == 1
}

/// Errors to a message on standard error and an exit status, only here at
/// the edge. The status follows the cause, however deep it was wrapped: 66 the
/// database file does not exist, 65 it is not a Caseload log or is corrupt
/// (or a copy's target is not a prefix of its source),
/// 64 a question that cannot be asked, 70 an internal error, 1 anything else.
func failure(_ error: any Error) -> any Error {
    switch error {
    case is ExitCode, is ValidationError, is CleanExit:
        return error
    case let error as ImportError:
        Console.error("\(error) — nothing was imported")
        return ExitCode(status(of: error.underlying))
    case let error as AppendLineError:
        Console.error("\(error)")
        return ExitCode(status(of: error.underlying))
    case let error as EventStoreError:
        Console.error(error.message)
    case let error as AuditError:
        Console.error(error.message)
    case let error as GeneratorError:
        Console.error(error.message)
    case let error as ApplicationError:
        Console.error(error.message)
    case let error as FactsError:
        Console.error(error.message)
    default:
        Console.error("\(error)")
    }
    return ExitCode(status(of: error))
}

/// The exit status for an error's cause.
func status(of error: (any Error)?) -> Int32 {
    switch error {
    case let error as EventStoreError:
        switch error.code {
        case .databaseNotFound: 66
        case .notAnEventStore, .corrupted: 65
        default: 1
        }
    case let error as ImportError:
        status(of: error.underlying)
    case let error as AppendLineError:
        status(of: error.underlying)
    case let error as AuditError:
        switch error.code {
        case .unknownMetric, .invalidActor, .invalidArgument: 64
        case .explanationIncomplete: 70
        default: 1
        }
    case let error as GeneratorError:
        // A rule violation is the generator's own bug (EX_SOFTWARE).
        error.code == .ruleViolation ? 70 : status(of: error.underlying)
    case let error as ApplicationError:
        switch error.code {
        case .invalidArgument: 64
        // A copy's target that is not a prefix of its source: the data is wrong, not the question.
        case .logsDiverge: 65
        default: 1
        }
    case is FactsError:
        // The log holds what the statistics cannot fold (prices in two currencies).
        65
    default:
        1
    }
}

/// `--days`: a window of 1 to 3,652,059 days (years 0001–9999, the
/// contract's whole range of times; a longer one would add nothing).
func validateDays(_ days: Int?) throws {
    guard let days else { return }
    let valid = StatisticsRequest.validDays
    guard valid.contains(days) else {
        throw ValidationError(
            "--days must be between \(valid.lowerBound) and \(valid.upperBound) (the years 0001–9999), not \(days)")
    }
}
