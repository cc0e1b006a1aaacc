public import EventStoreSQLite
public import Logging

/// The knobs for measuring, as an executable reads them from its
/// environment: the library never reads the environment itself, it is
/// handed these values (`caseload` and `CaseloadBench` pass
/// `ProcessInfo.processInfo.environment`).
///
/// - `CASELOAD_REPLAY_CHUNK`, `CASELOAD_REPLAY_PARALLEL`: ``ReplayTuning``;
/// - `CASELOAD_WAL_AUTOCHECKPOINT` (pages), `CASELOAD_INLINE_CHECKPOINTS=1`:
///   the SQLite store's checkpoints;
/// - `CASELOAD_WRITER_STATS=1`: the store logs its group-commit counts when
///   it closes (and failed background checkpoints).
public struct MeasuringKnobs: Sendable {
    public var replay = ReplayTuning()
    public var walAutocheckpointPages: Int?
    public var inlineCheckpoints = false
    public var writerStatistics = false

    public init(environment: [String: String]) {
        if let chunk = environment["CASELOAD_REPLAY_CHUNK"].flatMap({ Int($0) }), chunk > 0 { replay.chunkSize = chunk }
        if let parallel = environment["CASELOAD_REPLAY_PARALLEL"].flatMap({ Int($0) }), parallel > 0 {
            replay.parallelism = parallel
        }
        walAutocheckpointPages = environment["CASELOAD_WAL_AUTOCHECKPOINT"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        inlineCheckpoints = environment["CASELOAD_INLINE_CHECKPOINTS"] != nil
        writerStatistics = environment["CASELOAD_WRITER_STATS"] != nil
    }

    /// Sets the store knobs on `configuration`; `logger` receives the
    /// writer's statistics when they are asked for.
    public func apply(to configuration: inout SQLiteEventStoreConfiguration, logger: Logger) {
        if let walAutocheckpointPages { configuration.walAutocheckpointPages = walAutocheckpointPages }
        if inlineCheckpoints { configuration.backgroundCheckpoints = false }
        if writerStatistics {
            var logger = logger
            logger.logLevel = .debug
            configuration.logger = logger
        }
    }
}
