public import CaseloadCoding
public import CaseloadDomain
public import struct Foundation.UUID
import EventStore

/// One line of an import file: the envelope of `EventSchemas/envelope.schema.json`,
/// `{"type", "occurredAt", "actor", "data", "eventId"?, "schemaVersion"?, "correlationId"?, "causationId"?}`,
/// with its data decoded (not yet judged by the rules).
public struct ImportLine: Sendable {
    public var input: DecodedInput
    public var occurredAt: Timestamp
    public var actor: Initiator
    public var eventID: UUID?
    public var correlationID: UUID?
    public var causationID: UUID?

    /// Parses one line; the error says which field and why.
    ///
    /// The members may come in any order with the same verdict: `data` is
    /// read with the `type` and `schemaVersion` of the line wherever they
    /// stand. The usual order (`type` and any `schemaVersion` before `data`)
    /// decodes `data` in place in one pass; a line whose `data` came before
    /// them, or whose `schemaVersion` came after it, is read again knowing both.
    public init(json: [UInt8]) throws {
        do {
            self = try Self.parse(json, header: nil)
        } catch is ReadAgain {
            self = try Self.parse(json, header: try Self.header(json))
        }
    }

    /// The line's `type` and `schemaVersion`, found before `data` is decoded.
    private struct Header {
        var type: String?
        var schemaVersion: Int?
    }

    /// The first pass could not decode `data` with the line's own version.
    private struct ReadAgain: Error {}

    /// Reads only `type` and `schemaVersion`, skipping every other value
    /// (``parse(_:header:)`` reports what is wrong with them).
    private static func header(_ json: [UInt8]) throws -> Header {
        var header = Header()
        try JSONScanner.withScanner(json) { scanner in
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) {
                switch key {
                case "type": header.type = try scanner.readString()
                case "schemaVersion": header.schemaVersion = try schemaVersion(&scanner)
                default: try scanner.skipValue()
                }
            }
        }
        return header
    }

    /// Any integer: the decoder names the versions a type has.
    private static func schemaVersion(_ scanner: inout JSONScanner) throws -> Int {
        Int(try scanner.readInt())
    }

    /// One pass over the line. Without a `header`, `data` is decoded in place
    /// with what is known when it comes; if that may not be the line's own
    /// version (no `type` yet, or a `schemaVersion` after it), or decoding
    /// failed before a later `schemaVersion` could be seen, it throws
    /// ``ReadAgain``. With a `header`, `data` is decoded with its values.
    private static func parse(_ json: [UInt8], header: Header?) throws -> ImportLine {
        var type: String?
        var schemaVersion: Int?
        var decoded: DecodedInput?
        var occurredAt: Timestamp?
        var actor: Initiator?
        var eventID: UUID?
        var correlationID: UUID?
        var causationID: UUID?
        var seen = SeenKeys()
        try JSONScanner.withScanner(json) { scanner in
            func uuid(_ field: String) throws -> UUID {
                let text = try scanner.readString()
                guard let value = UUID(canonical: text) else { throw scanner.invalid("'\(field)' is not a UUID: '\(text)'") }
                return value
            }
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) {
                switch key {
                case "type":
                    try seen.once(.type, key, scanner)
                    type = try scanner.readString()
                case "schemaVersion":
                    try seen.once(.schemaVersion, key, scanner)
                    // `data` was decoded as the current version: read again.
                    if header == nil, decoded != nil { throw ReadAgain() }
                    schemaVersion = try Self.schemaVersion(&scanner)
                case "occurredAt":
                    try seen.once(.occurredAt, key, scanner)
                    let text = try scanner.readString()
                    do { occurredAt = try Timestamp(iso8601: text) } catch { throw scanner.invalid("'occurredAt': \(error)") }
                case "actor":
                    try seen.once(.actor, key, scanner)
                    let text = try scanner.readString()
                    do { actor = try Initiator(parsing: text) } catch { throw scanner.invalid("'actor': \(error)") }
                case "eventId":
                    try seen.once(.eventID, key, scanner)
                    eventID = try uuid(key)
                case "correlationId":
                    try seen.once(.correlationID, key, scanner)
                    correlationID = try uuid(key)
                case "causationId":
                    try seen.once(.causationID, key, scanner)
                    causationID = try uuid(key)
                case "data":
                    try seen.once(.data, key, scanner)
                    if let header {
                        guard let type = header.type else {
                            try scanner.skipValue()
                            break
                        }
                        decoded = try CaseloadEvent.decodeInput(type: type, schemaVersion: header.schemaVersion, from: &scanner)
                    } else {
                        guard let type else { throw ReadAgain() }
                        do {
                            decoded = try CaseloadEvent.decodeInput(type: type, schemaVersion: schemaVersion, from: &scanner)
                        } catch where schemaVersion == nil {
                            // A `schemaVersion` may follow and change the verdict.
                            throw ReadAgain()
                        }
                    }
                default:
                    throw scanner.unknownKey(key, in: "the import envelope")
                }
            }
            try scanner.finish()
        }
        guard let type else { throw ImportLineError("missing field 'type'") }
        guard let decoded else { throw ImportLineError("missing field 'data' in a \(type) line") }
        guard let occurredAt else { throw ImportLineError("missing field 'occurredAt'") }
        guard let actor else { throw ImportLineError("missing field 'actor'") }
        return ImportLine(
            input: decoded, occurredAt: occurredAt, actor: actor, eventID: eventID, correlationID: correlationID,
            causationID: causationID)
    }

    private init(
        input: DecodedInput, occurredAt: Timestamp, actor: Initiator, eventID: UUID?, correlationID: UUID?,
        causationID: UUID?
    ) {
        self.input = input
        self.occurredAt = occurredAt
        self.actor = actor
        self.eventID = eventID
        self.correlationID = correlationID
        self.causationID = causationID
    }

    /// The envelope's members seen so far: each may appear once (as in a
    /// payload), so that no member's meaning depends on which copy came last.
    private struct SeenKeys {
        struct Member: OptionSet {
            let rawValue: UInt8
            static let type = Member(rawValue: 1 << 0)
            static let schemaVersion = Member(rawValue: 1 << 1)
            static let occurredAt = Member(rawValue: 1 << 2)
            static let actor = Member(rawValue: 1 << 3)
            static let data = Member(rawValue: 1 << 4)
            static let eventID = Member(rawValue: 1 << 5)
            static let correlationID = Member(rawValue: 1 << 6)
            static let causationID = Member(rawValue: 1 << 7)
        }

        private var seen: Member = []

        mutating func once(_ member: Member, _ key: String, _ scanner: JSONScanner) throws {
            if seen.contains(member) { throw scanner.invalid("field '\(key)' appears twice in the import envelope") }
            seen.insert(member)
        }
    }
}

/// An envelope-level problem in an import line.
public struct ImportLineError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
