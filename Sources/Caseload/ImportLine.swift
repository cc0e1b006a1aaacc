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
    public init(json: [UInt8]) throws {
        var type: String?
        var schemaVersion: Int?
        var dataBytes: [UInt8]?
        var decoded: DecodedInput?
        var occurredAt: Timestamp?
        var actor: Initiator?
        var eventID: UUID?
        var correlationID: UUID?
        var causationID: UUID?
        try JSONScanner.withScanner(json) { scanner in
            func uuid(_ field: String) throws -> UUID {
                let text = try scanner.readString()
                guard let value = UUID(canonical: text) else { throw scanner.invalid("'\(field)' is not a UUID: '\(text)'") }
                return value
            }
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) {
                switch key {
                case "type": type = try scanner.readString()
                case "schemaVersion": schemaVersion = Int(try scanner.readInt())
                case "occurredAt":
                    let text = try scanner.readString()
                    do { occurredAt = try Timestamp(iso8601: text) } catch { throw scanner.invalid("'occurredAt': \(error)") }
                case "actor":
                    let text = try scanner.readString()
                    do { actor = try Initiator(parsing: text) } catch { throw scanner.invalid("'actor': \(error)") }
                case "eventId": eventID = try uuid(key)
                case "correlationId": correlationID = try uuid(key)
                case "causationId": causationID = try uuid(key)
                case "data":
                    // Decode in place when the type is known (the usual key
                    // order); otherwise keep the bytes for later.
                    if let type {
                        decoded = try CaseloadEvent.decodeInput(type: type, schemaVersion: schemaVersion, from: &scanner)
                    } else {
                        dataBytes = try scanner.captureValue()
                    }
                default:
                    throw scanner.unknownKey(key, in: "the import envelope")
                }
            }
            try scanner.finish()
        }
        guard let type else { throw ImportLineError("missing field 'type'") }
        if decoded == nil {
            guard let dataBytes else { throw ImportLineError("missing field 'data'") }
            decoded = try CaseloadEvent.decodeInput(type: type, schemaVersion: schemaVersion, payload: dataBytes)
        }
        guard let occurredAt else { throw ImportLineError("missing field 'occurredAt'") }
        guard let actor else { throw ImportLineError("missing field 'actor'") }
        self.input = decoded!
        self.occurredAt = occurredAt
        self.actor = actor
        self.eventID = eventID
        self.correlationID = correlationID
        self.causationID = causationID
    }
}

/// An envelope-level problem in an import line.
public struct ImportLineError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
