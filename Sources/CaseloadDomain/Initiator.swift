/// Who initiated an event (its "actor" in the log and the JSON): a client, a
/// therapist, a support agent or a part of the system (scheduler, billing,
/// antifraud, …). Named for its role in the domain, not `Actor`, which would
/// shadow Swift's.
///
/// Written as `kind:id` (`client:c-17`, `support:agent-7`, `system:antifraud`).
/// The id is everything after the first colon, so it may itself contain colons.
public struct Initiator: Sendable, Hashable, CustomStringConvertible {
    /// The kinds of actor the marketplace knows.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case client, therapist, support, system
    }

    public var kind: Kind
    public var id: String

    /// An actor from its parts; ``Rules/check(_:occurredAt:actor:caseState:therapistState:profileState:originCaseState:)``
    /// validates the id.
    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }

    public static func client(_ id: String) -> Initiator { Initiator(kind: .client, id: id) }
    public static func therapist(_ id: String) -> Initiator { Initiator(kind: .therapist, id: id) }
    public static func support(_ id: String) -> Initiator { Initiator(kind: .support, id: id) }
    public static func system(_ id: String) -> Initiator { Initiator(kind: .system, id: id) }

    /// Reads `kind:id`, rejecting an unknown kind and an id that breaks the
    /// contract's id rules (non-empty, at most 128 characters, no control
    /// characters) or the actor pattern (no white space, not starting with ':').
    public init(parsing text: String) throws(InitiatorParseError) {
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw InitiatorParseError(text: text, reason: "expected 'kind:id', such as 'client:c-17' or 'support:agent-7'")
        }
        let kindText = String(text[..<colon])
        guard let kind = Kind(rawValue: kindText) else {
            throw InitiatorParseError(
                text: text, reason: "unknown actor kind '\(kindText)' (expected client, therapist, support or system)")
        }
        let id = String(text[text.utf8.index(after: colon)...])
        if let problem = Validate.actorIDProblem(id) {
            throw InitiatorParseError(text: text, reason: "the id \(problem)")
        }
        self.init(kind: kind, id: id)
    }

    /// `kind:id`.
    public var description: String { "\(kind.rawValue):\(id)" }
}

/// An actor text that is not `kind:id` with a known kind and a valid id.
public struct InitiatorParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    public var reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "invalid actor '\(text)': \(reason)" }
}
