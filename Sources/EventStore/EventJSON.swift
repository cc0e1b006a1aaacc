public import CaseloadCoding
public import struct Foundation.UUID

extension RecordedEvent {
    /// Writes the event as `recorded-event.schema.json` describes it (what
    /// `caseload log --json` prints), with the payload embedded as is.
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("position"); writer.int(position)
        writer.key("eventId"); writer.uuid(id)
        writer.key("stream"); writer.string(stream.rawValue)
        writer.key("streamVersion"); writer.int(streamVersion)
        writer.key("type"); writer.string(type)
        writer.key("schemaVersion"); writer.int(schemaVersion)
        writer.key("occurredAt"); writer.timestamp(metadata.occurredAt)
        writer.key("recordedAt"); writer.timestamp(metadata.recordedAt)
        writer.key("actor"); writer.string(metadata.actor)
        writer.key("correlationId"); if let id = metadata.correlationID { writer.uuid(id) } else { writer.null() }
        writer.key("causationId"); if let id = metadata.causationID { writer.uuid(id) } else { writer.null() }
        writer.key("data"); writer.raw(payload.bytes)
        writer.key("hash"); withUnsafeBytes(of: hash.words) { writer.hexString($0) }
        writer.endObject()
    }
}

/// One line of `caseload append` input: an atomic append to one stream.
///
/// `{"stream": "case-1", "expected": "any" | "no-stream" | 3,
///   "events": [{"type": "...", "data": {...}, "actor": "...", "occurredAt": "...",
///               "eventId"?: "...", "schemaVersion"?: 1, "correlationId"?: "...", "causationId"?: "..."}]}`
public struct AppendRequestLine: Sendable {
    public var append: StreamAppend

    /// Parses one line; `newID` supplies ids for events that give none.
    /// `stream`, when given (an HTTP path names it), is the stream the line
    /// need not name; a line that names another is refused.
    public init(json: [UInt8], stream given: StreamID? = nil, limits: EventStoreLimits = .default, newID: () -> UUID) throws {
        var stream = given
        var expected = ExpectedVersion.any
        var events: [NewEvent] = []
        try JSONScanner.withScanner(json) { scanner in
            var object = try scanner.beginObject()
            var seen = SeenMembers()
            while let key = try scanner.nextKey(&object) {
                try seen.once(key, ["stream", "expected", "events"], scanner)
                switch key {
                case "stream":
                    let named = try StreamID(try scanner.readString(), limits: limits)
                    if let given, named != given {
                        throw EventStoreError(
                            .invalidAppend, "the body names stream '\(named)', the path '\(given)'", stream: given)
                    }
                    stream = named
                case "expected":
                    if try scanner.peekKind() == .number {
                        expected = try ExpectedVersion(parsing: String(try scanner.readInt()))
                    } else {
                        expected = try ExpectedVersion(parsing: try scanner.readString())
                    }
                case "events":
                    var array = try scanner.beginArray()
                    while try scanner.nextElement(&array) {
                        events.append(try Self.event(&scanner, newID: newID))
                    }
                default: throw scanner.unknownKey(key, in: "an append line")
                }
            }
            try scanner.finish()
        }
        guard let stream else { throw JSONError(offset: 0, message: "missing field 'stream' in an append line") }
        append = StreamAppend(stream: stream, expected: expected, events: events)
    }

    static func event(_ scanner: inout JSONScanner, newID: () -> UUID) throws -> NewEvent {
        var type: String?
        var data: [UInt8]?
        var actor: String?
        var occurredAt: Timestamp?
        var id: UUID?
        var schemaVersion = 1
        var correlation: UUID?
        var causation: UUID?
        func uuid(_ text: String, _ field: String) throws -> UUID {
            guard let value = UUID(canonical: text) else { throw scanner.invalid("'\(field)' is not a UUID: \(text)") }
            return value
        }
        var object = try scanner.beginObject()
        var seen = SeenMembers()
        while let key = try scanner.nextKey(&object) {
            try seen.once(key, eventMembers, scanner)
            switch key {
            case "type": type = try scanner.readString()
            case "data": data = try scanner.captureValue()
            case "actor": actor = try scanner.readString()
            case "occurredAt": occurredAt = try Timestamp(iso8601: try scanner.readString())
            case "eventId": id = try uuid(try scanner.readString(), key)
            case "schemaVersion": schemaVersion = Int(try scanner.readInt())
            case "correlationId": correlation = try scanner.readNull() ? nil : try uuid(try scanner.readString(), key)
            case "causationId": causation = try scanner.readNull() ? nil : try uuid(try scanner.readString(), key)
            default: throw scanner.unknownKey(key, in: "an event")
            }
        }
        guard let type else { throw scanner.missingKey("type", in: "an event") }
        guard let data else { throw scanner.missingKey("data", in: "an event") }
        guard let actor else { throw scanner.missingKey("actor", in: "an event") }
        guard let occurredAt else { throw scanner.missingKey("occurredAt", in: "an event") }
        return NewEvent(
            id: id ?? newID(), type: type, schemaVersion: schemaVersion, payload: EventPayload(bytes: data),
            occurredAt: occurredAt, actor: actor, correlationID: correlation, causationID: causation)
    }
}

/// An event's members in an append line.
private let eventMembers = ["type", "data", "actor", "occurredAt", "eventId", "schemaVersion", "correlationId", "causationId"]

/// The members of one object seen so far: each may appear once, so that no
/// member's meaning depends on which copy comes last (issue 15, defect 2).
private struct SeenMembers {
    private var mask: UInt16 = 0

    /// Throws if `key`, one of `members`, was seen already (other keys are the caller's to refuse).
    mutating func once(_ key: String, _ members: [String], _ scanner: JSONScanner) throws {
        guard let index = members.firstIndex(of: key) else { return }
        let bit = UInt16(1) << UInt16(index)
        if mask & bit != 0 { throw scanner.invalid("field '\(key)' appears twice") }
        mask |= bit
    }
}
