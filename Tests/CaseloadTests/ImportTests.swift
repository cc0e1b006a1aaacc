import Caseload
import CaseloadCoding
import EventStore
import EventStoreSQLite
import Foundation
import Testing

struct ImportScratch: ~Copyable {
    let directory: URL
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ lines: [String]) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
    func store() throws -> SQLiteEventStore {
        var configuration = SQLiteEventStoreConfiguration()
        configuration.auditIndexing = .marketplace
        configuration.durability = .normal
        return try SQLiteEventStore(path: directory.appendingPathComponent("log.sqlite").path, configuration: configuration)
    }
    deinit { try? FileManager.default.removeItem(at: directory) }
}

/// A small, legal history: a therapist joins, sets a 48 h policy, a client
/// opens a case, books and cancels 30 h before the start.
let history: [String] = [
    #"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00Z","actor":"support:s1","data":{"therapistId":"t1"}}"#,
    #"{"type":"InquiryOpened","occurredAt":"2024-03-01T09:00:00Z","actor":"client:k1","data":{"caseId":"c1","clientId":"k1","clientName":"Olena","format":"individual","oneOff":false,"therapistId":"t1"}}"#,
    #"{"type":"CancellationPolicySet","occurredAt":"2024-03-01T10:00:00Z","actor":"therapist:t1","data":{"noticeHours":48,"therapistId":"t1"}}"#,
    #"{"type":"SessionBooked","occurredAt":"2024-03-02T09:00:00Z","actor":"client:k1","data":{"caseId":"c1","price":{"amount":300000,"currency":"UAH"},"scheduledStart":"2024-03-05T10:00:00Z","sessionId":"s1"}}"#,
    #"{"type":"SessionCancelled","occurredAt":"2024-03-04T04:00:00Z","actor":"client:k1","data":{"by":"client","caseId":"c1","sessionId":"s1"}}"#,
]

@Suite struct ImportingJSONLines {
    @Test func aLegalFileImportsInFileOrderWithCancellationTermsFilledIn() async throws {
        let scratch = try ImportScratch()
        let path = try scratch.write("history.jsonl", history)
        let store = try scratch.store()
        let summary = try await Importer.importFile(path, into: store)
        #expect(summary.appended == 5)
        #expect(summary.clientNamesStored == 1)
        #expect(summary.firstPosition == 1 && summary.lastPosition == 5)
        let events = try await store.read(LogQuery(limit: 10))
        #expect(events.map(\.type) == ["TherapistJoined", "InquiryOpened", "CancellationPolicySet", "SessionBooked", "SessionCancelled"])
        #expect(events.map(\.stream.rawValue) == ["therapist-t1", "case-c1", "therapist-t1", "case-c1", "case-c1"])
        #expect(events[4].payload.text == #"{"by":"client","caseId":"c1","late":true,"policyNoticeHours":48,"sessionId":"s1"}"#)
        #expect(!events[1].payload.text.contains("Olena"), "personal data never reaches the log")
        #expect(events[1].payload.text.contains("clientNameRef"))
        await store.close()
    }

    @Test func aFileWithOneBadLineIsRejectedWholeNamingTheLine() async throws {
        let scratch = try ImportScratch()
        var lines = history
        // Line 4 books on a case that was never opened.
        lines[3] = lines[3].replacingOccurrences(of: #""caseId":"c1""#, with: #""caseId":"c9""#)
        let path = try scratch.write("bad.jsonl", lines)
        let store = try scratch.store()
        await #expect {
            _ = try await Importer.importFile(path, into: store)
        } throws: { error in
            guard let error = error as? ImportError else { return false }
            return error.line == 4 && error.message.contains("c9")
        }
        #expect(try await store.head().position == 0, "nothing stored")
        await store.close()
    }

