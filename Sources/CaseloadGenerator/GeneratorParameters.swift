public import CaseloadCoding

/// What history to generate: how many therapists, over how long, from which
/// seed. Everything else (who the therapists are, what their clients do)
/// follows from the seed and the published figures in `Figures.swift`.
public struct GeneratorParameters: Sendable, Hashable {
    /// Therapists on the platform; they join during the first months.
    public var therapists: Int
    /// Calendar months from ``start``.
    public var months: Int
    /// The same seed gives the same events (all but `recordedAt`).
    public var seed: UInt64
    /// Also generate profile views (many times the inquiries: they then make
    /// most of the events).
    public var profileViews: Bool
    /// The platform's launch: the first therapist joins then. Midnight UTC.
    public var start: Timestamp
    /// Events per store transaction in ``HistoryGenerator/generate(into:progress:)``.
    /// A run commits chunk by chunk rather than in one transaction, so a 10M-event
    /// run holds neither a giant transaction nor the whole history in memory; a
    /// chunk is cut only between events that must be appended together.
    public var eventsPerTransaction: Int
    /// The currency of prices (amounts are in its minor units).
    public var currency: String

    /// 2024-01-01T00:00:00Z.
    public static let defaultStart = Timestamp(secondsSinceEpoch: 1_704_067_200)

    public init(
        therapists: Int, months: Int, seed: UInt64, profileViews: Bool = false, start: Timestamp = defaultStart,
        eventsPerTransaction: Int = 100_000, currency: String = "UAH"
    ) {
        self.therapists = therapists
        self.months = months
        self.seed = seed
        self.profileViews = profileViews
        self.start = start
        self.eventsPerTransaction = eventsPerTransaction
        self.currency = currency
    }

    /// Throws unless the parameters describe a history the generator can make.
    public func validate() throws(GeneratorError) {
        guard (1...1_000_000).contains(therapists) else {
            throw GeneratorError(.invalidParameters, "therapists must be 1–1,000,000, not \(therapists)")
        }
        guard (1...600).contains(months) else {
            throw GeneratorError(.invalidParameters, "months must be 1–600, not \(months)")
        }
        guard eventsPerTransaction >= 1 else {
            throw GeneratorError(.invalidParameters, "eventsPerTransaction must be at least 1")
        }
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") })
        else {
            throw GeneratorError(.invalidParameters, "currency must be three upper-case letters, not '\(currency)'")
        }
        guard start.microsecondsSinceEpoch % 86_400_000_000 == 0, start.microsecondsSinceEpoch >= 0 else {
            throw GeneratorError(.invalidParameters, "start must be a midnight UTC on or after 1970-01-01, not \(start)")
        }
        // The contract's times end with 9999 (EventSchemas: years 0001–9999 in UTC).
        guard end.isValid else {
            throw GeneratorError(
                .invalidParameters, "months (\(months)) from \(start) run past \(Timestamp.latestValid), the last time the log accepts")
        }
    }

    /// The end of the history: ``start`` plus ``months`` calendar months.
    public var end: Timestamp { start.addingCalendarMonths(months) }
}

/// Why generation stopped.
public struct GeneratorError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure (a struct, so kinds can be added).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Kind: String { case invalidParameters, ruleViolation, storeNotEmpty }
        let kind: Kind
        /// Parameters out of range.
        public static let invalidParameters = Code(kind: .invalidParameters)
        /// A generated event broke the domain's rules: a bug in the generator.
        public static let ruleViolation = Code(kind: .ruleViolation)
        /// The store already holds events.
        public static let storeNotEmpty = Code(kind: .storeNotEmpty)
        public var description: String { kind.rawValue }
    }

    public var code: Code
    public var message: String
    /// For a rule violation: the domain's verdict.
    public var underlying: (any Error)?

    init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { message }
}
