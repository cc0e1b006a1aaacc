/// A payload that cannot be read as an event of the contract: unknown type or
/// version, malformed JSON, an unknown, missing or repeated field, or a value
/// that breaks the contract. Names the event type and, when there is one, the field.
public struct EventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a value to switch on (new codes may be added).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String, Sendable, Hashable {
            case unknownEventType, unsupportedSchemaVersion, malformedJSON
            case unknownField, missingField, duplicateField, invalidValue
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The type name is not one of the contract's.
        public static let unknownEventType = Code(.unknownEventType)
        /// The type exists but not in this schema version.
        public static let unsupportedSchemaVersion = Code(.unsupportedSchemaVersion)
        /// The payload is not one well-formed JSON object.
        public static let malformedJSON = Code(.malformedJSON)
        /// A field the type does not have (a typo such as `caseID`, or `clientName` in the log).
        public static let unknownField = Code(.unknownField)
        /// A required field is absent.
        public static let missingField = Code(.missingField)
        /// A field appears twice.
        public static let duplicateField = Code(.duplicateField)
        /// A field's value has the wrong JSON type or breaks the contract's rules.
        public static let invalidValue = Code(.invalidValue)

        public var description: String { value.rawValue }
    }

    public var code: Code
    /// The event type as given (it may be unknown).
    public var eventType: String
    public var schemaVersion: Int?
    /// The field concerned, with a path for nested ones (`price.currency`, `evidence[2]`).
    public var field: String?
    /// The byte offset in the scanned text (the payload, or the import line) where it was found.
    public var offset: Int?
    /// What is wrong, in words, naming the field (`missing field 'price'`).
    public var reason: String

    public init(
        code: Code, eventType: String, schemaVersion: Int?, field: String? = nil, offset: Int? = nil, reason: String
    ) {
        self.code = code
        self.eventType = eventType
        self.schemaVersion = schemaVersion
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// `SessionBooked v1: field 'price.currency' 'eur' is not 3 upper-case letters (ISO 4217) (at byte 61)`.
    public var description: String {
        var text = eventType
        if let schemaVersion { text += " v\(schemaVersion)" }
        text += ": " + reason
        if let offset { text += " (at byte \(offset))" }
        return text
    }
}
