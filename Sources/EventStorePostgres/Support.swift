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
