public import struct Foundation.UUID
public import CaseloadCoding
public import typealias Foundation.uuid_t

/// An event's data: the bytes of one JSON object, stored as given.
///
/// The store checks that the bytes are a JSON object and keeps them exactly,
/// so an analyst's `json_extract(payload, '$.caseId')` works on the log and the
/// hash chain covers precisely what was written.
public struct EventPayload: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(json: String) { self.bytes = Array(json.utf8) }

    /// The JSON text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var description: String { text }
}

/// An event a caller asks to append: everything but what the store assigns
/// (stream version, position, `recordedAt`, hash).
public struct NewEvent: Hashable, Sendable {
    /// Chosen by the caller so that a retried append is recognised (idempotency).
    public var id: UUID
    /// A stable type name, such as `SessionBooked`; never renamed.
    public var type: String
    public var schemaVersion: Int
    public var payload: EventPayload
    /// Business time: when it happened, as the caller says.
    public var occurredAt: Timestamp
    /// Who caused it, such as `support:agent-7` or `system:billing`.
    public var actor: String
    public var correlationID: UUID?
    public var causationID: UUID?

    public init(
        id: UUID, type: String, schemaVersion: Int = 1, payload: EventPayload, occurredAt: Timestamp,
        actor: String, correlationID: UUID? = nil, causationID: UUID? = nil
    ) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.occurredAt = occurredAt
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

/// An event's metadata: business time, commit time, who, and why.
public struct EventMetadata: Hashable, Sendable {
    public var occurredAt: Timestamp
    /// Set by the store at commit; never decreases along the log.
    public var recordedAt: Timestamp
    public var actor: String
    public var correlationID: UUID?
    public var causationID: UUID?

    public init(occurredAt: Timestamp, recordedAt: Timestamp, actor: String, correlationID: UUID?, causationID: UUID?) {
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
        self.actor = actor
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

/// A SHA-256 digest in the hash chain, held inline (no allocation per event).
public struct EventHash: Hashable, Sendable, CustomStringConvertible {
    public var words: (UInt64, UInt64, UInt64, UInt64)

    /// The hash before the first event: 32 zero bytes.
    public static let genesis = EventHash(words: (0, 0, 0, 0))

    public init(words: (UInt64, UInt64, UInt64, UInt64)) { self.words = words }

    /// Reads 32 bytes; nil for any other length.
    @inlinable
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 32 else { return nil }
        words = (
            bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Reads 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard let value = bytes.withUnsafeBytes({ EventHash(bytes: $0) }) else { return nil }
        self = value
    }

    public var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0) }
    }

    /// Lowercase hex.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { hex }

    public static func == (lhs: EventHash, rhs: EventHash) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

/// An event as the log holds it.
public struct RecordedEvent: Hashable, Sendable {
    public var id: UUID
    public var stream: StreamID
    /// 1 for a stream's first event.
    public var streamVersion: Int64
    /// 1 for the log's first event; strictly increasing in commit order, no gaps.
    public var position: Int64
    public var type: String
    public var schemaVersion: Int
    public var payload: EventPayload
    public var metadata: EventMetadata
    /// SHA-256 over this event's canonical content and the previous event's hash.
    public var hash: EventHash

    public init(
        id: UUID, stream: StreamID, streamVersion: Int64, position: Int64, type: String, schemaVersion: Int,
        payload: EventPayload, metadata: EventMetadata, hash: EventHash
    ) {
        self.id = id
        self.stream = stream
        self.streamVersion = streamVersion
        self.position = position
        self.type = type
        self.schemaVersion = schemaVersion
        self.payload = payload
        self.metadata = metadata
        self.hash = hash
    }

    /// Whether `event` carries the same content as this recorded event: the
    /// test of an idempotent retry.
    public func hasSameContent(as event: NewEvent, in stream: StreamID) -> Bool {
        self.stream == stream && type == event.type && schemaVersion == event.schemaVersion
            && payload == event.payload && metadata.occurredAt == event.occurredAt
            && metadata.actor == event.actor && metadata.correlationID == event.correlationID
            && metadata.causationID == event.causationID
    }
}

/// Events to append to one stream, with what the caller expects of it.
public struct StreamAppend: Hashable, Sendable {
    public var stream: StreamID
    public var expected: ExpectedVersion
    public var events: [NewEvent]

    public init(stream: StreamID, expected: ExpectedVersion, events: [NewEvent]) {
        self.stream = stream
        self.expected = expected
        self.events = events
    }
}

/// What an append did.
public struct AppendResult: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The events were written now.
        case appended
        /// Every event id was already committed with the same content: nothing
        /// was written and `events` are the originals (a safe retry).
        case alreadyAppended
    }

    public var outcome: Outcome
    /// The recorded events, in the order they were given.
    public var events: [RecordedEvent]

    public init(outcome: Outcome, events: [RecordedEvent]) {
        self.outcome = outcome
        self.events = events
    }

    public var positions: [Int64] { events.map(\.position) }
}

