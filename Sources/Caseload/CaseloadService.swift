public import CaseloadCoding
public import CaseloadDomain
public import EventStore
public import struct Foundation.UUID

/// The backend's entry point: a command with its actor and time → load the
/// streams it concerns → decide by the marketplace's rules → append with the
/// expected versions, retrying on a concurrency conflict.
///
/// Time and the command id come in as parameters. The command id is the id of
/// its first event (later events' ids derive from it), so a backend that
/// retries a command after a timeout gets the originally recorded events back
/// instead of a second copy or a rule violation.
public struct CaseloadService: Sendable {
    public let store: any EventStore
    /// How often a command is re-decided after another writer got there first.
    public var maxAttempts: Int

    public init(store: any EventStore, maxAttempts: Int = 10) {
        self.store = store
        self.maxAttempts = maxAttempts
    }

    /// Runs `command`; returns the recorded events, or throws a ``DomainError``
    /// (a rule refused it), an `EventStoreError`, or ``CommandContentionError``.
    ///
    /// `clientName` (with ``Command/openInquiry(caseId:clientId:therapistId:format:oneOff:)``)
    /// is personal data: it goes to the vault, sealed under the client's key,
    /// and the event carries only a reference to it.
    @discardableResult
    public func execute(
        _ command: Command, by actor: Initiator, at time: Timestamp, commandID: UUID,
        correlationID: UUID? = nil, causationID: UUID? = nil, clientName: String? = nil
    ) async throws -> [RecordedEvent] {
        try await run(
            command, by: actor, at: time, commandID: commandID, correlationID: correlationID, causationID: causationID,
            clientName: clientName
        ).events
    }

    /// ``execute(_:by:at:commandID:correlationID:causationID:clientName:)``,
    /// and whether the command id was already recorded (the events are then
    /// the earlier run's). A recorded command id given with another command
    /// (another type, subject, actor or time) throws `EventStoreError`
    /// `idempotencyConflict`: a retry must repeat the command it retries.
    public func run(
        _ command: Command, by actor: Initiator, at time: Timestamp, commandID: UUID,
        correlationID: UUID? = nil, causationID: UUID? = nil, clientName: String? = nil
    ) async throws -> (events: [RecordedEvent], alreadyAppended: Bool) {
        // Decided first, the command id looked up only when that fails: a new
        // command (nearly every one) costs no lookup. A retry shows itself
        // either way: its events are appended already (the store returns the
        // originals when the re-decided events are the same), or the
        // re-decision or the append is refused because the first run changed
        // the state or decided other events. Then the first run, if the id is
        // recorded, answers.
        do {
            return try await decideAndAppend(
                command, by: actor, at: time, commandID: commandID, correlationID: correlationID, causationID: causationID,
                clientName: clientName)
        } catch let refusal where Self.mayBeRefusedRetry(refusal) {
            guard let first = try await store.event(id: commandID) else { throw refusal }
            try Self.check(first, repeats: command, by: actor, at: time, commandID: commandID)
            return (try await recordedEvents(of: commandID, first: first), true)
        }
    }

    /// Whether `error` may be a retry's: a rule's refusal (the first run
    /// changed the state), an id the store holds with other content, or
    /// streams that kept moving.
    static func mayBeRefusedRetry(_ error: any Error) -> Bool {
        switch error {
        case is DomainError, is CommandContentionError: true
        case let error as EventStoreError: error.code == .idempotencyConflict || error.code == .wrongExpectedVersion
        default: false
        }
    }

    /// Throws unless `first`, recorded under `commandID`, is what `command`
    /// by `actor` at `time` records first.
    static func check(
        _ first: RecordedEvent, repeats command: Command, by actor: Initiator, at time: Timestamp, commandID: UUID
    ) throws {
        var differences: [String] = []
        let type = command.firstEventType.rawValue
        if first.type != type { differences.append("it recorded \(first.type), this command records \(type)") }
        let subject = command.caseId ?? command.therapistId
        if let subject, StreamName(parsing: first.stream.rawValue)?.id != subject {
            differences.append("it concerned \(first.stream), this command \(subject)")
        }
        if first.metadata.actor != actor.description {
            differences.append("it was given by \(first.metadata.actor), this one by \(actor)")
        }
        if first.metadata.occurredAt != time {
            differences.append("it occurred at \(first.metadata.occurredAt.iso8601), this one at \(time.iso8601)")
        }
        guard differences.isEmpty else {
            throw EventStoreError(
                .idempotencyConflict,
                "command id \(commandID.uuidString.lowercased()) was already used for another command: \(differences.joined(separator: "; "))",
                stream: first.stream, position: first.position)
        }
    }

