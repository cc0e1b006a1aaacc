public import CaseloadCoding
import CaseloadDomain
public import CaseloadStatistics
import EventStore

/// How a figure is made from its parts: the statistics' own ``Metric/Kind``.
public typealias MetricKind = Metric.Kind

/// What one case adds to a figure, and why.
public struct CaseContribution: Sendable, Hashable {
    public var caseId: String
    public var clientId: String
    public var openedAt: Timestamp
    public var rematchedFrom: String?
    /// For a count or money: what the case adds to the value. For a median:
    /// the case's own value, nil when it is not among the values. nil for a rate.
    public var value: Double?
    /// For a rate: what the case adds to the numerator and to the denominator.
    public var numerator: Double?
    public var denominator: Double?
    /// Whether the case changes the figure at all.
    public var counts: Bool
    /// Why it counts as it does: "converted by a charged no-show on 2024-04-02",
    /// "excluded on 2024-03-10 by support:agent-7 (spam)".
    public var why: String
}

/// Profile views on one UTC day.
public struct ViewsOnDay: Sendable, Hashable {
    /// `2024-03-05`.
    public var day: String
    public var views: Int

    public init(day: String, views: Int) {
        self.day = day
        self.views = views
    }
}

/// A figure of one therapist's statistics, taken apart: its value, its
/// numerator and denominator, and every case (and, for profile views, every
/// day) with what it adds and why. The parts add up to the value: for a
/// count or money the contributions sum to it; for a rate the numerator
/// parts sum to the numerator and the denominator parts to the denominator;
/// for a median the value is the median of the cases' values.
public struct MetricExplanation: Sendable, Hashable {
    /// Where profile views go in a figure.
    public enum ViewsRole: String, Sendable, Hashable {
        case value, denominator
    }

    public var therapistId: String
    public var metric: Metric
    public var kind: MetricKind
    /// What the figure is, in one sentence.
    public var definition: String
    public var asOf: Timestamp
    public var window: StatisticsWindow
    /// The window is (windowStart, asOf]; nil for all history up to `asOf`.
    public var windowStart: Timestamp?
    /// Exactly what ``MarketplaceFacts/snapshot(_:asOf:)`` computes; nil for a rate with no denominator.
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    /// Every case of the therapist opened by `asOf`, in the order they opened
    /// (empty for profileViews, which no case changes).
    public var cases: [CaseContribution]
    /// Views per day in the window, for profileViews and profileEfficiency.
    public var viewsByDay: [ViewsOnDay]
    public var viewsRole: ViewsRole?
    /// The therapist's clients in ongoing therapy as of `asOf` (a session
    /// held or booked in the last ``ongoingWithinDays`` days): whom a
    /// platform delisting the therapist would tell to leave (issue 16).
    public var ongoingClients: [OngoingClient] = []
    public var ongoingWithinDays = OngoingTherapy.defaultWithinDays
}

/// Explains one therapist's figures for one window and as-of date.
///
/// Each case's contribution is computed by the statistics' own code: the
/// case's facts, as the fold left them, are put alone in a one-case
/// ``MarketplaceFacts`` (no events are made up to rebuild them) and run through
/// ``MarketplaceFacts/snapshot(_:asOf:)``. The snapshot sums per case, so
/// the parts add up to the whole by construction, and `explain` follows any
/// change to the definitions without a copy of them to keep in step. Only
/// the words ("before the window", "left out of retention") restate the
/// definitions; they are chosen from the numbers, never the other way round.
///
/// A `--rules` option will pass a rating rule's window here: the explainer
/// takes any ``StatisticsWindow`` (days, exclusions, refusals, fee model).
public struct StatisticsExplainer: Sendable {
    public let therapistId: String
    public let window: StatisticsWindow
    public let asOf: Timestamp
    /// The therapist's row of the full snapshot: the values explained.
    public let statistics: TherapistStatistics
    let cases: [ExplainedCase]
    let views: [ViewsOnDay]
    let windowStart: Timestamp?
    /// The therapist's clients in ongoing therapy as of `asOf`.
    public let ongoingClients: [OngoingClient]
    public let ongoingWithinDays: Int

