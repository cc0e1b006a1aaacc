import ArgumentParser
import Caseload
import Logging
import EventStore
import EventStoreSQLite
import Foundation

/// Options every command that opens a log shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The event log: an SQLite file.", valueName: "path"))
    var db: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "When an append counts as done: full (fsync every commit; survives power loss) or normal (survives a crash of the process).",
            valueName: "level"))
    var durability: DurabilityOption = .full

    /// Opens the log; `create` is false for commands that only read.
    func open(create: Bool) throws -> SQLiteEventStore {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.auditIndexing = .marketplace
        configuration.durability = durability == .full ? .full : .normal
        configuration.createIfMissing = create
        Edge.knobs.apply(to: &configuration, logger: Edge.logger)
        return try SQLiteEventStore(path: db, configuration: configuration)
    }
}

/// What only the executable reads or sets up: the environment's measuring
/// knobs and the logging system (bootstrapped once, to standard error).
enum Edge {
    static let knobs = MeasuringKnobs(environment: ProcessInfo.processInfo.environment)

    static let logger: Logger = {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "caseload")
        logger.logLevel = .warning
        return logger
    }()
}

enum DurabilityOption: String, ExpressibleByArgument, CaseIterable {
    case full, normal
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

/// Maps library errors to a message and an exit code, only here at the edge.
func failure(_ error: any Error) -> ExitCode {
    if let error = error as? EventStoreError {
        Console.error(error.message)
        switch error.code {
        case .databaseNotFound: return ExitCode(66)
        case .notAnEventStore, .corrupted: return ExitCode(65)
        default: return ExitCode(1)
        }
    }
    Console.error("\(error)")
    return ExitCode(1)
}
