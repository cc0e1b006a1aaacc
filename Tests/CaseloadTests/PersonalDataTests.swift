import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import CSQLite
import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

@Suite struct PersonalData {
    /// Every byte of the database file and its WAL.
    func fileBytes(_ directory: URL) throws -> [UInt8] {
        var all: [UInt8] = []
        // The database file and its WAL and shared memory (not the import file beside them).
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where name.hasPrefix("log.sqlite") {
            all += Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        }
        return all
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, Array(haystack[index..<index + needle.count]) == needle { return true }
            index += 1
        }
        return false
    }

    @Test func anImportedClientNameIsSealedApartAndErasedWithoutAByteLeft() async throws {
        let scratch = try ImportScratch()
        let store = try scratch.store()
        _ = try await Importer.importFile(try scratch.write("h.jsonl", history), into: store)
        let events = try await store.read(LogQuery(limit: 10))
        let opened = try #require(events.first { $0.type == "InquiryOpened" })
        #expect(opened.schemaVersion == 2)
        guard case .inquiryOpened(let inquiry) = try opened.domainEvent(), let ref = inquiry.clientNameRef else {
            Issue.record("no clientNameRef in \(opened.payload.text)")
            return
        }
        #expect(try await PersonalDataVault.value(ref: ref, in: store) == .value("Olena"))
        let record = try #require(try await store.personalData(ref: ref))
        let sealed = record.sealed
        let key = try #require(record.key)
        let statisticsBefore = try await StatisticsProjection(store: store).rebuild().snapshot(StatisticsWindow(), asOf: at("2024-12-31T00:00:00Z"))
        try await store.compact()
        #expect(!contains(try fileBytes(scratch.directory), Array("Olena".utf8)), "the name is never in the file in clear")
        #expect(contains(try fileBytes(scratch.directory), sealed), "the sealed value is in the vault before erasure")

        let erased = try await PersonalDataVault.eraseClient(
            "k1", by: .support("agent-7"), at: at("2024-06-01T00:00:00Z"), eventID: testUUID(777), in: store)
        #expect(erased.event.type == "ClientDataErased")
        #expect(erased.event.stream.rawValue == "client-k1")
        #expect(erased.event.payload.text == #"{"clientId":"k1","fields":["clientName"],"records":1}"#)
        #expect(!erased.alreadyErased)
        #expect(erased.compaction == .compacted)
        #expect(try await PersonalDataVault.value(ref: ref, in: store) == .erased)
        await store.close()

        let bytes = try fileBytes(scratch.directory)
        #expect(!contains(bytes, sealed), "no byte run of the ciphertext remains")
        #expect(!contains(bytes, key), "no byte run of the key remains")
        let reopened = try scratch.store()
        #expect(try await reopened.verify(progress: nil).holds, "the hash chain still verifies")
        let (chain, problems) = try await LogIntegrity.check(reopened)
        #expect(chain.holds && problems.isEmpty, "\(problems)")
        let statisticsAfter = try await StatisticsProjection(store: reopened).rebuild().snapshot(StatisticsWindow(), asOf: at("2024-12-31T00:00:00Z"))
        #expect(statisticsAfter.therapists == statisticsBefore.therapists, "statistics are unchanged")
        await reopened.close()
    }

    /// A store on `scratch`'s file that waits `busy` for a lock (a compaction
    /// blocked by a reader gives up after it).
    func store(_ scratch: borrowing ImportScratch, busy: Duration) throws -> SQLiteEventStore {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.durability = .normal
        configuration.busyTimeout = busy
        return try SQLiteEventStore(path: scratch.directory.appendingPathComponent("log.sqlite").path, configuration: configuration)
    }

    /// The imported history's client k1: their name's vault reference, sealed value and key.
    func importedClient(_ store: SQLiteEventStore, _ scratch: borrowing ImportScratch) async throws -> (ref: String, sealed: [UInt8], key: [UInt8]) {
        _ = try await Importer.importFile(try scratch.write("h.jsonl", history), into: store)
        let opened = try #require(try await store.read(LogQuery(limit: 10)).first { $0.type == "InquiryOpened" })
        guard case .inquiryOpened(let inquiry) = try opened.domainEvent(), let ref = inquiry.clientNameRef else {
            throw SetupFailure("no clientNameRef in \(opened.payload.text)")
        }
        let record = try #require(try await store.personalData(ref: ref))
        return (ref, record.sealed, try #require(record.key))
    }

    @Test func anErasureWhileAnotherProcessReadsReportsTheCompactionPendingAndARerunFinishesIt() async throws {
        let scratch = try ImportScratch()
        let store = try store(scratch, busy: .milliseconds(100))
        let (ref, sealed, key) = try await importedClient(store, scratch)
        // Another connection (as another process would) in a read transaction.
        let reader = try HeldReadTransaction(path: scratch.directory.appendingPathComponent("log.sqlite").path)

        let first = try await PersonalDataVault.eraseClient(
            "k1", by: .support("agent-7"), at: at("2024-06-01T00:00:00Z"), eventID: testUUID(777), in: store)
        #expect(!first.alreadyErased)
        #expect(first.event.position == 6)
        guard case .pending(let reason) = first.compaction else {
            Issue.record("compaction reported as done while a reader held its snapshot")
            return
        }
        #expect(reason.contains("another connection is still reading"), "\(reason)")
        #expect(try await PersonalDataVault.value(ref: ref, in: store) == .erased, "erased all the same")
        #expect(contains(try fileBytes(scratch.directory), key), "why it is pending: the key's old page is still in the file")

        reader.release()
        let rerun = try await PersonalDataVault.eraseClient(
            "k1", by: .support("agent-7"), at: at("2024-06-02T00:00:00Z"), eventID: testUUID(778), in: store)
        #expect(rerun.alreadyErased)
        #expect(rerun.event == first.event, "the first run's event, not a second one")
        #expect(rerun.compaction == .compacted)
        #expect(try await store.head().position == 6)
        await store.close()
        let bytes = try fileBytes(scratch.directory)
        #expect(!contains(bytes, key), "no byte run of the key remains")
        #expect(!contains(bytes, sealed), "no byte run of the ciphertext remains")
    }

    @Test func erasingAClientTwiceRecordsOneErasureUntilSomethingIsSealedForThemAgain() async throws {
        let store = InMemoryEventStore()
        let service = CaseloadService(store: store)
        try await service.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: testUUID(1))
        try await service.execute(
            .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(2), clientName: "Olena")

        let first = try await PersonalDataVault.eraseClient(
            "k1", by: .support("s1"), at: at("2024-03-02T00:00:00Z"), eventID: testUUID(3), in: store)
        #expect(first.event.position == 3 && !first.alreadyErased && first.compaction == .compacted)
        #expect(first.event.payload.text == #"{"clientId":"k1","fields":["clientName"],"records":1}"#)
        let again = try await PersonalDataVault.eraseClient(
            "k1", by: .support("s1"), at: at("2024-03-03T00:00:00Z"), eventID: testUUID(4), in: store)
        #expect(again.alreadyErased)
        #expect(again.event.id == testUUID(3))
        #expect(try await store.head().position == 3, "no second ClientDataErased")

        // A new name sealed for k1 after the erasure is new data: erasing it is a new erasure.
        try await service.execute(
            .openInquiry(caseId: "c2", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-04T09:00:00Z"), commandID: testUUID(5), clientName: "Olena")
        let later = try await PersonalDataVault.eraseClient(
            "k1", by: .support("s1"), at: at("2024-03-05T00:00:00Z"), eventID: testUUID(6), in: store)
        #expect(!later.alreadyErased)
        #expect(later.event.position == 5)
        #expect(later.event.streamVersion == 2)
        #expect(try await store.readStream(StreamID(unchecked: "client-k1"), fromVersion: 1, limit: 10).map(\.id) == [testUUID(3), testUUID(6)])
    }

    @Test func aCompactionThatFailsAfterTheCommitIsReportedPendingNotThrown() async throws {
        let base = InMemoryEventStore()
        let service = CaseloadService(store: base)
        try await service.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: testUUID(1))
        try await service.execute(
            .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(2), clientName: "Olena")

        // VACUUM on a nearly full disk: the erasure is committed by then.
        let full = CompactionFailingStore(base: base, failure: EventStoreError(.storageFailure, "SQL 'VACUUM' failed: database or disk is full [SQLite 13]"))
        let first = try await PersonalDataVault.eraseClient(
            "k1", by: .support("s1"), at: at("2024-03-02T00:00:00Z"), eventID: testUUID(3), in: full)
        #expect(first.compaction == .pending(reason: "SQL 'VACUUM' failed: database or disk is full [SQLite 13]"))
        #expect(!first.alreadyErased && first.event.position == 3)
        #expect(try await PersonalDataVault.value(ref: PersonalDataVault.reference(for: testUUID(2)), in: base) == .erased)

        // The retry, with room again: no second erasure, the compaction done.
        let retry = try await PersonalDataVault.eraseClient(
            "k1", by: .support("s1"), at: at("2024-03-02T00:05:00Z"), eventID: testUUID(4), in: base)
        #expect(retry.alreadyErased && retry.event.id == testUUID(3) && retry.compaction == .compacted)
        #expect(try await base.head().position == 3)
    }

    @Test func aNameGivenToTheServiceGoesToTheVaultNotTheLog() async throws {
        let store = InMemoryEventStore()
        let service = CaseloadService(store: store)
        try await service.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: testUUID(1))
        let opened = try await service.execute(
            .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .couple, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(2), clientName: "Taras")
        #expect(!opened[0].payload.text.contains("Taras"))
        let ref = PersonalDataVault.reference(for: testUUID(2))
        #expect(opened[0].payload.text.contains(#""clientNameRef":"\#(ref)""#))
        #expect(try await PersonalDataVault.value(ref: ref, in: store) == .value("Taras"))
    }
}

