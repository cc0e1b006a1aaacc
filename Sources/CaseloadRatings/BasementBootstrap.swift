public import CaseloadCoding
public import CaseloadStatistics

/// How sure a rule's basement is (issue 16): the bottom of a ranking built
/// on a few dozen cases per therapist is partly noise, and delisting on
/// noise is the harm itself.
///
/// A bootstrap over cases: in each draw every therapist's cases (those that
/// add anything to the rules' widest window) are resampled with replacement,
/// as many as they have; statistics, platform averages and ratings are
/// recomputed from the draw (profile views stay as they are: they are not
/// cases), and each therapist's probability of landing in the basement is
/// the share of draws that put them there. Seeded with ``SplitMix64``, so the
/// same facts, rules, draws and seed give the same figures.
public enum BasementBootstrap {
    /// Draws unless asked otherwise: enough for a probability to ±0.035 (one
    /// standard error at 0.5).
    public static let defaultDraws = 200
    public static let defaultSeed: UInt64 = 1

    /// For each rule (in order), each therapist's probability of landing in
    /// its basement; an empty map for a rule without a basement. A therapist
    /// absent from a map was never in that basement.
    public static func probabilities(
        _ rules: [RatingRule], facts: MarketplaceFacts, asOf: Timestamp, draws: Int = defaultDraws,
        seed: UInt64 = defaultSeed
    ) -> [[String: Double]] {
        let delisting = rules.indices.filter { rules[$0].basement != nil }
        guard draws > 0, !delisting.isEmpty else { return rules.map { _ in [:] } }
        let delistingRules = delisting.map { rules[$0] }

        var windows: [StatisticsWindow] = []
        for rule in delistingRules { for window in rule.windows where !windows.contains(window) { windows.append(window) } }
        // The widest window decides which cases are evidence: all history if any window is.
        let widest: Int? = windows.contains { $0.days == nil } ? nil : windows.compactMap(\.days).max()
        let start = widest.map { asOf.adding(seconds: -Int64($0) * 86_400) }
        let evidence = facts.cases.filter { MarketplaceFacts.touches($0, after: start, upTo: asOf) }
        var byTherapist: [String: [Int]] = [:]
        for index in evidence.indices { byTherapist[evidence[index].therapistId, default: []].append(index) }
        // Sorted, so the draws do not depend on a dictionary's order.
        let groups = byTherapist.sorted { $0.key < $1.key }.map(\.value)
        // What each case adds to each window, once: a draw only sums.
        let medians = readsMedian(delistingRules)
        var byWindow: [StatisticsWindow: CaseByCaseStatistics] = [:]
        for window in windows {
            byWindow[window] = CaseByCaseStatistics(facts: facts, cases: evidence, window: window, asOf: asOf, medians: medians)
        }

        var generator = SplitMix64(seed: seed)
        var counts = delisting.map { _ in [String: Int]() }
        var drawn: [Int] = []
        drawn.reserveCapacity(evidence.count)
        for _ in 0..<draws {
            drawn.removeAll(keepingCapacity: true)
            for group in groups {
                for _ in group.indices { drawn.append(group[Int.random(in: 0..<group.count, using: &generator)]) }
            }
            let source = ResampledStatistics(byWindow: byWindow, draw: drawn)
            // The draw's own statistics cannot fail: the source never throws.
            guard let results = try? RatingEngine.rate(delistingRules, source: source, asOf: asOf) else { continue }
            for (slot, result) in results.enumerated() {
                for row in result.rows where row.basement { counts[slot][row.therapistId, default: 0] += 1 }
            }
        }
        var probabilities = rules.map { _ in [String: Double]() }
        for (slot, index) in delisting.enumerated() {
            probabilities[index] = counts[slot].mapValues { Double($0) / Double(draws) }
        }
        return probabilities
    }
}

