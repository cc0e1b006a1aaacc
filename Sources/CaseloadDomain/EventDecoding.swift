public import CaseloadCoding

// A hand-written decoder: replaying the log must read well over a million
// events a second, which rules out `JSONDecoder`. Each payload reads its
// object with a `switch` over keys in one pass, straight from the bytes
// (its `EventPayload.decode`, in Events.swift, lists its fields; the field
// readers are here); the only allocations are the strings it keeps.

extension CaseloadEvent {
    /// Decodes a payload from the log: strict (every required field, no
    /// unknown ones, `clientName` refused), older schema versions upcast to
    /// the current shape.
    public static func decode(type: String, schemaVersion: Int, payload: [UInt8]) throws(EventDecodingError)
        -> CaseloadEvent
    {
        let context = try DecodeContext(typeName: type, version: schemaVersion, mode: .stored)
        return try context.decodeWhole(payload) { scanner in try context.decodeEvent(&scanner) }
    }

    /// Decodes the payload object the scanner is positioned at, leaving the
    /// scanner just after it (for a payload embedded in a larger document).
    public static func decode(type: String, schemaVersion: Int, from scanner: inout JSONScanner)
        throws(EventDecodingError) -> CaseloadEvent
    {
        let context = try DecodeContext(typeName: type, version: schemaVersion, mode: .stored)
        return try context.mapErrors(&scanner) { scanner in try context.decodeEvent(&scanner) }
    }

    /// Decodes the `data` of an import line or API request: like
    /// ``decode(type:schemaVersion:payload:)`` but it also accepts
    /// `clientName` in an InquiryOpened (returned apart, never kept in the
    /// event) and a SessionCancelled without `policyNoticeHours`/`late`
    /// (completed from the rules by ``DecodedInput/completed(occurredAt:caseState:therapistState:)``).
    /// A nil `schemaVersion` means the type's current one.
    public static func decodeInput(type: String, schemaVersion: Int? = nil, payload: [UInt8])
        throws(EventDecodingError) -> DecodedInput
    {
        let context = try DecodeContext(typeName: type, version: schemaVersion, mode: .input)
        return try context.decodeWhole(payload) { scanner in try context.decodeInput(&scanner) }
    }

    /// ``decodeInput(type:schemaVersion:payload:)`` for the object the scanner
    /// is positioned at (the `data` member of an import line); leaves the
    /// scanner just after it, and error offsets are offsets in the scanned text.
    public static func decodeInput(type: String, schemaVersion: Int? = nil, from scanner: inout JSONScanner)
        throws(EventDecodingError) -> DecodedInput
    {
        let context = try DecodeContext(typeName: type, version: schemaVersion, mode: .input)
        return try context.mapErrors(&scanner) { scanner in try context.decodeInput(&scanner) }
    }
}

/// What a decoder knows while reading one payload: the type, version and
/// mode, used to read fields and to name them in errors.
struct DecodeContext {
    enum Mode { case stored, input }

    let type: EventType
    let version: Int
    let mode: Mode

    init(typeName: String, version: Int?, mode: Mode) throws(EventDecodingError) {
        guard let type = EventType(name: typeName) else {
            throw EventDecodingError(
                code: .unknownEventType, eventType: typeName, schemaVersion: version,
                reason: "unknown event type '\(typeName)'")
        }
        let version = version ?? type.currentSchemaVersion
        guard type.supportedSchemaVersions.contains(version) else {
            let known = type.supportedSchemaVersions.map(String.init).joined(separator: ", ")
            throw EventDecodingError(
                code: .unsupportedSchemaVersion, eventType: typeName, schemaVersion: version,
                reason: "schema version \(version) is not supported (supported: \(known))")
        }
        self.type = type
        self.version = version
        self.mode = mode
    }

    // MARK: Entry points and error mapping

