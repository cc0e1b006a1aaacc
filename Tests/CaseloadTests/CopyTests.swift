import Caseload
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreSQLite
import Foundation
import Testing

/// `copy`: the target's log is the source's, event for event and hash for
/// hash, with its vault; a rerun continues; a target that is not a prefix
/// of the source is refused.
@Suite struct LogCopying {
    /// A configuration for the file `name` in `scratch` (durability normal: test files are thrown away).
    static func file(_ scratch: borrowing ImportScratch, _ name: String) -> CaseloadConfiguration {
        var configuration = CaseloadConfiguration(store: .sqlite(path: scratch.directory.appendingPathComponent(name).path))
        configuration.durability = .normal
        return configuration
    }

    /// A generated history, then three clients who give their names (the
    /// generator seals none), the first of them later erased when `erase`.
    static func writeSource(_ configuration: CaseloadConfiguration) async throws {
        try await withMarketplace(configuration) { app in
            _ = try await app.generate(GeneratorParameters(therapists: 8, months: 3, seed: 7))
            try await app.execute(.joinTherapist(therapistId: "tx"), by: .support("s1"), at: at("2031-01-01T08:00:00Z"), commandID: commandID(1))
            for n in 1...3 {
                try await app.execute(
                    .openInquiry(caseId: "cx\(n)", clientId: "kx\(n)", therapistId: "tx", format: .individual, oneOff: false),
                    by: .client("kx\(n)"), at: at("2031-01-0\(n + 1)T09:00:00Z"), commandID: commandID(10 + n), clientName: "Name \(n)")
            }
        }
    }

    /// Every event, and every vault value with its key, of the log at `configuration`.
    static func contents(_ configuration: CaseloadConfiguration) async throws -> ([RecordedEvent], [PersonalDataRecord], LogHead) {
        guard case .sqlite(let path) = configuration.store else { throw ApplicationError(.invalidArgument, "a file") }
        let store = try SQLiteEventStore(path: path, configuration: configuration.sqliteConfiguration)
        var events: [RecordedEvent] = []
        for try await batch in store.batches(LogQuery(limit: 1000)) { events += batch }
        let vault = try await store.personalDataRecords(after: nil, limit: 1000)
        let head = try await store.head()
        await store.close()
        return (events, vault, head)
    }

    static func copy(
        _ source: CaseloadConfiguration, _ target: CaseloadConfiguration, _ request: LogCopyRequest = LogCopyRequest(batchSize: 100)
    ) async throws -> LogCopy {
        try await withMarketplace(.readingOnly(source.store)) { source in
            try await withMarketplace(target) { target in try await target.copy(from: source, request) }
        }
    }

    @Test func aCopyHoldsTheSameEventsAndVaultAndItsChainVerifies() async throws {
        let scratch = try ImportScratch()
        let (source, target) = (Self.file(scratch, "source.sqlite"), Self.file(scratch, "target.sqlite"))
        try await Self.writeSource(source)
        let (events, vault, head) = try await Self.contents(source)
        #expect(events.count > 300, "a history of several batches: \(events.count)")
        #expect(vault.count == 3)

        let copy = try await Self.copy(source, target)
        #expect(copy.eventsCopied == Int64(events.count))
        #expect(copy.batches == (events.count + 99) / 100)
        #expect(copy.targetHeadBefore == 0 && copy.copiedUpTo == head.position)
        #expect(copy.vaultRecordsCopied == 3 && copy.subjectsErased == 0)
        #expect(copy.verification.holds && copy.verification.eventsChecked == Int64(events.count))
        #expect(copy.verification.headHash == head.hash)

        let (copiedEvents, copiedVault, copiedHead) = try await Self.contents(target)
        #expect(copiedEvents == events, "positions, ids, versions, times, payloads and hashes as recorded")
        #expect(copiedVault == vault, "sealed values and keys as stored")
        #expect(copiedHead == head)
        // The copy is a working log: a name opens with the source's key, and the statistics agree.
        try await withMarketplace(target) { app in
            #expect(try await app.caseTimeline("cx2").entries[0].description.contains("client name: Name 2"))
            let statistics = try await app.statistics(StatisticsRequest())
            let original = try await withMarketplace(.reading(source.store)) { try await $0.statistics(StatisticsRequest()) }
            #expect(statistics.therapists == original.therapists)
        }
    }

    @Test func aRerunCopiesOnlyWhatIsMissing() async throws {
        let scratch = try ImportScratch()
        let (source, target) = (Self.file(scratch, "source.sqlite"), Self.file(scratch, "target.sqlite"))
        try await Self.writeSource(source)
        // An interrupted copy: whole batches up to some position.
        let partial = try await Self.copy(source, target, LogCopyRequest(batchSize: 100, upToPosition: 250))
        #expect(partial.eventsCopied == 250 && partial.batches == 3)
        #expect(try await Self.contents(target).2.position == 250)
        // The source goes on.
        _ = try await withMarketplace(source) { app in
            try await app.execute(
                .openInquiry(caseId: "cx9", clientId: "kx9", therapistId: "tx", format: .couple, oneOff: false),
                by: .client("kx9"), at: at("2031-02-01T09:00:00Z"), commandID: commandID(99), clientName: "Name 9")
        }
        let (events, vault, _) = try await Self.contents(source)
        let rest = try await Self.copy(source, target)
        #expect(rest.targetHeadBefore == 250)
        #expect(rest.eventsCopied == Int64(events.count) - 250)
        #expect(rest.vaultRecordsCopied == 1, "the three values copied with the first run are not written again")
        #expect(rest.verification.holds)
        let (copiedEvents, copiedVault, _) = try await Self.contents(target)
        #expect(copiedEvents == events)
        #expect(copiedVault == vault)

        let again = try await Self.copy(source, target)
        #expect(again.eventsCopied == 0 && again.batches == 0 && again.vaultRecordsCopied == 0)
        #expect(again.verification.holds && again.verification.eventsChecked == Int64(events.count))
    }

