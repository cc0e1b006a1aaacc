import Crypto
public import struct Foundation.UUID
public import CaseloadCoding

/// The hash chain that makes the log tamper-evident.
///
/// Each event's hash is SHA-256 over the previous event's hash followed by the
/// event's canonical content, laid out so any language can recompute it:
///
/// ```
/// previous hash (32 bytes; 32 zero bytes before the first event)
/// position u64 BE | stream version u64 BE | event id (16 bytes)
/// stream id, type: each u32 BE byte length + UTF-8
/// schema version u32 BE | occurredAt i64 BE µs | recordedAt i64 BE µs
/// actor: u32 BE length + UTF-8
/// correlation id, causation id: each 1 byte (0 absent, 1 present) + 16 bytes if present
/// payload: u32 BE length + bytes
/// ```
public enum HashChain {
    /// The hash of an event whose predecessor's hash is `previous`.
    public static func hash(
        previous: EventHash, position: Int64, streamVersion: Int64, id: UUID, stream: String, type: String,
        schemaVersion: Int, occurredAt: Timestamp, recordedAt: Timestamp, actor: String,
        correlationID: UUID?, causationID: UUID?, payload: [UInt8]
    ) -> EventHash {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(160 + payload.count + stream.utf8.count + type.utf8.count + actor.utf8.count)
        withUnsafeBytes(of: previous.words) { buffer.append(contentsOf: $0) }
        appendBigEndian(&buffer, UInt64(bitPattern: position))
        appendBigEndian(&buffer, UInt64(bitPattern: streamVersion))
        appendUUID(&buffer, id)
        appendText(&buffer, stream)
        appendText(&buffer, type)
        appendBigEndian(&buffer, UInt32(truncatingIfNeeded: schemaVersion))
        appendBigEndian(&buffer, UInt64(bitPattern: occurredAt.microsecondsSinceEpoch))
        appendBigEndian(&buffer, UInt64(bitPattern: recordedAt.microsecondsSinceEpoch))
        appendText(&buffer, actor)
        for optional in [correlationID, causationID] {
            if let value = optional {
                buffer.append(1)
                appendUUID(&buffer, value)
            } else {
                buffer.append(0)
            }
        }
        appendBigEndian(&buffer, UInt32(truncatingIfNeeded: payload.count))
        buffer.append(contentsOf: payload)
        let digest = SHA256.hash(data: buffer)
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { target in
            digest.withUnsafeBytes { source in target.copyMemory(from: source) }
        }
        return EventHash(words: words)
    }

    /// The hash `event` should carry, given its predecessor's.
    public static func hash(of event: RecordedEvent, previous: EventHash) -> EventHash {
        hash(
            previous: previous, position: event.position, streamVersion: event.streamVersion, id: event.id,
            stream: event.stream.rawValue, type: event.type, schemaVersion: event.schemaVersion,
            occurredAt: event.metadata.occurredAt, recordedAt: event.metadata.recordedAt,
            actor: event.metadata.actor, correlationID: event.metadata.correlationID,
            causationID: event.metadata.causationID, payload: event.payload.bytes)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ buffer: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }

    private static func appendText(_ buffer: inout [UInt8], _ text: String) {
        appendBigEndian(&buffer, UInt32(truncatingIfNeeded: text.utf8.count))
        buffer.append(contentsOf: text.utf8)
    }

    private static func appendUUID(_ buffer: inout [UInt8], _ id: UUID) {
        withUnsafeBytes(of: id.uuid) { buffer.append(contentsOf: $0) }
    }

    /// Checks a run of events against the chain, continuing from `previous`
    /// (the hash of the event at `expectedPosition - 1`). Returns the problem
    /// at the first event that breaks it, or nil.
    public static func check(
        _ event: RecordedEvent, previous: EventHash, expectedPosition: Int64
    ) -> String? {
        if event.position != expectedPosition {
            return "expected position \(expectedPosition), found \(event.position) (an event is missing or moved)"
        }
        let expected = hash(of: event, previous: previous)
        if expected != event.hash {
            return "stored hash \(event.hash.hex.prefix(16))… does not match the content (recomputed \(expected.hex.prefix(16))…)"
        }
        return nil
    }
}