    func decodeWhole<R>(_ payload: [UInt8], _ body: (inout JSONScanner) throws -> R) throws(EventDecodingError) -> R {
        do {
            return try JSONScanner.withScanner(payload) { scanner in
                let result = try body(&scanner)
                try scanner.finish()
                return result
            }
        } catch {
            throw map(error)
        }
    }

    func mapErrors<R>(_ scanner: inout JSONScanner, _ body: (inout JSONScanner) throws -> R) throws(EventDecodingError)
        -> R
    {
        do {
            return try body(&scanner)
        } catch {
            throw map(error)
        }
    }

    private func map(_ error: any Error) -> EventDecodingError {
        switch error {
        case let error as EventDecodingError:
            return error
        case let error as JSONError:
            return failure(.malformedJSON, offset: error.offset, reason: error.message)
        default:
            return failure(.malformedJSON, reason: "\(error)")
        }
    }

    func failure(_ code: EventDecodingError.Code, field: String? = nil, offset: Int? = nil, reason: String)
        -> EventDecodingError
    {
        EventDecodingError(
            code: code, eventType: type.rawValue, schemaVersion: version, field: field, offset: offset, reason: reason)
    }

    func unknown(_ key: String, _ scanner: JSONScanner, path: String = "") -> EventDecodingError {
        let field = path + key
        if key == "clientName", path.isEmpty, type == .inquiryOpened {
            return failure(
                .unknownField, field: field, offset: scanner.offset,
                reason: "field 'clientName' is personal data and is never stored in the log")
        }
        return failure(
            .unknownField, field: field, offset: scanner.offset, reason: "unknown field '\(field)' in \(type.rawValue)")
    }

    func missing(_ field: String, _ scanner: JSONScanner) -> EventDecodingError {
        failure(.missingField, field: field, offset: scanner.offset, reason: "missing field '\(field)'")
    }

    // Field names are autoclosures: the happy path must not build strings
    // (`price.amount`, `evidence[3]`) that only an error message needs.

    /// Throws if a field was already read (`seen` holds its value).
    @inline(__always)
    func once(_ seen: (some Any)?, _ field: @autoclosure () -> String, _ scanner: JSONScanner)
        throws(EventDecodingError)
    {
        if seen != nil {
            let field = field()
            throw failure(
                .duplicateField, field: field, offset: scanner.offset, reason: "field '\(field)' appears twice")
        }
    }

    @inline(__always)
    func required<T>(_ value: T?, _ field: @autoclosure () -> String, _ scanner: JSONScanner)
        throws(EventDecodingError) -> T
    {
        guard let value else { throw missing(field(), scanner) }
        return value
    }

    func invalid(_ field: String, _ offset: Int, _ reason: String) -> EventDecodingError {
        failure(.invalidValue, field: field, offset: offset, reason: "field '\(field)' \(reason)")
    }

    func invalid(_ problem: FieldProblem, _ scanner: JSONScanner) -> EventDecodingError {
        invalid(problem.field, scanner.offset, problem.reason)
    }

    // MARK: Field readers (type errors become invalidValue naming the field)

    func string(_ scanner: inout JSONScanner, _ field: @autoclosure () -> String) throws(EventDecodingError)
        -> String
    {
        do {
            return try scanner.readString()
        } catch {
            throw invalid(field(), scanner.offset, "must be a string (\(Self.reason(error)))")
        }
    }

    func bool(_ scanner: inout JSONScanner, _ field: @autoclosure () -> String) throws(EventDecodingError) -> Bool {
        do {
            return try scanner.readBool()
        } catch {
            throw invalid(field(), scanner.offset, "must be true or false")
        }
    }

    func int(_ scanner: inout JSONScanner, _ field: @autoclosure () -> String) throws(EventDecodingError) -> Int {
        do {
            return Int(try scanner.readInt())
        } catch {
            throw invalid(field(), scanner.offset, "must be an integer (\(Self.reason(error)))")
        }
    }

