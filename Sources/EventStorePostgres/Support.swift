import Dispatch
import EventStore
import Foundation
import PostgresNIO
import Synchronization

/// Turns what PostgreSQL or the driver threw into the store's error, saying what failed.
func storeError(_ error: any Error, _ what: String) -> EventStoreError {
    if let error = error as? EventStoreError { return error }
    if let error = error as? PSQLError {
        var detail: String
        if let message = error.serverInfo?[.message] {
            detail = message
            if let state = error.serverInfo?[.sqlState] { detail += " (SQLSTATE \(state))" }
        } else if let underlying = error.underlying {
            detail = "\(error.code): \(underlying)"
        } else {
            detail = "\(error.code)"
        }
        return EventStoreError(.storageFailure, "\(what): \(detail)", underlying: error)
    }
    if let error = error as? PostgresTransactionError {
        return storeError(error.closureError ?? error.commitError ?? error.beginError ?? error, what)
    }
    return EventStoreError(.storageFailure, "\(what): \(String(reflecting: error))", underlying: error)
}

/// Runs async work from a thread outside Swift's cooperative pool and waits
/// for it: the bridge that lets a synchronous ``EventStoreTransaction`` body
/// (which may block, as an import's does) query PostgreSQL. Never call it
/// from a task: it would block a pool thread.
enum Blocking {
    static func wait<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            box.result = result
            box.done.signal()
        }
        box.done.wait()
        return try box.result!.get()
    }

    /// Runs `work` on a new thread of its own and returns what it returns.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.name = "caseload-postgres-transaction"
            thread.start()
        }
    }
}

/// One result handed from a task to a waiting thread.
///
/// `@unchecked Sendable`: `result` is written once, before `done` is
/// signalled, and read only after `done` is waited for; the semaphore orders them.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
    let done = DispatchSemaphore(value: 0)
}

/// Runs `work` (queries on `connection`) and fails it, rather than waiting
/// forever, if the connection closes under it and the query is never answered.
///
/// postgres-nio (1.33.2) writes a query to its channel without a promise for
/// the write: a query sent just as the server closed the connection (a
/// restart, `pg_terminate_backend`) is dropped with the write, and its result
/// never comes. Found by Scripts/test-postgres-service: after
/// `pg_ctl restart` about one run in five left one request hanging, which
/// also kept the service from stopping on SIGTERM. A watchdog looks at the
/// connection every 250 ms; once it is closed, a query still unanswered
/// 2 s later (the driver fails the queries it knows of at once) fails here
/// with `storageFailure`, like any other lost connection.
func untilClosed<T: Sendable>(
    _ connection: PostgresConnection, _ describe: String, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    let pending = PendingAnswer<T>()
    return try await withCheckedThrowingContinuation { continuation in
        pending.slot.withLock { $0 = continuation }
        let watchdog = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                if connection.isClosed {
                    try await Task.sleep(for: .seconds(2))
                    pending.take()?.resume(throwing: EventStoreError(
                        .storageFailure, "\(describe): \(lostConnectionMessage)"))
                    return
                }
            }
        }
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            watchdog.cancel()
            pending.take()?.resume(with: result)
        }
    }
}

/// The continuation of ``untilClosed(_:_:_:)``, resumed once by whichever comes first.
private final class PendingAnswer<T: Sendable>: Sendable {
    let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func take() -> CheckedContinuation<T, any Error>? { slot.withLock { $0.take() } }
}

/// A read failed on a connection that is closed now: it may run again on another.
struct LostReaderConnection: Error {
    let underlying: any Error
}

/// Whether `error` says the connection itself was lost (closed by either
/// side, or ended by the server: SQLSTATE class 57, operator intervention,
/// or 08, connection exception), not that the query was wrong.
func isLostConnection(_ error: any Error) -> Bool {
    if let error = error as? EventStoreError {
        if error.message.contains(lostConnectionMessage) { return true }
        return error.underlying.map(isLostConnection) ?? false
    }
    guard let error = error as? PSQLError else { return false }
    switch error.code {
    case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown: return true
    default:
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("57P") || state.hasPrefix("08")
    }
}

/// What ``untilClosed(_:_:_:)`` says when it gives up on an unanswered query.
let lostConnectionMessage = "the connection was lost (the server closed it before answering)"

/// Set once a read has its connection (``PostgresEventStore/reading(_:)``).
final class LeaseFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}
