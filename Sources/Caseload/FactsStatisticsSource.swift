public import CaseloadCoding
public import CaseloadStatistics

/// Statistics read from already-built facts as of one instant: what a rating
/// rule asks for, one cheap pass over cases per distinct window.
public struct FactsStatisticsSource: StatisticsSource {
    public let facts: MarketplaceFacts
    public let asOf: Timestamp

    public init(facts: MarketplaceFacts, asOf: Timestamp) {
        self.facts = facts
        self.asOf = asOf
    }

    public func snapshot(_ window: StatisticsWindow) throws -> StatisticsSnapshot {
        facts.snapshot(window, asOf: asOf)
    }
}
