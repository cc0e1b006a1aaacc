/// The walk every backend's `verify` makes along the hash chain, one stored
/// event at a time in position order: each is checked against the hash
/// before it (``HashChain/check(_:previous:expectedPosition:)``), a row that
/// no longer decodes is the first bad position, and positions missing
/// before the head are reported when the rows run out. Backends differ only
/// in how they read the rows (an SQLite statement, a PostgreSQL stream,
/// batches of ``EventLogReader/read(_:)``).
package struct ChainWalker {
    /// The head's position when the walk began.
    package let total: Int64
    private let progress: (@Sendable (Int64, Int64) -> Void)?
    private let progressEvery: Int64
    private var previous = EventHash.genesis
    private var expected: Int64 = 1

    /// `progress` receives (checked, total) every `progressEvery` events and at the end.
    package init(total: Int64, progressEvery: Int64 = 100_000, progress: (@Sendable (Int64, Int64) -> Void)?) {
        self.total = total
        self.progressEvery = progressEvery
        self.progress = progress
    }

    /// Checks the next stored event, which `decode` reads (a throw means the
    /// row is damaged). Returns the verdict when the chain breaks here, nil
    /// while it holds.
    package mutating func check(_ decode: () throws -> RecordedEvent) -> ChainVerification? {
        let problem: String?
        do {
            let event = try decode()
            problem = HashChain.check(event, previous: previous, expectedPosition: expected)
            if problem == nil { previous = event.hash }
        } catch {
            problem = "\(error)"
        }
        if let problem {
            return ChainVerification(
                eventsChecked: expected - 1, firstBadPosition: expected, problem: problem, headHash: previous)
        }
        if expected % progressEvery == 0 { progress?(expected, total) }
        expected += 1
        return nil
    }

    /// The verdict once every row was checked: the chain holds, unless rows
    /// ran out before the head.
    package func finish() -> ChainVerification {
        let checked = expected - 1
        if checked < total {
            return ChainVerification(
                eventsChecked: checked, firstBadPosition: expected,
                problem: "position \(expected) is missing (the head is at \(total))", headHash: previous)
        }
        progress?(checked, total)
        return ChainVerification(eventsChecked: checked, firstBadPosition: nil, problem: nil, headHash: previous)
    }
}
