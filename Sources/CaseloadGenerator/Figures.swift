// The marketplace's behaviour in numbers. Each figure says where it comes
// from: a published source, or "assumption" when no source was at hand
// (README.md in this folder lists the sources in full).

import CaseloadDomain

/// What kind of practice a therapist runs on the platform. Archetypes differ
/// where rating rules differ (volume, conversion, length of therapy, spam,
/// refusals), so that rules disagree about who ranks where.
public enum TherapistArchetype: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The calibration point: sessions, dropout and no-shows match the
    /// published figures.
    case balanced
    /// Many inquiries, many one-off consultations and short cases, fast replies.
    case highChurn
    /// Few inquiries, slow replies, long therapies (many sessions each).
    case longTerm
    /// A popular profile that draws spam and abuse, and asks for exclusions often.
    case spamMagnet
    /// Often finds after the first session that a client is not theirs, and refuses.
    case selective

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An archetype's parameters.
struct ArchetypeProfile {
    /// Share of therapists (assumption).
    var share: Double
    /// Inquiries a month, before the therapist's own activity factor (assumption).
    var inquiriesPerMonth: Double
    /// P(the client books a first session | a genuine inquiry got a reply).
    /// With replies ≈ 94% and some first bookings cancelled for good, overall
    /// conversion lands at 15–25% of counted inquiries: the "order of 10–25%"
    /// of issue 6 (no published marketplace figure).
    var bookingAfterReply: Double
    /// P(a converted client comes exactly once). Studies put the share of
    /// clients who do not return after the first session at 20–57% (as
    /// summarised by Schwartz & Flowers, "How Therapists Fail", psychotherapy.net);
    /// Simon et al. (2012, Psychiatric Services 63:705) found 34% in a US health plan.
    var singleSession: Double
    /// Sessions of a client who returns: 2 + ⌊lognormal(median, σ)⌋, capped.
    var sessionsMedian: Double
    var sessionsSigma: Double
    /// Share of inquiries declared one-off consultations (assumption).
    var oneOffShare: Double
    /// Share of inquiries that are not about therapy (spam, tests, abuse,
    /// accidents, duplicates) (assumption).
    var nonGenuineShare: Double
    /// P(the therapist asks support to exclude a non-genuine chat) (assumption).
    var requestsExclusion: Double
    /// P(the therapist asks to exclude a genuine chat that did not convert;
    /// support mostly denies these) (assumption).
    var questionableExclusionRequest: Double
    /// P(refusal after the first session) (assumption).
    var refusal: Double
    /// Median first-response time, minutes; lognormal with σ = 1.3, so the
    /// tail reaches days (assumption).
    var replyMedianMinutes: Double
    /// P(never replying to an inquiry) (assumption).
    var neverReplies: Double
    /// Profile views per inquiry (issue 6: "many times the inquiries", 20–60).
    var viewsPerInquiry: ClosedRange<Double>
    /// Share of clients seen every two weeks rather than weekly (assumption).
    var biweeklyShare: Double

    static func of(_ archetype: TherapistArchetype) -> ArchetypeProfile {
        switch archetype {
        case .balanced: balanced
        case .highChurn: highChurn
        case .longTerm: longTerm
        case .spamMagnet: spamMagnet
        case .selective: selective
        }
    }

