import Caseload
import CaseloadCoding
@testable import CaseloadGenerator
import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

@Suite struct TheJSONLinesOutput {
    @Test func importsThroughTheRulesIntoSQLiteWithTheSameEvents() async throws {
        let scratch = try Scratch()
        let path = scratch.path("history.jsonl")
        let written = try HistoryGenerator(parameters: small).writeJSONLines(to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == written.events)

        let store = try scratch.store()
        let imported = try await Importer.importFile(path, into: store)
        #expect(imported.appended == written.events)
        #expect(imported.skipped == 0)
        let verification = try await store.verify(progress: nil)
        #expect(verification.holds)
        #expect(verification.eventsChecked == Int64(written.events))

        // The same log as generating straight into a store: ids, streams,
        // versions, payloads, times, actors, causation.
        let direct = InMemoryEventStore()
        _ = try await HistoryGenerator(parameters: small).generate(into: direct)
        #expect(try await readAll(store).map(LoggedEvent.init) == readAll(direct).map(LoggedEvent.init))

        // A second import of the same file appends nothing: the ids are in the file.
        let again = try await Importer.importFile(path, into: store)
        #expect(again.appended == 0 && again.skipped == written.events)
        await store.close()
    }

    @Test func generatingIntoSQLiteGivesAVerifiedLogWithThePlannedPositions() async throws {
        let scratch = try Scratch()
        let store = try scratch.store()
        var parameters = small
        parameters.eventsPerTransaction = 1_000
        let summary = try await HistoryGenerator(parameters: parameters).generate(into: store)
        #expect(summary.firstPosition == 1)
        #expect(summary.lastPosition == Int64(summary.events))
        #expect(summary.transactions > 1)
        #expect(try await store.verify(progress: nil).holds)
        await store.close()
    }
}

@Suite struct TheSizeEstimate {
    @Test func isWithinAFifthOfTheActualCount() throws {
                // Histories of at least 30 therapists: with fewer, the luck of the
        // archetype draw alone moves the count by more than the estimate's error.
        for parameters in [
            medium, GeneratorParameters(therapists: 40, months: 24, seed: 5), GeneratorParameters(therapists: 300, months: 6, seed: 9),
        ] {
            let actual = try allEvents(parameters).summary.events
            let planned = HistoryGenerator(parameters: parameters).plannedEvents
            let error = abs(Double(planned - actual)) / Double(actual)
            #expect(error < 0.2, "planned \(planned), actual \(actual) for \(parameters.therapists)×\(parameters.months)")
        }
    }
}

@Suite struct ImportEnvelopes {
    @Test func writeIdsAsLowercaseCanonicalText() {
        let id = UUID(uuidString: "018CC340-EBC8-7146-876F-088C080D876C")!
        #expect(ImportEnvelope.text(id) == "018cc340-ebc8-7146-876f-088c080d876c")
    }
}
