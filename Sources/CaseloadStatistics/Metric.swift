/// A figure of ``TherapistStatistics``: the one place that says what each
/// figure is called where it is published (JSON keys, CSV columns, rule
/// files, `caseload explain --metric`), what kind of figure it is, and — for
/// a rate — which tallies make its numerator and denominator and whether it
/// is a proportion. Statistics, reports, rating rules and `explain` all read
/// these definitions, so a rate is defined once.
///
/// The case order is the published order: the first ``published`` figures
/// are the columns of `caseload stats`, the rest are derived figures that
/// rating rules and `explain` may also use. The raw value is the published
/// name and is part of the contract (`EventSchemas/rating-rule.schema.json`).
public enum Metric: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case profileViews, inquiries, excludedInquiries, countedInquiries, repliedInquiries
    case medianFirstResponseSeconds, firstSessions, conversionToFirstSession, refusals, sessionsHeld
    case lateCancellations, earlyCancellations, noShows, clientsWithSecondSession, returnRate
    case sessionsPerClient, sessionRevenue, platformFees, profileEfficiency
    // Derived figures: not columns of `caseload stats`, but rules and explain read them.
    case retainedClients, chargedSessions, platformFeesPerChargedSession, platformFeesPerCountedInquiry

    /// How a figure is made from its parts.
    public enum Kind: String, Sendable, Hashable {
        /// A number of things: the cases' (or days') contributions sum to the value.
        case count
        /// Minor units of the facts' one currency: the cases' contributions sum to the value.
        case money
        /// numerator ÷ denominator, each a tally summed case by case; nil when the denominator is zero.
        case rate
        /// The median of the cases' own durations, in seconds.
        case median
    }

    /// The two tallies a rate divides, and whether the quotient is a proportion.
    public struct Ratio: Sendable, Hashable {
        public var numerator: Tally
        public var denominator: Tally
        /// A part of a whole (each unit of the numerator is one of the
        /// denominator's), so a Wilson interval means something; sessions per
        /// client or fees per session are rates but not proportions.
        public var isProportion: Bool
    }

    /// The name JSON, CSV, rule files and `explain` use.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The figure published as `name`, or nil.
    public init?(name: String) { self.init(rawValue: name) }

    /// The figures `caseload stats` publishes, in column order (after `therapistId`).
    public static let published: [Metric] = Array(allCases.prefix(while: { $0 != .retainedClients }))

    /// For a rate, what it divides; nil for any other kind.
    public var ratio: Ratio? {
        switch self {
        case .conversionToFirstSession: Ratio(numerator: .firstSessions, denominator: .countedInquiries, isProportion: true)
        case .returnRate: Ratio(numerator: .clientsWithSecondSession, denominator: .retainedClients, isProportion: true)
        case .sessionsPerClient:
            Ratio(numerator: .chargedSessionsOfRetainedClients, denominator: .retainedClients, isProportion: false)
        case .profileEfficiency: Ratio(numerator: .inquiries, denominator: .profileViews, isProportion: true)
        case .platformFeesPerChargedSession: Ratio(numerator: .platformFees, denominator: .chargedSessions, isProportion: false)
        case .platformFeesPerCountedInquiry: Ratio(numerator: .platformFees, denominator: .countedInquiries, isProportion: false)
        default: nil
        }
    }

    /// Whether the figure is a proportion (a part of a whole).
    public var isProportion: Bool { ratio?.isProportion ?? false }

    /// For a count or money, the tally it is; nil for a rate or a median.
    public var tally: Tally? {
        switch self {
        case .profileViews: .profileViews
        case .inquiries: .inquiries
        case .excludedInquiries: .excludedInquiries
        case .countedInquiries: .countedInquiries
        case .repliedInquiries: .repliedInquiries
        case .firstSessions: .firstSessions
        case .refusals: .refusals
        case .sessionsHeld: .sessionsHeld
        case .lateCancellations: .lateCancellations
        case .earlyCancellations: .earlyCancellations
        case .noShows: .noShows
        case .clientsWithSecondSession: .clientsWithSecondSession
        case .sessionRevenue: .sessionRevenue
        case .platformFees: .platformFees
        case .retainedClients: .retainedClients
        case .chargedSessions: .chargedSessions
        case .medianFirstResponseSeconds, .conversionToFirstSession, .returnRate, .sessionsPerClient, .profileEfficiency,
             .platformFeesPerChargedSession, .platformFeesPerCountedInquiry:
            nil
        }
    }

    /// What kind of figure it is.
    public var kind: Kind {
        if ratio != nil { return .rate }
        if self == .medianFirstResponseSeconds { return .median }
        return tally?.isMoney == true ? .money : .count
    }

    /// What the figure is, in one sentence (`caseload explain` prints it).
    public var definition: String {
        switch self {
        case .profileViews: "profile views in the window"
        case .inquiries: "cases opened in the window"
        case .excludedInquiries: "cases opened in the window whose chat is excluded as of the as-of date"
        case .countedInquiries: "cases opened in the window and not excluded: inquiries − excluded"
        case .repliedInquiries: "counted cases the therapist replied to by the as-of date"
        case .medianFirstResponseSeconds: "the median time to the first reply, in seconds, over replied counted cases"
        case .firstSessions: "counted cases whose first session was held or charged by the as-of date"
        case .conversionToFirstSession: "first sessions ÷ counted inquiries"
        case .refusals: "counted cases the therapist refused after the first session"
        case .sessionsHeld: "sessions held in the window (any case)"
        case .lateCancellations: "late client cancellations in the window: charged, count as held"
        case .earlyCancellations: "cancellations without charge in the window"
        case .noShows: "missed sessions in the window: charged, count as held"
        case .clientsWithSecondSession: "clients seen in the window with two charged sessions by the as-of date"
        case .returnRate: "clients with a second session ÷ clients seen in the window (refused and excluded cases left out)"
        case .sessionsPerClient:
            "their charged sessions in the window ÷ clients seen in the window (refused and excluded cases left out)"
        case .sessionRevenue: "the price of sessions charged in the window, in minor units"
        case .platformFees: "the platform's fees on sessions charged in the window under the fee model, in minor units"
        case .profileEfficiency: "inquiries ÷ profile views"
        case .retainedClients:
            "clients seen in the window: converted cases with a charged session in it, not refused or excluded"
        case .chargedSessions: "sessions charged in the window: held, late-cancelled or missed"
        case .platformFeesPerChargedSession: "platform fees ÷ charged sessions"
        case .platformFeesPerCountedInquiry: "platform fees ÷ counted inquiries"
        }
    }
}

