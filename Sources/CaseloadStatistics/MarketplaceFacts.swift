public import CaseloadCoding
public import CaseloadDomain

/// An ISO 4217 currency code (three upper-case ASCII letters) packed in 32
/// bits: every charged session carries one, and a `String` there would make
/// each session 16 bytes larger in a replay that holds millions of them.
public struct CurrencyCode: Sendable, Hashable, CustomStringConvertible {
    /// The three letters, first in the low byte.
    let packed: UInt32

    /// The code `text` spells, or nil unless it is three upper-case ASCII letters.
    public init?(_ text: String) {
        var packed: UInt32 = 0
        var count = 0
        for byte in text.utf8 {
            guard count < 3, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") else { return nil }
            packed |= UInt32(byte) << (8 * UInt32(count))
            count += 1
        }
        guard count == 3 else { return nil }
        self.packed = packed
    }

    /// Reads what ``packed`` held; nil unless it is a valid code.
    init?(packed: UInt32) {
        let letters = (0..<3).map { UInt8(truncatingIfNeeded: packed >> (8 * UInt32($0))) }
        guard packed >> 24 == 0, let code = CurrencyCode(String(decoding: letters, as: UTF8.self)) else { return nil }
        self = code
    }

    public var description: String {
        String(decoding: (0..<3).map { UInt8(truncatingIfNeeded: packed >> (8 * UInt32($0))) }, as: UTF8.self)
    }
}

/// A session's price as the facts keep it: minor units and their currency.
public struct Price: Sendable, Hashable, CustomStringConvertible {
    /// Minor units (cents, kopecks).
    public var amount: Int64
    public var currency: CurrencyCode

    public init(amount: Int64, currency: CurrencyCode) {
        self.amount = amount
        self.currency = currency
    }

    public var description: String { "\(amount) \(currency)" }
}

/// A session that was charged: held, cancelled late by the client, or missed.
public struct ChargedSession: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        case held = 0, lateCancellation = 1, noShow = 2
    }
    /// When it was charged (the event's occurredAt).
    public var at: Timestamp
    /// The price it was booked at; nil when the log has no booking for it
    /// (a log someone edited): it then adds nothing to revenue or fees.
    public var price: Price?
    public var kind: Kind

    public init(at: Timestamp, price: Price?, kind: Kind) {
        self.at = at
        self.price = price
        self.kind = kind
    }

    /// What it adds to revenue, in minor units of the facts' one currency.
    var amount: Int64 { price?.amount ?? 0 }
}

/// A span during which a chat was excluded from statistics.
public struct ExclusionSpan: Sendable, Hashable {
    public var from: Timestamp
    /// When the exclusion was revoked; nil while it stands.
    public var until: Timestamp?

    public init(from: Timestamp, until: Timestamp?) {
        self.from = from
        self.until = until
    }

    /// Whether the exclusion stood at `instant`: from its start, up to (not at) its revocation.
    public func covers(_ instant: Timestamp) -> Bool { from <= instant && (until.map { instant < $0 } ?? true) }
}

/// What the statistics need to know about one case, with the time of every
/// fact, so any "as of" date can be answered without replaying the log.
public struct CaseFacts: Sendable, Hashable {
    public let caseId: String
    public let therapistId: String
    public let clientId: String
    public var openedAt: Timestamp
    public var rematchedFrom: String?
    public var firstReplyAt: Timestamp?
    /// In time order.
    public var charged: [ChargedSession] = []
    /// Times of cancellations that were not charged (a client's early one, or the therapist's).
    public var uncharged: [Timestamp] = []
    public var exclusions: [ExclusionSpan] = []
    public var refusedAt: Timestamp?
    /// When the case ended (the client decided not to continue), if it has.
    public var endedAt: Timestamp?
    /// When each session was booked (the booking's time, not the session's),
    /// in log order: "in ongoing therapy" asks whether a session was held or
    /// booked lately (``OngoingTherapy``).
    public var bookedAt: [Timestamp] = []
    /// Prices of sessions booked but not yet settled.
    var pending: [PendingSession] = []

    struct PendingSession: Sendable, Hashable {
        var sessionId: String
        var price: Price
    }

