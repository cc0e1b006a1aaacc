import CaseloadCoding
import CaseloadDomain

/// Seconds, the generator's unit of time: every generated `occurredAt` is a
/// whole second (readable, and immune to rounding differences between
/// platforms' maths libraries below a second).
typealias Seconds = Int64

enum Time {
    static let minute: Seconds = 60
    static let hour: Seconds = 3_600
    static let day: Seconds = 86_400
    static let week: Seconds = 7 * day
    /// The mean Gregorian month, for rates "per month".
    static let month: Seconds = 2_629_746
}

/// One therapist as the generator imagines them: archetype, prices, policy
/// schedule, reply habits. Drawn once, from the therapist's own random stream.
/// A class: every case step reads its therapist, and a reference costs one
/// retain where a copy of the struct would cost one per array and string.
final class TherapistModel: Sendable {
    let index: Int
    let id: String
    let actor: Initiator
    let archetype: TherapistArchetype
    let profile: ArchetypeProfile
    let joinedAt: Seconds
    /// Inquiries per second (before seasonality).
    let inquiryRate: Double
    let viewsPerInquiry: Double
    let replyMedian: Double
    let noShowFactor: Double
    let antifraudRate: Double
    /// (from, amount in minor units), oldest first.
    let prices: [(from: Seconds, amount: Int64)]
    /// (from, notice hours), oldest first: the therapist's own policy changes.
    let policies: [(from: Seconds, hours: Int)]
    /// The therapist stream's events, in time order: joining, then policies.
    let streamEvents: [(at: Seconds, event: CaseloadEvent, actor: Initiator)]

    init(index: Int, idWidth: Int, seed: UInt64, start: Seconds, end: Seconds) {
        var rng = RandomSource(seed: seed, 1, UInt64(index))
        self.index = index
        var digits = String(index + 1)
        if digits.count < idWidth { digits = String(repeating: "0", count: idWidth - digits.count) + digits }
        id = "t" + digits
        actor = .therapist(id)
        archetype = rng.pick(TherapistArchetype.allCases.map { ($0, ArchetypeProfile.of($0).share) })
        profile = ArchetypeProfile.of(archetype)
        let span = end - start
        if rng.chance(Figures.launchCohort) {
            joinedAt = start + rng.seconds(0...min(14 * Time.day, span / 4))
        } else {
            joinedAt = start + rng.seconds(0...(span * 3 / 4))
        }
        let activity = rng.lognormal(median: 1, sigma: Figures.activitySigma)
        inquiryRate = profile.inquiriesPerMonth * activity / Double(Time.month)
        viewsPerInquiry = rng.uniform(profile.viewsPerInquiry)
        replyMedian = profile.replyMedianMinutes * 60 * rng.lognormal(median: 1, sigma: 0.5)
        noShowFactor = rng.lognormal(median: 1, sigma: Figures.therapistNoShowSigma)
        antifraudRate =
            rng.chance(Figures.antifraudSuspectShare) ? Figures.antifraudFlaggedSuspect : Figures.antifraudFlagged

        // Prices: a base in whole hryvnias, in steps of 50, and yearly raises.
        let range = Figures.priceRange
        let base = min(range.upperBound, max(range.lowerBound, rng.lognormal(median: Figures.priceMedian, sigma: Figures.priceSigma)))
        var amount = Int64((base / 50).rounded()) * 50
        var prices: [(Seconds, Int64)] = [(joinedAt, amount * 100)]
        var anniversary = joinedAt + 365 * Time.day
        while anniversary < end {
            if rng.chance(Figures.yearlyRaise) {
                let raised = Double(amount) * rng.uniform(1.05...1.15)
                amount = min(Int64(range.upperBound), Int64((raised / 50).rounded()) * 50)
                prices.append((anniversary, amount * 100))
            }
            anniversary += 365 * Time.day
        }
        self.prices = prices

        // The therapist stream: joining (by onboarding), an initial policy for
        // some, then a change now and then.
        var events: [(Seconds, CaseloadEvent, Initiator)] = [
            (joinedAt, .therapistJoined(TherapistJoined(therapistId: id)), Actors.onboarding)
        ]
        var policies: [(Seconds, Int)] = []
        var current = CancellationPolicy.defaultNoticeHours
        if let initial = rng.pick(Figures.initialPolicy) {
            let at = joinedAt + rng.seconds(10 * Time.minute...3 * Time.day)
            policies.append((at, initial))
            current = initial
        }
        var monthStart = joinedAt + Time.month
        while monthStart < end {
            if rng.chance(Figures.monthlyPolicyChange) {
                let at = monthStart + rng.seconds(0...(Time.month - 1))
                let choices = [12, 24, 48].filter { $0 != current }
                current = choices[rng.int(0...(choices.count - 1))]
                policies.append((at, current))
            }
            monthStart += Time.month
        }
        let supportChanges = policies.map { _ in rng.chance(0.1) }
        for ((at, hours), bySupport) in zip(policies, supportChanges) {
            events.append((
                at, .cancellationPolicySet(CancellationPolicySet(therapistId: id, noticeHours: hours)),
                bySupport ? Actors.agent(&rng) : actor
            ))
        }
        self.policies = policies
        streamEvents = events.map { (at: $0.0, event: $0.1, actor: $0.2) }
    }

    /// The price of a session booked at `time`.
    func price(at time: Seconds, couple: Bool) -> Int64 {
        var amount = prices[0].amount
        for entry in prices where entry.from <= time { amount = entry.amount }
        guard couple else { return amount }
        return Int64((Double(amount) * Figures.couplePriceFactor / 5_000).rounded()) * 5_000
    }

    /// The notice in force at `time`: the latest change at or before it, else
    /// the platform default (the same reading as `TherapistState.noticeHours(at:)`).
    func noticeHours(at time: Seconds) -> Int {
        var hours = CancellationPolicy.defaultNoticeHours
        for entry in policies where entry.from <= time { hours = entry.hours }
        return hours
    }
}

/// The actors the generator uses besides clients and therapists.
enum Actors {
    static let onboarding = Initiator.system("onboarding")
    static let web = Initiator.system("web")
    static let scheduler = Initiator.system("scheduler")
    static let video = Initiator.system("video")
    static let billing = Initiator.system("billing")
    static let antifraud = Initiator.system("antifraud")
    static let agents: [Initiator] = (1...12).map { .support("agent-\($0)") }
    /// One of the support agents, drawn from `rng`.
    static func agent(_ rng: inout RandomSource) -> Initiator { agents[rng.int(0...(agents.count - 1))] }
}
