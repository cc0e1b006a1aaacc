import CaseloadCoding
import CaseloadDomain
import Testing

/// A small, seeded, repeatable random source for generated histories.
typealias SeededRandom = SplitMix64

extension SplitMix64 {
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    mutating func seconds(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }
}

/// A varied marketplace history built through the backend's commands, so
/// every event passed the rules: quiet cases, replies, exclusions requested,
/// granted, denied, made on support's initiative and revoked, sessions held,
/// missed and cancelled late or in time by either side, refusals resolved by
/// refund, closing or re-match, anti-fraud flags, endings and profile views.
struct GeneratedHistory {
    let script = Script()
    var random: SeededRandom
    let therapists = ["t1", "t2", "t3", "t4", "t5"]
    let agents: [Initiator] = [.support("agent-7"), .support("agent-8"), .support("agent-9")]
    private(set) var commands = 0

    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    static let hour: Int64 = 3600, day: Int64 = 86_400

    mutating func run(_ command: Command, by actor: Initiator, _ time: Timestamp) async throws {
        commands += 1
        try await script.run(command, by: actor, time)
    }

    mutating func build(cases: Int) async throws {
        let start = at("2024-01-01T00:00:00Z")
        for therapist in therapists { try await run(.joinTherapist(therapistId: therapist), by: .support("s1"), start) }
        // Policies that change over time, so cancellations are judged by the one then in force.
        try await run(.setCancellationPolicy(therapistId: "t2", noticeHours: 48), by: .therapist("t2"), at("2024-01-02T00:00:00Z"))
        try await run(.setCancellationPolicy(therapistId: "t3", noticeHours: 12), by: .therapist("t3"), at("2024-01-02T00:00:00Z"))
        try await run(.setCancellationPolicy(therapistId: "t4", noticeHours: 72), by: .support("agent-8"), at("2024-03-01T00:00:00Z"))
        try await run(.setCancellationPolicy(therapistId: "t2", noticeHours: 6), by: .therapist("t2"), at("2024-05-01T00:00:00Z"))
        for therapist in therapists {
            let count = Int.random(in: 20...120, using: &random)
            let times = (0..<count).map { _ in start.adding(seconds: random.seconds(Self.day...330 * Self.day)) }.sorted()
            for time in times {
                try await run(.recordProfileView(therapistId: therapist, visitorId: random.chance(0.5) ? "v\(random.seconds(1...50))" : nil), by: .system("web"), time)
            }
        }
        for index in 0..<cases {
            let opened = start.adding(seconds: random.seconds(4 * Self.day...335 * Self.day))
            try await runCase("c\(index)", client: "k\(index)", therapist: random.pick(therapists), at: opened, rematched: false)
        }
    }

