public import CaseloadCoding
public import CaseloadStatistics

/// One therapist's line in a rating.
public struct RatingRow: Sendable, Hashable {
    public var therapistId: String
    /// 1 is best; therapists with equal scores share a rank (1, 2, 2, 4).
    /// Nil when unranked.
    public var rank: Int?
    /// The score, whenever it is defined — also for a therapist left unranked
    /// by the minimum sample, so analysts can see what it would have been.
    public var score: Double?
    public var tier: String?
    /// Whether the rule's basement holds this therapist (never when unranked).
    public var basement: Bool
    /// Why the therapist is unranked; nil when ranked.
    public var reason: String?
    /// The therapist's value of every metric of the rule, in the rule's order.
    public var metrics: [MetricFigure]
    /// The share of bootstrap draws in which the rule put the therapist in
    /// its basement (``BasementBootstrap``); nil when not estimated or the
    /// rule has no basement.
    public var pBasement: Double?
    /// The therapist's clients in ongoing therapy as of the rating's date
    /// (``OngoingTherapy``); nil when not counted.
    public var ongoing: OngoingCount?

    public init(
        therapistId: String, rank: Int?, score: Double?, tier: String? = nil, basement: Bool = false,
        reason: String? = nil, metrics: [MetricFigure] = []
    ) {
        self.therapistId = therapistId
        self.rank = rank
        self.score = score
        self.tier = tier
        self.basement = basement
        self.reason = reason
        self.metrics = metrics
    }
}

/// A metric's value for one therapist (or the platform).
public struct MetricFigure: Sendable, Hashable {
    public var name: String
    public var value: Double?

    public init(name: String, value: Double?) {
        self.name = name
        self.value = value
    }
}

/// Every therapist rated under one rule: rows ordered by rank (ties by
/// therapist id), the unranked last (by id).
public struct RatingResult: Sendable {
    public var rule: RatingRule
    /// The instant the statistics describe, as the caller built the source for it.
    public var asOf: Timestamp?
    public var rows: [RatingRow]
    /// The platform's raw figure for each metric's statistic over its window.
    public var platform: [MetricFigure]
    /// The clients in ongoing therapy the basement would tell to leave; nil
    /// until counted (``RatingAnalysis``).
    public var harm: BasementHarm?
    /// How sure the basement is; nil until estimated (``RatingAnalysis``).
    public var basementOdds: BasementOdds?

    public init(rule: RatingRule, asOf: Timestamp?, rows: [RatingRow], platform: [MetricFigure]) {
        self.rule = rule
        self.asOf = asOf
        self.rows = rows
        self.platform = platform
    }

    /// How many therapists have a rank.
    public var rankedCount: Int { rows.count { $0.rank != nil } }

    /// The row of a therapist, if the rating has one.
    public func row(for therapistId: String) -> RatingRow? {
        rows.first { $0.therapistId == therapistId }
    }
}

/// A rating that could not be computed.
public struct RatingError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case statisticsUnavailable
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The statistics source failed to give a snapshot.
        public static let statisticsUnavailable = Code(.statisticsUnavailable)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The window asked for, when the source failed.
    public var window: StatisticsWindow?
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, window: StatisticsWindow? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.window = window
        self.underlying = underlying
    }

    public var description: String { message }
}

/// Rates therapists under rating rules.
///
/// The engine reads statistics only through a `StatisticsSource`, one
/// snapshot per distinct window (a window is days + the honour flags), so
/// rating under K rules costs K passes over snapshots the source built, and
/// rules sharing windows share snapshots.
public enum RatingEngine {
    /// Rates every therapist in the source under `rule`. `asOf` is recorded
    /// in the result: the source, not the engine, decides what it counts.
    public static func rate(_ rule: RatingRule, source: some StatisticsSource, asOf: Timestamp? = nil) throws -> RatingResult {
        try rate([rule], source: source, asOf: asOf)[0]
    }

    /// Rates under each rule, asking the source once per distinct window
    /// across all of them.
    public static func rate(_ rules: [RatingRule], source: some StatisticsSource, asOf: Timestamp? = nil) throws -> [RatingResult] {
        var snapshots: [StatisticsWindow: WindowFacts] = [:]
        for rule in rules {
            for window in rule.windows where snapshots[window] == nil {
                let snapshot: StatisticsSnapshot
                do {
                    snapshot = try source.snapshot(window)
                } catch {
                    throw RatingError(
                        .statisticsUnavailable, "statistics for \(describe(window)) are unavailable: \(error)",
                        window: window, underlying: error)
                }
                snapshots[window] = WindowFacts(snapshot)
            }
        }
        return rules.map { rate($0, snapshots: snapshots, asOf: asOf) }
    }

    /// One window's statistics, indexed by therapist.
    struct WindowFacts {
        var therapists: [String: TherapistStatistics]
        var platform: TherapistStatistics

        init(_ snapshot: StatisticsSnapshot) {
            therapists = Dictionary(snapshot.therapists.map { ($0.therapistId, $0) }, uniquingKeysWith: { first, _ in first })
            platform = snapshot.platform
        }