    public init(caseId: String, therapistId: String, clientId: String, openedAt: Timestamp, rematchedFrom: String? = nil) {
        self.caseId = caseId
        self.therapistId = therapistId
        self.clientId = clientId
        self.openedAt = openedAt
        self.rematchedFrom = rematchedFrom
    }

    /// Whether the chat was excluded at `instant`.
    public func isExcluded(at instant: Timestamp) -> Bool { exclusions.contains { $0.covers(instant) } }

    /// When the case converted (its first charged session), if it has.
    public var convertedAt: Timestamp? { charged.first?.at }

    mutating func settle(_ sessionId: String) -> Price? {
        guard let index = pending.firstIndex(where: { $0.sessionId == sessionId }) else { return nil }
        let price = pending[index].price
        // An emptied list lets its storage go: most cases end with nothing
        // pending, and a kept buffer cost each of them ~100 bytes.
        if pending.count == 1 { pending = [] } else { pending.remove(at: index) }
        return price
    }
}

/// Why events cannot be folded into the facts.
public struct FactsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong; a struct over a private enum, so codes can be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case mixedCurrencies, invalidCurrency
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A price in another currency than the prices already folded.
        public static let mixedCurrencies = Code(.mixedCurrencies)
        /// A price whose currency is not three upper-case letters.
        public static let invalidCurrency = Code(.invalidCurrency)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The log position of the event that could not be folded.
    public var position: Int64
    public var caseId: String

    public var description: String { "\(code): \(message)" }
}

/// The per-case facts of the whole marketplace: one pass over the log
/// builds them; every statistic and every rating rule then reads facts, not
/// events — so K rules cost one replay plus K cheap passes over cases.
public struct MarketplaceFacts: Sendable, Equatable {
    /// Cases in the order they were opened.
    public private(set) var cases: [CaseFacts] = []
    private var caseIndex: [String: Int] = [:]
    /// Each therapist's cases (indices into ``cases``, in opening order): a
    /// one-therapist read walks these, not every case.
    private(set) var casesOfTherapist: [String: [Int]] = [:]
    /// Therapists with when they joined.
    public var therapists: [String: Timestamp] { therapistsStorage }
    var therapistsStorage: [String: Timestamp] = [:]
    /// Each therapist's profile views, in log order (made on demand from the
    /// compact store below).
    public var views: [String: [Timestamp]] { viewsStorage.mapValues { $0.map(ViewTime.timestamp) } }
    /// One therapist's view times.
    public func viewTimes(of therapistId: String) -> [Timestamp] {
        viewsStorage[therapistId]?.map(ViewTime.timestamp) ?? []
    }
    /// Views are most of a log's events: their times are kept as whole
    /// seconds from 2020 in 32 bits (half the memory of µs in 64), which
    /// keeps a 10M-event replay within its memory budget.
    var viewsStorage: [String: [Int32]] = [:]
    /// The currency of every price in the facts; nil until the first booking.
    ///
    /// One currency, and a second one refused (``FactsError/Code/mixedCurrencies``)
    /// rather than kept apart: every money figure the statistics publish
    /// (revenue, fees, fees per session or per inquiry, the platform's
    /// averages that rules compare therapists with) is one number in the
    /// JSON and CSV contract, and the log holds no exchange rates to make
    /// two currencies one. Keeping them apart would change that contract and
    /// still leave no way to rank across them; refusing at the event that
    /// brings the second currency says exactly where the history stops
    /// making sense, instead of a sum that silently does not.
    public private(set) var currency: CurrencyCode?
    /// The last log position folded in (0 = none).
    public var checkpoint: Int64 = 0
    /// The latest business time seen: the default "as of" of a report.
    public var latestOccurredAt = Timestamp(microsecondsSinceEpoch: 0)

    public init() {}

    /// Facts holding exactly `cases` (no therapists or views): a case's
    /// contribution to a figure is the snapshot of the case alone, which is
    /// how `explain` takes a figure apart without restating its definition.
    package init(cases: [CaseFacts], currency: CurrencyCode?) {
        for facts in cases { appendCase(facts) }
        self.currency = currency
    }

    /// The event types the facts read; a replay may skip decoding the rest.
    public static let relevantTypes: Set<String> = [
        "TherapistJoined", "ProfileViewed", "InquiryOpened", "TherapistReplied", "SessionBooked", "SessionHeld",
        "SessionCancelled", "SessionMissed", "ChatExcluded", "ExclusionRevoked", "RefusalFiled", "CaseEnded",
    ]

