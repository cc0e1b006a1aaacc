public import CaseloadCoding

/// An event or command refused by the marketplace's rules. Names the stream,
/// the event type, the actor and time when known, and the rule broken.
public struct DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which rule was broken, as a value to switch on (new codes may be added).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case invalidField, invalidActor, actorNotAllowed, actorNotParticipant
            case missingState, stateMismatch, occurredAtWentBackwards
            case therapistAlreadyJoined, therapistNotJoined
            case caseAlreadyOpened, caseNotOpened, rematchMismatch
            case sessionAlreadyBooked, sessionNotBooked, sessionAlreadySettled
            case bookingWhileExcluded, bookingAfterRefusal, bookingAfterEnd
            case cancellationTermsMismatch, caseAlreadyEnded
            case exclusionAfterSession, exclusionAlreadyRequested, chatAlreadyExcluded
            case noPendingExclusionRequest, chatNotExcluded
            case refusalBeforeFirstSession, refusalAfterSecondBooking, refusalAlreadyFiled, noOpenRefusal
            case invalidRematch
            case antifraudFlagAlreadyOpen, noOpenAntifraudFlag, antifraudFlagAlreadyDisputed
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A field breaks the contract (an empty id, a negative price, …).
        public static let invalidField = Code(.invalidField)
        /// The actor's id breaks the id rules.
        public static let invalidActor = Code(.invalidActor)
        /// This kind of actor may not cause this event.
        public static let actorNotAllowed = Code(.actorNotAllowed)
        /// The right kind of actor, but not the case's client or therapist (or not the therapist whose stream it is).
        public static let actorNotParticipant = Code(.actorNotParticipant)
        /// The caller did not give a state the rule needs (the case's therapist, the re-matched case, …).
        public static let missingState = Code(.missingState)
        /// The state given belongs to another stream than the event's.
        public static let stateMismatch = Code(.stateMismatch)
        /// The event's `occurredAt` is before the stream's last event.
        public static let occurredAtWentBackwards = Code(.occurredAtWentBackwards)
        public static let therapistAlreadyJoined = Code(.therapistAlreadyJoined)
        /// The therapist has not joined (or joined after the event).
        public static let therapistNotJoined = Code(.therapistNotJoined)
        public static let caseAlreadyOpened = Code(.caseAlreadyOpened)
        /// A case event before the case's InquiryOpened.
        public static let caseNotOpened = Code(.caseNotOpened)
        /// An InquiryOpened re-matching from a case whose refusal was not resolved into this case.
        public static let rematchMismatch = Code(.rematchMismatch)
        public static let sessionAlreadyBooked = Code(.sessionAlreadyBooked)
        public static let sessionNotBooked = Code(.sessionNotBooked)
        /// The session was already held, cancelled or missed.
        public static let sessionAlreadySettled = Code(.sessionAlreadySettled)
        public static let bookingWhileExcluded = Code(.bookingWhileExcluded)
        public static let bookingAfterRefusal = Code(.bookingAfterRefusal)
        public static let bookingAfterEnd = Code(.bookingAfterEnd)
        /// A cancellation's `policyNoticeHours`/`late` differ from what the rules compute.
        public static let cancellationTermsMismatch = Code(.cancellationTermsMismatch)
        public static let caseAlreadyEnded = Code(.caseAlreadyEnded)
        /// Exclusion asked or granted for a case with a held or charged session.
        public static let exclusionAfterSession = Code(.exclusionAfterSession)
        public static let exclusionAlreadyRequested = Code(.exclusionAlreadyRequested)
        public static let chatAlreadyExcluded = Code(.chatAlreadyExcluded)
        public static let noPendingExclusionRequest = Code(.noPendingExclusionRequest)
        public static let chatNotExcluded = Code(.chatNotExcluded)
        public static let refusalBeforeFirstSession = Code(.refusalBeforeFirstSession)
        public static let refusalAfterSecondBooking = Code(.refusalAfterSecondBooking)
        public static let refusalAlreadyFiled = Code(.refusalAlreadyFiled)
        public static let noOpenRefusal = Code(.noOpenRefusal)
        /// A re-match to the same therapist.
        public static let invalidRematch = Code(.invalidRematch)
        public static let antifraudFlagAlreadyOpen = Code(.antifraudFlagAlreadyOpen)
        public static let noOpenAntifraudFlag = Code(.noOpenAntifraudFlag)
        public static let antifraudFlagAlreadyDisputed = Code(.antifraudFlagAlreadyDisputed)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// The stream the event belongs to, such as `case-c1`.
    public var stream: String
    /// The event type refused, such as `SessionBooked`.
    public var eventType: String
    public var actor: Initiator?
    public var occurredAt: Timestamp?
    /// The rule broken, in words.
    public var rule: String

    public init(
        code: Code, stream: String, eventType: String, actor: Initiator? = nil, occurredAt: Timestamp? = nil, rule: String
    ) {
        self.code = code
        self.stream = stream
        self.eventType = eventType
        self.actor = actor
        self.occurredAt = occurredAt
        self.rule = rule
    }

    /// `case-c1: SessionBooked by client:c1 at 2024-03-01T09:00:00Z refused: the chat is excluded …`.
    public var message: String {
        var text = "\(stream): \(eventType)"
        if let actor { text += " by \(actor)" }
        if let occurredAt { text += " at \(occurredAt)" }
        return text + " refused: " + rule
    }

    public var description: String { message }
}