extension BasementBootstrap {
    /// Whether any of `rules` reads the median first response (in a metric
    /// or a minimum sample): only then do draws compute medians.
    static func readsMedian(_ rules: [RatingRule]) -> Bool {
        rules.contains { rule in
            rule.metrics.contains { $0.statistic == .medianFirstResponseSeconds }
                || rule.minimumSample.contains { sample in
                    if case .statistic(.medianFirstResponseSeconds, _) = sample.subject { return true }
                    return false
                }
        }
    }
}

/// One bootstrap draw's statistics.
private struct ResampledStatistics: StatisticsSource {
    let byWindow: [StatisticsWindow: CaseByCaseStatistics]
    let draw: [Int]

    func snapshot(_ window: StatisticsWindow) throws -> StatisticsSnapshot {
        // Every window the rules ask for was prepared.
        byWindow[window]!.snapshot(of: draw)
    }
}

/// A basement's certainty, as ``RatingAnalysis`` reports it beside a rating.
public struct BasementOdds: Sendable, Hashable {
    public var draws: Int
    public var seed: UInt64
    /// In the basement, but in fewer than half the draws: there by chance.
    public var byChance: [String]
    /// In the basement in 95% of the draws or more: there with confidence.
    public var withConfidence: [String]

    public init(draws: Int, seed: UInt64, byChance: [String], withConfidence: [String]) {
        self.draws = draws
        self.seed = seed
        self.byChance = byChance
        self.withConfidence = withConfidence
    }
}

/// What a rating means for people, added to the ratings of one as-of date:
/// each therapist's clients in ongoing therapy and the basement's harm
/// (``OngoingTherapy``), and each therapist's P(basement) with the basement
/// split into "by chance" and "with confidence" (``BasementBootstrap``).
public struct RatingAnalysis: Sendable, Hashable {
    /// "A session held or booked within" this many days makes therapy ongoing.
    public var ongoingWithinDays: Int
    /// Bootstrap draws; 0 skips the bootstrap.
    public var draws: Int
    /// The draws one may ask for: each costs about one rating of the facts.
    public static let validDraws = 0...100_000
    public var seed: UInt64

    public init(
        ongoingWithinDays: Int = OngoingTherapy.defaultWithinDays, draws: Int = BasementBootstrap.defaultDraws,
        seed: UInt64 = BasementBootstrap.defaultSeed
    ) {
        self.ongoingWithinDays = ongoingWithinDays
        self.draws = draws
        self.seed = seed
    }

    /// Adds the analysis to `results`, ratings of `facts` as of `asOf`.
    public func apply(to results: inout [RatingResult], facts: MarketplaceFacts, asOf: Timestamp) {
        let census = OngoingTherapy.census(facts, asOf: asOf, withinDays: ongoingWithinDays)
        let probabilities = draws > 0
            ? BasementBootstrap.probabilities(results.map(\.rule), facts: facts, asOf: asOf, draws: draws, seed: seed)
            : results.map { _ in [:] }
        for index in results.indices {
            let hasBasement = results[index].rule.basement != nil
            var harm = OngoingCount()
            var byChance: [String] = []
            var withConfidence: [String] = []
            for row in results[index].rows.indices {
                let id = results[index].rows[row].therapistId
                let ongoing = census[id] ?? OngoingCount()
                results[index].rows[row].ongoing = ongoing
                if hasBasement, draws > 0 {
                    let p = probabilities[index][id] ?? 0
                    results[index].rows[row].pBasement = p
                    if results[index].rows[row].basement {
                        if p < 0.5 { byChance.append(id) }
                        if p >= 0.95 { withConfidence.append(id) }
                    }
                }
                if results[index].rows[row].basement { harm = harm + ongoing }
            }
            results[index].harm = BasementHarm(
                rule: results[index].rule.name, asOf: asOf, withinDays: ongoingWithinDays, hasBasement: hasBasement,
                therapists: results[index].rows.count(where: \.basement), clients: harm)
            if hasBasement, draws > 0 {
                results[index].basementOdds = BasementOdds(
                    draws: draws, seed: seed, byChance: byChance, withConfidence: withConfidence)
            }
        }
    }
}