        /// A therapist absent from a window had no activity in it: zero counts, undefined rates.
        func statistics(of therapistId: String) -> TherapistStatistics {
            therapists[therapistId] ?? TherapistStatistics(therapistId: therapistId)
        }
    }

    static func rate(_ rule: RatingRule, snapshots: [StatisticsWindow: WindowFacts], asOf: Timestamp?) -> RatingResult {
        func facts(_ days: Int?) -> WindowFacts { snapshots[rule.window(days: days)]! }
        var ids = Set<String>()
        for window in rule.windows { ids.formUnion(snapshots[window]!.therapists.keys) }

        let platformFigures = rule.metrics.map { metric in
            MetricFigure(name: metric.name, value: facts(metric.windowDays).platform.value(metric.statistic))
        }
        let platformValues = Dictionary(uniqueKeysWithValues: platformFigures.map { ($0.name, $0.value) })

        var ranked: [(id: String, score: Double, figures: [MetricFigure])] = []
        var unranked: [RatingRow] = []
        for id in ids.sorted() {
            var values: [String: Double] = [:]
            var undefinedReasons: [String: String] = [:]
            var figures: [MetricFigure] = []
            for metric in rule.metrics {
                let window = facts(metric.windowDays)
                switch evaluate(metric, therapist: window.statistics(of: id), platform: window.platform) {
                case .success(let value):
                    values[metric.name] = value
                    figures.append(MetricFigure(name: metric.name, value: value))
                case .failure(let reason):
                    undefinedReasons[metric.name] = reason.text
                    figures.append(MetricFigure(name: metric.name, value: nil))
                }
            }
            let evaluation = rule.score.evaluateExplained(metric: { values[$0] }, platform: { platformValues[$0] ?? nil })
            var score: Double?
            var reason: String?
            switch evaluation {
            case .value(let value):
                score = value
            case .undefined(let cause):
                reason = "score undefined: " + describe(cause, rule: rule, reasons: undefinedReasons)
            }
            // The minimum sample is the first reason given: it is the rule's own choice.
            for sample in rule.minimumSample {
                if let shortfall = shortfall(sample, of: id, rule: rule, facts: facts) {
                    reason = "minimum sample not met: " + shortfall
                    break
                }
            }
            if let score, reason == nil {
                ranked.append((id, score, figures))
            } else {
                unranked.append(RatingRow(therapistId: id, rank: nil, score: score, reason: reason, metrics: figures))
            }
        }

        ranked.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        let count = ranked.count
        var rows: [RatingRow] = []
        rows.reserveCapacity(ids.count)
        var rank = 0
        for (position, entry) in ranked.enumerated() {
            // Competition ranking: equal scores share the rank of the first of them.
            if position == 0 || entry.score != ranked[position - 1].score { rank = position + 1 }
            let tier = rule.tiers.first { qualifies($0.condition, rank: rank, score: entry.score, count: count) }?.name
            let basement = rule.basement.map { inBasement($0, rank: rank, score: entry.score, count: count) } ?? false
            rows.append(RatingRow(
                therapistId: entry.id, rank: rank, score: entry.score, tier: tier, basement: basement, metrics: entry.figures))
        }
        rows.append(contentsOf: unranked)
        return RatingResult(rule: rule, asOf: asOf, rows: rows, platform: platformFigures)
    }

    /// How many of `count` ranked therapists a percentage covers, rounded down.
    static func share(_ percent: Double, of count: Int) -> Int {
        // The epsilon keeps 10% of 30 at 3 where 30 × 10 / 100 is a hair under.
        Int((Double(count) * percent / 100 + 1e-9).rounded(.down))
    }

    static func qualifies(_ condition: RatingTier.Condition, rank: Int, score: Double, count: Int) -> Bool {
        switch condition {
        case .minScore(let minimum): score >= minimum
        // Ties at the boundary all qualify: the rank is that of the first of them.
        case .topPercent(let percent): rank <= share(percent, of: count)
        case .everyone: true
        }
    }

    static func inBasement(_ basement: Basement, rank: Int, score: Double, count: Int) -> Bool {
        switch basement {
        case .belowScore(let threshold):
            return score < threshold
        case .bottomPercent(let percent):
            // Therapists scoring at most this one's score: count - rank + 1.
            // Ties at the boundary are all spared: no one is delisted by id order.
            return count - rank + 1 <= share(percent, of: count)
        }
    }

    // MARK: - Metrics

    struct Undefined: Error {
        var text: String
    }

