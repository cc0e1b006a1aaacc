import Caseload
import CaseloadCoding
import CaseloadDomain
public import EventStore

/// Times the audit queries that must stay fast on a large log: a case's
/// timeline and one agent's actions (median of several runs). Called by the
/// benchmark harness; not a test.
public enum AuditBenchmark {
    /// What was timed and how long it took.
    public struct Result: Sendable, CustomStringConvertible {
        public var logEvents: Int64
        public var caseId: String
        public var timelineEvents: Int
        public var timelineMedian: Duration
        public var actor: String
        public var actorEvents: Int
        public var actorMedian: Duration
        public var runs: Int

        public var description: String {
            """
            audit on a log of \(logEvents) events, median of \(runs) runs:
              case timeline   \(caseId): \(timelineEvents) events in \(Self.milliseconds(timelineMedian)) ms
              actor's actions \(actor): \(actorEvents) events in \(Self.milliseconds(actorMedian)) ms
            """
        }

        static func milliseconds(_ duration: Duration) -> String {
            let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
            return String.fixed4(ms)
        }
    }

    /// Times `runs` timelines of `caseId` and `runs` audits of `actor`.
    /// Without them it picks, from the type index, the first case opened
    /// after the middle of the log and the support agent of the first
    /// exclusion after the middle (else the first support action found).
    public static func run(store: any EventLogReader & PersonalDataStore, caseId: String? = nil, actor: String? = nil, runs: Int = 7) async throws
        -> Result
    {
        let head = try await store.head().position
        let audit = Audit(store: store)
        let chosenCase: String
        if let caseId {
            chosenCase = caseId
        } else {
            let opened = try await firstEvent(store, types: [EventType.inquiryOpened.name], after: head / 2)
            guard let opened, let id = try opened.domainEvent().caseId else {
                throw AuditError(.caseNotFound, "the log has no case to time")
            }
            chosenCase = id
        }
        let chosenActor: String
        if let actor {
            chosenActor = actor
        } else {
            var decision = try await firstEvent(store, types: [EventType.chatExcluded.name], after: head / 2)
            if decision == nil { decision = try await firstEvent(store, types: [EventType.chatExcluded.name], after: 0) }
            chosenActor = decision?.metadata.actor ?? "support:agent-1"
        }
        var timelineTimes: [Duration] = [], actorTimes: [Duration] = []
        var timelineEvents = 0, actorEvents = 0
        let clock = ContinuousClock()
        for _ in 0..<max(1, runs) {
            var start = clock.now
            timelineEvents = try await audit.timeline(ofCase: chosenCase).entries.count
            timelineTimes.append(clock.now - start)
            start = clock.now
            actorEvents = try await audit.actions(of: chosenActor).count
            actorTimes.append(clock.now - start)
        }
        return Result(
            logEvents: head, caseId: chosenCase, timelineEvents: timelineEvents, timelineMedian: median(timelineTimes),
            actor: chosenActor, actorEvents: actorEvents, actorMedian: median(actorTimes), runs: max(1, runs))
    }

    static func firstEvent(_ store: any EventLogReader, types: Set<String>, after: Int64) async throws -> RecordedEvent? {
        try await store.read(LogQuery(after: after, limit: 1, types: types)).first
    }

    static func median(_ times: [Duration]) -> Duration {
        let sorted = times.sorted()
        return sorted[sorted.count / 2]
    }
}