    // Sessions: with these shapes the mixture of all archetypes' new clients,
    // one-off consultations included, plans a median of 8 and a mean of ≈ 14
    // sessions with 29% single sessions (checked by simulating the draws),
    // close to Flückiger et al. (2020):
    // across 20 naturalistic samples the mean number of sessions averaged
    // 12.9 and its median 8.2, skewed to the right (skewness 1.71).
    static let balanced = ArchetypeProfile(
        share: 0.42, inquiriesPerMonth: 8, bookingAfterReply: 0.22, singleSession: 0.22, sessionsMedian: 12,
        sessionsSigma: 0.9, oneOffShare: 0.06, nonGenuineShare: 0.05, requestsExclusion: 0.5,
        questionableExclusionRequest: 0.02, refusal: 0.03, replyMedianMinutes: 180, neverReplies: 0.06,
        viewsPerInquiry: 25...45, biweeklyShare: 0.15)
    static let highChurn = ArchetypeProfile(
        share: 0.20, inquiriesPerMonth: 14, bookingAfterReply: 0.22, singleSession: 0.30, sessionsMedian: 6,
        sessionsSigma: 0.8, oneOffShare: 0.20, nonGenuineShare: 0.05, requestsExclusion: 0.6,
        questionableExclusionRequest: 0.03, refusal: 0.03, replyMedianMinutes: 40, neverReplies: 0.03,
        viewsPerInquiry: 20...35, biweeklyShare: 0.10)
    static let longTerm = ArchetypeProfile(
        share: 0.20, inquiriesPerMonth: 3, bookingAfterReply: 0.35, singleSession: 0.10, sessionsMedian: 26,
        sessionsSigma: 0.9, oneOffShare: 0.02, nonGenuineShare: 0.04, requestsExclusion: 0.35,
        questionableExclusionRequest: 0.01, refusal: 0.02, replyMedianMinutes: 600, neverReplies: 0.10,
        viewsPerInquiry: 40...60, biweeklyShare: 0.25)
    static let spamMagnet = ArchetypeProfile(
        share: 0.10, inquiriesPerMonth: 10, bookingAfterReply: 0.18, singleSession: 0.22, sessionsMedian: 12,
        sessionsSigma: 0.9, oneOffShare: 0.06, nonGenuineShare: 0.22, requestsExclusion: 0.85,
        questionableExclusionRequest: 0.10, refusal: 0.03, replyMedianMinutes: 120, neverReplies: 0.05,
        viewsPerInquiry: 20...35, biweeklyShare: 0.15)
    static let selective = ArchetypeProfile(
        share: 0.08, inquiriesPerMonth: 6, bookingAfterReply: 0.25, singleSession: 0.22, sessionsMedian: 12,
        sessionsSigma: 0.9, oneOffShare: 0.06, nonGenuineShare: 0.05, requestsExclusion: 0.6,
        questionableExclusionRequest: 0.04, refusal: 0.15, replyMedianMinutes: 240, neverReplies: 0.05,
        viewsPerInquiry: 30...50, biweeklyShare: 0.15)
}

/// Figures shared by all therapists.
enum Figures {
    // MARK: Therapists

    /// Therapists who join in the first two weeks (the launch cohort); the rest
    /// join evenly over the first three quarters of the history (assumption).
    static let launchCohort = 0.6
    /// A therapist's inquiry rate is the archetype's times lognormal(1, σ) (assumption).
    static let activitySigma = 0.35
    /// Inquiries rise in January and dip in summer: ±15% (assumption).
    static let seasonality = 0.15
    /// Prices: lognormal around 1,400 UAH, kept within 800–3,000 UAH, in steps
    /// of 50 (issue 6: 800–3000 UAH).
    static let priceMedian = 1_400.0
    static let priceSigma = 0.35
    static let priceRange = 800.0...3_000.0
    /// Couples pay more (assumption).
    static let couplePriceFactor = 1.5
    /// Each anniversary of joining, half the therapists raise prices by 5–15% (assumption).
    static let yearlyRaise = 0.5
    /// Cancellation notice set after joining: none (the platform's 24 h), 12,
    /// 24 or 48 h (DOMAIN.md: "a therapist may set e.g. 12 h or 48 h").
    static let initialPolicy: [(Int?, Double)] = [(nil, 0.45), (12, 0.20), (24, 0.10), (48, 0.25)]
    /// P(a therapist changes their policy in a given month) (assumption).
    static let monthlyPolicyChange = 0.025
    /// Therapists whose clients are often flagged for off-platform dealing (assumption).
    static let antifraudSuspectShare = 0.04

    // MARK: Inquiries

    static let coupleShare = 0.10
    /// Declared one-off consultations that turn into ongoing therapy (assumption).
    static let oneOffContinues = 0.2
    /// Sessions are capped at about five years of weekly therapy.
    static let maxSessions = 250

    // MARK: Sessions

