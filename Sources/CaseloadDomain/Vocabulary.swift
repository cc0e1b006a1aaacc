import CaseloadCoding

/// A price: an amount in minor units (cents, kopecks) and an ISO 4217 currency.
public struct Money: Sendable, Hashable, CustomStringConvertible {
    /// Minor units, never negative.
    public var amount: Int64
    /// Three upper-case letters, such as `EUR`.
    public var currency: String

    public init(amount: Int64, currency: String) {
        self.amount = amount
        self.currency = currency
    }

    public var description: String { "\(amount) \(currency)" }

    /// The largest amount the contract accepts, in minor units: 10^12 (ten
    /// billion in a currency of cents). Sums over a whole log stay far from
    /// Int64's end; they saturate rather than trap if a hand-edited log goes past it.
    public static let maximumAmount: Int64 = 1_000_000_000_000
}

/// Whether an inquiry is for one client or a couple.
public enum InquiryFormat: String, Sendable, Hashable, CaseIterable {
    case individual, couple
}

/// Who cancelled a session. Only a client's cancellation can be late.
public enum CancellingParty: String, Sendable, Hashable, CaseIterable {
    case client, therapist
}

/// Why a case ended. Ending is a normal part of therapy and counts as it is.
public enum CaseEndReason: String, Sendable, Hashable, CaseIterable {
    case clientStopped, oneOffCompleted, goalsReached, other
}

/// Why a pre-session chat should not count in a therapist's statistics.
public enum ExclusionReason: String, Sendable, Hashable, CaseIterable {
    // Not about therapy.
    case spam, platformTest, randomCharacters, certificateRequest
    // Breaks rules or boundaries.
    case abusiveMessages, dangerousProposal
    // Technical or accidental.
    case accidentalContact, duplicateChat
}

/// Why a therapist cannot continue after the first session.
public enum RefusalReason: String, Sendable, Hashable, CaseIterable {
    case outsideCompetence, needsOtherSpecialist, boundaryViolation, personalTrigger, ethicalIncompatibility, other
}

/// How support settled a refusal.
public enum RefusalOutcome: String, Sendable, Hashable, CaseIterable {
    /// The client was refunded.
    case refunded
    /// The client was re-matched to another therapist, in a new case.
    case rematched
    /// The case was closed without refund or re-match.
    case closed
}

/// The kind of stream an event belongs to.
public enum StreamCategory: String, Sendable, Hashable, CaseIterable {
    /// `therapist-<therapistId>`: joining and cancellation policy.
    case therapist
    /// `profile-<therapistId>`: profile views (kept apart: they are many and uncontended).
    case profile
    /// `case-<caseId>`: one client's relationship with one therapist.
    case `case`
    /// `client-<clientId>`: what concerns a client across cases (erasure of their personal data).
    case client

}

/// A stream of the marketplace: its category and the id of what it is about
/// (`case-c1` is the case stream of case `c1`). The one place a stream's name
/// is made from its parts and read back into them; the store knows the name
/// only as text.
public struct StreamName: Sendable, Hashable, CustomStringConvertible {
    public var category: StreamCategory
    /// The id of the therapist, case or client the stream is about.
    public var id: String

    public init(_ category: StreamCategory, _ id: String) {
        self.category = category
        self.id = id
    }

    /// Reads `category-id`; nil when the text names no category (the id is
    /// everything after the category's dash, so it may contain dashes).
    public init?(parsing text: String) {
        for category in StreamCategory.allCases where text.hasPrefix(category.rawValue + "-") {
            let id = String(text.dropFirst(category.rawValue.count + 1))
            guard !id.isEmpty else { return nil }
            self.init(category, id)
            return
        }
        return nil
    }

    /// `case-c1`: the stream's name in the log.
    public var description: String { "\(category.rawValue)-\(id)" }
}

/// The limits of a therapist's cancellation policy.
public enum CancellationPolicy {
    /// The platform's notice when a therapist has set none.
    public static let defaultNoticeHours = 24
    /// The notice a therapist may set: an hour to thirty days.
    public static let noticeHoursRange = 1...720
}

extension Timestamp {
    /// This instant moved by whole hours (saturating, as ``Timestamp/adding(seconds:)``).
    func adding(hours: Int) -> Timestamp {
        let seconds = Int64(hours).multipliedReportingOverflow(by: 3600)
        return adding(seconds: seconds.overflow ? (hours < 0 ? .min : .max) : seconds.partialValue)
    }
}
