import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadGenerator
import EventStore
import EventStoreTesting
import Testing

@Suite struct TheSameSeed {
    @Test func givesTheSameEventsTwiceIdsIncluded() async throws {
        let first = InMemoryEventStore()
        let second = InMemoryEventStore()
        _ = try await HistoryGenerator(parameters: small).generate(into: first)
        _ = try await HistoryGenerator(parameters: small).generate(into: second)
        let a = try await readAll(first).map(LoggedEvent.init)
        let b = try await readAll(second).map(LoggedEvent.init)
        #expect(a.count > 1_000, "a small history is still a real one")
        #expect(a == b)
    }

    @Test func anotherSeedGivesAnotherHistory() throws {
        var other = small
        other.seed = 43
        let a = try allEvents(small).events
        let b = try allEvents(other).events
        #expect(a.map(\.id) != b.map(\.id))
        #expect(a.map(\.event) != b.map(\.event))
        // Not merely other ids: other business times too.
        #expect(a.prefix(50).map(\.occurredAt) != b.prefix(50).map(\.occurredAt))
    }

    @Test func turningViewsOnAddsOnlyProfileViews() throws {
        var withoutViews = small
        withoutViews.profileViews = false
        let with = try allEvents(small).events
        let without = try allEvents(withoutViews).events
        #expect(with.contains { $0.event.type == .profileViewed })
        #expect(!without.contains { $0.event.type == .profileViewed })
        let withMinusViews = with.filter { $0.event.type != .profileViewed }
        #expect(withMinusViews.map(\.id) == without.map(\.id))
        #expect(withMinusViews.map(\.event) == without.map(\.event))
    }

    @Test func smallerTransactionsWriteTheSameLog() async throws {
        var chunked = small
        chunked.eventsPerTransaction = 250
        let whole = InMemoryEventStore()
        let pieces = InMemoryEventStore()
        let one = try await HistoryGenerator(parameters: small).generate(into: whole)
        let many = try await HistoryGenerator(parameters: chunked).generate(into: pieces)
        #expect(one.transactions == 1)
        #expect(many.transactions >= one.events / 250)
        #expect(try await readAll(whole).map(LoggedEvent.init) == readAll(pieces).map(LoggedEvent.init))
    }
}

@Suite struct TheGeneratedLog {
    @Test func isInBusinessTimeOrder() throws {
        let events = try allEvents(small).events
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.occurredAt <= $1.occurredAt })
        let span = small.start...small.end
        #expect(events.allSatisfy { span.contains($0.occurredAt) })
    }

    @Test func replaysUnderTheRulesThroughAFreshMarketplaceState() async throws {
        let store = InMemoryEventStore()
        let summary = try await HistoryGenerator(parameters: small).generate(into: store)
        let recorded = try await readAll(store)
        #expect(recorded.count == summary.events)

        // Judge every event in log order against the states of what came
        // before it, loading each stream the first time from what the replay
        // has seen so far — as import does against the log.
        var seen: [StreamName: [(CaseloadEvent, Timestamp)]] = [:]
        var state = MarketplaceState()
        for record in recorded {
            let event = try record.domainEvent()
            let actor = try record.domainActor()
            let input = DecodedInput(content: .event(event))
            try state.prepare(for: input) { seen[$0] ?? [] }
            try state.judge(event, occurredAt: record.metadata.occurredAt, actor: actor)
            state.apply(event, occurredAt: record.metadata.occurredAt)
            let stream = try #require(StreamName(parsing: record.stream.rawValue))
            seen[stream, default: []].append((event, record.metadata.occurredAt))
            #expect(state.version(of: stream) == record.streamVersion)
        }
    }

    @Test func reachesAnEmptyStoreOnly() async throws {
        let store = InMemoryEventStore()
        _ = try await HistoryGenerator(parameters: small).generate(into: store)
        await #expect {
            _ = try await HistoryGenerator(parameters: small).generate(into: store)
        } throws: { error in
            (error as? GeneratorError)?.code == .storeNotEmpty
        }
    }

    @Test func refusesParametersOutOfRange() {
        for parameters in [
            GeneratorParameters(therapists: 0, months: 3, seed: 1),
            GeneratorParameters(therapists: 5, months: 0, seed: 1),
            GeneratorParameters(therapists: 5, months: 3, seed: 1, start: Timestamp(secondsSinceEpoch: 1_704_067_201)),
            GeneratorParameters(therapists: 5, months: 3, seed: 1, currency: "uah"),
        ] {
            #expect(throws: GeneratorError.self) { try HistoryGenerator(parameters: parameters).events() }
        }
    }
}
