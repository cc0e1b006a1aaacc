public import CaseloadCoding

/// What an event's payload knows about itself: its stable type name and
/// schema versions, its stream, its fields as JSON (read and written), the
/// contract's value rules for them, which states its rule needs, and the rule.
///
/// Each payload struct conforms beside its declaration (Events.swift), so an
/// event type's whole contract is in one place. Internal: other modules see
/// the payloads through ``CaseloadEvent``.
protocol EventPayload: Sendable, Hashable {
    /// The type of the contract this payload is.
    static var eventType: EventType { get }
    /// The versions the decoder reads; the last is the one producers write.
    static var schemaVersions: ClosedRange<Int> { get }
    /// The kind of stream the event goes to.
    static var streamCategory: StreamCategory { get }

    /// The id that names the event's stream.
    var streamID: String { get }
    /// The therapist the payload names as its subject, if any.
    var namedTherapistId: String? { get }
    /// The streams whose states the rules need to judge the event.
    var stateNeeds: StateNeeds { get }
    /// The payload as an event.
    var event: CaseloadEvent { get }

    /// Reads the payload object the scanner is at (strict: every required
    /// field, no unknown or repeated ones; older versions upcast).
    static func decode(_ scanner: inout JSONScanner, _ context: DecodeContext) throws -> Self
    /// Writes the members, keys in sorted byte order, into an open object.
    func encodeFields(into writer: inout JSONWriter)
    /// Checks every field against the contract's value rules.
    func validateFields() throws(FieldProblem)
    /// The event's rule: throws unless it may follow `states` (those its
    /// ``stateNeeds`` named), caused by `judge`'s actor at its time.
    func check(_ judge: Judge, _ states: RuleStates) throws(DomainError)
}

extension EventPayload {
    static var schemaVersions: ClosedRange<Int> { 1...1 }
    var namedTherapistId: String? { nil }

    /// ``decode(_:_:)``, then the value rules; as an event.
    static func decodeEvent(_ scanner: inout JSONScanner, _ context: DecodeContext) throws -> CaseloadEvent {
        let payload = try decode(&scanner, context)
        try context.validate(payload, scanner)
        return payload.event
    }
}

/// A payload of the therapist stream, named by its therapist.
protocol TherapistPayload: EventPayload {
    var therapistId: String { get }
}

extension TherapistPayload {
    static var streamCategory: StreamCategory { .therapist }
    var streamID: String { therapistId }
    var namedTherapistId: String? { therapistId }
    var stateNeeds: StateNeeds { StateNeeds(therapistId: therapistId) }
}

/// A payload of a case stream, named by its case. Judged against the case
/// and the case's therapist (a cancellation needs the policy in force).
protocol CasePayload: EventPayload {
    var caseId: String { get }
}

extension CasePayload {
    static var streamCategory: StreamCategory { .case }
    var streamID: String { caseId }
    var stateNeeds: StateNeeds { StateNeeds(caseId: caseId) }
}

// MARK: - Field values

/// A value a payload field holds, and how the decoder reads it: the one
/// place each kind of field is read, so a payload's decoder is its list of
/// fields. Type errors become `invalidValue` naming the field.
protocol PayloadField {
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> Self
}

extension String: PayloadField {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> String
    { try context.string(&scanner, field()) }
}

extension Int: PayloadField {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> Int
    { try context.int(&scanner, field()) }
}

extension Bool: PayloadField {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> Bool
    { try context.bool(&scanner, field()) }
}

extension Timestamp: PayloadField {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> Timestamp
    { try context.time(&scanner, field()) }
}

extension Money: PayloadField {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> Money
    { try context.money(&scanner, field()) }
}

extension Array: PayloadField where Element == String {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> [String]
    { try context.strings(&scanner, field()) }
}

/// A closed list of names (`format`, `reason`, `outcome`): a string that must be one of them.
protocol PayloadEnum: RawRepresentable<String>, CaseIterable, PayloadField {}

extension PayloadEnum {
    @inline(__always)
    static func read(_ scanner: inout JSONScanner, _ context: DecodeContext, _ field: @autoclosure () -> String)
        throws -> Self
    { try context.enumeration(&scanner, field(), as: Self.self) }
}

extension InquiryFormat: PayloadEnum {}
extension CancellingParty: PayloadEnum {}
extension CaseEndReason: PayloadEnum {}
extension ExclusionReason: PayloadEnum {}
extension RefusalReason: PayloadEnum {}
extension RefusalOutcome: PayloadEnum {}