    /// A metric's value for one therapist, or why it has none.
    static func evaluate(
        _ metric: RatingMetric, therapist: TherapistStatistics, platform: TherapistStatistics
    ) -> Result<Double, Undefined> {
        let window = describe(days: metric.windowDays)
        let figure = therapist.metric(metric.statistic)
        func undefinedFigure() -> Undefined {
            let why = figure.denominator == 0 ? "has a zero denominator" : "has no value"
            return Undefined(text: "\(metric.name) is undefined: \(metric.statistic) \(why) (\(window))")
        }
        let platformValue = platform.value(metric.statistic)
        let estimate: Double
        switch metric.estimator {
        case .value:
            guard let value = figure.value else { return .failure(undefinedFigure()) }
            estimate = value
        case .wilsonLower(let z):
            guard let successes = figure.numerator, let trials = figure.denominator, trials > 0 else {
                return .failure(undefinedFigure())
            }
            guard let bound = Estimator.wilsonLowerBound(successes: successes, trials: trials, z: z) else {
                return .failure(Undefined(
                    text: "\(metric.name) is undefined: \(metric.statistic) is \(format(successes)) of \(format(trials)), not a proportion (\(window))"))
            }
            estimate = bound
        case .shrunk(let weight):
            guard let numerator = figure.numerator, let denominator = figure.denominator else { return .failure(undefinedFigure()) }
            guard let platformValue else {
                return .failure(Undefined(text: "\(metric.name) is undefined: the platform's \(metric.statistic) is undefined (\(window))"))
            }
            guard let shrunk = Estimator.shrink(
                numerator: numerator, denominator: denominator, toward: platformValue, priorWeight: weight)
            else { return .failure(undefinedFigure()) }
            estimate = shrunk
        }
        if metric.relativeToPlatform {
            guard let platformValue, platformValue != 0 else {
                return .failure(Undefined(
                    text: "\(metric.name) is undefined: the platform's \(metric.statistic) is zero or undefined, so nothing is relative to it (\(window))"))
            }
            return .success(estimate / platformValue)
        }
        return .success(estimate)
    }

    /// Why a minimum sample is not met, or nil when it is.
    static func shortfall(
        _ sample: MinimumSample, of id: String, rule: RatingRule, facts: (Int?) -> WindowFacts
    ) -> String? {
        switch sample.subject {
        case .metric(let name):
            guard let metric = rule.metric(named: name) else { return "metric '\(name)' is not in the rule" }
            let figure = facts(metric.windowDays).statistics(of: id).metric(metric.statistic)
            let size = figure.denominator ?? figure.value ?? 0
            guard size < sample.atLeast else { return nil }
            let basis = figure.denominator != nil ? "the denominator of \(metric.statistic)" : metric.statistic.name
            return "\(name) rests on \(format(size)) (\(basis), \(describe(days: metric.windowDays))); the rule needs at least \(format(sample.atLeast))"
        case .statistic(let statistic, let days):
            let size = facts(days).statistics(of: id).value(statistic) ?? 0
            guard size < sample.atLeast else { return nil }
            return "\(statistic) is \(format(size)) (\(describe(days: days))); the rule needs at least \(format(sample.atLeast))"
        }
    }

    static func describe(_ cause: UndefinedCause, rule: RatingRule, reasons: [String: String]) -> String {
        switch cause {
        case .metric(let name):
            return reasons[name] ?? "\(name) is undefined"
        case .platform(let name):
            let statistic = rule.metric(named: name)?.statistic.name ?? name
            return "platform.\(name) is undefined: the platform's \(statistic) has a zero denominator"
        case .divisionByZero:
            return "the score divides by zero"
        case .notFinite:
            return "the score is not a finite number"
        }
    }

    static func describe(days: Int?) -> String {
        days.map { $0 == 1 ? "last day" : "last \($0) days" } ?? "all history"
    }

    static func describe(_ window: StatisticsWindow) -> String {
        var text = describe(days: window.days)
        text += window.honourExclusions ? ", exclusions honoured" : ", exclusions ignored"
        text += window.honourRefusals ? ", refusals honoured" : ", refusals ignored"
        return text
    }

    static func format(_ value: Double) -> String {
        ScoreExpression.format(value)
    }
}

extension Estimator {
    /// The lower bound of the Wilson score interval for `successes` of
    /// `trials` at `z`:
    /// (p̂ + z²/2n − z·√(p̂(1−p̂)/n + z²/4n²)) ÷ (1 + z²/n).
    /// Nil when there are no trials or `successes` is not within 0…trials.
    public static func wilsonLowerBound(successes: Double, trials: Double, z: Double) -> Double? {
        guard trials > 0, successes >= 0, successes <= trials else { return nil }
        let p = successes / trials
        let z2 = z * z
        let centre = p + z2 / (2 * trials)
        let spread = z * (p * (1 - p) / trials + z2 / (4 * trials * trials)).squareRoot()
        return (centre - spread) / (1 + z2 / trials)
    }

    /// A rate shrunk toward `prior`: (numerator + k · prior) ÷ (denominator + k).
    /// Nil when the denominator plus k is zero.
    public static func shrink(numerator: Double, denominator: Double, toward prior: Double, priorWeight k: Double) -> Double? {
        let weight = denominator + k
        guard weight != 0 else { return nil }
        return (numerator + k * prior) / weight
    }
}