/// A whole number the statistics sum case by case (and day by day, for
/// views): the stored figures of ``TherapistStatistics`` that counts and
/// money are, and that rates divide. `chargedSessionsOfRetainedClients` is
/// a tally without a published figure of its own: only `sessionsPerClient`
/// divides it.
public enum Tally: Sendable, Hashable, CaseIterable {
    case profileViews, inquiries, excludedInquiries, countedInquiries, repliedInquiries, firstSessions, refusals
    case sessionsHeld, lateCancellations, earlyCancellations, noShows, clientsWithSecondSession
    case retainedClients, chargedSessionsOfRetainedClients, chargedSessions, sessionRevenue, platformFees

    /// Minor units rather than a number of things.
    public var isMoney: Bool { self == .sessionRevenue || self == .platformFees }
}

extension TherapistStatistics {
    /// The stored value of `tally`.
    public subscript(tally: Tally) -> Int64 {
        switch tally {
        case .profileViews: Int64(profileViews)
        case .inquiries: Int64(inquiries)
        case .excludedInquiries: Int64(excludedInquiries)
        case .countedInquiries: Int64(countedInquiries)
        case .repliedInquiries: Int64(repliedInquiries)
        case .firstSessions: Int64(firstSessions)
        case .refusals: Int64(refusals)
        case .sessionsHeld: Int64(sessionsHeld)
        case .lateCancellations: Int64(lateCancellations)
        case .earlyCancellations: Int64(earlyCancellations)
        case .noShows: Int64(noShows)
        case .clientsWithSecondSession: Int64(clientsWithSecondSession)
        case .retainedClients: Int64(retainedClients)
        case .chargedSessionsOfRetainedClients: Int64(chargedSessionsOfRetainedClients)
        case .chargedSessions: Int64(chargedSessions)
        case .sessionRevenue: sessionRevenue
        case .platformFees: platformFees
        }
    }

    /// `metric` with, for a rate, its numerator and denominator — computed
    /// from the tallies by the metric's own ``Metric/ratio``.
    public func metric(_ metric: Metric) -> MetricValue {
        if let ratio = metric.ratio {
            return .ratio(Double(self[ratio.numerator]), Double(self[ratio.denominator]))
        }
        if let tally = metric.tally { return MetricValue(value: Double(self[tally])) }
        return MetricValue(value: medianFirstResponseSeconds)
    }

    /// The figure published as `name`, or nil if there is no such figure:
    /// for names read at the edge (the command line).
    public func metric(_ name: String) -> MetricValue? { Metric(name: name).map { metric($0) } }

    /// The value of `metric`; nil for a rate with a zero denominator or a median of nothing.
    public func value(_ metric: Metric) -> Double? { self.metric(metric).value }
}
