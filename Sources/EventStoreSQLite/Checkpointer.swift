import CSQLite
import EventStore
import Foundation
import Synchronization

/// Copies the WAL back into the database file on a thread of its own, so
/// the writer does not stop for it, and lets the WAL start over from its
/// beginning instead of growing.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the
/// threshold, on the writer thread: every appender waits while tens of
/// megabytes move from the WAL into the main file. Here the writer's
/// connection has automatic checkpoints off and a WAL hook that wakes this
/// thread once the WAL holds `thresholdPages` frames. This thread then runs
/// `PASSIVE` checkpoints on its own connection, which copy what they can
/// while appends go on.
///
/// SQLite restarts the WAL (writes it again from its first frame) only after
/// a checkpoint has copied every frame. Appends that never pause keep adding
/// frames during the copy, so the copy never quite ends and the WAL would
/// grow over fresh disk blocks (measured: to 376 MB for a 1M-event bulk
/// append, with 17% of the writer's time in the kernel allocating and
/// zeroing them). So this thread repeats the copy until only a short tail is
/// left, and hands the tail to the writer: before its next transaction the
/// writer copies those few frames itself (`finishTail`, which also syncs the
/// WAL and the main file: two fsyncs per threshold's worth of pages), while
/// no new ones can arrive, and its next commit restarts the WAL over blocks already on
/// disk and in the page cache. If readers keep the WAL from restarting and it
/// reaches four times the threshold, a `RESTART` checkpoint waits for the
/// writer's current commit and finishes the copy.
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
    /// Set when a checkpoint stopped with a short tail left for the writer.
    private let tailPending = Atomic<Bool>(false)
    /// The tail the writer copies itself; longer remainders are copied here again.
    private var tailPages: Int32 { max(64, thresholdPages / 32) }

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

    /// Called by the writer, outside any transaction, before it begins one:
    /// copies the tail the last background checkpoint left, so that the
    /// WAL is wholly copied and the commit that follows restarts it.
    func finishTail(on writer: SQLiteConnection) {
        guard tailPending.exchange(false, ordering: .acquiringAndReleasing) else { return }
        var walPages: Int32 = 0
        var copied: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(writer.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied)
        if code == SQLITE_OK { backfilled.store(copied, ordering: .relaxed) }
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
            let (requested, stopping) = state.withLock { state -> (Bool, Bool) in
                defer { state.requested = false }
                return (state.requested, state.stopping)
            }
            guard !stopping, let connection else { return }
            guard requested else { continue }
            var walPages: Int32 = 0
            var copied: Int32 = 0
            var code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied)
            // Each round copies what the writer added during the last one,
            // far less than the round before while copying outpaces appending.
            var rounds = 1
            while code == SQLITE_OK, walPages - copied > tailPages, rounds < 8,
                  !state.withLock({ $0.stopping }) {
                code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied)
                rounds += 1
            }
            // Even a copy that reached the WAL's end leaves a tail: the commit
            // under way as it finished adds frames after it.
            if code == SQLITE_OK, walPages - copied <= tailPages {
                tailPending.store(true, ordering: .releasing)
            }
            if code == SQLITE_OK, walPages >= thresholdPages * 4 {
                code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_RESTART, &walPages, &copied)
            }
            backfilled.store(code == SQLITE_OK ? copied : 0, ordering: .relaxed)
            // Requests made while this ran compared against the old count;
            // the next commit asks again if the WAL is still long.
            state.withLock { $0.requested = false }
            // SQLITE_BUSY (another process checkpointing, or a reader holding
            // old frames) is not an error: the next commit asks again.
            if code != SQLITE_OK && code & 0xFF != SQLITE_BUSY,
               ProcessInfo.processInfo.environment["CASELOAD_WRITER_STATS"] != nil {
                FileHandle.standardError.write(Data("checkpoint: SQLite \(code): \(String(cString: sqlite3_errmsg(connection.handle)))\n".utf8))
            }
        }
    }
}