extension DecodeContext {
    /// Reads field `key` into `slot`, which must not hold a value yet.
    @inline(__always)
    func read<T: PayloadField>(_ slot: inout T?, _ key: JSONKey, _ scanner: inout JSONScanner) throws {
        try once(slot, key.string, scanner)
        slot = try T.read(&scanner, self, key.string)
    }

    /// Throws the value rule `payload` breaks, as an error of this payload.
    func validate(_ payload: some EventPayload, _ scanner: JSONScanner) throws(EventDecodingError) {
        do {
            try payload.validateFields()
        } catch {
            throw invalid(error, scanner)
        }
    }
}

// MARK: - Reaching the payload of an event

/// Something asked of an event's payload whatever its type; see
/// ``CaseloadEvent/accept(_:)``.
protocol PayloadVisitor {
    associatedtype Result
    func visit<P: EventPayload>(_ payload: P) -> Result
}

/// Something asked of a payload type whatever it is; see ``EventType/accept(_:)``.
protocol PayloadTypeVisitor {
    associatedtype Result
    func visit<P: EventPayload>(_ type: P.Type) -> Result
}

struct SchemaVersionsOfPayloadType: PayloadTypeVisitor {
    func visit<P: EventPayload>(_: P.Type) -> ClosedRange<Int> { P.schemaVersions }
}

struct StreamCategoryOfPayloadType: PayloadTypeVisitor {
    func visit<P: EventPayload>(_: P.Type) -> StreamCategory { P.streamCategory }
}

struct TypeOfPayload: PayloadVisitor {
    func visit<P: EventPayload>(_: P) -> EventType { P.eventType }
}

struct StreamIDOfPayload: PayloadVisitor {
    func visit<P: EventPayload>(_ payload: P) -> String { payload.streamID }
}

struct NamedTherapistOfPayload: PayloadVisitor {
    func visit<P: EventPayload>(_ payload: P) -> String? { payload.namedTherapistId }
}

struct StateNeedsOfPayload: PayloadVisitor {
    func visit<P: EventPayload>(_ payload: P) -> StateNeeds { payload.stateNeeds }
}

/// The value rule the payload breaks, or nil (a visitor returns, it cannot throw).
struct FieldProblemOfPayload: PayloadVisitor {
    func visit<P: EventPayload>(_ payload: P) -> FieldProblem? {
        do {
            try payload.validateFields()
            return nil
        } catch {
            return error
        }
    }
}

/// The rule the payload's event breaks, or nil.
struct RuleOfPayload: PayloadVisitor {
    let judge: Judge
    let states: RuleStates
    func visit<P: EventPayload>(_ payload: P) -> DomainError? {
        do {
            try payload.check(judge, states)
            return nil
        } catch {
            return error
        }
    }
}

/// Writes the payload's members into the writer it points at. A pointer
/// because a visitor cannot hold an `inout`; copying the writer in and out
/// would copy its buffer. Valid only inside ``CaseloadEvent/encodePayload(into:)``.
struct EncodingPayload: PayloadVisitor {
    let writer: UnsafeMutablePointer<JSONWriter>
    func visit<P: EventPayload>(_ payload: P) { payload.encodeFields(into: &writer.pointee) }
}

extension CaseloadEvent {
    /// Checks every field against the contract's value rules (ids, money,
    /// notice hours, explanation length, the re-match fields). The decoder runs
    /// the same checks; commands run them through ``Rules``.
    func validateFields() throws(FieldProblem) {
        if let problem = accept(FieldProblemOfPayload()) { throw problem }
    }

    /// The payload as canonical JSON: compact, keys in sorted byte order,
    /// optional fields omitted when nil, times in UTC. The log stores (and the
    /// hash chain covers) exactly these bytes. Never writes `clientName`.
    public func encodedPayload() -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        encodePayload(into: &writer)
        return writer.bytes
    }

    /// Writes the payload object into `writer` (for embedding it in a larger document).
    public func encodePayload(into writer: inout JSONWriter) {
        // Each payload writes its keys in sorted byte order by hand; a test
        // checks the order for every event type.
        writer.beginObject()
        withUnsafeMutablePointer(to: &writer) { accept(EncodingPayload(writer: $0)) }
        writer.endObject()
    }
}

extension Money {
    func encode(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("amount"); writer.int(amount)
        writer.key("currency"); writer.string(currency)
        writer.endObject()
    }
}

extension JSONWriter {
    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }
}
