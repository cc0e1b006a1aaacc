import Caseload
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import CSQLite
import EventStore
import Foundation
import EventStoreTesting
import Synchronization
import Testing

/// The application as a front end uses it: one configuration, one function
/// per use case, a value back.
@Suite struct ApplicationAPI {
    /// A configuration for a fresh file in `scratch` (durability normal: test files are thrown away).
    func configuration(_ scratch: borrowing ImportScratch, readOnly: Bool = false) -> CaseloadConfiguration {
        var configuration = CaseloadConfiguration(store: .sqlite(path: scratch.directory.appendingPathComponent("log.sqlite").path))
        configuration.durability = .normal
        configuration.readOnly = readOnly
        return configuration
    }

    @Test func commandsAppendAndEveryReadFunctionSeesThem() async throws {
        let scratch = try ImportScratch()
        try await withMarketplace(configuration(scratch)) { app in
            try await app.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1))
            let opened = try await app.execute(
                .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
                by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: commandID(2), clientName: "Olena")
            #expect(opened.events.map(\.position) == [2])
            #expect(opened.events.map(\.stream.rawValue) == ["case-c1"])
            try await app.execute(.reply(caseId: "c1"), by: .therapist("t1"), at: at("2024-03-01T10:00:00Z"), commandID: commandID(3))

            #expect(try await app.head().position == 3)
            #expect(try await app.readStream("case-c1").map(\.type) == ["InquiryOpened", "TherapistReplied"])
            var logged: [Int64] = []
            for try await batch in try app.log(LogSelection(from: 2, limit: 1)) { logged += batch.map(\.position) }
            #expect(logged == [2])

            let statistics = try await app.statistics(StatisticsRequest(therapist: "t1"))
            #expect(statistics.therapists.map(\.therapistId) == ["t1"])
            #expect(statistics.therapists[0].countedInquiries == 1)
            #expect(statistics.asOf == at("2024-03-01T10:00:00Z"), "as of the latest event by default")

            let timeline = try await app.caseTimeline("c1")
            #expect(timeline.therapistId == "t1")
            #expect(timeline.entries.count == 2)
            #expect(timeline.entries[0].description.contains("client name: Olena"))

            let erased = try await app.eraseClient("k1", by: .support("s1"), at: at("2024-03-02T00:00:00Z"))
            #expect(erased.records == 1)
            #expect(erased.position == 4)
            #expect(try await app.caseTimeline("c1").entries[0].description.contains("client name: (erased)"))

            let verification = try await app.verify()
            #expect(verification.holds)
            #expect(verification.chain.eventsChecked == 4)
        }
    }

    @Test func aTherapistTheLogDoesNotKnowIsATypedError() async throws {
        let scratch = try ImportScratch()
        try await withMarketplace(configuration(scratch)) { app in
            try await app.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1))
            await #expect { try await app.statistics(StatisticsRequest(therapist: "t9")) } throws: { error in
                (error as? ApplicationError)?.code == .therapistNotFound
            }
        }
    }

    @Test func aReadOnlyConfigurationNeitherCreatesTheFileNorAppends() async throws {
        let scratch = try ImportScratch()
        let readOnly = configuration(scratch, readOnly: true)
        await #expect { try await withMarketplace(readOnly) { _ in } } throws: { error in
            (error as? EventStoreError)?.code == .databaseNotFound
        }
        #expect(!FileManager.default.fileExists(atPath: readOnly.store.description))
        try await withMarketplace(configuration(scratch)) { _ in }  // now it exists
        try await withMarketplace(readOnly) { app in
            await #expect { try await app.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1)) } throws: { error in
                (error as? ApplicationError)?.code == .readOnly
            }
            let head = try await app.head()
            #expect(head.position == 0)
        }
    }

    @Test func theScopedHelperClosesTheLogWhenItsBodyThrows() async throws {
        struct Stop: Error {}
        let scratch = try ImportScratch()
        nonisolated(unsafe) var kept: Marketplace?
        await #expect(throws: Stop.self) {
            try await withMarketplace(configuration(scratch)) { app in
                kept = app
                throw Stop()
            }
        }
        let app = try #require(kept)
        await #expect { try await app.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1)) } throws: { error in
            (error as? EventStoreError)?.code == .closed
        }
    }

    @Test func importRatingsAndCompareAnswerFromOneHistory() async throws {
        let scratch = try ImportScratch()
        let file = try scratch.write("history.jsonl", history)
        try await withMarketplace(configuration(scratch)) { app in
            let summary = try await app.importLines(from: file)
            #expect(summary.appended == 5)
            let rules = try ["platform-standard", "fair"].map { try RatingRule.resolve($0) }
            let rated = try await app.ratings(under: rules[0])
            #expect(rated.ratings.rows.map(\.therapistId) == ["t1"])
            let compared = try await app.compare(rules, time: ReportTime(asOf: at("2024-03-31T00:00:00Z")))
            #expect(compared.comparison.labels == ["platform-standard", "fair"])
            #expect(compared.asOf == at("2024-03-31T00:00:00Z"))
        }
    }

    @Test func aFollowerSeesTheHistoryThenWhatIsAppendedLater() async throws {
        let scratch = try ImportScratch()
        try await withMarketplace(configuration(scratch)) { app in
            try await app.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1))
            let following = Task {
                var seen: [String] = []
                for try await event in try app.follow() {
                    seen.append(event.type)
                    if seen.count == 2 { break }
                }
                return seen
            }
            try await app.execute(.joinTherapist(therapistId: "t2"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(2))
            #expect(try await following.value == ["TherapistJoined", "TherapistJoined"])
        }
    }

    @Test func aDatabaseThatBreaksMidImportKeepsItsCodeUnderTheLine() async throws {
        let scratch = try ImportScratch()
        let configuration = configuration(scratch)
        let first = try scratch.write("first.jsonl", Array(history.prefix(2)))
        try await withMarketplace(configuration) { app in _ = try await app.importLines(from: first) }
        // Position 1 (therapist-t1's TherapistJoined; not the head, which opening reads) gets a hash that is not 32 bytes.
        try corrupt(configuration.store.description, "UPDATE events SET hash = X'00' WHERE position = 1")
        let rest = try scratch.write("rest.jsonl", Array(history.dropFirst(2)))
        try await withMarketplace(configuration) { app in
            let error = await #expect(throws: ImportError.self) { try await app.importLines(from: rest) }
            #expect(error?.line == 1, "the first line (CancellationPolicySet) reads therapist-t1's stream")
            #expect((error?.underlying as? EventStoreError)?.code == .corrupted)
        }
    }
}