/// A name is sealed in the same transaction as the event that refers to it,
/// so a command that does not land leaves nothing in the vault.
@Suite struct PersonalDataInTheAppendsTransaction {
    func joinedTherapistWithOpenCase() async throws -> InMemoryEventStore {
        let store = InMemoryEventStore()
        let service = CaseloadService(store: store)
        try await service.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: testUUID(1))
        try await service.execute(
            .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(2), clientName: "Olena")
        return store
    }

    @Test func aCommandARuleRefusesLeavesTheVaultAsItWas() async throws {
        let store = try await joinedTherapistWithOpenCase()
        let service = CaseloadService(store: store)
        // c1 is already open: a second inquiry for it is refused.
        await #expect(throws: DomainError.self) {
            try await service.execute(
                .openInquiry(caseId: "c1", clientId: "k2", therapistId: "t1", format: .individual, oneOff: false),
                by: .client("k2"), at: at("2024-03-01T10:00:00Z"), commandID: testUUID(3), clientName: "Petro")
        }
        #expect(try await store.personalData(ref: PersonalDataVault.reference(for: testUUID(3))) == nil)
        #expect(try await store.head().position == 2)
    }

    @Test func aCommandThatKeepsLosingTheRaceLeavesTheVaultAsItWas() async throws {
        let store = try await joinedTherapistWithOpenCase()
        // The service sees no case-c1 (as if another writer had opened it
        // after the service read), so every append expects no stream and
        // loses to the case that is there.
        let service = CaseloadService(store: StreamHidingStore(store, hiding: "case-c1"), maxAttempts: 3)
        await #expect(throws: CommandContentionError.self) {
            try await service.execute(
                .openInquiry(caseId: "c1", clientId: "k2", therapistId: "t1", format: .individual, oneOff: false),
                by: .client("k2"), at: at("2024-03-01T10:00:00Z"), commandID: testUUID(3), clientName: "Petro")
        }
        #expect(try await store.personalData(ref: PersonalDataVault.reference(for: testUUID(3))) == nil)
        #expect(try await store.head().position == 2)
        // The first client's name is still there, and only it.
        #expect(try await PersonalDataVault.value(ref: PersonalDataVault.reference(for: testUUID(2)), in: store) == .value("Olena"))
    }

    @Test func aRetriedCommandReturnsTheOriginalsAndKeepsTheSealedName() async throws {
        let store = try await joinedTherapistWithOpenCase()
        let ref = PersonalDataVault.reference(for: testUUID(2))
        let sealed = try #require(try await store.personalData(ref: ref)).sealed
        // A retry after a timeout: the originals come back, and the sealed
        // name is not sealed again (a new seal would have a new nonce).
        let retried = try await CaseloadService(store: store).execute(
            .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(2), clientName: "Olena")
        #expect(retried.map(\.position) == [2])
        #expect(try #require(try await store.personalData(ref: ref)).sealed == sealed)
    }
}

