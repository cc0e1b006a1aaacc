import Caseload
public import CaseloadCoding
public import CaseloadDomain
public import EventStore

/// What the log says about a case's exclusions and refusal: who decided,
/// when, and why. The statistics' facts keep only the times; `explain`
/// names the people and reasons from here.
public struct CaseRecord: Sendable, Hashable {
    /// One ChatExcluded, and the ExclusionRevoked that ended it if any.
    public struct Exclusion: Sendable, Hashable {
        public var excludedAt: Timestamp
        public var excludedBy: String
        public var reason: ExclusionReason
        /// Whether it granted the therapist's request (else: support's own initiative).
        public var onRequest: Bool
        public var revokedAt: Timestamp?
        public var revokedBy: String?
        public var revocationExplanation: String?
    }

    /// The therapist's refusal after the first session.
    public struct Refusal: Sendable, Hashable {
        public var filedAt: Timestamp
        public var reason: RefusalReason
        public var explanation: String
    }

    public var caseId: String
    /// In the order they happened, as the facts' exclusion spans are.
    public var exclusions: [Exclusion] = []
    public var refusal: Refusal?

    /// Folds a case's events (its stream, in order).
    public init(caseId: String, events: [RecordedEvent]) throws {
        self.caseId = caseId
        var requestPending = false
        for record in events {
            let at = record.metadata.occurredAt, actor = record.metadata.actor
            switch try record.domainEvent() {
            case .exclusionRequested:
                requestPending = true
            case .exclusionDenied:
                requestPending = false
            case .chatExcluded(let e):
                exclusions.append(Exclusion(excludedAt: at, excludedBy: actor, reason: e.reason, onRequest: requestPending))
                requestPending = false
            case .exclusionRevoked(let e):
                if let last = exclusions.indices.last, exclusions[last].revokedAt == nil {
                    exclusions[last].revokedAt = at
                    exclusions[last].revokedBy = actor
                    exclusions[last].revocationExplanation = e.explanation
                }
            case .refusalFiled(let e):
                if refusal == nil { refusal = Refusal(filedAt: at, reason: e.reason, explanation: e.explanation) }
            default:
                break
            }
        }
    }
}

extension Audit {
    /// The streams of `caseIds` (up to `limit` events each), a few reads in flight at a time.
    func readCaseStreams(_ caseIds: some Collection<String>, limit: Int = Int.max) async throws -> [String: [RecordedEvent]] {
        let store = self.store
        var streams: [String: [RecordedEvent]] = [:]
        try await withThrowingTaskGroup(of: (String, [RecordedEvent]).self) { group in
            var remaining = caseIds.makeIterator()
            var inFlight = 0
            while true {
                while inFlight < 8, let caseId = remaining.next() {
                    group.addTask {
                        let stream = StreamName(.case, caseId).storeStreamID
                        let events = limit == Int.max
                            ? try await store.readStream(stream)
                            : try await store.readStream(stream, fromVersion: 1, limit: limit)
                        return (caseId, events)
                    }
                    inFlight += 1
                }
                guard let (caseId, events) = try await group.next() else { break }
                inFlight -= 1
                streams[caseId] = events
            }
        }
        return streams
    }
}