    /// Folds one event in. Throws for a price in a second currency (see
    /// ``currency``) or an invalid one; the facts are then as before the event.
    public mutating func apply(_ event: CaseloadEvent, occurredAt at: Timestamp, position: Int64) throws(FactsError) {
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
            // Checked before anything changes, so a refused event leaves the facts as they were.
            guard let index = caseIndex[e.caseId] else { break }
            let price = try price(e.price, caseId: e.caseId, position: position)
            cases[index].pending.append(.init(sessionId: e.sessionId, price: price))
            cases[index].bookedAt.append(at)
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
        case .caseEnded(let e):
            update(e.caseId) { facts in if facts.endedAt == nil { facts.endedAt = at } }
        default:
            break
        }
        checkpoint = position
        if at > latestOccurredAt { latestOccurredAt = at }
    }

    /// Folds in a batch of profile views, exactly as ``apply(_:occurredAt:position:)``
    /// folds each of them in log order, with one look-up per therapist
    /// instead of one per view. A view changes only its therapist's view
    /// times, the checkpoint and the latest time, so a chunk's views may be
    /// folded apart from its other events (the checkpoint is the later of the
    /// two; a fold that fails keeps no facts).
    public mutating func apply(views batch: ProfileViewBatch) {
        guard batch.count > 0 else { return }
        precondition(batch.isFinished, "views are folded from a finished batch")
        batch.times.withUnsafeBufferPointer { times in
            for group in 0..<batch.therapistIds.count {
                // A buffer, not an ArraySlice: appended as one copy.
                let slice = UnsafeBufferPointer(rebasing: times[batch.starts[group]..<batch.starts[group + 1]])
                viewsStorage[batch.therapistIds[group], default: []].append(contentsOf: slice)
            }
        }
        if batch.lastPosition > checkpoint { checkpoint = batch.lastPosition }
        if batch.latestOccurredAt > latestOccurredAt { latestOccurredAt = batch.latestOccurredAt }
    }

    /// `money` as the facts keep it, in the facts' one currency (the first booking's).
    private mutating func price(_ money: Money, caseId: String, position: Int64) throws(FactsError) -> Price {
        guard let code = CurrencyCode(money.currency) else {
            throw FactsError(
                code: .invalidCurrency, message: "case \(caseId) books a session at \(money): '\(money.currency)' is not a currency code",
                position: position, caseId: caseId)
        }
        if let currency, currency != code {
            throw FactsError(
                code: .mixedCurrencies,
                message: "case \(caseId) books a session in \(code) at position \(position), but earlier sessions are in \(currency): statistics add prices in one currency only",
                position: position, caseId: caseId)
        }
        currency = code
        return Price(amount: money.amount, currency: code)
    }

    mutating func appendCase(_ facts: CaseFacts) {
        caseIndex[facts.caseId] = cases.count
        casesOfTherapist[facts.therapistId, default: []].append(cases.count)
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
            && lhs.viewsStorage == rhs.viewsStorage && lhs.currency == rhs.currency
    }
}

/// A profile view's time as whole seconds since 2020-01-01T00:00:00Z in 32
/// bits (1952–2088).
enum ViewTime {
    static let epochSeconds: Int64 = 1_577_836_800

    static func compact(_ time: Timestamp) -> Int32 {
        let seconds = time.microsecondsSinceEpoch / 1_000_000 - epochSeconds
        return Int32(clamping: seconds)
    }

    static func timestamp(_ compact: Int32) -> Timestamp { Timestamp(secondsSinceEpoch: Int64(compact) + epochSeconds) }
}

/// Profile views collected on a reader thread, grouped by therapist for
/// ``MarketplaceFacts/apply(views:)``: views are most of a history's events,
/// and folding them one by one (an event each, a dictionary look-up each)
/// took about 40% of a 14M-event replay's CPU time on the one folding thread.
/// Collecting hashes each therapist id on the reader; ``finish()`` then
/// orders the times by therapist, keeping each therapist's in log order.
public struct ProfileViewBatch: Sendable {
    /// The therapists, in order of their first view in the batch.
    public private(set) var therapistIds: [String] = []
    /// Group `g`'s times are `times[starts[g]..<starts[g + 1]]` once finished.
    var starts: [Int] = []
    var times: [Int32] = []
    /// Each view's group, in log order (emptied by ``finish()``).
    private var groups: [Int32] = []
    /// Groups by id: ids of up to 16 bytes (every generated one) in an open
    /// table keyed by their bytes, which costs a multiplication where
    /// `Dictionary` runs SipHash over the string; longer ids in `groupOf`.
    private var slots: [Int32] = []
    private var slotKeys: [ShortKey] = []
    private var groupOf: [String: Int32] = [:]

