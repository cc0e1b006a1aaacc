public import CaseloadStatistics

/// Ratings of the same therapists under several rules, side by side: who
/// moves, who enters and who leaves the basement, and how far the rankings
/// agree (Kendall's tau-b).
///
/// The first rule is the reference: shifts and basement changes are measured
/// from it to each other rule.
public struct RatingComparison: Sendable {
    /// The ratings compared, in order.
    public var results: [RatingResult]
    /// A label per rating: the rule's name, with " (2)", " (3)" … when a name repeats.
    public var labels: [String]
    /// Every therapist rated under any rule: by rank under the first rule, then
    /// those it left unranked (or did not rate), by id.
    public var therapists: [TherapistComparison]
    /// From the first rule to each other rule, in order.
    public var basementChanges: [BasementChange]
    /// Between each pair of rules (i < j), in order.
    public var correlations: [RankCorrelation]

    public init(
        results: [RatingResult], labels: [String], therapists: [TherapistComparison], basementChanges: [BasementChange],
        correlations: [RankCorrelation]
    ) {
        self.results = results
        self.labels = labels
        self.therapists = therapists
        self.basementChanges = basementChanges
        self.correlations = correlations
    }

    /// Compares ratings of the same therapists (e.g. from one
    /// `RatingEngine.rate(rules, source:)` call).
    public static func compare(_ results: [RatingResult]) -> RatingComparison {
        var labels: [String] = []
        for result in results {
            var label = result.rule.name
            var copy = 2
            while labels.contains(label) {
                label = "\(result.rule.name) (\(copy))"
                copy += 1
            }
            labels.append(label)
        }

        let rowsByRule: [[String: RatingRow]] = results.map { result in
            Dictionary(result.rows.map { ($0.therapistId, $0) }, uniquingKeysWith: { first, _ in first })
        }
        var ids = Set<String>()
        for rows in rowsByRule { ids.formUnion(rows.keys) }

        var therapists: [TherapistComparison] = ids.map { id in
            let rows = rowsByRule.map { $0[id] }
            let ranks = rows.map { $0?.rank }
            return TherapistComparison(
                therapistId: id, ranks: ranks, scores: rows.map { $0?.score }, tiers: rows.map { $0?.tier },
                basement: rows.map { $0?.basement ?? false }, pBasement: rows.map { $0?.pBasement },
                ongoing: rows.lazy.compactMap { $0?.ongoing }.first)
        }
        therapists.sort { a, b in
            let ra = a.ranks.first.flatMap { $0 } ?? .max, rb = b.ranks.first.flatMap { $0 } ?? .max
            return ra != rb ? ra < rb : a.therapistId < b.therapistId
        }

        var changes: [BasementChange] = []
        for index in results.indices.dropFirst() {
            func byRank(_ rule: Int) -> (TherapistComparison, TherapistComparison) -> Bool {
                { a, b in
                    let ra = a.ranks[rule] ?? .max, rb = b.ranks[rule] ?? .max
                    return ra != rb ? ra < rb : a.therapistId < b.therapistId
                }
            }
            let entering = therapists.filter { $0.basement[index] && !$0.basement[0] }.sorted(by: byRank(index))
            let leaving = therapists.filter { $0.basement[0] && !$0.basement[index] }.sorted(by: byRank(0))
            let staying = therapists.filter { $0.basement[0] && $0.basement[index] }.sorted(by: byRank(0))
            changes.append(BasementChange(
                from: labels[0], to: labels[index], entering: entering.map(\.therapistId),
                leaving: leaving.map(\.therapistId), staying: staying.map(\.therapistId)))
        }

        var correlations: [RankCorrelation] = []
        for i in results.indices {
            for j in results.indices where j > i {
                var x: [Int] = [], y: [Int] = []
                for therapist in therapists {
                    if let a = therapist.ranks[i], let b = therapist.ranks[j] {
                        x.append(a)
                        y.append(b)
                    }
                }
                correlations.append(RankCorrelation(
                    first: labels[i], second: labels[j], therapists: x.count, tauB: KendallTau.tauB(x, y)))
            }
        }
        return RatingComparison(
            results: results, labels: labels, therapists: therapists, basementChanges: changes, correlations: correlations)
    }
}

/// One therapist across the compared rules (arrays in the order of the rules).
public struct TherapistComparison: Sendable, Hashable {
    public var therapistId: String
    /// Nil where the rule left the therapist unranked (or did not rate them).
    public var ranks: [Int?]
    public var scores: [Double?]
    public var tiers: [String?]
    public var basement: [Bool]
    /// P(basement) under each rule; nil where not estimated or the rule has no basement.
    public var pBasement: [Double?]
    /// The therapist's clients in ongoing therapy (the same under every rule); nil when not counted.
    public var ongoing: OngoingCount?

