public import CaseloadCoding

/// One therapist's statistics over a window: the figures `caseload stats`
/// prints and rating rules read. The definitions are the contract (issue 4):
///
/// - a case *converted* when its first session was held or charged (a late
///   client cancellation or a no-show is charged);
/// - *counted* cases are those not excluded as of the time asked about;
/// - *refused* cases had a refusal filed; they stay converted.
///
/// The stored figures are tallies (and the median); every rate is computed
/// from them by its ``Metric/ratio``, so a rate is defined once. A rate
/// whose denominator is zero is `nil` (`null` in JSON).
public struct TherapistStatistics: Sendable, Hashable {
    public var therapistId: String
    public var profileViews: Int = 0
    public var inquiries: Int = 0
    public var excludedInquiries: Int = 0
    public var countedInquiries: Int = 0
    public var repliedInquiries: Int = 0
    public var medianFirstResponseSeconds: Double?
    /// Counted, converted cases.
    public var firstSessions: Int = 0
    public var refusals: Int = 0
    public var sessionsHeld: Int = 0
    public var lateCancellations: Int = 0
    public var earlyCancellations: Int = 0
    public var noShows: Int = 0
    /// Over converted, non-refused cases: those with a second charged session.
    public var clientsWithSecondSession: Int = 0
    /// Price of charged sessions, in minor units.
    public var sessionRevenue: Int64 = 0
    /// What the platform takes under its fee model, in minor units.
    public var platformFees: Int64 = 0

    // Denominators kept for estimators (Wilson bounds, shrinkage) and `explain`.
    /// Converted cases that were not refused: the denominator of returnRate and sessionsPerClient.
    public var retainedClients: Int = 0
    /// Charged sessions (held, late-cancelled, missed) of those cases.
    public var chargedSessionsOfRetainedClients: Int = 0
    /// Charged sessions in the window, of every case (an excluded chat has none: no booking while excluded).
    public var chargedSessions: Int = 0

    public init(therapistId: String) { self.therapistId = therapistId }

    /// firstSessions ÷ countedInquiries.
    public var conversionToFirstSession: Double? { value(.conversionToFirstSession) }
    /// clientsWithSecondSession ÷ retainedClients.
    public var returnRate: Double? { value(.returnRate) }
    /// chargedSessionsOfRetainedClients ÷ retainedClients.
    public var sessionsPerClient: Double? { value(.sessionsPerClient) }
    /// inquiries ÷ profileViews.
    public var profileEfficiency: Double? { value(.profileEfficiency) }
}

/// A named figure with, for a rate, its numerator and denominator.
public struct MetricValue: Sendable, Hashable {
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?

    public init(value: Double?, numerator: Double? = nil, denominator: Double? = nil) {
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
    }

    static func ratio(_ numerator: Double, _ denominator: Double) -> MetricValue {
        MetricValue(value: denominator == 0 ? nil : numerator / denominator, numerator: numerator, denominator: denominator)
    }
}

extension TherapistStatistics {
    /// The statistics' names as `--json` prints them, in order (after `therapistId`).
    public static let publishedNames: [String] = Metric.published.map(\.name)

    /// Every name a rating rule may use: the published ones and derived figures.
    public static let metricNames: [String] = Metric.allCases.map(\.name)
}

/// Which events a statistics computation honours, and over what time.
public struct StatisticsWindow: Sendable, Hashable {
    /// Only cases opened (and views made) in the last `days` days before `asOf`; nil = all history.
    public var days: Int?
    /// Leave excluded chats out of the counted inquiries.
    public var honourExclusions: Bool
    /// Keep refused cases out of retention (and never let them lower conversion).
    public var honourRefusals: Bool
    /// How the platform's fees are computed.
    public var feeModel: FeeModel

    public init(days: Int? = nil, honourExclusions: Bool = true, honourRefusals: Bool = true, feeModel: FeeModel = .platformDefault) {
        self.days = days
        self.honourExclusions = honourExclusions
        self.honourRefusals = honourRefusals
        self.feeModel = feeModel
    }