    @Test func aTargetThatDivergesIsRefusedNamingThePositionAndNothingIsWritten() async throws {
        let scratch = try ImportScratch()
        let (source, target) = (Self.file(scratch, "source.sqlite"), Self.file(scratch, "target.sqlite"))
        try await Self.writeSource(source)
        _ = try await Self.copy(source, target, LogCopyRequest(upToPosition: 120))
        // The target takes an event of its own at 121, where the source has another.
        _ = try await withMarketplace(target) { app in
            try await app.execute(.joinTherapist(therapistId: "t-own"), by: .support("s9"), at: at("2031-03-01T08:00:00Z"), commandID: commandID(500))
        }
        let (before, vaultBefore, headBefore) = try await Self.contents(target)
        #expect(headBefore.position == 121)
        let error = await #expect(throws: ApplicationError.self) { try await Self.copy(source, target) }
        #expect(error?.code == .logsDiverge)
        #expect(error?.position == 121)
        #expect(error?.message.contains("position 121") == true, "\(error?.message ?? "")")
        let (after, vaultAfter, headAfter) = try await Self.contents(target)
        #expect(after == before && vaultAfter == vaultBefore && headAfter == headBefore, "nothing written")

        // A target longer than the source is not a prefix of it either.
        let short = Self.file(scratch, "short.sqlite")
        let (events, _, _) = try await Self.contents(source)
        _ = try await Self.copy(source, short, LogCopyRequest(upToPosition: 50))
        let longer = try await #require(throws: ApplicationError.self) { try await Self.copy(short, source) }
        #expect(longer.code == .logsDiverge)
        #expect(try await Self.contents(source).0 == events)
    }

    @Test func anErasedClientStaysErasedOnTheTarget() async throws {
        let scratch = try ImportScratch()
        let (source, target) = (Self.file(scratch, "source.sqlite"), Self.file(scratch, "target.sqlite"))
        try await Self.writeSource(source)
        _ = try await Self.copy(source, target)
        #expect(try await Self.contents(target).1.map(\.subject).sorted() == ["kx1", "kx2", "kx3"])

        try await withMarketplace(source) { app in
            _ = try await app.eraseClient("kx1", by: .support("s1"), at: at("2031-04-01T00:00:00Z"))
        }
        let rerun = try await Self.copy(source, target)
        #expect(rerun.eventsCopied == 1, "the erasure's event")
        #expect(rerun.subjectsErased == 1)
        let (events, vault, _) = try await Self.contents(target)
        #expect(vault.map(\.subject).sorted() == ["kx2", "kx3"], "no value or key of kx1 left")
        #expect(events.last?.type == "ClientDataErased")
        try await withMarketplace(target) { (app) async throws in
            #expect(try await app.caseTimeline("cx1").entries[0].description.contains("client name: (erased)"))
            #expect(try await app.caseTimeline("cx3").entries[0].description.contains("client name: Name 3"))
        }
        // A fresh copy of the source never holds kx1's name.
        let fresh = Self.file(scratch, "fresh.sqlite")
        let copy = try await Self.copy(source, fresh)
        #expect(copy.vaultRecordsCopied == 2)
        #expect(try await Self.contents(fresh).1.map(\.subject).sorted() == ["kx2", "kx3"])
    }

    @Test func projectionsAreCopiedOnlyWhenAsked() async throws {
        let scratch = try ImportScratch()
        let (source, target) = (Self.file(scratch, "source.sqlite"), Self.file(scratch, "target.sqlite"))
        try await Self.writeSource(source)
        _ = try await withMarketplace(source) { try await $0.replay() }
        let plain = try await Self.copy(source, target)
        #expect(plain.projectionsCopied.isEmpty)
        let withProjections = Self.file(scratch, "with.sqlite")
        let copy = try await Self.copy(source, withProjections, LogCopyRequest(projections: true))
        #expect(copy.projectionsCopied == [StatisticsProjection.name])
        func saved(_ configuration: CaseloadConfiguration) async throws -> ProjectionState? {
            guard case .sqlite(let path) = configuration.store else { return nil }
            let store = try SQLiteEventStore(path: path, configuration: configuration.sqliteConfiguration)
            defer { Task { await store.close() } }
            return try await store.loadProjection(named: StatisticsProjection.name)
        }
        let original = try #require(try await saved(source))
        #expect(try await saved(withProjections) == original)
        #expect(try await saved(target) == nil)
    }

    @Test func theSameLogIsNotCopiedOntoItself() async throws {
        let scratch = try ImportScratch()
        let source = Self.file(scratch, "source.sqlite")
        try await Self.writeSource(source)
        var same = source
        same.store = .sqlite(path: scratch.directory.appendingPathComponent("./source.sqlite").path)
        let error = try await #require(throws: ApplicationError.self) { try await Self.copy(source, same) }
        #expect(error.code == .invalidArgument)
    }
}
