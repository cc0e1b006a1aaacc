public import Caseload
public import CaseloadCoding
public import EventStore

/// Which part of the log to read, in position order.
public struct LogSelection: Sendable, Hashable {
    /// The first position to read (1 = the first event).
    public var from: Int64 = 1
    /// Only this stream.
    public var stream: String?
    /// Only these event types (nil: all).
    public var types: Set<String>?
    /// At most this many events (nil: all).
    public var limit: Int?

    public init(from: Int64 = 1, stream: String? = nil, types: Set<String>? = nil, limit: Int? = nil) {
        (self.from, self.stream, self.types, self.limit) = (from, stream, types, limit)
    }

    /// The store's query; a bad stream id throws `EventStoreError` (`invalidStreamID`).
    func query(batchSize: Int) throws -> LogQuery {
        guard from >= 1 else { throw ApplicationError(.invalidArgument, "the first position is 1 or more, not \(from)") }
        var query = LogQuery(after: from - 1, limit: min(limit ?? batchSize, batchSize))
        query.types = types
        query.stream = try stream.map { try StreamID($0) }
        return query
    }
}

/// The selected events as batches in position order, up to the head as it
/// was when iteration began, and no more than the selection's limit.
///
/// Unfiltered, positions are gapless: one missing (a damaged page SQLite
/// could not tell was wrong, a row deleted by hand) throws `EventStoreError`
/// `corrupted` naming it rather than skipping it.
public struct LogExcerpt: AsyncSequence, Sendable {
    public typealias Element = [RecordedEvent]
    let batches: LogBatches
    let limit: Int?
    /// The first position, when every position from it on is read (no stream or type filter).
    var checkedFrom: Int64? = nil

    public struct AsyncIterator: AsyncIteratorProtocol {
        var batches: LogBatches.AsyncIterator
        var remaining: Int?
        var expected: Int64?

        public mutating func next() async throws -> [RecordedEvent]? {
            if let remaining, remaining <= 0 { return nil }
            guard var batch = try await batches.next() else { return nil }
            if var position = expected {
                for event in batch {
                    guard event.position == position else {
                        throw EventStoreError(
                            .corrupted,
                            "position \(position) is missing from the log (the next found is \(event.position)): the file is damaged or rows were deleted; `caseload verify` checks the whole file",
                            position: position)
                    }
                    position += 1
                }
                expected = position
            }
            if let remaining {
                if batch.count > remaining { batch.removeLast(batch.count - remaining) }
                self.remaining = remaining - batch.count
            }
            return batch
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(batches: batches.makeAsyncIterator(), remaining: limit, expected: checkedFrom)
    }
}

/// The log checked: its hash chain, then (unless asked not to) every event
/// against the domain's rules.
public struct LogVerification: Sendable {
    public var chain: ChainVerification
    /// Every problem found, with its position; empty when the log holds.
    public var problems: [IntegrityProblem]
    /// Whether the events were checked against the rules, not only the chain.
    public var rulesChecked: Bool
    public var holds: Bool { problems.isEmpty }
}

extension Marketplace {
    /// The last position, its hash and commit time.
    public func head() async throws -> LogHead {
        try await store.head()
    }

    /// Every event of one stream, in order.
    public func readStream(_ stream: String) async throws -> [RecordedEvent] {
        try await store.readStream(try StreamID(stream))
    }

    /// Events of the log in position order, as `selection` says.
    public func log(_ selection: LogSelection) throws -> LogExcerpt {
        LogExcerpt(
            batches: store.batches(try selection.query(batchSize: 5000)), limit: selection.limit,
            checkedFrom: selection.stream == nil && selection.types == nil ? selection.from : nil)
    }

    /// A catch-up subscription: the selected history from `selection.from`,
    /// then each new commit as it lands, until the consuming task is cancelled.
    public func follow(_ selection: LogSelection = LogSelection()) throws -> CatchUpSubscription {
        let query = try selection.query(batchSize: 1000)
        return store.subscribe(from: query.after, query: query)
    }

    /// Up to `limit` events after position `after` (of `types` only, when
    /// given), in position order: one page of the log for a front end that
    /// pages or feeds it.
    public func events(after: Int64, limit: Int, types: Set<String>? = nil) async throws -> [RecordedEvent] {
        var query = LogQuery(after: after, limit: limit)
        query.types = types
        return try await store.read(query)
    }

    /// Suspends until the head moves past `position` or `timeout` passes, and
    /// returns the head then (a feed waits here between commits).
    public func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        try await store.waitForCommit(after: position, timeout: timeout)
    }

    /// Checks the hash chain and, if `rules`, every event against the domain's rules.
    public func verify(rules: Bool = true, progress: LogIntegrity.Progress? = nil) async throws -> LogVerification {
        let (chain, problems) = try await LogIntegrity.check(store, rules: rules, progress: progress)
        return LogVerification(chain: chain, problems: problems, rulesChecked: rules)
    }

    // MARK: Audit

    /// A case's timeline: every event with its time, actor, what it changed.
    public func caseTimeline(_ caseId: String) async throws -> CaseTimeline {
        try await Audit(store: store).timeline(ofCase: caseId)
    }

    /// Everything `actor` (`kind:id`) did, in position order, a batch at a
    /// time (an actor such as system:web may have millions of events).
    public func actions(
        of actor: String, since: Timestamp? = nil, until: Timestamp? = nil, _ body: ([AuditEntry]) throws -> Void
    ) async throws {
        try await Audit(store: store).forEachAction(of: actor, since: since, until: until, body)
    }

    /// Exclusion requests, grants, denials and revocations `filter` selects.
    public func exclusions(_ filter: ExclusionFilter) async throws -> [ExclusionRecord] {
        try await Audit(store: store).exclusions(filter)
    }
}