    /// Every figure `explain` takes apart: the published ones and the
    /// derived ones rating rules use.
    public static let metricNames: [String] = TherapistStatistics.metricNames

    /// - Parameter records: the log's account of cases with exclusions or a
    ///   refusal, by case id (who, when, why); cases without one are
    ///   explained from the facts alone.
    public init(
        facts: MarketplaceFacts, therapistId: String, window: StatisticsWindow, asOf: Timestamp,
        records: [String: CaseRecord] = [:], ongoingWithinDays: Int = OngoingTherapy.defaultWithinDays
    ) throws {
        guard let row = facts.row(of: therapistId, window, asOf: asOf)
        else {
            throw AuditError(
                .therapistNotFound, "no therapist '\(therapistId)' in the statistics as of \(asOf)", subject: therapistId)
        }
        self.therapistId = therapistId
        self.window = window
        self.asOf = asOf
        self.statistics = row
        // The statistics' window, (start, asOf]: for words and the views per day.
        let start = window.start(asOf: asOf)
        windowStart = start
        var cases: [ExplainedCase] = []
        for caseFacts in facts.cases where caseFacts.therapistId == therapistId && caseFacts.openedAt <= asOf {
            cases.append(ExplainedCase(
                facts: caseFacts, currency: facts.currency, record: records[caseFacts.caseId], window: window,
                asOf: asOf, windowStart: start))
        }
        self.cases = cases
        var perDay: [String: Int] = [:]
        for time in facts.viewTimes(of: therapistId) where (start.map { time > $0 } ?? true) && time <= asOf {
            perDay[AuditText.day(time), default: 0] += 1
        }
        views = perDay.sorted { $0.key < $1.key }.map { ViewsOnDay(day: $0.key, views: $0.value) }
        self.ongoingWithinDays = ongoingWithinDays
        ongoingClients = OngoingTherapy.clients(of: therapistId, in: facts, asOf: asOf, withinDays: ongoingWithinDays)
    }

    /// The figure named `name` taken apart, as the `Metric` overload does, for a
    /// name read at the edge. Throws for an unknown name.
    public func explain(_ name: String) throws -> MetricExplanation {
        guard let metric = Metric(name: name) else {
            throw AuditError(
                .unknownMetric,
                "no statistic '\(name)'; choose one of \(Self.metricNames.joined(separator: ", "))", subject: name)
        }
        return try explain(metric)
    }

    /// `metric` taken apart. Throws (a defect, never expected) when the
    /// parts do not add up to what the snapshot computed.
    public func explain(_ metric: Metric) throws -> MetricExplanation {
        let figure = statistics.metric(metric)
        var explanation = MetricExplanation(
            therapistId: therapistId, metric: metric, kind: metric.kind, definition: metric.definition, asOf: asOf,
            window: window, windowStart: windowStart, value: figure.value, numerator: figure.numerator,
            denominator: figure.denominator, cases: [], viewsByDay: [], viewsRole: nil, ongoingClients: ongoingClients,
            ongoingWithinDays: ongoingWithinDays)
        // Views are the one tally no case holds: they come per day, as the value or the denominator.
        if metric.tally == .profileViews {
            explanation.viewsByDay = views
            explanation.viewsRole = .value
        } else {
            if metric.ratio?.denominator == .profileViews {
                explanation.viewsByDay = views
                explanation.viewsRole = .denominator
            }
            explanation.cases = cases.map { $0.contribution(metric) }
        }
        if metric.kind == .median { markMiddle(&explanation.cases) }
        try check(explanation)
        return explanation
    }

    /// Every figure taken apart, in ``Metric`` order.
    public func explainAll() throws -> [MetricExplanation] { try Metric.allCases.map { try explain($0) } }

    /// Says which cases hold the middle value(s) of a median.
    private func markMiddle(_ cases: inout [CaseContribution]) {
        let ranked = cases.indices.filter { cases[$0].value != nil }.sorted { cases[$0].value! < cases[$1].value! }
        guard !ranked.isEmpty else { return }
        let middle = ranked.count % 2 == 1 ? [ranked[ranked.count / 2]] : [ranked[ranked.count / 2 - 1], ranked[ranked.count / 2]]
        for index in middle {
            cases[index].why += ranked.count % 2 == 1 ? " — the middle value" : " — one of the two middle values"
        }
    }