/// Changes the log behind the store's back, as damage would.
func corrupt(_ path: String, _ sql: String) throws {
    var db: OpaquePointer?
    guard sqlite3_open(path, &db) == SQLITE_OK else { throw CorruptionFailed() }
    defer { sqlite3_close(db) }
    guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw CorruptionFailed() }
}

struct CorruptionFailed: Error {}

/// The knobs an executable finds in its environment become configuration;
/// the library never reads the environment itself.
@Suite struct MeasuringKnobsFromTheEdge {
    @Test func knobsSetTheStoreAndReplaySettingsAndNonsenseIsIgnored() {
        let base = CaseloadConfiguration(store: .sqlite(path: "x.sqlite"))
        let tuned = base.applyingMeasuringKnobs([
            "CASELOAD_WAL_AUTOCHECKPOINT": "500", "CASELOAD_INLINE_CHECKPOINTS": "1",
            "CASELOAD_REPLAY_CHUNK": "4096", "CASELOAD_REPLAY_PARALLEL": "2",
        ])
        #expect(tuned.sqlite.walAutocheckpointPages == 500)
        #expect(tuned.sqlite.backgroundCheckpoints == false)
        #expect(tuned.replay == ReplayTuning(chunkSize: 4096, parallelism: 2))
        #expect(tuned.sqliteConfiguration.walAutocheckpointPages == 500)
        #expect(tuned.sqliteConfiguration.backgroundCheckpoints == false)
        #expect(tuned.sqliteConfiguration.auditIndexing == .marketplace)

        let untouched = base.applyingMeasuringKnobs([
            "CASELOAD_WAL_AUTOCHECKPOINT": "-3", "CASELOAD_REPLAY_CHUNK": "many", "CASELOAD_REPLAY_PARALLEL": "0",
        ])
        #expect(untouched.sqlite.walAutocheckpointPages == 20_000)
        #expect(untouched.sqlite.backgroundCheckpoints == true)
        #expect(untouched.replay == ReplayTuning(chunkSize: 16_384, parallelism: 3))
    }
}

/// A long-running front end's statistics (facts kept warm): a read sees
/// every command acknowledged before it began, while other commands and
/// reads run at once.
@Suite struct WarmStatisticsTests {
    @Test func aReadSeesEveryCommandAcknowledgedBeforeItWhileOthersRun() async throws {
        let scratch = try ImportScratch()
        var configuration = CaseloadConfiguration(store: .sqlite(path: scratch.directory.appendingPathComponent("log.sqlite").path))
        configuration.durability = .normal
        configuration.keepsFactsWarm = true
        try await withMarketplace(configuration) { app in
            try await app.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: commandID(1))
            let acknowledged = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for n in 0..<30 {
                            try await app.execute(
                                .openInquiry(caseId: "c\(worker)-\(n)", clientId: "k\(worker)-\(n)", therapistId: "t1", format: .individual, oneOff: false),
                                by: .client("k\(worker)-\(n)"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(10_000 + worker * 100 + n))
                            acknowledged.add()
                            let before = acknowledged.value
                            let row = try await app.statistics(StatisticsRequest(therapist: "t1", includePlatform: false)).therapists[0]
                            #expect(row.inquiries >= before, "a read saw \(row.inquiries) inquiries after \(before) were acknowledged")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let row = try await app.statistics(StatisticsRequest(therapist: "t1")).therapists[0]
            #expect(row.inquiries == 240)
        }
    }
}

private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