    public init(
        therapistId: String, ranks: [Int?], scores: [Double?], tiers: [String?], basement: [Bool], pBasement: [Double?] = [],
        ongoing: OngoingCount? = nil
    ) {
        self.therapistId = therapistId
        self.ranks = ranks
        self.scores = scores
        self.tiers = tiers
        self.basement = basement
        self.pBasement = pBasement.isEmpty ? ranks.map { _ in nil } : pBasement
        self.ongoing = ongoing
    }

    /// Places moved up from the first rule to rule `index` (rank under the
    /// first minus rank under it: positive is better); nil when unranked under either.
    public func shift(to index: Int) -> Int? {
        guard let from = ranks.first ?? nil, let to = ranks[index] else { return nil }
        return from - to
    }
}

/// Who enters and who leaves the basement going from the first rule to another.
public struct BasementChange: Sendable, Hashable {
    public var from: String
    public var to: String
    /// In the basement under `to` but not under `from`, by rank under `to`.
    public var entering: [String]
    /// In the basement under `from` but not under `to`, by rank under `from`.
    public var leaving: [String]
    /// In the basement under both, by rank under `from`.
    public var staying: [String]

    public init(from: String, to: String, entering: [String], leaving: [String], staying: [String]) {
        self.from = from
        self.to = to
        self.entering = entering
        self.leaving = leaving
        self.staying = staying
    }
}

/// How far two rankings agree, over the therapists ranked under both.
public struct RankCorrelation: Sendable, Hashable {
    public var first: String
    public var second: String
    /// Therapists ranked under both rules.
    public var therapists: Int
    /// Kendall's tau-b: 1 for the same order, −1 for the reverse; nil with
    /// fewer than two therapists or when one ranking ties everyone.
    public var tauB: Double?

    public init(first: String, second: String, therapists: Int, tauB: Double?) {
        self.first = first
        self.second = second
        self.therapists = therapists
        self.tauB = tauB
    }
}

/// Kendall's rank correlation.
public enum KendallTau {
    /// Tau-b of paired observations, which corrects for ties:
    /// (n_c − n_d) ÷ √((n₀ − n₁)(n₀ − n₂)), with n₀ = n(n−1)/2 pairs and n₁,
    /// n₂ the pairs tied in x and in y. Knight's O(n log n) algorithm: sort by
    /// (x, y), then count the inversions of y with a merge sort.
    ///
    /// Nil when the arrays differ in length, there are fewer than two pairs,
    /// or either side is all one value.
    public static func tauB<T: Comparable>(_ x: [T], _ y: [T]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        let n = x.count
        let pairs = zip(x, y).sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        func tiedPairs(_ run: Int) -> Int { run * (run - 1) / 2 }

        var tiedInX = 0, tiedInBoth = 0
        var start = 0
        while start < n {
            var end = start
            while end < n, pairs[end].0 == pairs[start].0 { end += 1 }
            tiedInX += tiedPairs(end - start)
            var inner = start
            while inner < end {
                var innerEnd = inner
                while innerEnd < end, pairs[innerEnd].1 == pairs[inner].1 { innerEnd += 1 }
                tiedInBoth += tiedPairs(innerEnd - inner)
                inner = innerEnd
            }
            start = end
        }

        var ys = pairs.map(\.1)
        let discordant = countInversions(&ys)
        var tiedInY = 0
        start = 0
        while start < n {
            var end = start
            while end < n, ys[end] == ys[start] { end += 1 }
            tiedInY += tiedPairs(end - start)
            start = end
        }

        let total = tiedPairs(n)
        let denominator = (Double(total - tiedInX) * Double(total - tiedInY)).squareRoot()
        guard denominator > 0 else { return nil }
        // Pairs tied in x come out sorted by y, so every inversion is a discordant pair.
        let concordantMinusDiscordant = total - tiedInX - tiedInY + tiedInBoth - 2 * discordant
        return Double(concordantMinusDiscordant) / denominator
    }

    /// Sorts `values` and returns how many pairs were out of order (strictly).
    static func countInversions<T: Comparable>(_ values: inout [T]) -> Int {
        guard values.count > 1 else { return 0 }
        var buffer = values
        var inversions = 0
        var width = 1
        // Bottom-up merge sort: no recursion, one scratch buffer.
        while width < values.count {
            var low = 0
            while low < values.count {
                let middle = min(low + width, values.count)
                let high = min(low + 2 * width, values.count)
                var i = low, j = middle, k = low
                while i < middle, j < high {
                    if values[j] < values[i] {
                        buffer[k] = values[j]
                        inversions += middle - i
                        j += 1
                    } else {
                        buffer[k] = values[i]
                        i += 1
                    }
                    k += 1
                }
                while i < middle { buffer[k] = values[i]; i += 1; k += 1 }
                while j < high { buffer[k] = values[j]; j += 1; k += 1 }
                low = high
            }
            swap(&values, &buffer)
            width *= 2
        }
        return inversions
    }
}
