import EventStore
import EventStoreTesting
import Testing

@Suite struct InMemoryStoreContract {
    @Test("the in-memory store keeps the store contract", arguments: EventStoreContract.checks)
    func keepsTheContract(_ check: ContractCheck) async throws {
        try await check.run { clock in InMemoryEventStore(clock: clock.closure) }
    }

    @Test func verifyNamesTheFirstTamperedPosition() async throws {
        let store = InMemoryEventStore()
        for n in 1...5 {
            _ = try await store.append(to: try StreamID("s"), expected: .any, [sampleEvent(n)])
        }
        store.tamper(position: 3, payload: EventPayload(json: #"{"n":3,"note":"edited"}"#))
        let result = try await store.verify(progress: nil)
        #expect(result.firstBadPosition == 3)
        #expect(result.eventsChecked == 2)
    }
}
