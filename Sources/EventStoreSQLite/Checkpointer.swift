import CSQLite
import EventStore
import Foundation
import Logging
import Synchronization

/// Copies the WAL back into the database file on a thread of its own, so
/// the writer does not stop for it, and lets the WAL start over from its
/// beginning instead of growing.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the
/// threshold, on the writer thread: every appender waits while tens of
/// megabytes move from the WAL into the main file. Here the writer's
/// connection has automatic checkpoints off and a WAL hook that wakes this
/// thread once the WAL holds `thresholdPages` frames beyond those the last
/// checkpoint copied. This thread then runs `PASSIVE` checkpoints on its own
/// connection, which copy what they can while appends go on.
///
/// SQLite restarts the WAL (writes it again from its first frame) only after
/// a checkpoint has copied every frame. Appends that never pause add frames
/// during every copy, so no copy reaches the WAL's end and the WAL would grow
/// over fresh disk blocks (measured: to 376 MB for a 1M-event bulk append,
/// with 17% of the writer's time in the kernel allocating and zeroing them).
/// So this thread copies again, round after round, until a round finds at
/// most `tailPages` new frames; syncs the main file, which SQLite does only
/// after a copy that reaches the WAL's end; and hands the rest to the writer.
/// Before its next transaction the writer copies those few frames itself
/// (`finishTail`: a sync of the WAL, the copy, a sync of the few pages
/// written to the main file), while no new frame can arrive, and its next
/// commit restarts the WAL over blocks already on disk and in the page cache
/// (unless a reader still reads an older snapshot or another process writes
/// first: then the WAL goes on growing until the next hand-off).
///
/// If readers keep the WAL from restarting and it reaches four times the
/// threshold, a `RESTART` checkpoint finishes the copy. It holds off new
/// writers while it waits for readers, so it waits at most
/// `restartWaitMilliseconds` and otherwise gives up until the WAL has grown
/// by another threshold's worth of frames.
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
    /// Set when the copy stopped with a short tail left for the writer.
    private let tailPending = Atomic<Bool>(false)
    /// A round that copies more frames than this is followed by another.
    private var tailPages: Int32 { max(64, thresholdPages / 32) }
    /// How long a `RESTART` checkpoint may hold off the writer while it
    /// waits for readers (the store's busy timeout, 10 s, would stall appends
    /// behind a long replay).
    static let restartWaitMilliseconds: Int32 = 100
    private let logger: Logger

    init(path: String, thresholdPages: Int, busyMilliseconds: Int32, logger: Logger) throws {
        self.logger = logger
        let connection = try SQLiteConnection(path: path, create: false)
        // Only `RESTART` waits on this (`PASSIVE` never does).
        sqlite3_busy_timeout(connection.handle, min(busyMilliseconds, Self.restartWaitMilliseconds))
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
    /// copies the tail the background copy left (at most a round's worth of
    /// frames: those of the commits made since), so that the WAL is wholly
    /// copied and the commit that follows restarts it. Never waits: if
    /// another checkpoint is under way, SQLite answers `SQLITE_BUSY` at once
    /// and the next hand-off tries again.
    func finishTail(on writer: SQLiteConnection) {
        guard tailPending.exchange(false, ordering: .acquiringAndReleasing) else { return }
        var walPages: Int32 = 0
        var copied: Int32 = 0
        let code = sqlite3_wal_checkpoint_v2(writer.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied)
        if code == SQLITE_OK { backfilled.store(copied, ordering: .relaxed) }
    }

    /// Syncs the main file through SQLite's own handle for it (opening the
    /// file again and closing that descriptor would drop this process's
    /// locks on it). The copies just written reach the disk here, on this
    /// thread, instead of in the sync of the writer's tail copy.
    private func syncMainFile(_ connection: SQLiteConnection) -> Bool {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(connection.handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
              let file, let sync = file.pointee.pMethods?.pointee.xSync
        else { return false }
        return sync(file, SQLITE_SYNC_NORMAL) == SQLITE_OK
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

    private var isStopping: Bool { state.withLock { $0.stopping } }

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
            // `walPages` is the WAL as the round began, and a round copies all
            // of it unless a reader holds frames back; what the writer added
            // meanwhile is left for the next round, which is far shorter
            // while copying outpaces appending. There is always a second
            // round (the first one's size is unknown: `copied` counts from the
            // WAL's start, which may have moved); a round with nothing new
            // costs next to nothing.
            var lastRound = Int32.max
            var rounds = 1
            while code == SQLITE_OK, lastRound > tailPages, rounds < 8, !isStopping {
                let previous = copied
                code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_PASSIVE, &walPages, &copied)
                lastRound = copied >= previous ? copied - previous : copied
                rounds += 1
            }
            if code == SQLITE_OK, copied == walPages, lastRound <= tailPages, syncMainFile(connection) {
                tailPending.store(true, ordering: .releasing)
            }
            if code == SQLITE_OK, walPages >= thresholdPages * 4 {
                let passiveCopied = copied
                code = sqlite3_wal_checkpoint_v2(connection.handle, "main", SQLITE_CHECKPOINT_RESTART, &walPages, &copied)
                if code & 0xFF == SQLITE_BUSY {
                    // Readers held on past the wait: count what the passive
                    // rounds copied, so the next try comes a threshold's worth
                    // of frames later, not at the next commit.
                    copied = passiveCopied
                    code = SQLITE_OK
                }
            }
            backfilled.store(code == SQLITE_OK ? copied : 0, ordering: .relaxed)
            // Requests made while this ran compared against the old count;
            // the next commit asks again if the WAL is still long.
            state.withLock { $0.requested = false }
            // SQLITE_BUSY (another checkpoint under way: the writer's tail or
            // another process's) is not an error: the next commit asks
            // again. (Readers holding old frames make a PASSIVE copy stop
            // short, not fail.)
            if code != SQLITE_OK && code & 0xFF != SQLITE_BUSY {
                logger.info(
                    "background checkpoint failed; the next commit asks again",
                    metadata: ["sqliteCode": "\(code)", "message": "\(String(cString: sqlite3_errmsg(connection.handle)))"])
            }
        }
    }
}
