public import CaseloadCoding
public import CaseloadDomain

/// The states of the streams a piece of work has touched, with their
/// versions: what import and verification judge each next event against.
///
/// Which states an event needs is the domain's answer (``StateNeeds``: the
/// case, its therapist for a cancellation's policy, the origin case of a
/// re-match); this asks `load` for a stream the first time it needs it.
public struct MarketplaceState: Sendable {
    public struct Versioned<State: Sendable>: Sendable {
        public var state: State?
        public var version: Int64
    }

    public private(set) var cases: [String: Versioned<CaseState>] = [:]
    public private(set) var therapists: [String: Versioned<TherapistState>] = [:]
    public private(set) var profiles: [String: Versioned<ProfileState>] = [:]
    /// Client streams hold no state the rules consult, only their version.
    public private(set) var clients: [String: Int64] = [:]

    public init() {}

    /// Events already in a stream, oldest first, with when they happened:
    /// how a stream's state is loaded the first time it is needed.
    public typealias Loader = (_ stream: StreamName) throws -> [(CaseloadEvent, Timestamp)]

    /// The version the next append to `stream` should expect.
    public func version(of stream: StreamName) -> Int64? {
        switch stream.category {
        case .case: cases[stream.id]?.version
        case .therapist: therapists[stream.id]?.version
        case .profile: profiles[stream.id]?.version
        case .client: clients[stream.id]
        }
    }

    public func caseState(_ caseId: String) -> CaseState? { cases[caseId]?.state }
    public func therapistState(_ therapistId: String) -> TherapistState? { therapists[therapistId]?.state }

    mutating func loadCase(_ caseId: String, _ load: Loader) throws {
        guard cases[caseId] == nil else { return }
        let events = try load(StreamName(.case, caseId))
        cases[caseId] = Versioned(state: CaseState.fold(events), version: Int64(events.count))
    }

    mutating func loadTherapist(_ therapistId: String, _ load: Loader) throws {
        guard therapists[therapistId] == nil else { return }
        let events = try load(StreamName(.therapist, therapistId))
        therapists[therapistId] = Versioned(state: TherapistState.fold(events), version: Int64(events.count))
    }

    mutating func loadProfile(_ therapistId: String, _ load: Loader) throws {
        guard profiles[therapistId] == nil else { return }
        let events = try load(StreamName(.profile, therapistId))
        profiles[therapistId] = Versioned(state: ProfileState.fold(events), version: Int64(events.count))
    }

    /// Loads whatever `input` will be judged against (its ``DecodedInput/stateNeeds``).
    public mutating func prepare(for input: DecodedInput, _ load: Loader) throws {
        let needs = input.stateNeeds
        if let caseId = needs.caseId { try loadCase(caseId, load) }
        if let therapistId = needs.therapist(of: needs.caseId.flatMap { cases[$0]?.state }) {
            try loadTherapist(therapistId, load)
        }
        if let profileId = needs.profileId { try loadProfile(profileId, load) }
        if let originCaseId = needs.originCaseId { try loadCase(originCaseId, load) }
        if let clientId = needs.clientId, clients[clientId] == nil {
            clients[clientId] = Int64(try load(StreamName(.client, clientId)).count)
        }
    }

    /// Completes `input` (a cancellation's terms), judges it by the rules
    /// against the loaded states and, if it passes, applies it. Call
    /// ``prepare(for:_:)`` first.
    public mutating func judgeAndApply(
        _ input: DecodedInput, occurredAt: Timestamp, actor: Initiator
    ) throws(DomainError) -> CaseloadEvent {
        let states = states(input.stateNeeds)
        let event = try input.completed(
            occurredAt: occurredAt, caseState: states.caseState, therapistState: states.therapistState)
        try judge(event, occurredAt: occurredAt, actor: actor)
        apply(event, occurredAt: occurredAt)
        return event
    }

    /// Throws unless `event` may follow the loaded states.
    public func judge(_ event: CaseloadEvent, occurredAt: Timestamp, actor: Initiator) throws(DomainError) {
        try Rules.check(event, occurredAt: occurredAt, actor: actor, states: states(event.stateNeeds))
    }

    /// The loaded states `needs` names (nil for a stream not loaded or still empty).
    private func states(_ needs: StateNeeds) -> RuleStates {
        needs.states(case: { cases[$0]?.state }, therapist: { therapists[$0]?.state }, profile: { profiles[$0]?.state })
    }

    /// Folds `event` into the state of its stream and counts its version.
    public mutating func apply(_ event: CaseloadEvent, occurredAt: Timestamp) {
        // Mutated in place through the dictionaries' subscripts: copying a
        // state out and back would copy its session table on every event.
        switch event.type.streamCategory {
        case .case:
            let caseId = event.caseId!
            if cases[caseId] == nil { cases[caseId] = Versioned(state: nil, version: 0) }
            CaseState.evolve(&cases[caseId]!.state, event, occurredAt: occurredAt)
            cases[caseId]!.version += 1
        case .therapist:
            let therapistId = event.therapistId!
            if therapists[therapistId] == nil { therapists[therapistId] = Versioned(state: nil, version: 0) }
            TherapistState.evolve(&therapists[therapistId]!.state, event, occurredAt: occurredAt)
            therapists[therapistId]!.version += 1
        case .profile:
            let therapistId = event.therapistId!
            if profiles[therapistId] == nil { profiles[therapistId] = Versioned(state: nil, version: 0) }
            ProfileState.evolve(&profiles[therapistId]!.state, event, occurredAt: occurredAt)
            profiles[therapistId]!.version += 1
        case .client:
            // Client streams (erasures) carry no state the rules consult.
            if case .clientDataErased(let erased) = event { clients[erased.clientId, default: 0] += 1 }
        }
    }
}