    /// The longest window, in days: from 0001-01-01 to 9999-12-31, the
    /// contract's whole range of times; a longer one holds all history too.
    public static let maximumDays = 3_652_059
    /// The window lengths a caller may ask for (`--days`, a rule's window).
    public static let validDays = 1...maximumDays

    /// Where the window starts as of `asOf`: it is (start, asOf], `days`
    /// whole days of 86,400 s; nil when it holds all history up to `asOf`.
    /// A length beyond ``maximumDays`` counts as ``maximumDays`` and the start
    /// saturates at the earliest Int64 time, so no window traps.
    public func start(asOf: Timestamp) -> Timestamp? {
        days.map { days in
            let clamped = Int64(Swift.min(Swift.max(days, 0), Self.maximumDays))
            return asOf.adding(seconds: -clamped * 86_400)
        }
    }
}

/// Every therapist's statistics for one window, with the platform's figures.
public struct StatisticsSnapshot: Sendable {
    public var window: StatisticsWindow
    /// Sorted by therapist id.
    public var therapists: [TherapistStatistics]
    /// The platform as one therapist: sums of counts; rates pooled over all cases.
    public var platform: TherapistStatistics
    /// The currency of every money figure; nil when no session was ever booked.
    public var currency: CurrencyCode?

    public init(
        window: StatisticsWindow, therapists: [TherapistStatistics], platform: TherapistStatistics,
        currency: CurrencyCode? = nil
    ) {
        self.window = window
        self.therapists = therapists
        self.platform = platform
        self.currency = currency
    }
}

/// How the platform charges therapists. Fee models are rules, not facts:
/// analysts compare them.
public enum FeeModel: Sendable, Hashable {
    /// For every new client the therapist owes the price of `sessionsOwed`
    /// sessions (of the first one's price), plus `commissionPercent` of each
    /// charged session: at 3,000 a session, 6,000 once, then 900 a session.
    case firstClientFee(sessionsOwed: Int, commissionPercent: Int)
    /// `percent` of each charged session.
    case flatCommission(percent: Int)

    /// The platform's default: two sessions' price per new client + 30%.
    public static let platformDefault = FeeModel.firstClientFee(sessionsOwed: 2, commissionPercent: 30)

    /// The commission on one session's price, rounded half up to a minor unit
    /// (saturating at the ends of Int64 for any price and percentage).
    func commission(on price: Int64) -> Int64 {
        let percent: Int64 = switch self {
        case .firstClientFee(_, let percent): Int64(percent)
        case .flatCommission(let percent): Int64(percent)
        }
        // (100q + r)·p/100 = q·p + r·p/100: exact for any price ≥ 0, and q·p
        // fits whenever the fee does (it overflows only past Int64.max).
        let (whole, rest) = price.quotientAndRemainder(dividingBy: 100)
        let wholeFee = whole.multipliedReportingOverflow(by: percent)
        let restFee = rest.multipliedReportingOverflow(by: percent)
        guard !wholeFee.overflow, !restFee.overflow else { return (price < 0) == (percent < 0) ? .max : .min }
        var fee = wholeFee.partialValue
        let restPart = restFee.partialValue
        fee.addSaturating(restPart / 100 + (restPart % 100 + 50) / 100)
        return fee
    }

    /// The one-off fee for a new client whose first session cost `price`
    /// (saturating at the ends of Int64).
    func newClientFee(firstSessionPrice price: Int64) -> Int64 {
        switch self {
        case .firstClientFee(let sessions, _):
            let fee = Int64(sessions).multipliedReportingOverflow(by: price)
            return fee.overflow ? ((sessions < 0) == (price < 0) ? .max : .min) : fee.partialValue
        case .flatCommission: return 0
        }
    }
}

extension Int64 {
    /// Adds `other`, stopping at `.max` or `.min` instead of trapping.
    mutating func addSaturating(_ other: Int64) {
        let sum = addingReportingOverflow(other)
        self = sum.overflow ? (other < 0 ? .min : .max) : sum.partialValue
    }
}

/// What the ratings engine asks of the statistics: a snapshot per window.
public protocol StatisticsSource: Sendable {
    func snapshot(_ window: StatisticsWindow) throws -> StatisticsSnapshot
}