    @Test func malformedLinesNameTheLineAndTheField() async throws {
        let scratch = try ImportScratch()
        let cases: [(String, String)] = [
            (#"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00","actor":"support:s1","data":{"therapistId":"t1"}}"#, "occurredAt"),
            (#"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00Z","actor":"support","data":{"therapistId":"t1"}}"#, "actor"),
            (#"{"type":"TherapistLeft","occurredAt":"2024-03-01T08:00:00Z","actor":"support:s1","data":{"therapistId":"t1"}}"#, "TherapistLeft"),
            (#"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00Z","actor":"support:s1","data":{"therapistID":"t1"}}"#, "therapistID"),
            (#"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00Z","actor":"client:k1","data":{"therapistId":"t1"}}"#, "client:k1"),
            (#"not json"#, "byte"),
        ]
        for (line, mention) in cases {
            let path = try scratch.write("one.jsonl", [history[0], line])
            let store = try scratch.store()
            do {
                _ = try await Importer.importFile(path, into: store)
                Issue.record("accepted: \(line)")
            } catch let error as ImportError {
                #expect(error.line == 2, "\(error)")
                #expect(error.description.contains(mention), "\(error) should mention \(mention)")
            }
            #expect(try await store.head().position == 0)
            await store.close()
        }
    }

    @Test func aRetriedImportAppendsNothingTwice() async throws {
        let scratch = try ImportScratch()
        let withIDs = history.enumerated().map { index, line in
            line.replacingOccurrences(of: #"{"type""#, with: #"{"eventId":"00000000-0000-4000-8000-00000000000\#(index + 1)","type""#)
        }
        let store = try scratch.store()
        let first = try await Importer.importFile(try scratch.write("a.jsonl", withIDs), into: store)
        #expect(first.appended == 5)
        let again = try await Importer.importFile(try scratch.write("a.jsonl", withIDs), into: store)
        #expect(again.appended == 0 && again.skipped == 5)
        #expect(try await store.head().position == 5)
        await store.close()
    }

    /// Ids mostly rise (v7 ids in time order) but not always (the same
    /// millisecond): a repeat names the earlier line either way.
    @Test(arguments: [(repeatOf: 1, ids: [5, 3, 9, 5]), (repeatOf: 2, ids: [5, 3, 9, 3]), (repeatOf: 3, ids: [5, 3, 9, 9])])
    func aRepeatedEventIdNamesTheEarlierLine(repeatOf: Int, ids: [Int]) async throws {
        let scratch = try ImportScratch()
        let lines = history.prefix(4).enumerated().map { index, line in
            line.replacingOccurrences(of: #"{"type""#, with: #"{"eventId":"00000000-0000-4000-8000-00000000000\#(ids[index])","type""#)
        }
        let store = try scratch.store()
        let error = await #expect(throws: ImportError.self) {
            _ = try await Importer.importFile(try scratch.write("r.jsonl", Array(lines)), into: store)
        }
        #expect(error?.line == 4)
        #expect(error?.message.contains("already used on line \(repeatOf)") == true, "\(String(describing: error))")
        #expect(try await store.head().position == 0)
        await store.close()
    }

    /// Lines whose ids sort below the log's greatest are looked up (and
    /// skipped only if there); ids above it cannot be in the log.
    @Test func idsBelowTheLogsGreatestAreLookedUpAndNewOnesStillAppend() async throws {
        let scratch = try ImportScratch()
        func withID(_ line: String, _ id: Int) -> String {
            line.replacingOccurrences(of: #"{"type""#, with: #"{"eventId":"00000000-0000-4000-8000-0000000000\#(id)","type""#)
        }
        let store = try scratch.store()
        // The log holds ids 20 and 40.
        _ = try await Importer.importFile(try scratch.write("a.jsonl", [withID(history[0], 20), withID(history[1], 40)]), into: store)
        // 20 is in the log (skipped); 30 sorts below 40 but is new; 50 is above.
        let summary = try await Importer.importFile(
            try scratch.write("b.jsonl", [withID(history[0], 20), withID(history[2], 30), withID(history[3], 50)]), into: store)
        #expect(summary.skipped == 1 && summary.appended == 2)
        #expect(try await store.read(LogQuery(limit: 10)).map(\.type) == ["TherapistJoined", "InquiryOpened", "CancellationPolicySet", "SessionBooked"])
        await store.close()
    }

    @Test func reimportingTheSameFileWithoutEventIdsIsAlsoANoOp() async throws {
        let scratch = try ImportScratch()
        let store = try scratch.store()
        let path = try scratch.write("h.jsonl", history)
        _ = try await Importer.importFile(path, into: store)
        let again = try await Importer.importFile(path, into: store)
        #expect(again.appended == 0 && again.skipped == 5)
        #expect(try await store.head().position == 5)
        await store.close()
    }
}
