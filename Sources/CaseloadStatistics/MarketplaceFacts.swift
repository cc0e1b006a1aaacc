public import CaseloadCoding
public import CaseloadDomain

/// A session that was charged: held, cancelled late by the client, or missed.
public struct ChargedSession: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        case held = 0, lateCancellation = 1, noShow = 2
    }
    /// When it was charged (the event's occurredAt), µs since the epoch.
    public var at: Int64
    public var price: Int64
    public var kind: Kind
}

/// A span during which a chat was excluded from statistics.
public struct ExclusionSpan: Sendable, Hashable {
    public var from: Int64
    /// When the exclusion was revoked; nil while it stands.
    public var until: Int64?

    func covers(_ instant: Int64) -> Bool { from <= instant && (until.map { instant < $0 } ?? true) }
}

/// What the statistics need to know about one case, with the time of every
/// fact, so any "as of" date can be answered without replaying the log.
public struct CaseFacts: Sendable, Hashable {
    public let caseId: String
    public let therapistId: String
    public let clientId: String
    public var openedAt: Int64
    public var rematchedFrom: String?
    public var firstReplyAt: Int64?
    /// In time order.
    public var charged: [ChargedSession] = []
    /// Times of cancellations that were not charged (a client's early one, or the therapist's).
    public var uncharged: [Int64] = []
    public var exclusions: [ExclusionSpan] = []
    public var refusedAt: Int64?
    /// Prices of sessions booked but not yet settled.
    var pending: [PendingSession] = []

    struct PendingSession: Sendable, Hashable {
        var sessionId: String
        var price: Int64
    }

    /// Whether the chat was excluded at `instant`.
    public func isExcluded(at instant: Int64) -> Bool { exclusions.contains { $0.covers(instant) } }

    /// When the case converted (its first charged session), if it has.
    public var convertedAt: Int64? { charged.first?.at }

    mutating func settle(_ sessionId: String) -> Int64 {
        guard let index = pending.firstIndex(where: { $0.sessionId == sessionId }) else { return 0 }
        return pending.remove(at: index).price
    }
}

/// The per-case facts of the whole marketplace: one pass over the log
/// builds them; every statistic and every rating rule then reads facts, not
/// events — so K rules cost one replay plus K cheap passes over cases.
public struct MarketplaceFacts: Sendable, Equatable {
    /// Cases in the order they were opened.
    public private(set) var cases: [CaseFacts] = []
    private var caseIndex: [String: Int] = [:]
    /// Therapists with when they joined.
    public var therapists: [String: Int64] { therapistsStorage }
    var therapistsStorage: [String: Int64] = [:]
    /// Each therapist's profile views, times in µs, in log order (made on
    /// demand from the compact store below).
    public var views: [String: [Int64]] { viewsStorage.mapValues { $0.map(ViewTime.microseconds) } }
    /// One therapist's view times in µs.
    public func viewTimes(of therapistId: String) -> [Int64] {
        viewsStorage[therapistId]?.map(ViewTime.microseconds) ?? []
    }
    /// Views are most of a log's events: their times are kept as whole
    /// seconds from 2020 in 32 bits (half the memory of µs in 64), which
    /// keeps a 10M-event replay within its memory budget.
    var viewsStorage: [String: [Int32]] = [:]
    /// The last log position folded in (0 = none).
    public var checkpoint: Int64 = 0
    /// The latest business time seen: the default "as of" of a report.
    public var latestOccurredAt: Int64 = 0

    public init() {}

    /// The event types the facts read; a replay may skip decoding the rest.
    public static let relevantTypes: Set<String> = [
        "TherapistJoined", "ProfileViewed", "InquiryOpened", "TherapistReplied", "SessionBooked", "SessionHeld",
        "SessionCancelled", "SessionMissed", "ChatExcluded", "ExclusionRevoked", "RefusalFiled",
    ]

    /// Folds one event in.
    public mutating func apply(_ event: CaseloadEvent, occurredAt: Timestamp, position: Int64) {
        checkpoint = position
        let at = occurredAt.microsecondsSinceEpoch
        if at > latestOccurredAt { latestOccurredAt = at }
        switch event {
        case .therapistJoined(let e):
            therapistsStorage[e.therapistId] = at
        case .profileViewed(let e):
            viewsStorage[e.therapistId, default: []].append(ViewTime.compact(at))
        case .inquiryOpened(let e):
            appendCase(CaseFacts(
                caseId: e.caseId, therapistId: e.therapistId, clientId: e.clientId, openedAt: at,
                rematchedFrom: e.rematchedFrom))
        case .therapistReplied(let e):
            update(e.caseId) { facts in if facts.firstReplyAt == nil { facts.firstReplyAt = at } }
        case .sessionBooked(let e):
            update(e.caseId) { $0.pending.append(.init(sessionId: e.sessionId, price: e.price.amount)) }
        case .sessionHeld(let e):
            update(e.caseId) { facts in
                facts.charged.append(ChargedSession(at: at, price: facts.settle(e.sessionId), kind: .held))
            }
        case .sessionMissed(let e):
            update(e.caseId) { facts in
                facts.charged.append(ChargedSession(at: at, price: facts.settle(e.sessionId), kind: .noShow))
            }
        case .sessionCancelled(let e):
            update(e.caseId) { facts in
                let price = facts.settle(e.sessionId)
                if e.late {
                    facts.charged.append(ChargedSession(at: at, price: price, kind: .lateCancellation))
                } else {
                    facts.uncharged.append(at)
                }
            }
        case .chatExcluded(let e):
            update(e.caseId) { $0.exclusions.append(ExclusionSpan(from: at, until: nil)) }
        case .exclusionRevoked(let e):
            update(e.caseId) { facts in
                if let last = facts.exclusions.indices.last, facts.exclusions[last].until == nil {
                    facts.exclusions[last].until = at
                }
            }
        case .refusalFiled(let e):
            update(e.caseId) { facts in if facts.refusedAt == nil { facts.refusedAt = at } }
        default:
            break
        }
    }

    mutating func appendCase(_ facts: CaseFacts) {
        caseIndex[facts.caseId] = cases.count
        cases.append(facts)
    }

    private mutating func update(_ caseId: String, _ body: (inout CaseFacts) -> Void) {
        // The rules guarantee the case was opened first; a case event for an
        // unknown case (a log someone edited) is left out rather than trusted.
        guard let index = caseIndex[caseId] else { return }
        body(&cases[index])
    }

    /// The facts of one case.
    public func facts(ofCase caseId: String) -> CaseFacts? { caseIndex[caseId].map { cases[$0] } }

    public static func == (lhs: MarketplaceFacts, rhs: MarketplaceFacts) -> Bool {
        lhs.checkpoint == rhs.checkpoint && lhs.latestOccurredAt == rhs.latestOccurredAt && lhs.cases == rhs.cases && lhs.therapists == rhs.therapists
            && lhs.viewsStorage == rhs.viewsStorage
    }
}

/// A profile view's time as whole seconds since 2020-01-01T00:00:00Z in 32
/// bits (1952–2088).
enum ViewTime {
    static let epochSeconds: Int64 = 1_577_836_800

    static func compact(_ microseconds: Int64) -> Int32 {
        let seconds = microseconds / 1_000_000 - epochSeconds
        return Int32(clamping: seconds)
    }

    static func microseconds(_ compact: Int32) -> Int64 { (Int64(compact) + epochSeconds) * 1_000_000 }
}