    private func decideAndAppend(
        _ command: Command, by actor: Initiator, at time: Timestamp, commandID: UUID,
        correlationID: UUID?, causationID: UUID?, clientName: String?
    ) async throws -> (events: [RecordedEvent], alreadyAppended: Bool) {
        for _ in 0..<maxAttempts {
            let streams = try await load(for: command)
            var events = try Rules.decide(
                command, actor: actor, at: time, caseState: streams.caseState, therapistState: streams.therapistState,
                profileState: streams.profileState, newTherapistState: streams.newTherapistState,
                newCaseState: streams.newCaseState)
            var sealedName: (name: String, clientId: String, ref: String)?
            if let clientName, case .openInquiry(_, let clientId, _, _, _) = command, let first = events.first {
                try Rules.checkClientName(clientName, of: first, occurredAt: time, actor: actor)
                let ref = PersonalDataVault.reference(for: commandID)
                sealedName = (clientName, clientId, ref)
                events[0] = first.withClientNameRef(ref)
            }
            var appends: [StreamAppend] = []
            for (index, event) in events.enumerated() {
                let id = index == 0 ? commandID : UUID.derived(from: commandID, index: index)
                let new = event.newEvent(
                    id: id, occurredAt: time, actor: actor, correlationID: correlationID, causationID: causationID)
                if let at = appends.firstIndex(where: { $0.stream == event.storeStreamID }) {
                    appends[at].events.append(new)
                } else {
                    let version = streams.versions[event.streamName] ?? 0
                    appends.append(StreamAppend(
                        stream: event.storeStreamID, expected: version == 0 ? .noStream : .exactly(version),
                        events: [new]))
                }
            }
            do {
                guard let sealedName else {
                    let result = try await store.append(appends)
                    return (result.events, result.outcome == .alreadyAppended)
                }
                // The name is sealed in the append's own transaction: a command
                // that a rule or a lost race refuses leaves the vault as it was.
                let toAppend = appends
                let result = try await store.withTransaction { transaction in
                    // A retry: the name is already sealed, and the append
                    // returns the originals (or is refused as other content).
                    if try transaction.event(id: commandID) == nil {
                        try PersonalDataVault.storeClientName(
                            sealedName.name, clientId: sealedName.clientId, ref: sealedName.ref, in: &transaction)
                    }
                    return try transaction.append(toAppend)
                }
                return (result.events, result.outcome == .alreadyAppended)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                continue  // Someone else appended to one of the streams: decide again on fresh state.
            }
        }
        throw CommandContentionError(attempts: maxAttempts, stream: (command.caseId.map { StreamName(.case, $0) } ?? command.therapistId.map { StreamName(.therapist, $0) })?.description ?? "?")
    }

    /// The states a command is decided on, and the versions of their streams.
    struct LoadedStreams {
        var caseState: CaseState?
        var therapistState: TherapistState?
        var profileState: ProfileState?
        var newTherapistState: TherapistState?
        var newCaseState: CaseState?
        var versions: [StreamName: Int64] = [:]
    }

    private func read(_ streamName: StreamName) async throws -> (events: [(CaseloadEvent, Timestamp)], version: Int64) {
        try Self.decoded(try await store.readStream(streamName.storeStreamID))
    }

    /// A stream's events decoded, with its version.
    private static func decoded(_ records: [RecordedEvent]) throws -> (events: [(CaseloadEvent, Timestamp)], version: Int64) {
        var events: [(CaseloadEvent, Timestamp)] = []
        events.reserveCapacity(records.count)
        for record in records { events.append((try record.domainEvent(), record.metadata.occurredAt)) }
        return (events, records.last?.streamVersion ?? 0)
    }

    /// Reads the streams the command's ``Command/stateNeeds`` names, the case
    /// first (a case command is decided with the case's therapist).
    func load(for command: Command) async throws -> LoadedStreams {
        let needs = command.stateNeeds
        // The streams known before any is read, in one trip to the store;
        // a case command's therapist (named by the case) in a second.
        let caseName = needs.caseId.map { StreamName(.case, $0) }
        let therapistName = needs.therapistId.map { StreamName(.therapist, $0) }
        let profileName = needs.profileId.map { StreamName(.profile, $0) }
        let newTherapistName = needs.newTherapistId.map { StreamName(.therapist, $0) }
        let newCaseName = needs.newCaseId.map { StreamName(.case, $0) }
        let first = [caseName, therapistName, profileName, newTherapistName, newCaseName].compactMap { $0 }
        var streams: [StreamName: (events: [(CaseloadEvent, Timestamp)], version: Int64)] = [:]
        for (name, records) in zip(first, try await store.readStreams(first.map(\.storeStreamID))) {
            streams[name] = try Self.decoded(records)
        }
        var loaded = LoadedStreams()
        if let caseName, let stream = streams[caseName] {
            loaded.caseState = CaseState.fold(stream.events)
            loaded.versions[caseName] = stream.version
        }
        if let therapistId = needs.therapist(of: loaded.caseState) {
            let name = StreamName(.therapist, therapistId)
            let stream = if let known = streams[name] { known } else { try await read(name) }
            loaded.therapistState = TherapistState.fold(stream.events)
            loaded.versions[name] = stream.version
        }
        if let profileName, let stream = streams[profileName] {
            loaded.profileState = ProfileState.fold(stream.events)
            loaded.versions[profileName] = stream.version
        }
        if let newTherapistName, let stream = streams[newTherapistName] {
            // Read, not appended to: its version is not expected.
            loaded.newTherapistState = TherapistState.fold(stream.events)
        }
        if let newCaseName, let stream = streams[newCaseName] {
            // Its version is expected, and its state judged: the id must be free.
            loaded.newCaseState = CaseState.fold(stream.events)
            loaded.versions[newCaseName] = stream.version
        }
        return loaded
    }

    /// The events an earlier run of the command recorded.
    private func recordedEvents(of commandID: UUID, first: RecordedEvent) async throws -> [RecordedEvent] {
        var events = [first]
        var index = 1
        while let next = try await store.event(id: UUID.derived(from: commandID, index: index)) {
            events.append(next)
            index += 1
        }
        return events
    }
}

/// A command that kept losing the race for its streams.
public struct CommandContentionError: Error, Sendable, CustomStringConvertible {
    public var attempts: Int
    public var stream: String
    public var description: String {
        "gave up after \(attempts) attempts: other writers kept appending to \(stream) first"
    }
}