/// A store that reads one stream as empty: the view of a service that read
/// before another writer appended to it.
struct StreamHidingStore: EventStore {
    let base: InMemoryEventStore
    let hidden: StreamID
    init(_ base: InMemoryEventStore, hiding stream: String) {
        self.base = base
        self.hidden = StreamID(unchecked: stream)
    }

    func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent] {
        stream == hidden ? [] : try await base.readStream(stream, fromVersion: version, limit: limit)
    }
    func read(_ query: LogQuery) async throws -> [RecordedEvent] { try await base.read(query) }
    func scan<T: Sendable>(_ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?) async throws -> [T] {
        try await base.scan(query, transform)
    }
    func head() async throws -> LogHead { try await base.head() }
    func event(id: UUID) async throws -> RecordedEvent? { try await base.event(id: id) }
    func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        try await base.verify(progress: progress)
    }
    func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        try await base.waitForCommit(after: position, timeout: timeout)
    }
    func append(_ appends: [StreamAppend]) async throws -> AppendResult { try await base.append(appends) }
    func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        try await base.withTransaction(body)
    }
    func loadProjection(named name: String) async throws -> ProjectionState? { try await base.loadProjection(named: name) }
    func saveProjection(_ state: ProjectionState) async throws { try await base.saveProjection(state) }
    func personalData(ref: String) async throws -> PersonalDataRecord? { try await base.personalData(ref: ref) }
    func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord] {
        try await base.personalDataRecords(after: ref, limit: limit)
    }
    func compact() async throws { try await base.compact() }
    func close() async { await base.close() }
}