    /// An id's UTF-8 bytes, zero-padded, and its length.
    struct ShortKey: Equatable {
        var low: UInt64
        var high: UInt64
        var count: Int

        init?(_ id: String) {
            var id = id
            guard let key = id.withUTF8({ bytes -> ShortKey? in
                guard bytes.count <= 16 else { return nil }
                var words: (UInt64, UInt64) = (0, 0)
                withUnsafeMutableBytes(of: &words) { raw in
                    if let base = bytes.baseAddress { raw.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
                }
                return ShortKey(low: words.0, high: words.1, count: bytes.count)
            }) else { return nil }
            self = key
        }

        private init(low: UInt64, high: UInt64, count: Int) {
            (self.low, self.high, self.count) = (low, high, count)
        }

        func withCount(_ count: Int) -> ShortKey { ShortKey(low: low, high: high, count: count) }

        var hash: Int {
            let mixed = (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
            return Int(truncatingIfNeeded: ((mixed ^ (mixed >> 29)) &* 0xBF58_476D_1CE4_E5B9) >> 32)
        }
    }
    /// The last position and latest business time among the views.
    public private(set) var lastPosition: Int64 = 0
    public private(set) var latestOccurredAt = Timestamp(microsecondsSinceEpoch: 0)
    private var finished = false

    public init() {}

    /// Whether ``finish()`` has ordered the batch.
    public var isFinished: Bool { finished }

    /// Views collected.
    public var count: Int { times.count }

    /// A view of `therapistId`'s profile at `occurredAt`, at `position` (after those added before).
    public mutating func add(therapistId: String, occurredAt: Timestamp, position: Int64) {
        precondition(!finished, "a finished batch takes no more views")
        groups.append(group(of: therapistId))
        times.append(ViewTime.compact(occurredAt))
        lastPosition = position
        if occurredAt > latestOccurredAt { latestOccurredAt = occurredAt }
    }

    private mutating func group(of therapistId: String) -> Int32 {
        guard let key = ShortKey(therapistId) else {
            if let known = groupOf[therapistId] { return known }
            return newGroup(therapistId, key: nil)
        }
        if slots.isEmpty { slots = [Int32](repeating: -1, count: 1024) }
        let mask = slots.count - 1
        var slot = key.hash & mask
        while true {
            let group = slots[slot]
            if group < 0 { break }
            if slotKeys[Int(group)] == key { return group }
            slot = (slot + 1) & mask
        }
        let group = newGroup(therapistId, key: key)
        slots[slot] = group
        if slotKeys.count * 2 > slots.count { rehash() }
        return group
    }

    private mutating func newGroup(_ therapistId: String, key: ShortKey?) -> Int32 {
        let group = Int32(therapistIds.count)
        therapistIds.append(therapistId)
        // Long ids keep a placeholder key that no short id equals.
        slotKeys.append(key ?? ShortKey("")!.withCount(-1))
        if key == nil { groupOf[therapistId] = group }
        return group
    }

    private mutating func rehash() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (group, key) in slotKeys.enumerated() where key.count >= 0 {
            var slot = key.hash & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(group)
        }
    }

    /// Orders the times by therapist (a counting sort: stable, so each
    /// therapist's stay in log order) and lets the look-up table go.
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        var starts = [Int](repeating: 0, count: therapistIds.count + 1)
        for group in groups { starts[Int(group) + 1] += 1 }
        for index in 0..<therapistIds.count { starts[index + 1] += starts[index] }
        var next = starts
        var ordered = [Int32](repeating: 0, count: times.count)
        for (index, group) in groups.enumerated() {
            ordered[next[Int(group)]] = times[index]
            next[Int(group)] += 1
        }
        self.starts = starts
        times = ordered
        groups = []
        groupOf = [:]
        slots = []
        slotKeys = []
    }
}
