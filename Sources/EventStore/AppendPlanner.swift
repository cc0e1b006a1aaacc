package import struct Foundation.UUID
package import CaseloadCoding

/// What a backend gives the shared append logic: its view of the log inside
/// one open write transaction.
package protocol AppendStorage {
    /// The stream's current version (0 if it has no events).
    mutating func currentVersion(of stream: StreamID) throws -> Int64
    /// The committed event with this id, if any.
    mutating func committedEvent(id: UUID) throws -> RecordedEvent?
    /// Writes one event whose position and hash are already assigned.
    /// Throws an ``EventStoreError/Code/idempotencyConflict`` error, with the position holding the id, when the id is taken.
    mutating func insert(_ event: RecordedEvent) throws
    /// Writes events in order, as `insert` would one at a time; a backend
    /// may write them in fewer statements. Throws what `insert` throws for
    /// the first event that cannot be written (the caller rolls back).
    mutating func insert(contentsOf events: ArraySlice<RecordedEvent>) throws
}

extension AppendStorage {
    package mutating func insert(contentsOf events: ArraySlice<RecordedEvent>) throws {
        for event in events { try insert(event) }
    }
}

/// The append algorithm every backend runs, so that expectations, idempotency,
/// validation and hashing mean the same thing everywhere. The caller owns the
/// transaction: on a throw it must roll back whatever this wrote.
package enum AppendPlanner {
    /// Checks the request without touching storage.
    package static func validate(_ appends: [StreamAppend], limits: EventStoreLimits) throws {
        guard !appends.isEmpty, appends.contains(where: { !$0.events.isEmpty }) else {
            throw EventStoreError(.invalidAppend, "an append needs at least one event")
        }
        var total = 0
        for append in appends {
            if case .exactly(let version) = append.expected, version < 0 {
                throw EventStoreError(
                    .invalidExpectation, "stream '\(append.stream)': a version cannot be negative (\(version))",
                    stream: append.stream)
            }
            for event in append.events {
                total += 1
                try validate(event, in: append.stream, limits: limits)
            }
        }
        guard total <= limits.maxEventsPerAppend else {
            throw EventStoreError(
                .invalidAppend, "an append of \(total) events is over the limit of \(limits.maxEventsPerAppend)")
        }
        // An id given twice in one append is found when the second is
        // inserted (`append` names it), not here: a set of every id would
        // cost each bulk append more than the rare mistake it catches early.
    }

    static func repeatedInAppend(_ id: UUIDText, in stream: StreamID?) -> EventStoreError {
        EventStoreError(
            .invalidAppend, "event id \(id) appears twice in one append", stream: stream, eventID: id)
    }

    static func validate(_ event: NewEvent, in stream: StreamID, limits: EventStoreLimits) throws {
        func fail(_ code: EventStoreError.Code, _ message: String) -> EventStoreError {
            EventStoreError(
                code, "stream '\(stream)', event \(event.id.lowercased) (\(event.type)): \(message)",
                stream: stream, eventID: event.id.lowercased)
        }
        let typeBytes = event.type.utf8.count
        guard typeBytes > 0, typeBytes <= limits.maxTypeBytes,
              !event.type.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
        else {
            throw fail(.invalidEvent, "type must be 1–\(limits.maxTypeBytes) bytes with no spaces or control characters")
        }
        guard event.schemaVersion >= 1, event.schemaVersion <= Int(Int32.max) else {
            throw fail(.invalidEvent, "schema version must be 1 or more, not \(event.schemaVersion)")
        }
        let actorBytes = event.actor.utf8.count
        guard actorBytes > 0, actorBytes <= limits.maxActorBytes,
              !event.actor.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else {
            throw fail(.invalidEvent, "actor must be 1–\(limits.maxActorBytes) bytes with no control characters")
        }
        guard event.payload.bytes.count <= limits.maxPayloadBytes else {
            throw fail(
                .payloadTooLarge,
                "payload is \(event.payload.bytes.count) bytes; the limit is \(limits.maxPayloadBytes)")
        }
        do {
            try JSONScanner.validateObject(event.payload.bytes)
        } catch let error as JSONError {
            throw EventStoreError(
                .invalidPayload,
                "stream '\(stream)', event \(event.id.lowercased) (\(event.type)): payload is not a JSON object: \(error)",
                stream: stream, eventID: event.id.lowercased, underlying: error)
        }
    }

    /// Appends `appends` after `head` in `storage`, returning the result and the new head.
    package static func append(
        _ appends: [StreamAppend], to storage: inout some AppendStorage, head: LogHead, recordedAt: Timestamp
    ) throws -> (AppendResult, LogHead) {
        // A retry has its first id committed already; every id must then be,
        // with the same content, or it is a conflict. Looking that id up
        // costs an index probe per append, so it is done only when needed:
        // when an expectation fails (a retry's expectation usually no longer
        // holds), or when inserting the first event finds its id taken.
        let first = appends.first(where: { !$0.events.isEmpty })!
        // Every expectation is checked before anything is written. A stream may
        // appear more than once (an import keeps the file's order that way):
        // each part is checked against the version the earlier parts leave.
        var versions: [Int64] = []
        versions.reserveCapacity(appends.count)
        var simulated: [StreamID: Int64] = [:]
        for append in appends {
            let current: Int64
            if let known = simulated[append.stream] {
                current = known
            } else {
                current = try storage.currentVersion(of: append.stream)
            }
            guard append.expected.isSatisfied(byCurrentVersion: current) else {
                if try storage.committedEvent(id: first.events[0].id) != nil {
                    return (try previouslyAppended(appends, in: &storage), head)
                }
                throw EventStoreError.wrongVersion(append.stream, expected: append.expected, actual: current)
            }
            // Versions and positions are gapless from 1, so neither can reach
            // Int64.max in a log written through a store; one edited by hand
            // can, and an append after it is refused rather than trapped on.
            let last = current.addingReportingOverflow(Int64(append.events.count))
            guard !last.overflow else {
                throw EventStoreError(
                    .corrupted, "stream '\(append.stream)' is at version \(current), where no event can follow: the log was edited outside the store",
                    stream: append.stream, actualVersion: current)
            }
            versions.append(current)
            if appends.count > 1 { simulated[append.stream] = last.partialValue }
        }
        let eventCount = appends.reduce(0) { $0 + $1.events.count }
        guard !head.position.addingReportingOverflow(Int64(eventCount)).overflow else {
            throw EventStoreError(
                .corrupted, "the log's head is at position \(head.position), where no event can follow: the log was edited outside the store",
                position: head.position)
        }
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(eventCount)
        var position = head.position
        var previous = head.hash
        let stamp = max(recordedAt, head.recordedAt ?? recordedAt)
        for (append, startVersion) in zip(appends, versions) {
            var version = startVersion
            for event in append.events {
                position += 1
                version += 1
                let metadata = EventMetadata(
                    occurredAt: event.occurredAt, recordedAt: stamp, actor: event.actor,
                    correlationID: event.correlationID, causationID: event.causationID)
                var record = RecordedEvent(
                    id: event.id, stream: append.stream, streamVersion: version, position: position,
                    type: event.type, schemaVersion: event.schemaVersion, payload: event.payload,
                    metadata: metadata, hash: .genesis)
                record.hash = HashChain.hash(of: record, previous: previous)
                previous = record.hash
                if recorded.isEmpty {
                    do {
                        try storage.insert(record)
                    } catch let error as EventStoreError where error.code == .idempotencyConflict {
                        // The first id is taken: a retry (or a conflict, which
                        // `previouslyAppended` names). Nothing was written.
                        return (try previouslyAppended(appends, in: &storage), head)
                    }
                }
                recorded.append(record)
            }
        }
        // The rest in one call, so a backend can write them in fewer statements.
        if recorded.count > 1 {
            do {
                try storage.insert(contentsOf: recorded[1...])
            } catch let error as EventStoreError
                where error.code == .idempotencyConflict && (error.position ?? 0) > head.position {
                // The id is taken by an event of this very append.
                throw repeatedInAppend(error.eventID ?? "?", in: error.stream)
            }
        }
        let newHead = LogHead(position: position, hash: previous, recordedAt: stamp)
        return (AppendResult(outcome: .appended, events: recorded), newHead)
    }

    private static func previouslyAppended(
        _ appends: [StreamAppend], in storage: inout some AppendStorage
    ) throws -> AppendResult {
        var originals: [RecordedEvent] = []
        for append in appends {
            for event in append.events {
                guard let original = try storage.committedEvent(id: event.id) else {
                    throw EventStoreError(
                        .idempotencyConflict,
                        "stream '\(append.stream)': event \(event.id.lowercased) is new, but other events of this append are already committed; an append is retried whole or not at all",
                        stream: append.stream, eventID: event.id.lowercased)
                }
                guard original.hasSameContent(as: event, in: append.stream) else {
                    throw EventStoreError(
                        .idempotencyConflict,
                        "event \(event.id.lowercased) is already committed at position \(original.position) in stream '\(original.stream)' with different content",
                        stream: append.stream, position: original.position, eventID: event.id.lowercased)
                }
                originals.append(original)
            }
        }
        return AppendResult(outcome: .alreadyAppended, events: originals)
    }
}

extension UUID {
    /// The lowercase canonical text.
    package var lowercased: String { uuidString.lowercased() }
}
