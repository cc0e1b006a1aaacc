import Caseload
import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import EventStore

/// Statistics worked out straight from the log's events, by the
/// definitions as DOMAIN.md and the comment on `MarketplaceFacts.snapshot`
/// state them — written plainly, apart from the facts fold, the snapshot,
/// `Metric` and `explain`, so that it can tell them wrong. Slow on purpose:
/// every figure is a fresh pass over the cases.
struct StatisticsOracle {
    enum SessionKind { case held, lateCancellation, noShow }

    struct Session {
        var at: Timestamp
        var price: Int64
        var kind: SessionKind
    }

    struct Case {
        var id: String
        var therapist: String
        var opened: Timestamp
        var firstReply: Timestamp?
        /// Charged sessions, in log order.
        var charged: [Session] = []
        /// Cancellations without charge.
        var early: [Timestamp] = []
        var exclusions: [(from: Timestamp, until: Timestamp?)] = []
        var refused: Timestamp?
    }

    /// A figure: its value and, for a rate, what it divides.
    struct Figure: Equatable {
        var value: Double?
        var numerator: Double?
        var denominator: Double?
    }

    /// Every figure the oracle knows, by its published name.
    static let names = [
        "profileViews", "inquiries", "excludedInquiries", "countedInquiries", "repliedInquiries",
        "medianFirstResponseSeconds", "firstSessions", "conversionToFirstSession", "refusals", "sessionsHeld",
        "lateCancellations", "earlyCancellations", "noShows", "clientsWithSecondSession", "returnRate",
        "sessionsPerClient", "sessionRevenue", "platformFees", "profileEfficiency", "retainedClients",
        "chargedSessions", "platformFeesPerChargedSession", "platformFeesPerCountedInquiry",
    ]

    /// Cases in the order they were opened.
    private(set) var cases: [Case] = []
    private(set) var views: [String: [Timestamp]] = [:]

    init(events: [RecordedEvent]) throws {
        var index: [String: Int] = [:]
        var booked: [String: [String: Int64]] = [:]
        for record in events {
            let at = record.metadata.occurredAt
            switch try record.domainEvent() {
            case .profileViewed(let e):
                views[e.therapistId, default: []].append(at)
            case .inquiryOpened(let e):
                index[e.caseId] = cases.count
                cases.append(Case(id: e.caseId, therapist: e.therapistId, opened: at))
            case .therapistReplied(let e):
                if cases[index[e.caseId]!].firstReply == nil { cases[index[e.caseId]!].firstReply = at }
            case .sessionBooked(let e):
                booked[e.caseId, default: [:]][e.sessionId] = e.price.amount
            case .sessionHeld(let e):
                cases[index[e.caseId]!].charged.append(Session(at: at, price: booked[e.caseId]![e.sessionId]!, kind: .held))
            case .sessionMissed(let e):
                cases[index[e.caseId]!].charged.append(Session(at: at, price: booked[e.caseId]![e.sessionId]!, kind: .noShow))
            case .sessionCancelled(let e):
                if e.late {
                    cases[index[e.caseId]!].charged.append(
                        Session(at: at, price: booked[e.caseId]![e.sessionId]!, kind: .lateCancellation))
                } else {
                    cases[index[e.caseId]!].early.append(at)
                }
            case .chatExcluded(let e):
                cases[index[e.caseId]!].exclusions.append((at, nil))
            case .exclusionRevoked(let e):
                let i = index[e.caseId]!
                cases[i].exclusions[cases[i].exclusions.count - 1].until = at
            case .refusalFiled(let e):
                if cases[index[e.caseId]!].refused == nil { cases[index[e.caseId]!].refused = at }
            default:
                break
            }
        }
    }

    /// Every figure of `therapist` over `window` as of `asOf`, by name.
    func figures(of therapist: String, window: StatisticsWindow, asOf: Timestamp) -> [String: Figure] {
        let seconds = window.days.map { Int64($0) * 86_400 }
        func inWindow(_ t: Timestamp) -> Bool {
            t <= asOf && (seconds.map { t.microsecondsSinceEpoch > asOf.microsecondsSinceEpoch - $0 * 1_000_000 } ?? true)
        }
        let (sessionsOwed, percent): (Int64, Int64) = switch window.feeModel {
        case .firstClientFee(let sessions, let percent): (Int64(sessions), Int64(percent))
        case .flatCommission(let percent): (0, Int64(percent))
        }

        var n: [String: Int64] = [:]
        var responses: [Double] = []
        for c in cases where c.therapist == therapist && c.opened <= asOf {
            let excluded = window.honourExclusions
                && c.exclusions.contains { $0.from <= asOf && ($0.until.map { asOf < $0 } ?? true) }
            let refused = c.refused.map { $0 <= asOf } ?? false
            if inWindow(c.opened) {
                n["inquiries", default: 0] += 1
                if excluded {
                    n["excludedInquiries", default: 0] += 1
                } else {
                    n["countedInquiries", default: 0] += 1
                    if let reply = c.firstReply, reply <= asOf {
                        n["repliedInquiries", default: 0] += 1
                        responses.append(Double(reply.microsecondsSinceEpoch - c.opened.microsecondsSinceEpoch) / 1e6)
                    }
                    if let first = c.charged.first, first.at <= asOf { n["firstSessions", default: 0] += 1 }
                    if refused { n["refusals", default: 0] += 1 }
                }
            }
            let byAsOf = c.charged.filter { $0.at <= asOf }
            let inside = byAsOf.filter { inWindow($0.at) }
            for s in inside {
                switch s.kind {
                case .held: n["sessionsHeld", default: 0] += 1
                case .lateCancellation: n["lateCancellations", default: 0] += 1
                case .noShow: n["noShows", default: 0] += 1
                }
                n["sessionRevenue", default: 0] += s.price
                n["platformFees", default: 0] += (s.price * percent + 50) / 100
            }
            n["chargedSessions", default: 0] += Int64(inside.count)
            n["earlyCancellations", default: 0] += Int64(c.early.filter(inWindow).count)
            if let first = c.charged.first, inWindow(first.at) { n["platformFees", default: 0] += sessionsOwed * first.price }
            if !inside.isEmpty, !excluded, !(window.honourRefusals && refused) {
                n["retainedClients", default: 0] += 1
                n["retainedSessions", default: 0] += Int64(inside.count)
                if byAsOf.count >= 2 { n["clientsWithSecondSession", default: 0] += 1 }
            }
        }
        n["profileViews"] = Int64(views[therapist, default: []].filter(inWindow).count)

        var figures: [String: Figure] = [:]
        for name in Self.names { figures[name] = Figure(value: Double(n[name, default: 0])) }
        func rate(_ name: String, _ numerator: String, _ denominator: String) {
            let top = Double(n[numerator, default: 0]), bottom = Double(n[denominator, default: 0])
            figures[name] = Figure(value: bottom == 0 ? nil : top / bottom, numerator: top, denominator: bottom)
        }
        rate("conversionToFirstSession", "firstSessions", "countedInquiries")
        rate("returnRate", "clientsWithSecondSession", "retainedClients")
        rate("sessionsPerClient", "retainedSessions", "retainedClients")
        rate("profileEfficiency", "inquiries", "profileViews")
        rate("platformFeesPerChargedSession", "platformFees", "chargedSessions")
        rate("platformFeesPerCountedInquiry", "platformFees", "countedInquiries")
        let sorted = responses.sorted()
        figures["medianFirstResponseSeconds"] = Figure(
            value: sorted.isEmpty
                ? nil
                : sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2)
        return figures
    }
}