    /// No-shows. Doctolib's analysis of 30 million appointments (Sept–Oct 2022,
    /// published Feb 2023): 4.2% for psychologists; 6.4% for new patients
    /// against 3.5% for known ones. Outpatient psychiatry reports more (8.8% of
    /// 1,620 visits in "Missed psychiatric appointments: who returns and who
    /// stays away", Am J Psychiatry 1993; 2–30% across clinics); the spread
    /// between clients and therapists below reaches that range.
    static let noShowFirstSession = 0.064
    static let noShowLaterSessions = 0.035
    /// A client's no-show propensity: lognormal with mean 1 and this σ (assumption).
    static let clientNoShowSigma = 0.6
    /// A therapist's clients' propensity: lognormal with median 1 and this σ (assumption).
    static let therapistNoShowSigma = 0.35
    /// Client cancellations with enough notice, and with too little (assumption).
    static let earlyClientCancellation = 0.07
    static let lateClientCancellation = 0.025
    /// Cancellations by the therapist (assumption).
    static let therapistCancellation = 0.02
    /// A free cancellation is rebooked, except: a first booking cancelled is
    /// abandoned this often (the client never comes), and a client's last
    /// planned session is cancelled rather than held half the time. Stops
    /// stay inside the drawn number of sessions, so the published session
    /// counts hold (assumption).
    static let firstBookingAbandoned = 0.15
    static let lastSessionCancelledInstead = 0.5
    /// Share of twice-weekly clients (assumption).
    static let twiceWeeklyShare = 0.03

    // MARK: Endings

    /// Clients past the first session who stop before the end: Swift &
    /// Greenberg (2012), 669 studies, 83,834 clients: weighted mean dropout
    /// 19.7% [18.7, 20.7].
    static let dropout = 0.197
    /// Dropouts who say so (CaseEnded clientStopped); the others go quiet (assumption).
    static let dropoutSaysSo = 0.6
    /// Other endings of a continuing case (moved, insurance, …) (assumption).
    static let otherEnding = 0.08
    /// Single-session clients (not one-off) who end the case explicitly (assumption).
    static let singleSessionSaysSo = 0.4
    /// One-off consultations closed explicitly (assumption).
    static let oneOffClosed = 0.85

    // MARK: Support, refusals, anti-fraud (assumptions)

    static let refusalReasons: [(RefusalReason, Double)] = [
        (.outsideCompetence, 0.30), (.needsOtherSpecialist, 0.25), (.boundaryViolation, 0.10),
        (.personalTrigger, 0.10), (.ethicalIncompatibility, 0.08), (.other, 0.17),
    ]
    /// Refusal outcomes: re-match, refund, close.
    static let refusalRematched = 0.55
    static let refusalRefunded = 0.30
    /// P(a re-matched client books with the new therapist).
    static let rematchBooking = 0.75
    /// P(support grants an exclusion request), by reason; a second request after
    /// a denial is granted half the time.
    static func exclusionGranted(_ reason: ExclusionReason) -> Double {
        switch reason {
        case .spam: 0.85
        case .platformTest: 0.95
        case .randomCharacters: 0.9
        case .certificateRequest: 0.7
        case .abusiveMessages: 0.8
        case .dangerousProposal: 0.9
        case .accidentalContact: 0.65
        case .duplicateChat: 0.85
        }
    }
    /// Granted exclusions later revoked.
    static let exclusionRevoked = 0.08
    /// Therapists who ask again after a denial.
    static let exclusionAskedAgain = 0.2
    /// Questionable requests (a genuine chat that did not convert) are granted rarely.
    static let questionableGranted = 0.25
    /// Non-genuine chats nobody asked about that anti-fraud catches.
    static let antifraudCatchesSpam = 0.15
    /// Converted cases flagged for suspected off-platform dealing; and for a
    /// suspect therapist.
    static let antifraudFlagged = 0.03
    static let antifraudFlaggedSuspect = 0.15
    static let flagDisputed = 0.6
    static let flagClearedIfDisputed = 0.7
    static let flagClearedIfNotDisputed = 0.35
    static let flagLeftOpen = 0.06

    static let nonGenuineReasons: [(ExclusionReason, Double)] = [
        (.spam, 0.45), (.randomCharacters, 0.12), (.platformTest, 0.05), (.certificateRequest, 0.10),
        (.abusiveMessages, 0.08), (.dangerousProposal, 0.03), (.accidentalContact, 0.12), (.duplicateChat, 0.05),
    ]
    static let questionableReasons: [(ExclusionReason, Double)] = [
        (.accidentalContact, 0.4), (.certificateRequest, 0.3), (.spam, 0.2), (.randomCharacters, 0.1),
    ]

    // MARK: Views

    /// Views by visitors who are not logged in (actor `system:web`) (assumption).
    static let anonymousViews = 0.55
    /// Distinct logged-in visitors per therapist, so visitors come back (assumption).
    static let visitorsPerTherapist = 300
}
