public import CaseloadCoding
public import CaseloadDomain

/// A therapist of a generated history, with the archetype the generator gave
/// them: the ground truth against which rating rules can be judged.
public struct GeneratedTherapist: Sendable, Hashable {
    public var id: String
    public var archetype: TherapistArchetype
    public var joinedAt: Timestamp
}

/// What a generation made.
public struct GenerationSummary: Sendable, Hashable {
    public var parameters: GeneratorParameters
    /// Events generated (and, for a store, appended).
    public var events: Int
    public var eventsByType: [EventType: Int]
    public var therapists: [GeneratedTherapist]
    /// Clients who wrote (a re-matched client is counted once).
    public var clients: Int
    /// Cases whose first session was held or charged.
    public var convertedCases: Int
    /// Cases opened by support for a client re-matched after a refusal.
    public var rematchedCases: Int
    /// Cases still running when the history ends.
    public var openCasesAtEnd: Int
    public var firstOccurredAt: Timestamp?
    public var lastOccurredAt: Timestamp?
    /// Positions of the first and last appended event (store only).
    public var firstPosition: Int64?
    public var lastPosition: Int64?
    /// Store transactions committed (store only).
    public var transactions = 0
    /// Wall-clock time of the run.
    public var elapsedSeconds = 0.0

    public init(
        parameters: GeneratorParameters, events: Int, eventsByType: [EventType: Int], therapists: [GeneratedTherapist],
        clients: Int, convertedCases: Int, rematchedCases: Int, openCasesAtEnd: Int, firstOccurredAt: Timestamp?, lastOccurredAt: Timestamp?
    ) {
        self.parameters = parameters
        self.events = events
        self.eventsByType = eventsByType
        self.therapists = therapists
        self.clients = clients
        self.convertedCases = convertedCases
        self.rematchedCases = rematchedCases
        self.openCasesAtEnd = openCasesAtEnd
        self.firstOccurredAt = firstOccurredAt
        self.lastOccurredAt = lastOccurredAt
    }

    /// Cases opened (inquiries, re-matches included).
    public var cases: Int { eventsByType[.inquiryOpened] ?? 0 }

    /// Therapists per archetype.
    public var therapistsByArchetype: [TherapistArchetype: Int] {
        therapists.reduce(into: [:]) { $0[$1.archetype, default: 0] += 1 }
    }

    /// Events per second of wall-clock time.
    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(events) / elapsedSeconds : 0 }
}
