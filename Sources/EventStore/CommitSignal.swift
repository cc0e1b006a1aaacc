import Synchronization

/// Wakes tasks waiting for the log to grow past a position: what a
/// backend's `waitForCommit` waits on. The backend publishes each commit's
/// head (its own commits; PostgreSQL also those other processes announce);
/// a waiter that times out asks the database, which sees every commit.
package final class CommitSignal: Sendable {
    private struct State {
        var head: Int64
        var nextID: UInt64 = 0
        var waiters: [UInt64: (after: Int64, continuation: CheckedContinuation<Int64?, Never>)] = [:]
        var finished = false
    }
    private let state: Mutex<State>

    package init(head: Int64) { state = Mutex(State(head: head)) }

    package func publish(_ head: Int64) {
        let ready = state.withLock { state -> [CheckedContinuation<Int64?, Never>] in
            state.head = max(state.head, head)
            let due = state.waiters.filter { $0.value.after < state.head }
            for id in due.keys { state.waiters[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: head) }
    }

    /// The new head once it passes `position`; nil on timeout or cancellation.
    package func wait(after position: Int64, timeout: Duration) async -> Int64? {
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

    package func finish() {
        let all = state.withLock { state -> [CheckedContinuation<Int64?, Never>] in
            state.finished = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in all { continuation.resume(returning: nil) }
    }
}
