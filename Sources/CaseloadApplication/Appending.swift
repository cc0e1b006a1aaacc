public import Caseload
public import CaseloadCoding
public import CaseloadDomain
public import CaseloadGenerator
public import EventStore
public import struct Foundation.UUID

/// What an import did, and the line that stopped one (with the error it met).
public typealias ImportSummary = Caseload.ImportSummary
public typealias ImportError = Caseload.ImportError
/// A command that kept losing the race for its streams.
public typealias CommandContentionError = Caseload.CommandContentionError

/// What a domain command recorded.
public struct CommandOutcome: Sendable, Hashable {
    /// The command's events as recorded (the earlier run's, for a retried command id).
    public var events: [RecordedEvent]
    /// The command id was recorded before: nothing was appended now.
    public var alreadyAppended: Bool
}

/// One line of `append` input, acknowledged once its append is durable.
public struct AppendAcknowledgement: Sendable, Hashable {
    /// 1-based line number in the input.
    public var line: Int
    public var outcome: AppendResult.Outcome
    public var positions: [Int64]
}

/// A line of raw append input that failed; the lines before it are appended.
public struct AppendLineError: Error, Sendable, CustomStringConvertible {
    /// 1-based line number in the input.
    public var line: Int
    /// What failed: an `EventStoreError` (a bad stream id, a wrong expected
    /// version, a broken database) as the store threw it.
    public var underlying: any Error

    public var description: String { "line \(line): \(underlying)" }
}

/// A client's personal data erased.
public struct ClientErasure: Sendable, Hashable {
    public var clientId: String
    /// Sealed values destroyed with the client's key.
    public var records: Int
    /// Where the ClientDataErased event was recorded (by an earlier run,
    /// when ``alreadyErased``).
    public var position: Int64
    /// An earlier erasure still held: nothing was erased or recorded now,
    /// the file was only compacted.
    public var alreadyErased: Bool = false
    /// Whether no byte of the data remains in the file, or why some may.
    public var compaction: PersonalDataVault.Compaction = .compacted

    /// The data is erased but the file still needs compacting (erasing the
    /// client again does it).
    public var compactionPending: Bool { compaction != .compacted }
}

extension Marketplace {
    /// Runs a domain command: loads the streams it concerns, decides by the
    /// marketplace's rules, appends (retrying on a concurrency conflict). A
    /// command id already recorded returns the events it recorded then.
    ///
    /// Throws `DomainError` (a rule refused it), `EventStoreError` (among
    /// them `idempotencyConflict`: the command id was recorded for another
    /// command), or `CommandContentionError`.
    @discardableResult
    public func execute(
        _ command: Command, by actor: Initiator, at time: Timestamp, commandID: UUID,
        correlationID: UUID? = nil, causationID: UUID? = nil, clientName: String? = nil
    ) async throws -> CommandOutcome {
        try requireWritable("a command")
        let (events, retried) = try await CaseloadService(store: store).run(
            command, by: actor, at: time, commandID: commandID, correlationID: correlationID, causationID: causationID,
            clientName: clientName)
        return CommandOutcome(events: events, alreadyAppended: retried)
    }

    /// Appends raw events (store level: no domain rules), atomically.
    public func append(_ appends: [StreamAppend]) async throws -> AppendResult {
        try requireWritable("an append")
        return try await store.append(appends)
    }

    /// Runs a command document (a front end's wire format, see ``CommandDocument``).
    public func execute(_ document: CommandDocument) async throws -> CommandOutcome {
        try await execute(
            document.command, by: document.actor, at: document.occurredAt, commandID: document.commandID,
            correlationID: document.correlationID, causationID: document.causationID, clientName: document.clientName)
    }