/// The end of the log.
public struct LogHead: Hashable, Sendable {
    /// The last event's position; 0 for an empty log.
    public var position: Int64
    public var hash: EventHash
    public var recordedAt: Timestamp?

    public init(position: Int64, hash: EventHash, recordedAt: Timestamp?) {
        self.position = position
        self.hash = hash
        self.recordedAt = recordedAt
    }

    public static let empty = LogHead(position: 0, hash: .genesis, recordedAt: nil)
}

/// A read of the whole log (or one stream of it) in position order.
public struct LogQuery: Hashable, Sendable {
    /// Events after this position (0 = from the start).
    public var after: Int64
    /// At most this many events.
    public var limit: Int
    /// Only these types (nil = all).
    public var types: Set<String>?
    /// Only this stream (nil = all).
    public var stream: StreamID?
    /// Only events caused by this actor, such as `support:agent-7` (nil = all).
    public var actor: String?
    /// Only events that had happened by then (`occurredAt <= bound`): "as of".
    public var occurredAtOrBefore: Timestamp?
    /// Only events the log knew by then (`recordedAt <= bound`): "known at".
    public var recordedAtOrBefore: Timestamp?
    /// Only events at or before this position.
    public var upToPosition: Int64?

    public init(
        after: Int64 = 0, limit: Int = 1000, types: Set<String>? = nil, stream: StreamID? = nil, actor: String? = nil,
        occurredAtOrBefore: Timestamp? = nil, recordedAtOrBefore: Timestamp? = nil, upToPosition: Int64? = nil
    ) {
        self.after = after
        self.limit = limit
        self.types = types
        self.stream = stream
        self.actor = actor
        self.occurredAtOrBefore = occurredAtOrBefore
        self.recordedAtOrBefore = recordedAtOrBefore
        self.upToPosition = upToPosition
    }

    /// Whether `event` passes every filter but `after` and `limit`.
    public func matches(_ event: RecordedEvent) -> Bool {
        if let types, !types.contains(event.type) { return false }
        if let stream, event.stream != stream { return false }
        if let actor, event.metadata.actor != actor { return false }
        if let bound = occurredAtOrBefore, event.metadata.occurredAt > bound { return false }
        if let bound = recordedAtOrBefore, event.metadata.recordedAt > bound { return false }
        if let bound = upToPosition, event.position > bound { return false }
        return true
    }
}

/// The outcome of walking the hash chain.
public struct ChainVerification: Hashable, Sendable {
    /// How many events were checked.
    public var eventsChecked: Int64
    /// The first position whose stored hash, position or content does not match; nil when the chain holds.
    public var firstBadPosition: Int64?
    /// Why that position does not match.
    public var problem: String?
    /// The hash of the last event checked.
    public var headHash: EventHash

    public init(eventsChecked: Int64, firstBadPosition: Int64?, problem: String?, headHash: EventHash) {
        self.eventsChecked = eventsChecked
        self.firstBadPosition = firstBadPosition
        self.problem = problem
        self.headHash = headHash
    }

    public var holds: Bool { firstBadPosition == nil }
}

extension UUID {
    /// Whether this id's 16 bytes sort before `other`'s (the order SQLite
    /// keeps a BLOB column in; for v7 ids, roughly time order).
    public func bytesPrecede(_ other: UUID) -> Bool {
        let (a, b) = (words, other.words)
        return a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// The bytes as two big-endian words.
    private var words: (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: uuid) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}

extension UUID {
    /// Parses the canonical text form (`8-4-4-4-12` hex digits, either case),
    /// as `UUID(uuidString:)` does, without its `sscanf` (which cost an import
    /// about a tenth of its parsing thread).
    public init?(canonical text: String) {
        var text = text
        let parsed: uuid_t? = text.withUTF8 { bytes -> uuid_t? in
            guard bytes.count == 36 else { return nil }
            var result: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let ok = withUnsafeMutableBytes(of: &result) { out -> Bool in
                var index = 0
                for slot in 0..<16 {
                    if index == 8 || index == 13 || index == 18 || index == 23 {
                        guard bytes[index] == UInt8(ascii: "-") else { return false }
                        index += 1
                    }
                    guard let high = Self.hexValue(bytes[index]), let low = Self.hexValue(bytes[index + 1]) else { return false }
                    out[slot] = high << 4 | low
                    index += 2
                }
                return true
            }
            return ok ? result : nil
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
