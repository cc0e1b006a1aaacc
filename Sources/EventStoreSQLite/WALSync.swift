import EventStore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Makes committed appends durable off the writer thread, so that the writer
/// goes on committing the next group while the disk flushes the last one.
///
/// With `Durability.full` the write connection runs `synchronous=NORMAL`
/// (in WAL mode: no fsync at commit; the WAL is still synced before every
/// checkpoint and the main file after it), and this thread calls
/// `fdatasync` on the WAL file after each commit. An append is acknowledged
/// only after an `fdatasync` that began after its commit was written, which
/// is what SQLite's `synchronous=FULL` guarantees, with the fsync moved out
/// of the writer's way: one fsync covers every group committed while the
/// previous one ran.
///
/// Other connections can read a commit before its fsync ends (as soon as it
/// is written). A power cut in that window loses only appends that were never
/// acknowledged.
final class WALSyncer: Sendable {
    typealias Delivery = (continuation: CheckedContinuation<AppendResult, any Error>, result: AppendResult)

    private enum Job {
        case acknowledge([Delivery], LogHead)
        case stop(DispatchSemaphore)
    }

    private let queue = Mutex<[Job]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let descriptor: Int32
    private let walPath: String
    private let onDurable: @Sendable (LogHead) -> Void

    /// Opens the WAL file of the database at `databasePath` (SQLite has
    /// created it by now) and syncs its directory once, so the file itself
    /// survives a power cut (SQLite does the same on its first sync).
    init(databasePath: String, onDurable: @escaping @Sendable (LogHead) -> Void) throws {
        walPath = databasePath + "-wal"
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw EventStoreError(.storageFailure, "cannot open the WAL file '\(walPath)' to sync it: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.onDurable = onDurable
        let directory = (databasePath as NSString).deletingLastPathComponent
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        let thread = Thread { [self] in self.run() }
        thread.name = "caseload-sqlite-wal-sync"
        thread.start()
    }

    /// Hands over appends whose commit has been written; they are resumed
    /// once it is on disk.
    func acknowledgeWhenDurable(_ deliveries: [Delivery], head: LogHead) {
        queue.withLock { $0.append(.acknowledge(deliveries, head)) }
        wake.signal()
    }

    /// Syncs now, on the calling thread (for transactions, which the writer
    /// acknowledges itself).
    func syncNow() throws {
        guard fdatasync(descriptor) == 0 else { throw syncError(errno) }
    }

    /// Acknowledges everything handed over so far, then ends the thread.
    func stop() {
        let done = DispatchSemaphore(value: 0)
        queue.withLock { $0.append(.stop(done)) }
        wake.signal()
        done.wait()
    }

    private func syncError(_ code: Int32) -> EventStoreError {
        EventStoreError(
            .storageFailure,
            "the append was committed, but syncing '\(walPath)' to disk failed (\(String(cString: strerror(code)))): it may not survive a power cut")
    }

    private func run() {
        while true {
            wake.wait()
            let jobs = queue.withLock { jobs -> [Job] in
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            var deliveries: [Delivery] = []
            var head: LogHead?
            var stopping: DispatchSemaphore?
            for job in jobs {
                switch job {
                case .acknowledge(let batch, let batchHead):
                    deliveries += batch
                    head = batchHead
                case .stop(let done):
                    stopping = done
                }
            }
            if !deliveries.isEmpty {
                let failure = fdatasync(descriptor) == 0 ? nil : syncError(errno)
                for delivery in deliveries {
                    if let failure {
                        delivery.continuation.resume(throwing: failure)
                    } else {
                        delivery.continuation.resume(returning: delivery.result)
                    }
                }
                if failure == nil, let head { onDurable(head) }
            }
            if let stopping {
                close(descriptor)
                stopping.signal()
                return
            }
        }
    }
}
