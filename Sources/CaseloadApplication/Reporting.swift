public import Caseload
public import CaseloadCoding
import EventStore
import Logging

/// The date a report is about: `asOf` counts what had happened by then
/// (business time; default the latest event's), `knownAt` only what the log
/// had recorded by then ("what did we believe on that day").
public struct ReportTime: Sendable, Hashable {
    public var asOf: Timestamp?
    public var knownAt: Timestamp?

    public init(asOf: Timestamp? = nil, knownAt: Timestamp? = nil) {
        (self.asOf, self.knownAt) = (asOf, knownAt)
    }
}

/// Which statistics to compute.
public struct StatisticsRequest: Sendable, Hashable {
    public var time = ReportTime()
    /// Only this therapist (the platform's figures still cover everyone).
    public var therapist: String?
    /// Whether the platform's figures are wanted beside the therapists'.
    /// They sum every case, so a one-therapist read that does not show them
    /// (the service's, `--json`) reads only that therapist's cases without them.
    public var includePlatform = true
    /// The window: the last N days up to the as-of date (nil: all history).
    public var days: Int?
    /// The window lengths one may ask for: 1 day to the span of the
    /// contract's times (years 0001–9999); a longer one is clamped to it.
    public static let validDays: ClosedRange<Int> = StatisticsWindow.validDays
    /// Leave excluded chats out, and refused cases out of retention (the rules' defaults).
    public var honourExclusions = true
    public var honourRefusals = true

    public init(
        time: ReportTime = ReportTime(), therapist: String? = nil, days: Int? = nil, honourExclusions: Bool = true,
        honourRefusals: Bool = true, includePlatform: Bool = true
    ) {
        (self.time, self.therapist, self.days) = (time, therapist, days)
        (self.honourExclusions, self.honourRefusals) = (honourExclusions, honourRefusals)
        self.includePlatform = includePlatform
    }

    var window: StatisticsWindow {
        StatisticsWindow(days: days, honourExclusions: honourExclusions, honourRefusals: honourRefusals)
    }
}

/// Per-therapist statistics with the platform's beside them.
public struct StatisticsResult: Sendable {
    public var asOf: Timestamp
    public var window: StatisticsWindow
    /// Sorted by therapist id; only the one asked for, if one was.
    public var therapists: [TherapistStatistics]
    /// The platform as one therapist; nil unless the request included it.
    public var platform: TherapistStatistics?
}

/// Every therapist rated and ranked under one rule.
public struct RatingsResult: Sendable {
    public var rule: RatingRule
    public var asOf: Timestamp
    public var ratings: RatingResult
}

/// Rankings under several rules compared, the first rule the reference.
public struct ComparisonResult: Sendable {
    public var asOf: Timestamp
    /// The `knownAt` asked for, if any.
    public var knownAt: Timestamp?
    public var comparison: RatingComparison

    /// The comparison as one self-contained HTML page (``RatingReport``),
    /// whose `caseload explain` commands name `database` (as `--db` takes
    /// it). The CLI's `compare --html` and the service's `GET /v1/compare`
    /// both write it here, so the two pages are the same.
    public func html(database: String) -> String {
        RatingReport.html(comparison, explain: RatingReport.ExplainContext(database: database, knownAt: knownAt))
    }
}

/// Which figure of which therapist to take apart.
public struct ExplainRequest: Sendable, Hashable {
    public var therapist: String
    public var metric: Metric
    public var statistics: StatisticsRequest
    /// The window of ongoing therapy for the therapist's clients listed
    /// with the figure (a session held or booked in this many days).
    public var ongoingWithinDays: Int

    public init(
        therapist: String, metric: Metric, statistics: StatisticsRequest = StatisticsRequest(),
        ongoingWithinDays: Int = OngoingTherapy.defaultWithinDays
    ) {
        (self.therapist, self.metric, self.statistics) = (therapist, metric, statistics)
        self.ongoingWithinDays = ongoingWithinDays
    }
}

/// Every projection rebuilt from position 0.
public struct ReplayResult: Sendable, Hashable {
    /// The position the rebuilt facts reach.
    public var events: Int64
    public var cases: Int
    public var therapists: Int
    public var duration: Duration
}

extension Marketplace {
    /// The statistics projection with this configuration's replay knobs.
    var projection: StatisticsProjection {
        StatisticsProjection(store: store, tuning: configuration.replay)
    }

    /// The facts for `time` (caught up and saved, or as known at `knownAt`)
    /// and the instant to read them at.
    func facts(_ time: ReportTime, progress: StatisticsProjection.Progress?) async throws -> (MarketplaceFacts, Timestamp) {
        let facts: MarketplaceFacts
        if let knownAt = time.knownAt {
            facts = try await projection.facts(knownAt: knownAt, progress: progress)
        } else {
            let caught: CaughtUpFacts
            if let warmFacts { caught = try await warmFacts.current() } else { caught = try await projection.catchUp(progress: progress) }
            if let reason = caught.rebuiltBecause {
                logger.info("statistics rebuilt from the log", metadata: ["reason": "\(reason)"])
                configuration.notices?("statistics rebuilt from the log: \(reason)")
            }
            facts = caught.facts
        }
        return (facts, time.asOf ?? facts.latestOccurredAt)
    }