    /// One case from its opening (or, for a re-match, from the moment support opened it).
    mutating func runCase(_ caseId: String, client: String, therapist: String, at opened: Timestamp, rematched: Bool) async throws {
        var t = opened
        func advance(_ range: ClosedRange<Int64>, _ random: inout SeededRandom) -> Timestamp {
            t = t.adding(seconds: random.seconds(range))
            return t
        }
        if !rematched {
            try await run(.openInquiry(caseId: caseId, clientId: client, therapistId: therapist, format: random.chance(0.2) ? .couple : .individual, oneOff: random.chance(0.1)), by: .client(client), t)
        }
        if random.chance(0.8) {
            try await run(.reply(caseId: caseId), by: .therapist(therapist), advance(5 * 60...3 * Self.day, &random))
        }
        if random.chance(0.1) {
            try await run(.raiseAntifraudFlag(caseId: caseId, rule: "off-platform-payment", evidence: ["log-\(caseId)"]), by: .system("antifraud"), advance(Self.hour...Self.day, &random))
            if random.chance(0.5) {
                try await run(.disputeAntifraudFlag(caseId: caseId, explanation: "the client paid on the platform", evidence: ["receipt-\(caseId)"]), by: .therapist(therapist), advance(Self.hour...Self.day, &random))
            }
            let outcome: Command = random.chance(0.5)
                ? .clearAntifraudFlag(caseId: caseId, explanation: "no off-platform dealing")
                : .confirmAntifraudFlag(caseId: caseId, explanation: "payment details were exchanged")
            try await run(outcome, by: random.pick(agents), advance(Self.hour...2 * Self.day, &random))
        }

        // Exclusion, before any session.
        var excluded = false
        if random.chance(0.35) {
            let reason = random.pick(ExclusionReason.allCases)
            if random.chance(0.6) {
                try await run(.requestExclusion(caseId: caseId, reason: reason, explanation: "the chat is not about therapy", evidence: random.chance(0.7) ? ["shot-\(caseId)"] : []), by: .therapist(therapist), advance(Self.hour...2 * Self.day, &random))
                if random.chance(0.6) {
                    try await run(.excludeChat(caseId: caseId, reason: random.chance(0.8) ? reason : random.pick(ExclusionReason.allCases)), by: random.pick(agents), advance(Self.hour...5 * Self.day, &random))
                    excluded = true
                } else {
                    try await run(.denyExclusion(caseId: caseId, explanation: "the client asked about therapy"), by: random.pick(agents), advance(Self.hour...5 * Self.day, &random))
                }
            } else {
                try await run(.excludeChat(caseId: caseId, reason: reason), by: random.chance(0.3) ? .system("antifraud") : random.pick(agents), advance(Self.hour...3 * Self.day, &random))
                excluded = true
            }
            if excluded, random.chance(0.4) {
                try await run(.revokeExclusion(caseId: caseId, explanation: "a real client after all"), by: random.pick(agents), advance(Self.day...40 * Self.day, &random))
                excluded = false
            }
        }
        if excluded || random.chance(0.2) { return }  // excluded, or the case goes quiet

        // Sessions.
        let price = random.pick([Int64(150_000), 200_000, 250_000, 300_000])
        var charged = 0
        for number in 1...Int.random(in: 1...7, using: &random) {
            let sessionId = "s\(number)"
            let booked = advance(Self.hour...12 * Self.day, &random)
            let scheduled = booked.adding(seconds: random.seconds(Self.day...14 * Self.day))
            try await run(.bookSession(caseId: caseId, sessionId: sessionId, scheduledStart: scheduled, price: Money(amount: price, currency: "UAH")), by: .client(client), booked)
            let roll = Double.random(in: 0..<1, using: &random)
            if roll < 0.55 {
                t = scheduled.adding(seconds: Self.hour)
                try await run(.holdSession(caseId: caseId, sessionId: sessionId), by: random.chance(0.9) ? .therapist(therapist) : .system("scheduler"), t)
                charged += 1
            } else if roll < 0.67 {
                t = scheduled.adding(seconds: Self.hour)
                try await run(.markMissed(caseId: caseId, sessionId: sessionId), by: random.chance(0.5) ? .therapist(therapist) : .system("scheduler"), t)
                charged += 1
            } else {
                // A cancellation at some notice: the service judges it by the policy then in force.
                let notice = random.pick([2 * Self.hour, 10 * Self.hour, 30 * Self.hour, 60 * Self.hour, 5 * Self.day])
                let cancelledAt = max(booked.adding(seconds: 60), scheduled.adding(seconds: -notice))
                t = cancelledAt
                let byTherapist = roll > 0.93
                let events = try await script.run(.cancelSession(caseId: caseId, sessionId: sessionId, by: byTherapist ? .therapist : .client), by: byTherapist ? .therapist(therapist) : .client(client), cancelledAt)
                commands += 1
                if events.first?.payload.text.contains("\"late\":true") == true { charged += 1 }
            }
            // A refusal comes after the first charged session and before a second is booked.
            if charged == 1, random.chance(0.25) {
                try await run(.fileRefusal(caseId: caseId, reason: random.pick(RefusalReason.allCases), explanation: "cannot continue"), by: .therapist(therapist), advance(Self.hour...2 * Self.day, &random))
                guard random.chance(0.85) else { return }  // not yet resolved
                let resolvedAt = advance(Self.hour...3 * Self.day, &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    try await run(.resolveRefusal(caseId: caseId, outcome: .refunded, newCaseId: nil, newTherapistId: nil), by: random.pick(agents), resolvedAt)
                case 1:
                    try await run(.resolveRefusal(caseId: caseId, outcome: .closed, newCaseId: nil, newTherapistId: nil), by: random.pick(agents), resolvedAt)
                default:
                    let other = random.pick(therapists.filter { $0 != therapist })
                    let newCase = caseId + "-r"
                    try await run(.resolveRefusal(caseId: caseId, outcome: .rematched, newCaseId: newCase, newTherapistId: other), by: random.pick(agents), resolvedAt)
                    if !rematched {
                        try await runCase(newCase, client: client, therapist: other, at: resolvedAt, rematched: true)
                    }
                }
                return
            }
            if charged > 1, random.chance(0.1) { break }
        }
        if random.chance(0.3) {
            try await run(.endCase(caseId: caseId, reason: random.pick(CaseEndReason.allCases)), by: .client(client), advance(Self.hour...10 * Self.day, &random))
        }
    }
}
