public import Logging

/// Everything the application needs to open its log, as one value that a
/// front end builds at its edge (the `caseload` command from its options and
/// environment, a server from its settings). The library reads no
/// environment variable and never bootstraps logging.
public struct CaseloadConfiguration: Sendable {
    /// Where the log lives.
    public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
        /// An SQLite file (created when missing, if the configuration allows).
        case sqlite(path: String)
        // A PostgreSQL database comes here later, beside the SQLite file.

        public var description: String {
            switch self {
            case .sqlite(let path): path
            }
        }
    }

    /// When an append counts as done.
    public enum Durability: String, Sendable, Hashable, CaseIterable {
        /// Survives a power cut: every commit is flushed to disk before it is acknowledged.
        case full
        /// Survives a crash of the process; the last commits may be lost on power failure.
        case normal
    }

    /// Knobs of the SQLite store, with its defaults (see `SQLiteEventStoreConfiguration`).
    public struct SQLiteTuning: Sendable, Hashable {
        /// WAL pages before a checkpoint copies them into the main file.
        public var walAutocheckpointPages = 20_000
        /// Checkpoints on a thread of their own; false leaves them to SQLite,
        /// inside the commit that crosses the threshold (for comparison).
        public var backgroundCheckpoints = true
        /// How long an append waits for another process's write lock.
        public var busyTimeout: Duration = .seconds(10)
        /// Page cache of the writer connection and of each reader connection, in KiB.
        public var cacheSizeKiB = 32_768
        public var readerCacheSizeKiB = 1024
        /// At most this many appends share one commit.
        public var maxGroupSize = 4096

        public init() {}
    }

    /// How a replay reads the log: chunks of positions decoded on reader
    /// threads, this many in flight.
    public struct ReplayTuning: Sendable, Hashable {
        /// Positions per chunk.
        public var chunkSize = 16_384
        /// Chunks read and decoded at once.
        public var parallelism = 3

        public init() {}
    }

    public var store: StoreLocation
    /// Only used by what appends; reads never wait for durability.
    public var durability = Durability.full
    /// Create the log when it does not exist. Ignored when ``readOnly``.
    public var createIfMissing = true
    /// The front end means only to read: the log must exist, and the
    /// functions that append (commands, imports, erasure, generation) refuse
    /// with ``ApplicationError/Code-swift.struct/readOnly``. Replays still
    /// save their projection's state (a cache of what the log says).
    public var readOnly = false
    public var sqlite = SQLiteTuning()
    public var replay = ReplayTuning()
    /// Where the application says what it does (debug and info only).
    /// By default nothing is printed.
    public var logger = Logger(label: "caseload", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(store: StoreLocation) {
        self.store = store
    }

    /// A configuration for a front end that only reads `store`.
    public static func reading(_ store: StoreLocation) -> CaseloadConfiguration {
        var configuration = CaseloadConfiguration(store: store)
        configuration.readOnly = true
        configuration.createIfMissing = false
        return configuration
    }
}
