import CSQLite
import EventStore
import Foundation
import Synchronization

/// Copies the WAL back into the database file on a thread of its own, so
/// the writer does not stop for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the
/// threshold, on the writer thread: every appender waits while tens of
/// megabytes move from the WAL into the main file. Here the writer's
/// connection has automatic checkpoints off and a WAL hook that wakes this
/// thread once the WAL holds `thresholdPages` frames. This thread then runs a
/// `PASSIVE` checkpoint on its own connection, which copies what it can while
/// appends go on. Appends that never pause would keep a WAL from ever being
/// fully copied (SQLite restarts the WAL only after that), so when it has
/// grown to four times the threshold a `RESTART` checkpoint waits for the
/// writer's current commit and finishes the copy, letting the WAL start over.
final class Checkpointer: @unchecked Sendable {
    // @unchecked: `connection` is used only on the checkpointer thread (and by
    // `stop`, after that thread has ended); the rest is synchronized.
    private var connection: SQLiteConnection?
    private let thresholdPages: Int32
    private let wake = DispatchSemaphore(value: 0)
    private let state = Mutex<(requested: Bool, stopping: Bool)>((false, false))
    private let finished = DispatchSemaphore(value: 0)
    /// WAL frames the last checkpoint had copied: the next is due once the
    /// WAL holds `thresholdPages` beyond them (not at every commit while the
    /// WAL stays long).
    private let backfilled = Atomic<Int32>(0)

    init(path: String, thresholdPages: Int, busyMilliseconds: Int32) throws {
        let connection = try SQLiteConnection(path: path, create: false)
        sqlite3_busy_timeout(connection.handle, busyMilliseconds)
        // WAL synced before each checkpoint, the main file after it.
        try connection.execute("PRAGMA synchronous = NORMAL")
        self.connection = connection
        self.thresholdPages = Int32(clamping: max(1, thresholdPages))
        let thread = Thread { [self] in self.run() }
        thread.name = "caseload-sqlite-checkpoint"
        thread.start()
    }

    /// Points the writer connection's WAL hook at this checkpointer and turns
    /// its automatic checkpoints off. The hook runs on the writer thread after
    /// every commit; it only compares and signals.
    func attach(to writer: SQLiteConnection) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(writer.handle, { context, _, _, pages in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
            let copied = checkpointer.backfilled.load(ordering: .relaxed)
            // Fewer frames than were copied: the WAL has restarted from its beginning.
            let uncopied = pages >= copied ? pages - copied : pages
            if uncopied >= checkpointer.thresholdPages { checkpointer.request() }
            return SQLITE_OK
        }, context)
    }

    /// Removes the hook (before the writer connection closes).
    static func detach(from writer: SQLiteConnection) {
        sqlite3_wal_hook(writer.handle, nil, nil)
    }

    private func request() {
        let first = state.withLock { state -> Bool in
            defer { state.requested = true }
            return !state.requested
        }
        if first { wake.signal() }
    }

    /// Ends the thread after any checkpoint under way, waits for it, and
    /// closes this connection (so the writer's is the last one to close and
    /// SQLite can fold the WAL back into the file then).
    func stop() {
        state.withLock { $0.stopping = true }
        wake.signal()
        finished.wait()
        connection = nil
    }

    private func run() {
        defer { finished.signal() }
        while true {
            wake.wait()
            let stopping = state.withLock { state -> Bool in
                state.requested = false
                return state.stopping
            }
            guard !stopping, let connection else { return }
            var walPages: Int32 = 0
            var copied: Int32 = 0
            var code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied)
            if code == SQLITE_OK, walPages >= thresholdPages * 4 {
                code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_RESTART, &walPages, &copied)
            }
            backfilled.store(code == SQLITE_OK ? copied : 0, ordering: .relaxed)
            // SQLITE_BUSY (another process checkpointing, or a reader holding
            // old frames) is not an error: the next commit asks again.
            if code != SQLITE_OK && code & 0xFF != SQLITE_BUSY,
               ProcessInfo.processInfo.environment["CASELOAD_WRITER_STATS"] != nil {
                FileHandle.standardError.write(Data("checkpoint: SQLite \(code): \(String(cString: sqlite3_errmsg(connection.handle)))\n".utf8))
            }
        }
    }
}