    /// Per-therapist statistics over `request`'s window. Asking for a
    /// therapist the log does not know throws ``ApplicationError`` (`therapistNotFound`).
    public func statistics(
        _ request: StatisticsRequest, progress: StatisticsProjection.Progress? = nil
    ) async throws -> StatisticsResult {
        if let days = request.days, days < 1 { throw ApplicationError(.invalidArgument, "a window is 1 day or more, not \(days)") }
        let (facts, asOf) = try await facts(request.time, progress: progress)
        let rows: [TherapistStatistics]
        var platform: TherapistStatistics?
        if let therapist = request.therapist, !request.includePlatform {
            rows = facts.row(of: therapist, request.window, asOf: asOf).map { [$0] } ?? []
        } else {
            let snapshot = facts.snapshot(request.window, asOf: asOf, therapist: request.therapist)
            (rows, platform) = (snapshot.therapists, request.includePlatform ? snapshot.platform : nil)
        }
        if let therapist = request.therapist {
            if rows.isEmpty { throw ApplicationError(.therapistNotFound, "no therapist '\(therapist)' in the log") }
        }
        return StatisticsResult(asOf: asOf, window: request.window, therapists: rows, platform: platform)
    }

    /// Every therapist rated and ranked under `rule`.
    ///
    /// `analysis` adds each therapist's clients in ongoing therapy, the
    /// basement's harm and P(basement) (issue 16).
    public func ratings(
        under rule: RatingRule, time: ReportTime = ReportTime(), analysis: RatingAnalysis = RatingAnalysis(),
        progress: StatisticsProjection.Progress? = nil
    ) async throws -> RatingsResult {
        try Self.validate(analysis)
        let (facts, asOf) = try await facts(time, progress: progress)
        var results = [try RatingEngine.rate(rule, source: FactsStatisticsSource(facts: facts, asOf: asOf), asOf: asOf)]
        analysis.apply(to: &results, facts: facts, asOf: asOf)
        return RatingsResult(rule: rule, asOf: asOf, ratings: results[0])
    }

    static func validate(_ analysis: RatingAnalysis) throws {
        try validate(ongoingWithinDays: analysis.ongoingWithinDays)
        guard RatingAnalysis.validDraws.contains(analysis.draws) else {
            throw ApplicationError(
                .invalidArgument, "draws are 0 to \(RatingAnalysis.validDraws.upperBound), not \(analysis.draws)")
        }
    }

    /// Ongoing therapy's window: 1 day to the span of the contract's times.
    static func validate(ongoingWithinDays days: Int) throws {
        guard StatisticsRequest.validDays.contains(days) else {
            throw ApplicationError(
                .invalidArgument,
                "ongoing therapy needs a window of 1 to \(StatisticsRequest.validDays.upperBound) days, not \(days)")
        }
    }

    /// Rankings under `rules` (two or more; the first is the reference) compared.
    public func compare(
        _ rules: [RatingRule], time: ReportTime = ReportTime(), analysis: RatingAnalysis = RatingAnalysis(),
        progress: StatisticsProjection.Progress? = nil
    ) async throws -> ComparisonResult {
        guard rules.count >= 2 else { throw ApplicationError(.invalidArgument, "give at least two rules to compare") }
        try Self.validate(analysis)
        let (facts, asOf) = try await facts(time, progress: progress)
        var results = try RatingEngine.rate(rules, source: FactsStatisticsSource(facts: facts, asOf: asOf), asOf: asOf)
        analysis.apply(to: &results, facts: facts, asOf: asOf)
        return ComparisonResult(asOf: asOf, knownAt: time.knownAt, comparison: RatingComparison.compare(results))
    }

    /// One figure of one therapist taken apart, case by case.
    public func explain(
        _ request: ExplainRequest, progress: StatisticsProjection.Progress? = nil
    ) async throws -> MetricExplanation {
        try Self.validate(ongoingWithinDays: request.ongoingWithinDays)
        let time = request.statistics.time
        let (facts, asOf) = try await facts(time, progress: progress)
        return try await Audit(store: store).explain(
            metric: request.metric, therapistId: request.therapist, window: request.statistics.window, asOf: asOf,
            facts: facts, knownAt: time.knownAt, ongoingWithinDays: request.ongoingWithinDays)
    }

    /// Rebuilds every projection from position 0.
    public func replay(progress: StatisticsProjection.Progress? = nil) async throws -> ReplayResult {
        let started = ContinuousClock.now
        let facts = try await projection.rebuild(progress: progress)
        let duration = ContinuousClock.now - started
        logger.info("replayed the log", metadata: ["events": "\(facts.checkpoint)"])
        return ReplayResult(
            events: facts.checkpoint, cases: facts.cases.count, therapists: facts.therapists.count, duration: duration)
    }
}
