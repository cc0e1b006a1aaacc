public import CaseloadCoding

/// The streams whose states the rules need to judge an event or decide a
/// command: the one answer to "what must be loaded first", used by live
/// commands, import, verification, the generator and the tests alike.
///
/// Pure: it names streams by their ids; a caller reads them however its
/// store does. The case comes first, because a case event is judged against
/// the case's therapist, known only once the case is loaded
/// (``therapist(of:)``). Other modules get one from an event, an input or a
/// command (`stateNeeds`), never build one.
public struct StateNeeds: Sendable, Hashable {
    /// The case judged in (nil state until it opens).
    public var caseId: String?
    /// The therapist the event or command names (its stream's, or the one an
    /// inquiry is addressed to). Nil for other case events: they need the
    /// case's therapist.
    public var therapistId: String?
    /// The profile whose clock a view is judged against.
    public var profileId: String?
    /// A re-matched inquiry's refused case.
    public var originCaseId: String?
    /// A re-matching resolution's new therapist.
    public var newTherapistId: String?
    /// A re-matching resolution's new case: no rule reads it, but the append
    /// expects its version (none yet).
    public var newCaseId: String?
    /// An erasure's client stream: no rule reads it, but an append expects its version.
    public var clientId: String?

    /// The therapist whose state the rules need, given the case's state once
    /// loaded: the one named, else the case's.
    public func therapist(of caseState: CaseState?) -> String? {
        therapistId ?? caseState?.therapistId
    }

    /// The states to judge or decide with, taken from what the caller holds;
    /// each closure is asked only for a stream this needs, the case first.
    public func states(
        case caseState: (String) throws -> CaseState?,
        therapist therapistState: (String) throws -> TherapistState?,
        profile profileState: (String) throws -> ProfileState?
    ) rethrows -> RuleStates {
        var states = RuleStates()
        if let caseId { states.caseState = try caseState(caseId) }
        if let therapistId = therapist(of: states.caseState) { states.therapistState = try therapistState(therapistId) }
        if let profileId { states.profileState = try profileState(profileId) }
        if let originCaseId { states.originCaseState = try caseState(originCaseId) }
        if let newTherapistId { states.newTherapistState = try therapistState(newTherapistId) }
        if let newCaseId { states.newCaseState = try caseState(newCaseId) }
        return states
    }
}

/// The states of the streams a ``StateNeeds`` names, folded up to just
/// before the event or command: what ``Rules`` judges against.
public struct RuleStates: Sendable {
    public var caseState: CaseState?
    public var therapistState: TherapistState?
    public var profileState: ProfileState?
    public var originCaseState: CaseState?
    public var newTherapistState: TherapistState?
    /// A re-matching resolution's new case: nil unless that id is taken.
    public var newCaseState: CaseState?
}

extension DecodedInput {
    /// The streams whose states the rules need to complete and judge the input.
    public var stateNeeds: StateNeeds {
        switch content {
        case .event(let event): event.stateNeeds
        case .incompleteCancellation(let input): StateNeeds(caseId: input.caseId)
        }
    }
}

extension Command {
    /// The streams whose states the rules need to decide the command.
    public var stateNeeds: StateNeeds {
        var needs = StateNeeds(caseId: caseId, therapistId: therapistId)
        switch self {
        case .recordProfileView(let therapistId, _):
            needs.profileId = therapistId
        case .resolveRefusal(_, .rematched, let newCaseId, let newTherapistId):
            needs.newTherapistId = newTherapistId
            needs.newCaseId = newCaseId
        default:
            break
        }
        return needs
    }
}

extension Rules {
    /// ``check(_:occurredAt:actor:caseState:therapistState:profileState:originCaseState:)``
    /// with the states the event's ``CaseloadEvent/stateNeeds`` named.
    public static func check(_ event: CaseloadEvent, occurredAt: Timestamp, actor: Initiator, states: RuleStates)
        throws(DomainError)
    {
        try check(
            event, occurredAt: occurredAt, actor: actor, caseState: states.caseState,
            therapistState: states.therapistState, profileState: states.profileState,
            originCaseState: states.originCaseState)
    }

    /// ``decide(_:actor:at:caseState:therapistState:profileState:newTherapistState:newCaseState:)``
    /// with the states the command's ``Command/stateNeeds`` named.
    public static func decide(_ command: Command, actor: Initiator, at time: Timestamp, states: RuleStates)
        throws(DomainError) -> [CaseloadEvent]
    {
        try decide(
            command, actor: actor, at: time, caseState: states.caseState, therapistState: states.therapistState,
            profileState: states.profileState, newTherapistState: states.newTherapistState,
            newCaseState: states.newCaseState)
    }
}
