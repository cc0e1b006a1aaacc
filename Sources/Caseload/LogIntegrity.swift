import CaseloadCoding
import CaseloadDomain
public import EventStore

/// One thing wrong with the log, at a position.
public struct IntegrityProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The hash chain does not match (content changed, event removed or moved).
        case chain
        /// The event does not read back as a marketplace event.
        case unreadable
        /// The event breaks a rule of the domain in its stream's order.
        case rule
    }
    public var kind: Kind
    public var position: Int64
    public var stream: String
    public var message: String
    public var description: String { "position \(position) (\(stream)): \(kind.rawValue): \(message)" }
}

/// Re-checks the whole log: the hash chain, then every event against the
/// domain's rules in log order — the same rules a live command and an import
/// pass — reporting every problem with its position.
public enum LogIntegrity {
    public typealias Progress = @Sendable (_ done: Int64, _ total: Int64) -> Void

    public static func check(
        _ store: any EventLogReader, rules: Bool = true, progress: Progress? = nil
    ) async throws -> (chain: ChainVerification, problems: [IntegrityProblem]) {
        let chain = try await store.verify(progress: progress)
        var problems: [IntegrityProblem] = []
        if let bad = chain.firstBadPosition {
            problems.append(IntegrityProblem(kind: .chain, position: bad, stream: "-", message: chain.problem ?? "mismatch"))
        }
        guard rules else { return (chain, problems) }
        var state = MarketplaceState()
        // Every stream is folded from its first event here, so a stream seen
        // for the first time has no earlier events to load.
        let fresh: MarketplaceState.Loader = { _ in [] }
        // Past a broken link the log cannot be trusted (nor, with a damaged
        // row, read): the rules are judged up to the event before it.
        var head = try await store.head().position
        if let bad = chain.firstBadPosition { head = bad - 1 }
        for try await batch in store.batches(LogQuery(limit: 8192, upToPosition: head)) {
            for record in batch {
                let event: CaseloadEvent
                let actor: Initiator
                do {
                    event = try record.domainEvent()
                    actor = try record.domainActor()
                } catch {
                    problems.append(IntegrityProblem(
                        kind: .unreadable, position: record.position, stream: record.stream.rawValue, message: error.reason))
                    continue
                }
                let input = DecodedInput(content: .event(event))
                try state.prepare(for: input, fresh)
                if event.storeStreamID != record.stream {
                    problems.append(IntegrityProblem(
                        kind: .rule, position: record.position, stream: record.stream.rawValue,
                        message: "a \(event.typeName) of \(event.streamName) is filed in \(record.stream)"))
                }
                do {
                    try state.judge(event, occurredAt: record.metadata.occurredAt, actor: actor)
                } catch {
                    problems.append(IntegrityProblem(
                        kind: .rule, position: record.position, stream: record.stream.rawValue, message: error.message))
                }
                // Applied even when illegal, so one bad event does not make
                // every later event of its stream look wrong too.
                state.apply(event, occurredAt: record.metadata.occurredAt)
            }
            if let last = batch.last { progress?(last.position, head) }
        }
        return (chain, problems)
    }
}
