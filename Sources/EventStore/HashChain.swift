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
        // Everything before the payload goes through one scratch buffer (on
        // the stack when it fits); the payload is hashed where it lies. No
        // array is built per event: this runs on the writer thread for every
        // append.
        var stream = stream, type = type, actor = actor
        let headerCount = 32 + 8 + 8 + 16 + (4 + stream.utf8.count) + (4 + type.utf8.count) + 4 + 8 + 8
            + (4 + actor.utf8.count) + (correlationID == nil ? 1 : 17) + (causationID == nil ? 1 : 17) + 4
        var hasher = SHA256()
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: headerCount) { header in
            var writer = HeaderWriter(base: header.baseAddress!, capacity: headerCount)
            withUnsafeBytes(of: previous.words) { writer.append($0) }
            writer.appendBigEndian(UInt64(bitPattern: position))
            writer.appendBigEndian(UInt64(bitPattern: streamVersion))
            writer.append(id)
            writer.append(&stream)
            writer.append(&type)
            writer.appendBigEndian(UInt32(truncatingIfNeeded: schemaVersion))
            writer.appendBigEndian(UInt64(bitPattern: occurredAt.microsecondsSinceEpoch))
            writer.appendBigEndian(UInt64(bitPattern: recordedAt.microsecondsSinceEpoch))
            writer.append(&actor)
            writer.append(optional: correlationID)
            writer.append(optional: causationID)
            writer.appendBigEndian(UInt32(truncatingIfNeeded: payload.count))
            precondition(writer.count == headerCount, "hash header layout")
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: header.baseAddress, count: headerCount))
        }
        payload.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        let digest = hasher.finalize()
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

    /// Writes the header fields into the scratch buffer, in order.
    private struct HeaderWriter {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        var count = 0

        mutating func append(_ bytes: UnsafeRawBufferPointer) {
            guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
            precondition(count + bytes.count <= capacity, "hash header layout")
            UnsafeMutableRawPointer(base + count).copyMemory(from: source, byteCount: bytes.count)
            count += bytes.count
        }

        mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.bigEndian) { append($0) }
        }

        /// u32 BE byte length, then the UTF-8 bytes.
        mutating func append(_ text: inout String) {
            appendBigEndian(UInt32(truncatingIfNeeded: text.utf8.count))
            text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
        }

        mutating func append(_ id: UUID) {
            withUnsafeBytes(of: id.uuid) { append($0) }
        }

        /// 0 when absent; 1 and the 16 bytes when present.
        mutating func append(optional id: UUID?) {
            if let id {
                appendBigEndian(UInt8(1))
                append(id)
            } else {
                appendBigEndian(UInt8(0))
            }
        }
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
