import Caseload
package import EventStore
public import EventStoreSQLite
import EventStorePostgres
import Logging

// What a front end formats: the result types of the modules below, so that
// a front end imports this module (and the domain's, the store contract's and
// the coding module's value types), never the statistics, ratings, audit,
// generator or SQLite modules themselves.
@_exported public import CaseloadAudit
@_exported public import CaseloadGenerator
@_exported public import CaseloadRatings
@_exported public import CaseloadStatistics

/// The marketplace's backend as one application: opened from one
/// ``CaseloadConfiguration``, one function per use case, each returning a
/// value that a front end (the `caseload` command, an HTTP service) formats.
///
/// Open it with ``open(_:)`` and ``close()`` it, or use
/// ``withMarketplace(_:_:)``, which always closes it. Errors keep their types
/// and codes (`EventStoreError`, `DomainError`, ``ImportError``,
/// `AuditError`, `RatingRuleError`, `GeneratorError`, ``ApplicationError``);
/// front ends map them to exit codes or HTTP statuses.
public final class Marketplace: Sendable {
    public let configuration: CaseloadConfiguration
    let store: any EventStore
    /// The statistics' facts in memory, when the configuration keeps them warm.
    let warmFacts: WarmFacts?
    var logger: Logger { configuration.logger }

    /// Opens the log `configuration` names.
    public static func open(_ configuration: CaseloadConfiguration) async throws -> Marketplace {
        let store: any EventStore
        switch configuration.store {
        case .sqlite(let path):
            store = try SQLiteEventStore(path: path, configuration: configuration.sqliteConfiguration)
        case .postgres(let url):
            var settings = try PostgresEventStoreConfiguration(url: url)
            settings.auditIndexing = .marketplace
            settings.logger = configuration.logger
            settings.maxGroupSize = configuration.sqlite.maxGroupSize
            settings.onGroupCommit = configuration.onGroupCommit
            store = try await PostgresEventStore(configuration: settings)
        }
        configuration.logger.debug(
            "opened the log", metadata: ["store": "\(configuration.store)", "readOnly": "\(configuration.readOnly)"])
        return Marketplace(store: store, configuration: configuration)
    }

    /// An application over a store opened elsewhere (tests, another backend).
    package init(store: any EventStore, configuration: CaseloadConfiguration) {
        self.store = store
        self.configuration = configuration
        warmFacts =
            configuration.keepsFactsWarm
            ? WarmFacts(projection: StatisticsProjection(store: store, tuning: configuration.replay), logger: configuration.logger)
            : nil
    }

    /// Brings the statistics' facts up to the head now (a service calls this
    /// as it starts, so that its first request does not pay for it).
    public func warmUp() async throws {
        _ = try await warmFacts?.current()
    }

    /// How far the facts in memory reach (nil when they are not kept warm).
    public var factsCheckpoint: Int64? {
        get async { await warmFacts?.checkpoint }
    }

    /// Closes the log: waits for appends in flight, stops its threads (the
    /// store logs its writer's counts at debug level as it closes).
    public func close() async {
        await warmFacts?.save()
        await store.close()
    }

    /// Refuses when the configuration says the front end only reads.
    func requireWritable(_ what: String) throws {
        if configuration.readOnly || configuration.storeReadOnly {
            throw ApplicationError(.readOnly, "\(what) appends to the log, but it was opened only for reading")
        }
    }
}

/// Opens the application, runs `body` with it, and closes it whatever
/// `body` does: the one place a front end opens and closes the log.
/// `body` runs in the caller's isolation, so it may use the caller's state.
public func withMarketplace<Result>(
    _ configuration: CaseloadConfiguration, isolation: isolated (any Actor)? = #isolation,
    _ body: (Marketplace) async throws -> Result
) async throws -> Result {
    let marketplace = try await Marketplace.open(configuration)
    let result: Result
    do {
        result = try await body(marketplace)
    } catch {
        await marketplace.close()
        throw error
    }
    await marketplace.close()
    return result
}

/// An error of the application layer itself (the layers below keep theirs).
public struct ApplicationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong: an open set (new codes can come without breaking front ends).
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A function that appends was called on a log opened only for reading.
        public static let readOnly = Code(rawValue: "readOnly")
        /// The therapist asked about has no statistics in the log.
        public static let therapistNotFound = Code(rawValue: "therapistNotFound")
        /// A request that cannot be answered as asked.
        public static let invalidArgument = Code(rawValue: "invalidArgument")
        /// A copy's target is not empty and not a prefix of its source.
        public static let logsDiverge = Code(rawValue: "logsDiverge")
    }

    public var code: Code
    public var message: String
    /// The log position the error concerns, where there is one.
    public var position: Int64?

    public init(_ code: Code, _ message: String, position: Int64? = nil) {
        (self.code, self.message, self.position) = (code, message, position)
    }

    public var description: String { message }
}

extension CaseloadConfiguration {
    /// The SQLite store's settings this configuration makes: its knobs, the
    /// marketplace's audit indexes, and the logger.
    public var sqliteConfiguration: SQLiteEventStoreConfiguration {
        var settings = SQLiteEventStoreConfiguration()
        settings.auditIndexing = .marketplace
        settings.logger = logger
        settings.durability = durability == .full ? .full : .normal
        settings.createIfMissing = createIfMissing && !readOnly && !storeReadOnly
        settings.readOnly = storeReadOnly
        settings.walAutocheckpointPages = sqlite.walAutocheckpointPages
        settings.backgroundCheckpoints = sqlite.backgroundCheckpoints
        settings.busyTimeout = sqlite.busyTimeout
        settings.cacheSizeKiB = sqlite.cacheSizeKiB
        settings.readerCacheSizeKiB = sqlite.readerCacheSizeKiB
        settings.maxGroupSize = sqlite.maxGroupSize
        settings.onGroupCommit = onGroupCommit
        return settings
    }
}
