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

/// Wakes tasks waiting for the log to grow past a position (commits of this
/// process; a waiter that times out asks the database, which also sees
/// other processes' commits).
final class CommitSignal: Sendable {
    private struct State {
        var head: Int64
        var nextID: UInt64 = 0
        var waiters: [UInt64: (after: Int64, continuation: CheckedContinuation<Int64?, Never>)] = [:]
        var finished = false
    }
    private let state: Mutex<State>

    init(head: Int64) { state = Mutex(State(head: head)) }

    func publish(_ head: Int64) {
        let ready = state.withLock { state -> [CheckedContinuation<Int64?, Never>] in
            state.head = max(state.head, head)
            let due = state.waiters.filter { $0.value.after < state.head }
            for id in due.keys { state.waiters[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: head) }
    }

    /// The new head once it passes `position`; nil on timeout or cancellation.
    func wait(after position: Int64, timeout: Duration) async -> Int64? {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int64?, Never>) in
                let immediate = state.withLock { state -> Int64?? in
                    if state.head > position { return .some(state.head) }
                    if state.finished { return .some(nil) }
                    state.waiters[id] = (position, continuation)
                    return .none
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                    return
                }
                Task { [self] in
                    try? await Task.sleep(for: timeout)
                    self.cancel(id)
                }
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    private func cancel(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: nil)
    }

    func finish() {
        let all = state.withLock { state -> [CheckedContinuation<Int64?, Never>] in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in all { continuation.resume(returning: nil) }
    }
}