    /// Appends raw events from JSON Lines at `path` (`-` for standard input),
    /// one atomic append per line, in order; `acknowledge` hears of each
    /// line once it is durable. Returns the lines read. The first failing line
    /// stops it with an ``AppendLineError``; the lines before it stay appended.
    @discardableResult
    public func appendLines(
        from path: String, acknowledge: (AppendAcknowledgement) throws -> Void
    ) async throws -> Int {
        try requireWritable("an append")
        let lines = try LineReader(path: path, maxLineBytes: configuration.maxLineBytes)
        var number = 0
        while true {
            let next: [UInt8]?
            do throws(LineTooLongError) { next = try lines.next() } catch {
                throw AppendLineError(line: error.line, underlying: error)
            }
            guard let line = next else { break }
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let result: AppendResult
            do {
                let request = try AppendRequestLine(json: line) { UUID() }
                try Self.checkContractEvents(request.append)
                result = try await store.append([request.append])
            } catch {
                throw AppendLineError(line: number, underlying: error)
            }
            try acknowledge(AppendAcknowledgement(line: number, outcome: result.outcome, positions: result.positions))
        }
        return number
    }

    /// A raw append judges no domain rule, but an event of one of the
    /// contract's types must still read back: its payload passes the event
    /// decoder (every range, length, pattern and enum of its schema) and its
    /// actor the actor pattern, so nothing appended here can break a later
    /// command. Other types (`Marked`) are the caller's own and pass as they are.
    static func checkContractEvents(_ append: StreamAppend) throws {
        for event in append.events where EventType(name: event.type) != nil {
            _ = try CaseloadEvent.decode(type: event.type, schemaVersion: event.schemaVersion, payload: event.payload.bytes)
            _ = try Initiator(parsing: event.actor)
        }
    }

    /// Imports JSON Lines of event envelopes at `path` (`-` for standard
    /// input) through the marketplace's rules, all or nothing. A line that
    /// stops it throws an ``ImportError`` with the line and the error it met.
    public func importLines(from path: String, progress: Importer.Progress? = nil) async throws -> ImportSummary {
        try requireWritable("an import")
        let summary = try await Importer.importFile(path, into: store, maxLineBytes: configuration.maxLineBytes, progress: progress)
        logger.info("imported", metadata: ["lines": "\(summary.lines)", "appended": "\(summary.appended)"])
        return summary
    }

    /// Destroys `clientId`'s personal data (kept apart from the log), records
    /// the erasure by `actor` at `time`, and compacts the file. A client
    /// already erased (nothing sealed for them since) is not erased again:
    /// the file is compacted, which finishes an earlier run's pending
    /// compaction. A compaction that could not finish is in the result
    /// (``ClientErasure/compaction``), not thrown: the erasure is committed.
    public func eraseClient(
        _ clientId: String, by actor: Initiator, at time: Timestamp, eventID: UUID? = nil
    ) async throws -> ClientErasure {
        try requireWritable("an erasure")
        var ids = EventIDGenerator.random()
        let erasure = try await PersonalDataVault.eraseClient(
            clientId, by: actor, at: time, eventID: eventID ?? ids.next(at: time), in: store)
        let records = (try? erasure.event.domainEvent()).flatMap { event -> Int? in
            if case .clientDataErased(let erased) = event { return erased.records } else { return nil }
        } ?? 0
        if erasure.alreadyErased {
            logger.info("client already erased", metadata: ["client": "\(clientId)", "position": "\(erasure.event.position)"])
        } else {
            logger.info("erased a client's personal data", metadata: ["client": "\(clientId)", "records": "\(records)"])
        }
        if case .pending(let reason) = erasure.compaction {
            logger.info("compaction pending after an erasure", metadata: ["client": "\(clientId)", "reason": "\(reason)"])
        }
        return ClientErasure(
            clientId: clientId, records: records, position: erasure.event.position,
            alreadyErased: erasure.alreadyErased, compaction: erasure.compaction)
    }

    /// Generates a marketplace history into the log, which must be empty.
    public func generate(
        _ parameters: GeneratorParameters, progress: (@Sendable (GenerationProgress) -> Void)? = nil
    ) async throws -> GenerationSummary {
        try requireWritable("generating a history")
        return try await HistoryGenerator(parameters: parameters).generate(into: store, progress: progress)
    }

    /// Writes a generated history as import JSON Lines to `path` (no log involved).
    public static func writeHistory(
        _ parameters: GeneratorParameters, toJSONLines path: String,
        progress: (@Sendable (GenerationProgress) -> Void)? = nil
    ) throws -> GenerationSummary {
        try HistoryGenerator(parameters: parameters).writeJSONLines(to: path, progress: progress)
    }
}
