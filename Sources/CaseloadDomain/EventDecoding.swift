public import CaseloadCoding

// A hand-written decoder: replaying the log must read well over a million
// events a second, which rules out `JSONDecoder`. Each type reads its object
// with a `switch` over keys in one pass, straight from the bytes; the only
// allocations are the strings it keeps.

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
            let event = try decodeInquiryOpened(&scanner, clientName: &clientName)
            try validate(event, scanner)
            content = .event(event)
        case .sessionCancelled:
            let input = try decodeSessionCancellation(&scanner)
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

    func decodeEvent(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        let event: CaseloadEvent
        switch type {
        case .therapistJoined: event = try decodeTherapistJoined(&scanner)
        case .cancellationPolicySet: event = try decodeCancellationPolicySet(&scanner)
        case .profileViewed: event = try decodeProfileViewed(&scanner)
        case .inquiryOpened:
            var ignored: String?
            event = try decodeInquiryOpened(&scanner, clientName: &ignored)
        case .therapistReplied: event = .therapistReplied(TherapistReplied(caseId: try decodeCaseOnly(&scanner)))
        case .sessionBooked: event = try decodeSessionBooked(&scanner)
        case .sessionHeld:
            let (caseId, sessionId) = try decodeCaseAndSession(&scanner)
            event = .sessionHeld(SessionHeld(caseId: caseId, sessionId: sessionId))
        case .sessionCancelled:
            let input = try decodeSessionCancellation(&scanner)
            guard let complete = input.complete else {
                throw missing(input.policyNoticeHours == nil ? "policyNoticeHours" : "late", scanner)
            }
            event = .sessionCancelled(complete)
        case .sessionMissed:
            let (caseId, sessionId) = try decodeCaseAndSession(&scanner)
            event = .sessionMissed(SessionMissed(caseId: caseId, sessionId: sessionId))
        case .caseEnded: event = try decodeCaseEnded(&scanner)
        case .exclusionRequested: event = try decodeExclusionRequested(&scanner)
        case .chatExcluded: event = try decodeChatExcluded(&scanner)
        case .exclusionDenied:
            let (caseId, explanation) = try decodeCaseAndExplanation(&scanner)
            event = .exclusionDenied(ExclusionDenied(caseId: caseId, explanation: explanation))
        case .exclusionRevoked:
            let (caseId, explanation) = try decodeCaseAndExplanation(&scanner)
            event = .exclusionRevoked(ExclusionRevoked(caseId: caseId, explanation: explanation))
        case .refusalFiled: event = try decodeRefusalFiled(&scanner)
        case .refusalResolved: event = try decodeRefusalResolved(&scanner)
        case .antifraudFlagRaised: event = try decodeAntifraudFlagRaised(&scanner)
        case .antifraudFlagDisputed: event = try decodeAntifraudFlagDisputed(&scanner)
        case .antifraudFlagCleared:
            let (caseId, explanation) = try decodeCaseAndExplanation(&scanner)
            event = .antifraudFlagCleared(AntifraudFlagCleared(caseId: caseId, explanation: explanation))
        case .antifraudFlagConfirmed:
            let (caseId, explanation) = try decodeCaseAndExplanation(&scanner)
            event = .antifraudFlagConfirmed(AntifraudFlagConfirmed(caseId: caseId, explanation: explanation))
        case .clientDataErased: event = try decodeClientDataErased(&scanner)
        }
        try validate(event, scanner)
        return event
    }

    func validate(_ event: CaseloadEvent, _ scanner: JSONScanner) throws(EventDecodingError) {
        do {
            try event.validateFields()
        } catch {
            throw invalid(error, scanner)
        }
    }

    private func decodeTherapistJoined(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var therapistId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "therapistId":
                try once(therapistId, key.string, scanner)
                therapistId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .therapistJoined(TherapistJoined(therapistId: try required(therapistId, "therapistId", scanner)))
    }

    private func decodeCancellationPolicySet(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var therapistId: String?
        var noticeHours: Int?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "noticeHours":
                try once(noticeHours, key.string, scanner)
                noticeHours = try int(&scanner, key.string)
            case "therapistId":
                try once(therapistId, key.string, scanner)
                therapistId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .cancellationPolicySet(
            CancellationPolicySet(
                therapistId: try required(therapistId, "therapistId", scanner),
                noticeHours: try required(noticeHours, "noticeHours", scanner)))
    }

    private func decodeProfileViewed(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var therapistId: String?
        var visitorId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "therapistId":
                try once(therapistId, key.string, scanner)
                therapistId = try string(&scanner, key.string)
            case "visitorId":
                try once(visitorId, key.string, scanner)
                visitorId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .profileViewed(
            ProfileViewed(therapistId: try required(therapistId, "therapistId", scanner), visitorId: visitorId))
    }

    private func decodeClientDataErased(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var clientId: String?
        var fields: [String]?
        var records: Int?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "clientId":
                try once(clientId, key.string, scanner)
                clientId = try string(&scanner, key.string)
            case "fields":
                try once(fields, key.string, scanner)
                var list: [String] = []
                var array = try scanner.beginArray()
                while try scanner.nextElement(&array) { list.append(try string(&scanner, key.string)) }
                fields = list
            case "records":
                try once(records, key.string, scanner)
                records = Int(try scanner.readInt())
            default: throw unknown(key.string, scanner)
            }
        }
        return .clientDataErased(
            ClientDataErased(
                clientId: try required(clientId, "clientId", scanner), fields: try required(fields, "fields", scanner),
                records: try required(records, "records", scanner)))
    }

    private func decodeInquiryOpened(_ scanner: inout JSONScanner, clientName: inout String?) throws
        -> CaseloadEvent
    {
        var caseId: String?
        var clientId: String?
        var therapistId: String?
        var format: InquiryFormat?
        var oneOff: Bool?
        var rematchedFrom: String?
        var clientNameRef: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "clientId":
                try once(clientId, key.string, scanner)
                clientId = try string(&scanner, key.string)
            case "clientName" where mode == .input:
                try once(clientName, key.string, scanner)
                clientName = try string(&scanner, key.string)
            case "clientNameRef" where version >= 2:
                try once(clientNameRef, key.string, scanner)
                clientNameRef = try string(&scanner, key.string)
            case "format":
                try once(format, key.string, scanner)
                format = try enumeration(&scanner, key.string, as: InquiryFormat.self)
            case "oneOff":
                try once(oneOff, key.string, scanner)
                oneOff = try bool(&scanner, key.string)
            case "rematchedFrom":
                try once(rematchedFrom, key.string, scanner)
                rematchedFrom = try string(&scanner, key.string)
            case "therapistId":
                try once(therapistId, key.string, scanner)
                therapistId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .inquiryOpened(
            InquiryOpened(
                caseId: try required(caseId, "caseId", scanner),
                clientId: try required(clientId, "clientId", scanner),
                therapistId: try required(therapistId, "therapistId", scanner),
                format: try required(format, "format", scanner),
                oneOff: try required(oneOff, "oneOff", scanner),
                rematchedFrom: rematchedFrom, clientNameRef: clientNameRef))
    }

    private func decodeCaseOnly(_ scanner: inout JSONScanner) throws -> String {
        var caseId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return try required(caseId, "caseId", scanner)
    }

    private func decodeCaseAndSession(_ scanner: inout JSONScanner) throws -> (String, String) {
        var caseId: String?
        var sessionId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "sessionId":
                try once(sessionId, key.string, scanner)
                sessionId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return (try required(caseId, "caseId", scanner), try required(sessionId, "sessionId", scanner))
    }

    private func decodeCaseAndExplanation(_ scanner: inout JSONScanner) throws -> (String, String) {
        var caseId: String?
        var explanation: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "explanation":
                try once(explanation, key.string, scanner)
                explanation = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return (try required(caseId, "caseId", scanner), try required(explanation, "explanation", scanner))
    }

    private func decodeSessionBooked(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var sessionId: String?
        var scheduledStart: Timestamp?
        var price: Money?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "price":
                try once(price, key.string, scanner)
                price = try money(&scanner, key.string)
            case "scheduledStart":
                try once(scheduledStart, key.string, scanner)
                scheduledStart = try time(&scanner, key.string)
            case "sessionId":
                try once(sessionId, key.string, scanner)
                sessionId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .sessionBooked(
            SessionBooked(
                caseId: try required(caseId, "caseId", scanner),
                sessionId: try required(sessionId, "sessionId", scanner),
                scheduledStart: try required(scheduledStart, "scheduledStart", scanner),
                price: try required(price, "price", scanner)))
    }

    /// Reads a SessionCancelled whose terms may be absent (input) and
    /// validates what it has; ``decodeEvent(_:)`` then requires the terms.
    private func decodeSessionCancellation(_ scanner: inout JSONScanner) throws -> SessionCancellationInput {
        var caseId: String?
        var sessionId: String?
        var by: CancellingParty?
        var policyNoticeHours: Int?
        var late: Bool?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "by":
                try once(by, key.string, scanner)
                by = try enumeration(&scanner, key.string, as: CancellingParty.self)
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "late":
                try once(late, key.string, scanner)
                late = try bool(&scanner, key.string)
            case "policyNoticeHours":
                try once(policyNoticeHours, key.string, scanner)
                policyNoticeHours = try int(&scanner, key.string)
            case "sessionId":
                try once(sessionId, key.string, scanner)
                sessionId = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        let input = SessionCancellationInput(
            caseId: try required(caseId, "caseId", scanner),
            sessionId: try required(sessionId, "sessionId", scanner),
            by: try required(by, "by", scanner),
            policyNoticeHours: policyNoticeHours, late: late)
        do {
            try input.validateFields()
        } catch {
            throw invalid(error, scanner)
        }
        return input
    }

    private func decodeCaseEnded(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var reason: CaseEndReason?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "reason":
                try once(reason, key.string, scanner)
                reason = try enumeration(&scanner, key.string, as: CaseEndReason.self)
            default: throw unknown(key.string, scanner)
            }
        }
        return .caseEnded(
            CaseEnded(caseId: try required(caseId, "caseId", scanner), reason: try required(reason, "reason", scanner)))
    }

    private func decodeExclusionRequested(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var reason: ExclusionReason?
        var explanation: String?
        var evidence: [String]?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "evidence":
                try once(evidence, key.string, scanner)
                if version == 1 {
                    // Upcast: v1 held one reference as a string ("" for none).
                    let single = try string(&scanner, key.string)
                    evidence = single.isEmpty ? [] : [single]
                } else {
                    evidence = try strings(&scanner, key.string)
                }
            case "explanation":
                try once(explanation, key.string, scanner)
                explanation = try string(&scanner, key.string)
            case "reason":
                try once(reason, key.string, scanner)
                reason = try enumeration(&scanner, key.string, as: ExclusionReason.self)
            default: throw unknown(key.string, scanner)
            }
        }
        return .exclusionRequested(
            ExclusionRequested(
                caseId: try required(caseId, "caseId", scanner),
                reason: try required(reason, "reason", scanner),
                explanation: try required(explanation, "explanation", scanner),
                evidence: try required(evidence, "evidence", scanner)))
    }

    private func decodeChatExcluded(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var reason: ExclusionReason?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "reason":
                try once(reason, key.string, scanner)
                reason = try enumeration(&scanner, key.string, as: ExclusionReason.self)
            default: throw unknown(key.string, scanner)
            }
        }
        return .chatExcluded(
            ChatExcluded(caseId: try required(caseId, "caseId", scanner), reason: try required(reason, "reason", scanner)))
    }

    private func decodeRefusalFiled(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var reason: RefusalReason?
        var explanation: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "explanation":
                try once(explanation, key.string, scanner)
                explanation = try string(&scanner, key.string)
            case "reason":
                try once(reason, key.string, scanner)
                reason = try enumeration(&scanner, key.string, as: RefusalReason.self)
            default: throw unknown(key.string, scanner)
            }
        }
        return .refusalFiled(
            RefusalFiled(
                caseId: try required(caseId, "caseId", scanner),
                reason: try required(reason, "reason", scanner),
                explanation: try required(explanation, "explanation", scanner)))
    }

    private func decodeRefusalResolved(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var outcome: RefusalOutcome?
        var newCaseId: String?
        var newTherapistId: String?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "newCaseId":
                try once(newCaseId, key.string, scanner)
                newCaseId = try string(&scanner, key.string)
            case "newTherapistId":
                try once(newTherapistId, key.string, scanner)
                newTherapistId = try string(&scanner, key.string)
            case "outcome":
                try once(outcome, key.string, scanner)
                outcome = try enumeration(&scanner, key.string, as: RefusalOutcome.self)
            default: throw unknown(key.string, scanner)
            }
        }
        return .refusalResolved(
            RefusalResolved(
                caseId: try required(caseId, "caseId", scanner),
                outcome: try required(outcome, "outcome", scanner),
                newCaseId: newCaseId, newTherapistId: newTherapistId))
    }

    private func decodeAntifraudFlagRaised(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var rule: String?
        var evidence: [String]?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "evidence":
                try once(evidence, key.string, scanner)
                evidence = try strings(&scanner, key.string)
            case "rule":
                try once(rule, key.string, scanner)
                rule = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .antifraudFlagRaised(
            AntifraudFlagRaised(
                caseId: try required(caseId, "caseId", scanner),
                rule: try required(rule, "rule", scanner),
                evidence: try required(evidence, "evidence", scanner)))
    }

    private func decodeAntifraudFlagDisputed(_ scanner: inout JSONScanner) throws -> CaseloadEvent {
        var caseId: String?
        var explanation: String?
        var evidence: [String]?
        var object = try scanner.beginObject()
        while let key = try scanner.nextRawKey(&object) {
            switch key {
            case "caseId":
                try once(caseId, key.string, scanner)
                caseId = try string(&scanner, key.string)
            case "evidence":
                try once(evidence, key.string, scanner)
                evidence = try strings(&scanner, key.string)
            case "explanation":
                try once(explanation, key.string, scanner)
                explanation = try string(&scanner, key.string)
            default: throw unknown(key.string, scanner)
            }
        }
        return .antifraudFlagDisputed(
            AntifraudFlagDisputed(
                caseId: try required(caseId, "caseId", scanner),
                explanation: try required(explanation, "explanation", scanner),
                evidence: try required(evidence, "evidence", scanner)))
    }
}
