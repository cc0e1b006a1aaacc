import Caseload
public import CaseloadCoding
import CaseloadDomain
public import EventStore

/// The audit questions support and auditors ask of the log: what happened in
/// a case, what one actor did, which chats were excluded and by whom. Each
/// answers from an index of the store (a stream, an actor, a few types),
/// never from a scan of the log.
public struct Audit: Sendable {
    /// The log, read only, and the vault: support sees a client's name while it exists.
    public let store: any EventLogReader & PersonalDataStore
    /// Events per read: large enough that a long history takes few round trips.
    public var batchSize: Int

    public init(store: any EventLogReader & PersonalDataStore, batchSize: Int = 5000) {
        self.store = store
        self.batchSize = batchSize
    }

    // MARK: A case's timeline

    /// Every event of case `caseId`, in order, described; with the cases it
    /// was re-matched from and to. Reads the case's stream only.
    public func timeline(ofCase caseId: String) async throws -> CaseTimeline {
        let stream: StreamID
        do { stream = try StreamID(StreamName(.case, caseId).description) } catch {
            throw AuditError(.caseNotFound, "no case '\(caseId)': \(error)", subject: caseId)
        }
        let records = try await store.readStream(stream)
        guard !records.isEmpty else {
            throw AuditError(.caseNotFound, "no case '\(caseId)' in the log (no stream \(stream))", subject: caseId)
        }
        var narrator = EventNarrator(inContext: true)
        var timeline = CaseTimeline(caseId: caseId)
        for record in records {
            var entry = narrator.entry(record)
            switch try? record.domainEvent() {
            case .inquiryOpened(let e)?:
                // The name lives in the personal-data vault, not the log: show
                // it to support while it exists, and that it was erased after.
                if let ref = e.clientNameRef {
                    entry.description += "; client name: \(try await PersonalDataVault.value(ref: ref, in: store))"
                }
                timeline.entries.append(entry)
                timeline.clientId = e.clientId
                timeline.therapistId = e.therapistId
                timeline.rematchedFrom = e.rematchedFrom
            case .refusalResolved(let e)? where e.outcome == .rematched:
                timeline.entries.append(entry)
                timeline.rematchedTo = e.newCaseId
                timeline.rematchedToTherapist = e.newTherapistId
            default:
                timeline.entries.append(entry)
            }
        }
        return timeline
    }

    // MARK: What one actor did

    /// Everything `actor` (`kind:id`, such as `support:agent-7`) caused, in
    /// position order, read from the actor index. `since` and `until` bound
    /// `occurredAt` (both inclusive); `until` is applied by the store, `since`
    /// here (the log is ordered by position, not by business time).
    public func actions(of actor: String, since: Timestamp? = nil, until: Timestamp? = nil) async throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        try await forEachAction(of: actor, since: since, until: until) { entries.append(contentsOf: $0) }
        return entries
    }

    /// ``actions(of:since:until:)`` a batch at a time, for output that
    /// should not wait for (or hold) a long history.
    public func forEachAction(
        of actor: String, since: Timestamp? = nil, until: Timestamp? = nil, _ body: ([AuditEntry]) throws -> Void
    ) async throws {
        do { _ = try Initiator(parsing: actor) } catch {
            throw AuditError(.invalidActor, error.description, subject: actor)
        }
        if let since, let until, since > until {
            throw AuditError(.invalidArgument, "--since \(since) is after --until \(until)")
        }
        let query = LogQuery(limit: batchSize, actor: actor, occurredAtOrBefore: until)
        for try await batch in store.batches(query) {
            var entries: [AuditEntry] = []
            entries.reserveCapacity(batch.count)
            for record in batch {
                if let since, record.metadata.occurredAt < since { continue }
                // Each event on its own: context would cost a read of every stream the actor touched.
                var narrator = EventNarrator(inContext: false)
                entries.append(narrator.entry(record))
            }
            try body(entries)
        }
    }
}

/// A case's history: its events described, who it is between, and where a
/// re-match came from and went.
public struct CaseTimeline: Sendable, Hashable {
    public var caseId: String
    public var clientId: String?
    public var therapistId: String?
    /// The refused case this one re-matched the client from.
    public var rematchedFrom: String?
    /// The case a re-match (RefusalResolved `rematched`) opened for the client, and its therapist.
    public var rematchedTo: String?
    public var rematchedToTherapist: String?
    public var entries: [AuditEntry] = []

    public init(caseId: String) { self.caseId = caseId }
}
