import Caseload
import CaseloadStatistics
import EventStore
import Logging

/// The statistics' facts kept in memory by a long-running front end
/// (``CaseloadConfiguration/keepsFactsWarm``): a read catches them up from
/// their checkpoint to the log's head as it is when the read begins (so a
/// client reads its own acknowledged appends), folding only what is new.
/// One catch-up runs at a time; reads that arrive meanwhile join it and then
/// look at the head again.
actor WarmFacts {
    let projection: StatisticsProjection
    let logger: Logger
    private var facts: MarketplaceFacts?
    /// The catch-up running, and its number (catch-ups are numbered as they begin).
    private var catchingUp: (task: Task<CaughtUpFacts, any Error>, number: Int)?
    private var begun = 0
    private var saved: Int64 = -1

    init(projection: StatisticsProjection, logger: Logger) {
        self.projection = projection
        self.logger = logger
    }

    /// The facts up to the head (at least the head when this was called), and
    /// why they were rebuilt from position 0 if the first catch-up had to.
    ///
    /// A catch-up reads the head itself, so one that begins after this call
    /// covers it; one already running may have read the head before, so the
    /// call waits for it and then for the next. The head is not read here
    /// first: under load every read found new commits anyway, and that read
    /// was one more trip to the store's threads, behind the commands' reads.
    func current() async throws -> CaughtUpFacts {
        let before = begun
        while true {
            if let running = catchingUp {
                let caught = try await running.task.value
                if running.number > before { return caught }
                continue
            }
            begun += 1
            let task = Task { try await self.refresh() }
            catchingUp = (task, begun)
            return try await task.value
        }
    }

    /// One catch-up: the saved state caught up (the first time), or the
    /// facts in memory folded on from their checkpoint.
    private func refresh() async throws -> CaughtUpFacts {
        defer { catchingUp = nil }
        let caught: CaughtUpFacts
        // Taken out, so that the fold mutates them in place (unless a reader
        // still holds the previous ones). A fold that fails part-way leaves
        // none: the next read catches up from the saved state.
        if var facts = self.facts.take() {
            try await StatisticsProjection.fold(
                projection.store, into: &facts, query: LogQuery(after: facts.checkpoint), tuning: projection.tuning)
            caught = CaughtUpFacts(facts: facts, rebuiltBecause: nil)
        } else {
            caught = try await projection.catchUp()
            saved = caught.facts.checkpoint
        }
        facts = caught.facts
        return caught
    }

    /// How far the facts in memory reach (0 before the first read).
    var checkpoint: Int64 { facts?.checkpoint ?? 0 }

    /// Saves the facts in memory if they moved since they were loaded or
    /// saved, so that the next start catches up from here.
    func save() async {
        guard let facts, facts.checkpoint != saved else { return }
        do {
            try await projection.save(facts)
            saved = facts.checkpoint
        } catch let error as EventStoreError where error.code == .readOnly {
            // A read-only store keeps no state.
        } catch {
            logger.warning("could not save the statistics' facts", metadata: ["error": "\(error)"])
        }
    }
}
