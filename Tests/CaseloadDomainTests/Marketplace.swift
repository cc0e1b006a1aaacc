import CaseloadCoding
import CaseloadDomain

/// A small in-memory marketplace for given/when/then tests: it routes each
/// event to its stream's state, checking it with the rules on the way (so a
/// test's "given" is itself a valid history) and picks the states a command
/// or event needs the way the application layer does.
struct Marketplace {
    var therapists: [String: TherapistState] = [:]
    var profiles: [String: ProfileState] = [:]
    var cases: [String: CaseState] = [:]

    /// Records `event` as having happened: checked, then folded.
    mutating func given(_ event: CaseloadEvent, by actor: Initiator, at time: String) throws(DomainError) {
        try check(event, by: actor, at: time)
        apply(event, at: at(time))
    }

    /// Records events a command produced.
    mutating func apply(_ events: [CaseloadEvent], at time: String) {
        for event in events { apply(event, at: at(time)) }
    }

    mutating func apply(_ event: CaseloadEvent, at time: Timestamp) {
        switch event.type.streamCategory {
        case .therapist:
            TherapistState.evolve(&therapists[event.streamName.id], event, occurredAt: time)
        case .profile:
            ProfileState.evolve(&profiles[event.streamName.id], event, occurredAt: time)
        case .case:
            CaseState.evolve(&cases[event.streamName.id], event, occurredAt: time)
        case .client:
            break
        }
    }

    func check(_ event: CaseloadEvent, by actor: Initiator, at time: String) throws(DomainError) {
        try Rules.check(event, occurredAt: at(time), actor: actor, states: states(event.stateNeeds))
    }

    func decide(_ command: Command, by actor: Initiator, at time: String) throws(DomainError) -> [CaseloadEvent] {
        try Rules.decide(command, actor: actor, at: at(time), states: states(command.stateNeeds))
    }

    /// The states `needs` names, as the application layer loads them.
    func states(_ needs: StateNeeds) -> RuleStates {
        needs.states(case: { cases[$0] }, therapist: { therapists[$0] }, profile: { profiles[$0] })
    }

    /// Decides and records; returns the events.
    @discardableResult
    mutating func run(_ command: Command, by actor: Initiator, at time: String) throws(DomainError) -> [CaseloadEvent] {
        let events = try decide(command, by: actor, at: time)
        apply(events, at: time)
        return events
    }
}

// The cast of most rule tests: therapist t1 (joined 1 Jan), client k1, case c1
// opened 1 Mar 09:00 UTC, support agent a7.
let therapist = Initiator.therapist("t1")
let client = Initiator.client("k1")
let support = Initiator.support("a7")
let scheduler = Initiator.system("scheduler")
let antifraud = Initiator.system("antifraud")

extension Marketplace {
    /// Therapist t1 joined; client k1 opened case c1 with t1.
    static func withOpenCase() throws(DomainError) -> Marketplace {
        var market = Marketplace()
        try market.given(.therapistJoined(TherapistJoined(therapistId: "t1")), by: support, at: "2024-01-01T00:00:00Z")
        try market.given(
            .inquiryOpened(
                InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false)),
            by: client, at: "2024-03-01T09:00:00Z")
        return market
    }

    /// Books session `id` in c1 for `start`, at `time`.
    mutating func book(_ id: String, start: String, at time: String) throws(DomainError) {
        try given(
            .sessionBooked(SessionBooked(caseId: "c1", sessionId: id, scheduledStart: at(start), price: eur3000)),
            by: client, at: time)
    }

    mutating func hold(_ id: String, at time: String) throws(DomainError) {
        try given(.sessionHeld(SessionHeld(caseId: "c1", sessionId: id)), by: therapist, at: time)
    }
}

extension Marketplace {
    /// The error deciding `command` throws, or nil when it is accepted.
    func refusal(of command: Command, by actor: Initiator, at time: String) -> DomainError? {
        do {
            _ = try decide(command, by: actor, at: time)
            return nil
        } catch {
            return error
        }
    }

    /// The error checking a recorded `event` throws, or nil when it is accepted.
    func refusal(ofEvent event: CaseloadEvent, by actor: Initiator, at time: String) -> DomainError? {
        do {
            try check(event, by: actor, at: time)
            return nil
        } catch {
            return error
        }
    }
}
