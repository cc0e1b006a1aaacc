public import CaseloadStatistics

/// A rating rule: how a marketplace turns therapists' statistics into a
/// score, a rank, a status tier and a "basement".
///
/// Rules are data — a JSON, TOML or YAML file an analyst writes without
/// recompiling (the format is documented in `EventSchemas/rating-rule.schema.json`
/// and read by ``parse(_:format:file:)``), or one of the built-ins
/// (``builtin(named:)``). The same statistics can be rated under many rules
/// and the results compared (``RatingComparison``).
public struct RatingRule: Sendable, Hashable {
    /// A short identifier: letters, digits, `.`, `_` and `-`.
    public var name: String
    /// What the rule rewards, and why (free text).
    public var description: String
    /// Where the rule comes from: a platform's documentation, an essay, a proposal.
    public var source: String
    /// Leave chats that support excluded out of the statistics.
    public var honourExclusions: Bool
    /// Keep refused cases out of retention and never let them lower conversion.
    public var honourRefusals: Bool
    /// The figures the score reads, sorted by name.
    public var metrics: [RatingMetric]
    /// The score; higher is better.
    public var score: ScoreExpression
    /// Every one must be met for a therapist to be ranked.
    public var minimumSample: [MinimumSample]
    /// From best to worst; a ranked therapist gets the first tier it qualifies for.
    public var tiers: [RatingTier]
    /// Where the basement starts, or nil for a rule that delists no one.
    public var basement: Basement?

    public init(
        name: String, description: String = "", source: String = "", honourExclusions: Bool = true,
        honourRefusals: Bool = true, metrics: [RatingMetric], score: ScoreExpression,
        minimumSample: [MinimumSample] = [], tiers: [RatingTier] = [], basement: Basement? = nil
    ) {
        self.name = name
        self.description = description
        self.source = source
        self.honourExclusions = honourExclusions
        self.honourRefusals = honourRefusals
        self.metrics = metrics.sorted { $0.name < $1.name }
        self.score = score
        self.minimumSample = minimumSample
        self.tiers = tiers
        self.basement = basement
    }

    /// The metric called `name`.
    public func metric(named name: String) -> RatingMetric? {
        metrics.first { $0.name == name }
    }

    /// The statistics window of a metric (or a minimum sample) over `days`:
    /// the rule's honour flags apply to every window it asks for.
    public func window(days: Int?) -> StatisticsWindow {
        StatisticsWindow(days: days, honourExclusions: honourExclusions, honourRefusals: honourRefusals)
    }

    /// The distinct windows the rule needs statistics for, in order of first
    /// use (metrics by name, then minimum samples): one snapshot each.
    public var windows: [StatisticsWindow] {
        var seen: [StatisticsWindow] = []
        func add(_ days: Int?) {
            let window = window(days: days)
            if !seen.contains(window) { seen.append(window) }
        }
        for metric in metrics { add(metric.windowDays) }
        for sample in minimumSample {
            if case .statistic(_, let days) = sample.subject { add(days) }
        }
        return seen
    }
}

/// A named figure a rule's score reads: a statistic over a window, estimated
/// one of three ways, optionally relative to the platform.
public struct RatingMetric: Sendable, Hashable {
    /// The name the score uses: `[A-Za-z_][A-Za-z0-9_]*`, not `platform`, `min` or `max`.
    public var name: String
    /// The statistic it reads; a rule file names it by ``Metric/name``.
    public var statistic: Metric
    /// Days before the as-of instant; nil means all history.
    public var windowDays: Int?
    public var estimator: Estimator
    /// Divide by the platform's figure for the same statistic and window (1 = platform average).
    public var relativeToPlatform: Bool

    public init(name: String, statistic: Metric, windowDays: Int? = nil, estimator: Estimator = .value, relativeToPlatform: Bool = false) {
        self.name = name
        self.statistic = statistic
        self.windowDays = windowDays
        self.estimator = estimator
        self.relativeToPlatform = relativeToPlatform
    }
}

/// How a metric turns a therapist's statistic into a figure.
public enum Estimator: Sendable, Hashable {
    /// The statistic as it is.
    case value
    /// The lower bound of the Wilson score interval for a proportion
    /// numerator ÷ denominator at `z` standard deviations (1.96 ≈ 95%):
    /// small samples count for what they prove, not what they show.
    case wilsonLower(z: Double)
    /// The rate shrunk toward the platform's:
    /// (numerator + k · platformRate) ÷ (denominator + k), where k is the
    /// prior weight — as if every therapist started with k platform-average cases.
    case shrunk(priorWeight: Double)

    /// The default z of `wilsonLower`.
    public static let defaultZ = 1.96
}

/// A sample size a therapist must reach to be ranked.
public struct MinimumSample: Sendable, Hashable {
    /// What is counted.
    public enum Subject: Sendable, Hashable {
        /// The sample behind a rule metric: its statistic's denominator in the
        /// metric's window (for a count, the count itself).
        case metric(String)
        /// A statistic's value over a window (nil days = all history).
        case statistic(Metric, windowDays: Int?)
    }

    public var subject: Subject
    public var atLeast: Double

    public init(_ subject: Subject, atLeast: Double) {
        self.subject = subject
        self.atLeast = atLeast
    }
}

/// A status tier (e.g. "top", "recommended") and who qualifies for it.
public struct RatingTier: Sendable, Hashable {
    /// Who qualifies.
    public enum Condition: Sendable, Hashable {
        /// A score of at least this.
        case minScore(Double)
        /// Among the best `percent` % of ranked therapists: rank ≤ ⌊N · percent / 100⌋
        /// (therapists tied at the boundary all qualify).
        case topPercent(Double)
        /// Every ranked therapist (only as the last tier).
        case everyone
    }

    public var name: String
    public var condition: Condition

    public init(name: String, _ condition: Condition) {
        self.name = name
        self.condition = condition
    }
}

/// Where a rule's basement starts: the ranked therapists it would delist.
public enum Basement: Sendable, Hashable {
    /// The worst `percent` % of ranked therapists: ⌊N · percent / 100⌋ of
    /// them, fewer when therapists with equal scores straddle the boundary
    /// (the basement never splits a tie by therapist id).
    case bottomPercent(Double)
    /// Ranked therapists with a score below this.
    case belowScore(Double)
}
