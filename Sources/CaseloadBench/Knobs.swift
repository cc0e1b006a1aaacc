import EventStoreSQLite
import Foundation

/// The measuring knobs, read from the environment here, at the executable's
/// edge (the libraries read none): CASELOAD_WAL_AUTOCHECKPOINT (pages,
/// 20000), CASELOAD_INLINE_CHECKPOINTS=1 (SQLite's own checkpoints on the
/// writer thread), CASELOAD_REPLAY_CHUNK (positions per chunk, 16384) and
/// CASELOAD_REPLAY_PARALLEL (chunks in flight, 3).
enum Knobs {
    static let environment = ProcessInfo.processInfo.environment

    /// The store's default settings with the environment's knobs applied.
    static func storeConfiguration() -> SQLiteEventStoreConfiguration {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.walAutocheckpointPages = environment["CASELOAD_WAL_AUTOCHECKPOINT"].flatMap { Int($0) } ?? 20_000
        configuration.backgroundCheckpoints = environment["CASELOAD_INLINE_CHECKPOINTS"] == nil
        return configuration
    }

    static let replayChunkSize = environment["CASELOAD_REPLAY_CHUNK"].flatMap { Int($0) } ?? 16_384
    static let replayParallelism = environment["CASELOAD_REPLAY_PARALLEL"].flatMap { Int($0) } ?? 3
}