    /// Throws unless the parts add up to the snapshot's figure.
    private func check(_ explanation: MetricExplanation) throws {
        func fail(_ what: String, _ parts: Double?, _ whole: Double?) -> AuditError {
            AuditError(
                .explanationIncomplete,
                "explain \(explanation.metric) of \(therapistId): the parts' \(what) is \(AuditText.number(parts)), the statistics say \(AuditText.number(whole))",
                subject: therapistId)
        }
        let views = Double(explanation.viewsByDay.reduce(0) { $0 + $1.views })
        switch explanation.kind {
        case .count, .money:
            let sum = explanation.cases.reduce(0) { $0 + ($1.value ?? 0) } + (explanation.viewsRole == .value ? views : 0)
            if sum != (explanation.value ?? 0) { throw fail("sum", sum, explanation.value) }
        case .rate:
            let numerator = explanation.cases.reduce(0) { $0 + ($1.numerator ?? 0) }
            let denominator = explanation.cases.reduce(0) { $0 + ($1.denominator ?? 0) }
                + (explanation.viewsRole == .denominator ? views : 0)
            if numerator != explanation.numerator { throw fail("numerator", numerator, explanation.numerator) }
            if denominator != explanation.denominator { throw fail("denominator", denominator, explanation.denominator) }
        case .median:
            let median = Self.median(explanation.cases.compactMap(\.value))
            if median != explanation.value { throw fail("median", median, explanation.value) }
        }
    }

    /// The median as the statistics take it: the middle value, or the mean of the two middle ones.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

extension Audit {
    /// `metric` of `therapistId` taken apart, for `caseload explain`.
    ///
    /// - Parameters:
    ///   - window: the statistics' window; a rating rule's, once `--rules` lands.
    ///   - asOf: default: the latest business time the facts have seen (as `caseload stats`).
    ///   - facts: the statistics' facts, usually ``StatisticsProjection/current(progress:)``.
    ///   - knownAt: when the facts were built as the log knew them at that
    ///     time; the log's details are then read as known at that time too.
    ///   - ongoingWithinDays: the window of ongoing therapy for the list of
    ///     the therapist's clients in it (as `ratings --ongoing-days`).
    public func explain(
        metric: Metric, therapistId: String, window: StatisticsWindow = StatisticsWindow(), asOf: Timestamp? = nil,
        facts: MarketplaceFacts, knownAt: Timestamp? = nil, ongoingWithinDays: Int = OngoingTherapy.defaultWithinDays
    ) async throws -> MetricExplanation {
        try await explainer(
            therapistId: therapistId, window: window, asOf: asOf, facts: facts, knownAt: knownAt,
            ongoingWithinDays: ongoingWithinDays
        ).explain(metric)
    }

    /// An explainer for every figure of one therapist, with the log's
    /// account (who, when, why) of each of its cases that has an exclusion or
    /// a refusal — read from those cases' streams only.
    public func explainer(
        therapistId: String, window: StatisticsWindow = StatisticsWindow(), asOf: Timestamp? = nil,
        facts: MarketplaceFacts, knownAt: Timestamp? = nil, ongoingWithinDays: Int = OngoingTherapy.defaultWithinDays
    ) async throws -> StatisticsExplainer {
        let asOf = asOf ?? facts.latestOccurredAt
        let eventful = facts.cases.filter {
            $0.therapistId == therapistId && $0.openedAt <= asOf && (!$0.exclusions.isEmpty || $0.refusedAt != nil)
        }
        var records: [String: CaseRecord] = [:]
        for (caseId, events) in try await readCaseStreams(eventful.map(\.caseId)) {
            // What the facts had folded: up to their checkpoint, or as known at `knownAt`.
            let known = events.filter { event in
                knownAt.map { event.metadata.recordedAt <= $0 } ?? (event.position <= facts.checkpoint)
            }
            records[caseId] = try CaseRecord(caseId: caseId, events: known)
        }
        return try StatisticsExplainer(
            facts: facts, therapistId: therapistId, window: window, asOf: asOf, records: records,
            ongoingWithinDays: ongoingWithinDays)
    }
}
