public import CaseloadCoding

/// Who is in ongoing therapy as of a date: the clients a platform that
/// delists a therapist would tell to leave (issue 16, the harm the seed essay
/// describes: clients encouraged to leave, some after years of work). Rating
/// rules count it for their basements (`RatingAnalysis`); `explain` lists it.
///
/// A case is in ongoing therapy as of `asOf` when it has converted (a first
/// session held or charged by then), was not refused and has not ended by
/// then, and had a session charged (held, late-cancelled or missed: all
/// count as held) or booked in the last `withinDays` days up to `asOf`.
/// A client with several such cases with one therapist is one client.
public enum OngoingTherapy {
    /// The default window: a session held or booked in the last 30 days.
    public static let defaultWithinDays = 30

    /// Whether `facts` is in ongoing therapy as of `asOf` (see ``OngoingTherapy``).
    public static func isOngoing(_ facts: CaseFacts, asOf: Timestamp, withinDays days: Int) -> Bool {
        guard let converted = facts.convertedAt, converted <= asOf else { return false }
        if let refused = facts.refusedAt, refused <= asOf { return false }
        if let ended = facts.endedAt, ended <= asOf { return false }
        // Clamped like a statistics window, so that no length traps.
        let clamped = Int64(Swift.min(Swift.max(days, 0), StatisticsWindow.maximumDays))
        let start = asOf.adding(seconds: -clamped * 86_400)
        func recent(_ instant: Timestamp) -> Bool { instant > start && instant <= asOf }
        return facts.charged.contains { recent($0.at) } || facts.bookedAt.contains(where: recent)
    }

    /// Sessions charged in the case by `asOf`: held, late-cancelled or missed.
    public static func sessions(_ facts: CaseFacts, asOf: Timestamp) -> Int {
        facts.charged.count { $0.at <= asOf }
    }

    /// The clients in ongoing therapy with `therapistId`, by client id.
    public static func clients(
        of therapistId: String, in facts: MarketplaceFacts, asOf: Timestamp, withinDays days: Int = defaultWithinDays
    ) -> [OngoingClient] {
        byClient(facts.cases.filter { $0.therapistId == therapistId }, asOf: asOf, withinDays: days)
    }

    /// Every therapist's clients in ongoing therapy, counted (therapists
    /// with none are absent).
    public static func census(
        _ facts: MarketplaceFacts, asOf: Timestamp, withinDays days: Int = defaultWithinDays
    ) -> [String: OngoingCount] {
        var byTherapist: [String: [CaseFacts]] = [:]
        for facts in facts.cases where isOngoing(facts, asOf: asOf, withinDays: days) {
            byTherapist[facts.therapistId, default: []].append(facts)
        }
        return byTherapist.mapValues { OngoingCount(byClient($0, asOf: asOf, withinDays: days)) }
    }

    private static func byClient(_ cases: [CaseFacts], asOf: Timestamp, withinDays days: Int) -> [OngoingClient] {
        var byClient: [String: OngoingClient] = [:]
        for facts in cases where isOngoing(facts, asOf: asOf, withinDays: days) {
            var client = byClient[facts.clientId]
                ?? OngoingClient(therapistId: facts.therapistId, clientId: facts.clientId, caseIds: [], sessions: 0)
            client.caseIds.append(facts.caseId)
            client.sessions += sessions(facts, asOf: asOf)
            byClient[facts.clientId] = client
        }
        return byClient.values.sorted { $0.clientId < $1.clientId }
    }
}

/// One client in ongoing therapy with one therapist.
public struct OngoingClient: Sendable, Hashable {
    public var therapistId: String
    public var clientId: String
    /// The client's ongoing cases with the therapist (usually one).
    public var caseIds: [String]
    /// Sessions charged in those cases by the as-of date.
    public var sessions: Int

    public init(therapistId: String, clientId: String, caseIds: [String], sessions: Int) {
        self.therapistId = therapistId
        self.clientId = clientId
        self.caseIds = caseIds
        self.sessions = sessions
    }
}

/// Clients in ongoing therapy, counted: all of them, and those past 5 and
/// past 10 sessions (5 or more, 10 or more).
public struct OngoingCount: Sendable, Hashable {
    public var clients: Int
    public var after5Sessions: Int
    public var after10Sessions: Int

    public init(clients: Int = 0, after5Sessions: Int = 0, after10Sessions: Int = 0) {
        self.clients = clients
        self.after5Sessions = after5Sessions
        self.after10Sessions = after10Sessions
    }

    init(_ clients: [OngoingClient]) {
        self.init(
            clients: clients.count, after5Sessions: clients.count { $0.sessions >= 5 },
            after10Sessions: clients.count { $0.sessions >= 10 })
    }

    public static func + (a: OngoingCount, b: OngoingCount) -> OngoingCount {
        OngoingCount(
            clients: a.clients + b.clients, after5Sessions: a.after5Sessions + b.after5Sessions,
            after10Sessions: a.after10Sessions + b.after10Sessions)
    }
}

/// The harm of a rule's basement, counted: the clients in ongoing therapy
/// with the therapists it would delist, whom a platform acting on it would
/// tell to leave.
public struct BasementHarm: Sendable, Hashable {
    /// The rule's name.
    public var rule: String
    public var asOf: Timestamp?
    /// The "session held or booked within" window of ongoing therapy, in days.
    public var withinDays: Int
    /// False for a rule that delists no one (its harm is then zero by design).
    public var hasBasement: Bool
    /// Therapists in the basement.
    public var therapists: Int
    /// Their clients in ongoing therapy.
    public var clients: OngoingCount

    public init(rule: String, asOf: Timestamp?, withinDays: Int, hasBasement: Bool, therapists: Int, clients: OngoingCount) {
        self.rule = rule
        self.asOf = asOf
        self.withinDays = withinDays
        self.hasBasement = hasBasement
        self.therapists = therapists
        self.clients = clients
    }

    /// "fair as of 2025-06-30 would tell 12 clients in ongoing therapy to
    /// leave, 3 of them after 10+ sessions (7 after 5+)".
    public var sentence: String {
        let date = asOf.map { " as of " + String($0.iso8601.prefix(10)) } ?? ""
        guard hasBasement else { return "\(rule)\(date) has no basement: it tells no client to leave" }
        let noun = clients.clients == 1 ? "client" : "clients"
        return "\(rule)\(date) would tell \(clients.clients) \(noun) in ongoing therapy to leave, "
            + "\(clients.after10Sessions) of them after 10+ sessions (\(clients.after5Sessions) after 5+)"
    }
}
