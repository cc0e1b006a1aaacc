public import Caseload
public import EventStore
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
        /// A PostgreSQL database: `postgres://USER:PASS@HOST:PORT/DB`
        /// (optionally `?schema=NAME`); its tables are created on first use.
        case postgres(url: String)

        /// `postgres://…` or `postgresql://…` is a PostgreSQL database,
        /// anything else an SQLite file's path.
        public init(parsing text: String) {
            if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
                self = .postgres(url: text)
            } else {
                self = .sqlite(path: text)
            }
        }

        /// The path, or the URL without its password.
        public var description: String {
            switch self {
            case .sqlite(let path): return path
            case .postgres(let url):
                guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"),
                      let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
                else { return url }
                return String(url[..<colon]) + ":***" + String(url[at...])
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
    /// Open the store itself for reading only (implies ``readOnly``): no
    /// write lock is ever taken, so nothing waits behind a long import, and a
    /// log on a read-only file or mount can be read; nothing is saved, not
    /// even a projection's state (statistics are folded and not kept). The
    /// file must be in this build's format.
    public var storeReadOnly = false
    public var sqlite = SQLiteTuning()
    /// The longest line of JSON Lines that import and append read; a longer
    /// one is refused at once, naming the line.
    public var maxLineBytes = Self.defaultMaxLineBytes
    /// 8 MiB: an import envelope holds one event (a payload of at most
    /// 1 MiB), an append line a batch of them.
    public static let defaultMaxLineBytes = LineReader.defaultMaxLineBytes
    public var replay = ReplayTuning()
    /// Keep the statistics' facts in memory between requests (a long-running
    /// front end: the service): each read catches them up from where they
    /// stopped to the log's head, never replays; they are saved on close.
    /// Off, every read loads the saved state and catches it up (the CLI).
    public var keepsFactsWarm = false
    /// Where the application says what it does (debug and info only).
    /// By default nothing is printed.
    public var logger = Logger(label: "caseload", factory: { _ in SwiftLogNoOpLogHandler() })
    /// What a person using the front end should be told beside the answer
    /// (statistics rebuilt because a saved state could not be trusted). The
    /// `caseload` command prints them on standard error.
    public var notices: (@Sendable (String) -> Void)?
    /// Told the size of each of the store's group commits (a server's metrics).
    public var onGroupCommit: GroupCommitObserver?

    public init(store: StoreLocation) {
        self.store = store
    }

    /// `self` with the knobs for measuring that an executable finds in its
    /// environment (the library reads none; `caseload` and `CaseloadBench`
    /// pass their process's environment):
    /// `CASELOAD_WAL_AUTOCHECKPOINT` (pages, 20000),
    /// `CASELOAD_INLINE_CHECKPOINTS=1` (SQLite's own checkpoints, on the
    /// writer thread), `CASELOAD_REPLAY_CHUNK` (positions per chunk, 16384)
    /// and `CASELOAD_REPLAY_PARALLEL` (chunks in flight, 3). Values that are
    /// not positive integers are ignored.
    public func applyingMeasuringKnobs(_ environment: [String: String]) -> CaseloadConfiguration {
        var configuration = self
        func positive(_ name: String) -> Int? { environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        if let pages = positive("CASELOAD_WAL_AUTOCHECKPOINT") { configuration.sqlite.walAutocheckpointPages = pages }
        if environment["CASELOAD_INLINE_CHECKPOINTS"] != nil { configuration.sqlite.backgroundCheckpoints = false }
        if let chunk = positive("CASELOAD_REPLAY_CHUNK") { configuration.replay.chunkSize = chunk }
        if let parallel = positive("CASELOAD_REPLAY_PARALLEL") { configuration.replay.parallelism = parallel }
        return configuration
    }

    /// A configuration for a front end that only reads `store` and keeps no
    /// state in it (see ``storeReadOnly``): log reads, `verify`, audits.
    public static func readingOnly(_ store: StoreLocation) -> CaseloadConfiguration {
        var configuration = reading(store)
        configuration.storeReadOnly = true
        return configuration
    }

    /// A configuration for a front end that only reads `store`.
    public static func reading(_ store: StoreLocation) -> CaseloadConfiguration {
        var configuration = CaseloadConfiguration(store: store)
        configuration.readOnly = true
        configuration.createIfMissing = false
        return configuration
    }
}