/// A connection of its own in a read transaction, as another process's
/// reader would be: it holds its snapshot until released.
final class HeldReadTransaction {
    private var db: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK,
            sqlite3_exec(db, "BEGIN; SELECT count(*) FROM events;", nil, nil, nil) == SQLITE_OK
        else {
            sqlite3_close(db)
            throw SetupFailure("cannot hold a read transaction on \(path)")
        }
    }

    func release() {
        guard let db else { return }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
        sqlite3_close(db)
        self.db = nil
    }

    deinit { release() }
}

/// A test could not set up what it needs.
struct SetupFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A store whose compaction fails (as VACUUM does on a full disk); everything else is `base`'s.
struct CompactionFailingStore: EventStore {
    let base: InMemoryEventStore
    let failure: EventStoreError

    func readStream(_ stream: StreamID, fromVersion version: Int64, limit: Int) async throws -> [RecordedEvent] {
        try await base.readStream(stream, fromVersion: version, limit: limit)
    }
    func read(_ query: LogQuery) async throws -> [RecordedEvent] { try await base.read(query) }
    func scan<T: Sendable>(_ query: LogQuery, _ transform: @escaping @Sendable (EventView) throws -> T?) async throws -> [T] {
        try await base.scan(query, transform)
    }
    func head() async throws -> LogHead { try await base.head() }
    func event(id: UUID) async throws -> RecordedEvent? { try await base.event(id: id) }
    func verify(progress: (@Sendable (Int64, Int64) -> Void)?) async throws -> ChainVerification {
        try await base.verify(progress: progress)
    }
    func waitForCommit(after position: Int64, timeout: Duration) async throws -> Int64 {
        try await base.waitForCommit(after: position, timeout: timeout)
    }
    func append(_ appends: [StreamAppend]) async throws -> AppendResult { try await base.append(appends) }
    func withTransaction<T: Sendable>(
        _ body: @escaping @Sendable (inout any EventStoreTransaction) throws -> T
    ) async throws -> T {
        try await base.withTransaction(body)
    }
    func loadProjection(named name: String) async throws -> ProjectionState? { try await base.loadProjection(named: name) }
    func saveProjection(_ state: ProjectionState) async throws { try await base.saveProjection(state) }
    func personalData(ref: String) async throws -> PersonalDataRecord? { try await base.personalData(ref: ref) }
    func personalDataRecords(after ref: String?, limit: Int) async throws -> [PersonalDataRecord] {
        try await base.personalDataRecords(after: ref, limit: limit)
    }
    func compact() async throws { throw failure }
    func close() async { await base.close() }
}
