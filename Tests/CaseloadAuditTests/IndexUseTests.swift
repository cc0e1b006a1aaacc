import Caseload
import CaseloadAudit
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

/// The audit queries ask the store for exactly the events they report: one
/// stream, one actor, the exclusion types — which the SQLite store answers
/// from its (stream_id, stream_version), (actor, position) and (type,
/// position) indexes. On a 200,000-event log, counting what comes back shows
/// no query reads the log at large.
///
/// (The store's SQL is internal to EventStoreSQLite, so its query plan
/// cannot be asked for from here; see the notes in the audit's report.)
@Suite(.serialized) struct AuditReadsOnlyWhatItReports {
    static let cases = 20_000
    /// Every 100th case has an exclusion request and grant; agent-7 decides every 500th.
    static func agent(ofCase index: Int) -> String { index % 500 == 0 ? "support:agent-7" : "support:agent-8" }

    /// 20,000 cases of 10 events each, appended straight to an SQLite file.
    static func bigLog(in directory: URL) async throws -> SQLiteEventStore {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.auditIndexing = .marketplace
        configuration.durability = .normal
        let store = try SQLiteEventStore(path: directory.appendingPathComponent("audit.sqlite").path, configuration: configuration)
        let base = at("2024-01-01T00:00:00Z")
        var id = 0
        func new(_ event: CaseloadEvent, _ actor: Initiator, _ time: Timestamp) -> NewEvent {
            id += 1
            return event.newEvent(id: testUUID(id), occurredAt: time, actor: actor)
        }
        for chunk in stride(from: 0, to: cases, by: 100) {
            var appends: [StreamAppend] = []
            for index in chunk..<chunk + 100 {
                let caseId = "c\(index)", client = Initiator.client("k\(index)")
                let therapistId = "t\(index % 50)", therapist = Initiator.therapist(therapistId)
                var t = base.adding(seconds: Int64(index) * 600)
                func next() -> Timestamp { t = t.adding(seconds: 3600); return t }
                var events = [
                    new(.inquiryOpened(InquiryOpened(caseId: caseId, clientId: "k\(index)", therapistId: therapistId, format: .individual, oneOff: false)), client, t),
                    new(.therapistReplied(TherapistReplied(caseId: caseId)), therapist, next()),
                ]
                let sessions = index % 100 == 0 ? 3 : 4
                for number in 1...sessions {
                    let sessionId = "s\(number)"
                    events.append(new(.sessionBooked(SessionBooked(caseId: caseId, sessionId: sessionId, scheduledStart: t.adding(seconds: 86_400), price: Money(amount: 300_000, currency: "UAH"))), client, next()))
                    events.append(new(.sessionHeld(SessionHeld(caseId: caseId, sessionId: sessionId)), therapist, next()))
                }
                if index % 100 == 0 {
                    events.append(new(.exclusionRequested(ExclusionRequested(caseId: caseId, reason: .spam, explanation: "spam", evidence: ["shot"])), therapist, next()))
                    events.append(new(.chatExcluded(ChatExcluded(caseId: caseId, reason: .spam)), try Initiator(parsing: agent(ofCase: index)), next()))
                }
                appends.append(StreamAppend(stream: try StreamID("case-\(caseId)"), expected: .noStream, events: events))
            }
            _ = try await store.append(appends)
        }
        return store
    }

    @Test func caseActorAndExclusionAuditsReadOnlyTheirOwnEvents() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = try await Self.bigLog(in: directory)
        #expect(try await sqlite.head().position == 200_000)
        let store = CountingStore(sqlite)
        let audit = Audit(store: store)

        // An agent's actions: its 40 exclusions and nothing else, asked for by actor.
        let actions = try await audit.actions(of: "support:agent-7")
        #expect(actions.count == 40)
        #expect(actions.allSatisfy { $0.type == "ChatExcluded" && $0.actor == "support:agent-7" })
        #expect(store.eventsRead == 40)
        #expect(!store.queries.isEmpty && store.queries.allSatisfy { $0.actor == "support:agent-7" })
        #expect(store.streamReads.isEmpty)

        // A case's timeline: its own stream, its 10 events.
        store.reset()
        let timeline = try await audit.timeline(ofCase: "c12345")
        #expect(timeline.entries.count == 10)
        #expect(store.eventsRead == 10)
        #expect(store.queries.isEmpty)
        #expect(store.streamReads.map(\.rawValue) == ["case-c12345"])

        // Exclusions: the 400 exclusion events, one type per query, then each case's first event (200 cases).
        store.reset()
        let rows = try await audit.exclusions()
        #expect(rows.count == 400)
        #expect(rows.filter { $0.kind == .granted }.count == 200)
        #expect(rows.first?.caseId == "c0" && rows.first?.therapistId == "t0")
        #expect(store.eventsRead == 400 + 200)
        #expect(store.queries.allSatisfy { $0.types?.count == 1 && $0.actor == nil && $0.stream == nil })
        #expect(Set(store.queries.compactMap { $0.types?.first }) == ["ExclusionRequested", "ChatExcluded", "ExclusionDenied", "ExclusionRevoked"])
        #expect(Set(store.streamReads).count == 200)

        // The benchmark runs on the same log.
        let benchmark = try await AuditBenchmark.run(store: sqlite, runs: 3)
        #expect(benchmark.timelineEvents == 10)
        #expect(benchmark.actorEvents > 0)
        await sqlite.close()
    }
}
