public import CaseloadCoding
public import CaseloadDomain
public import EventStore
public import struct Foundation.UUID

extension CaseloadEvent {
    /// The event as the store takes it: canonical JSON payload, type name and
    /// schema version from the contract.
    public func newEvent(
        id: UUID, occurredAt: Timestamp, actor: Initiator, correlationID: UUID? = nil,
        causationID: UUID? = nil
    ) -> NewEvent {
        NewEvent(
            id: id, type: typeName, schemaVersion: schemaVersion, payload: EventPayload(bytes: encodedPayload()),
            occurredAt: occurredAt, actor: actor.description, correlationID: correlationID, causationID: causationID)
    }

    /// The stream id the store files the event under.
    public var storeStreamID: StreamID { streamName.storeStreamID }
}

extension StreamName {
    /// The store's stream id for this stream: the one place a domain stream
    /// name becomes the store's. Domain ids are validated (non-empty, ≤ 128
    /// characters, no control characters), so it is always a valid StreamID.
    public var storeStreamID: StreamID { StreamID(unchecked: description) }
}

/// A recorded event that does not read back as a marketplace event.
public struct UnreadableEventError: Error, Sendable, CustomStringConvertible {
    public var position: Int64
    public var stream: String
    public var reason: String
    public var description: String { "position \(position) (stream '\(stream)'): \(reason)" }
}

extension RecordedEvent {
    /// The domain event this record holds, upcast to the current schema.
    public func domainEvent() throws(UnreadableEventError) -> CaseloadEvent {
        do {
            return try CaseloadEvent.decode(type: type, schemaVersion: schemaVersion, payload: payload.bytes)
        } catch {
            throw UnreadableEventError(position: position, stream: stream.rawValue, reason: "\(error)")
        }
    }

    /// Who caused it.
    public func domainActor() throws(UnreadableEventError) -> Initiator {
        do {
            return try Initiator(parsing: metadata.actor)
        } catch {
            throw UnreadableEventError(position: position, stream: stream.rawValue, reason: "\(error)")
        }
    }
}