    func enumeration<E: RawRepresentable<String> & CaseIterable>(
        _ scanner: inout JSONScanner, _ field: @autoclosure () -> String, as _: E.Type
    ) throws(EventDecodingError) -> E {
        let start = scanner.offset
        let text = try string(&scanner, field())
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw invalid(field(), start, "'\(text)' is not one of \(allowed)")
        }
        return value
    }

    func time(_ scanner: inout JSONScanner, _ field: @autoclosure () -> String) throws(EventDecodingError)
        -> Timestamp
    {
        let start = scanner.offset
        let parsed: Result<Timestamp, any Error>
        do {
            // Parsed where it lies: times are seldom repeated, so no string for them.
            parsed = try scanner.readStringBytes { bytes in Result { try Timestamp(iso8601: bytes) } }
        } catch {
            throw invalid(field(), scanner.offset, "must be a string (\(Self.reason(error)))")
        }
        switch parsed {
        case .success(let time):
            return time
        case .failure(let error):
            let reason = (error as? TimestampError)?.reason ?? "\(error)"
            throw invalid(field(), start, "is not an ISO-8601 time (\(reason))")
        }
    }

    func strings(_ scanner: inout JSONScanner, _ field: @autoclosure () -> String) throws(EventDecodingError)
        -> [String]
    {
        var values: [String] = []
        do {
            var array = try scanner.beginArray()
            while try scanner.nextElement(&array) {
                values.append(try string(&scanner, "\(field())[\(values.count)]"))
            }
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw invalid(field(), scanner.offset, "must be an array of strings (\(Self.reason(error)))")
        }
        return values
    }

    /// Reads `{amount, currency}`; the contract's only object-valued field is `price`.
    func money(_ scanner: inout JSONScanner, _ field: @autoclosure () -> String) throws(EventDecodingError) -> Money {
        var amount: Int64?
        var currency: String?
        do {
            var object = try scanner.beginObject()
            while let key = try scanner.nextRawKey(&object) {
                switch key {
                case "amount":
                    try once(amount, "\(field()).amount", scanner)
                    do {
                        amount = try scanner.readInt()
                    } catch {
                        throw invalid("\(field()).amount", scanner.offset, "must be an integer (\(Self.reason(error)))")
                    }
                case "currency":
                    try once(currency, "\(field()).currency", scanner)
                    currency = try string(&scanner, "\(field()).currency")
                default:
                    throw unknown(key.string, scanner, path: "\(field()).")
                }
            }
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw invalid(field(), scanner.offset, "must be an object {amount, currency} (\(Self.reason(error)))")
        }
        return Money(
            amount: try required(amount, "\(field()).amount", scanner),
            currency: try required(currency, "\(field()).currency", scanner))
    }

    private static func reason(_ error: any Error) -> String {
        (error as? JSONError)?.message ?? "\(error)"
    }

    // MARK: Events

    func decodeInput(_ scanner: inout JSONScanner) throws -> DecodedInput {
        var clientName: String?
        let content: DecodedInput.Content
        switch type {
        case .inquiryOpened:
            let opened = try InquiryOpened.decode(&scanner, self, clientName: &clientName)
            try validate(opened, scanner)
            if let clientName {
                do { try Validate.clientName(clientName) } catch { throw invalid(error, scanner) }
                if opened.clientNameRef != nil {
                    throw invalid(FieldProblem(field: "clientName", reason: "and clientNameRef exclude each other: give one or the other"), scanner)
                }
            }
            content = .event(.inquiryOpened(opened))
        case .sessionCancelled:
            let input = try SessionCancellationInput.decode(&scanner, self)
            if let complete = input.complete {
                content = .event(.sessionCancelled(complete))
            } else {
                content = .incompleteCancellation(input)
            }
        default:
            content = .event(try decodeEvent(&scanner))
        }
        return DecodedInput(content: content, droppedClientName: clientName)
    }

    /// Dispatches to the payload's own decoder (``EventType/decodeEvent(_:_:)``).
    func decodeEvent(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        try type.decodeEvent(&scanner, self)
    }
}
