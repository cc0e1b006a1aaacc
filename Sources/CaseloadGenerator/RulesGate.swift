import Caseload
import CaseloadCoding
import CaseloadDomain

/// Every generated event passes through here before it goes anywhere: it is
/// judged by `MarketplaceState.judge` — the rules import applies — against
/// the states of the streams it concerns, then applied, exactly as import
/// does. A refusal is a bug in the generator.
///
/// Memory stays bounded: `MarketplaceState` keeps every stream it has seen,
/// so once finished cases outnumber open ones the gate starts a fresh state
/// and replays into it what is still needed — the therapist streams, the
/// events of open cases (kept here for that), and each profile's last view
/// (the rules read only a profile's clock). Replayed states are the states
/// import would hold for those streams, so judging stays exact. The cost is
/// amortised: a rebuild replays no more than the events kept since the last.
struct RulesGate {
    private var state = MarketplaceState()
    /// Events of cases that may still have events, by case id.
    private var openCases: [String: [(CaseloadEvent, Timestamp)]] = [:]
    private var therapistStreams: [String: [(CaseloadEvent, Timestamp)]] = [:]
    private var lastViews: [String: (event: CaseloadEvent, at: Timestamp, version: Int64)] = [:]
    /// Cases the state holds beyond the open ones before a rebuild (tests set it low).
    var rebuildSlack = 10_000
    private(set) var rebuilds = 0

    /// Cases opened and not finished.
    var openCaseCount: Int { openCases.count }

    /// Judges and applies `event`; returns its version in its stream.
    mutating func admit(_ event: CaseloadEvent, occurredAt: Timestamp, actor: Initiator) throws(DomainError)
        -> Int64
    {
        try state.judge(event, occurredAt: occurredAt, actor: actor)
        state.apply(event, occurredAt: occurredAt)
        switch event {
        case .profileViewed(let view):
            let version = (lastViews[view.therapistId]?.version ?? 0) + 1
            lastViews[view.therapistId] = (event, occurredAt, version)
            return version
        case .therapistJoined(let e):
            return Self.append(event, occurredAt, to: &therapistStreams[e.therapistId, default: []])
        case .cancellationPolicySet(let e):
            return Self.append(event, occurredAt, to: &therapistStreams[e.therapistId, default: []])
        default:
            return Self.append(event, occurredAt, to: &openCases[event.streamName.id, default: []])
        }
    }

    private static func append(
        _ event: CaseloadEvent, _ occurredAt: Timestamp, to events: inout [(CaseloadEvent, Timestamp)]
    ) -> Int64 {
        events.append((event, occurredAt))
        return Int64(events.count)
    }

    /// The case will have no more events: its state may be dropped.
    mutating func close(caseId: String) {
        openCases[caseId] = nil
        if state.cases.count > 2 * openCases.count + rebuildSlack { rebuild() }
    }

    private mutating func rebuild() {
        var fresh = MarketplaceState()
        for events in therapistStreams.values {
            for (event, at) in events { fresh.apply(event, occurredAt: at) }
        }
        for view in lastViews.values { fresh.apply(view.event, occurredAt: view.at) }
        for events in openCases.values {
            for (event, at) in events { fresh.apply(event, occurredAt: at) }
        }
        state = fresh
        rebuilds += 1
    }
}
