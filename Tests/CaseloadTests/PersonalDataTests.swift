import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
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
        #expect(erased.type == "ClientDataErased")
        #expect(erased.stream.rawValue == "client-k1")
        #expect(erased.payload.text == #"{"clientId":"k1","fields":["clientName"],"records":1}"#)
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
