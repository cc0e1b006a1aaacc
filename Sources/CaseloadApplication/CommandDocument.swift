public import CaseloadCoding
public import CaseloadDomain
public import Foundation

/// A domain command as a front end receives it over the wire: one JSON object
/// naming the command, who gives it, when, and its idempotency key.
///
///     {"commandId": "0b6c…", "type": "bookSession", "actor": "client:c1",
///      "occurredAt": "2025-03-01T09:00:00Z",
///      "data": {"caseId": "c1", "sessionId": "s1",
///               "scheduledStart": "2025-03-04T10:00:00Z",
///               "price": {"amount": 300000, "currency": "RUB"}}}
///
/// `type` is the ``Command`` case's name; `data` holds its fields under their
/// names (`cancelSession`'s party is `by`). `clientName` (openInquiry only) is
/// sealed into the personal-data vault, never written to the log.
/// `EventSchemas/openapi.yaml` (`CommandRequest`) is the contract.
public struct CommandDocument: Sendable, Hashable {
    public var commandID: UUID
    public var command: Command
    public var actor: Initiator
    public var occurredAt: Timestamp
    public var clientName: String?
    public var correlationID: UUID?
    public var causationID: UUID?

    /// The command types, as `type` names them.
    public static let types = [
        "joinTherapist", "setCancellationPolicy", "recordProfileView", "openInquiry", "reply", "bookSession",
        "holdSession", "cancelSession", "markMissed", "endCase", "requestExclusion", "excludeChat", "denyExclusion",
        "revokeExclusion", "fileRefusal", "resolveRefusal", "raiseAntifraudFlag", "disputeAntifraudFlag",
        "clearAntifraudFlag", "confirmAntifraudFlag",
    ]

    /// Parses one command document; a ``CommandDocumentError`` names the
    /// field (`data.price.amount`) and what is wrong with it. Members the
    /// contract does not name (`additionalProperties: false`), and a member
    /// given twice, are refused.
    public init(json bytes: some Collection<UInt8>) throws(CommandDocumentError) {
        let wire: Wire
        do {
            wire = try JSONScanner.withScanner(Array(bytes)) { scanner in
                let wire = try Wire(&scanner)
                try scanner.finish()
                return wire
            }
        } catch let error as CommandDocumentError {
            throw error
        } catch let error as JSONError {
            throw CommandDocumentError(field: nil, reason: error.description)
        } catch {
            throw CommandDocumentError(field: nil, reason: "\(error)")
        }
        guard let commandID = UUID(uuidString: wire.commandId) else {
            throw CommandDocumentError(field: "commandId", reason: "is not a UUID: '\(wire.commandId)'")
        }
        let actor: Initiator
        do { actor = try Initiator(parsing: wire.actor) } catch {
            throw CommandDocumentError(field: "actor", reason: error.description)
        }
        let occurredAt: Timestamp
        do { occurredAt = try Timestamp(iso8601: wire.occurredAt) } catch {
            throw CommandDocumentError(field: "occurredAt", reason: "is not an ISO 8601 time with a zone: '\(wire.occurredAt)'")
        }
        func uuid(_ text: String?, _ field: String) throws(CommandDocumentError) -> UUID? {
            guard let text else { return nil }
            guard let id = UUID(uuidString: text) else { throw CommandDocumentError(field: field, reason: "is not a UUID: '\(text)'") }
            return id
        }
        self.commandID = commandID
        self.actor = actor
        self.occurredAt = occurredAt
        self.clientName = wire.clientName
        self.correlationID = try uuid(wire.correlationId, "correlationId")
        self.causationID = try uuid(wire.causationId, "causationId")
        self.command = try Self.command(wire.type, wire.data ?? Fields())
        if clientName != nil, case .openInquiry = command {} else if clientName != nil {
            throw CommandDocumentError(field: "clientName", reason: "is given only with openInquiry")
        }
    }

    /// Reads one object's members with the project's JSON scanner (a
    /// command is read on every request; Foundation's decoder was the
    /// largest share of a command's own CPU time): each member once, none
    /// the contract does not name, each value of its type or `null` where
    /// the member is optional.
    private struct Members {
        let path: String
        let names: [String]

        init(_ path: String, _ names: [String]) { (self.path, self.names) = (path, names) }

        func field(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

        /// Reads `{`, then calls `member` with each key, positioned at its value.
        func read(_ scanner: inout JSONScanner, _ member: (String, inout JSONScanner) throws -> Void) throws {
            guard try scanner.peekKind() == .object else {
                throw CommandDocumentError(field: path.isEmpty ? nil : path, reason: path.isEmpty ? "expected '{' (a command object)" : "is not an object")
            }
            var object = try scanner.beginObject()
            var seen: UInt32 = 0
            while let key = try scanner.nextKey(&object) {
                guard let index = names.firstIndex(of: key) else {
                    throw CommandDocumentError(
                        field: field(key), reason: "is not a member of \(path.isEmpty ? "a command" : path) (the members are \(names.joined(separator: ", ")))")
                }
                let bit = UInt32(1) << UInt32(index)
                if seen & bit != 0 { throw CommandDocumentError(field: field(key), reason: "appears twice") }
                seen |= bit
                try member(key, &scanner)
            }
        }

        func string(_ key: String, _ scanner: inout JSONScanner) throws -> String? {
            if try scanner.readNull() { return nil }
            guard try scanner.peekKind() == .string else { throw CommandDocumentError(field: field(key), reason: "is not a string") }
            return try scanner.readString()
        }

        func required(_ value: String?, _ key: String) throws -> String {
            guard let value else { throw CommandDocumentError(field: field(key), reason: "is required") }
            return value
        }

        func int(_ key: String, _ scanner: inout JSONScanner) throws -> Int64? {
            if try scanner.readNull() { return nil }
            guard try scanner.peekKind() == .number else { throw CommandDocumentError(field: field(key), reason: "is not an integer") }
            do { return try scanner.readInt() } catch let error as JSONError {
                throw CommandDocumentError(field: field(key), reason: "is not an integer that fits in 64 bits (\(error.message))")
            }
        }

        func bool(_ key: String, _ scanner: inout JSONScanner) throws -> Bool? {
            if try scanner.readNull() { return nil }
            guard try scanner.peekKind() == .bool else { throw CommandDocumentError(field: field(key), reason: "is not a boolean") }
            return try scanner.readBool()
        }

        func strings(_ key: String, _ scanner: inout JSONScanner) throws -> [String]? {
            if try scanner.readNull() { return nil }
            guard try scanner.peekKind() == .array else { throw CommandDocumentError(field: field(key), reason: "is not an array") }
            var array = try scanner.beginArray()
            var values: [String] = []
            while try scanner.nextElement(&array) {
                guard try scanner.peekKind() == .string else {
                    throw CommandDocumentError(field: field(key) + "." + String(values.count), reason: "is not a string")
                }
                values.append(try scanner.readString())
            }
            return values
        }
    }

    private struct Wire {
        var commandId: String
        var type: String
        var actor: String
        var occurredAt: String
        var clientName: String?
        var correlationId: String?
        var causationId: String?
        var data: Fields?

        init(_ scanner: inout JSONScanner) throws {
            let members = Members("", ["commandId", "type", "actor", "occurredAt", "clientName", "correlationId", "causationId", "data"])
            var (commandId, type, actor, occurredAt): (String?, String?, String?, String?)
            var (clientName, correlationId, causationId): (String?, String?, String?)
            var data: Fields?
            try members.read(&scanner) { key, scanner in
                switch key {
                case "commandId": commandId = try members.string(key, &scanner)
                case "type": type = try members.string(key, &scanner)
                case "actor": actor = try members.string(key, &scanner)
                case "occurredAt": occurredAt = try members.string(key, &scanner)
                case "clientName": clientName = try members.string(key, &scanner)
                case "correlationId": correlationId = try members.string(key, &scanner)
                case "causationId": causationId = try members.string(key, &scanner)
                default: data = try scanner.readNull() ? nil : try Fields(&scanner)
                }
            }
            self.commandId = try members.required(commandId, "commandId")
            self.type = try members.required(type, "type")
            self.actor = try members.required(actor, "actor")
            self.occurredAt = try members.required(occurredAt, "occurredAt")
            (self.clientName, self.correlationId, self.causationId) = (clientName, correlationId, causationId)
            self.data = data
        }
    }

    private struct Price {
        var amount: Int64
        var currency: String

        init(_ scanner: inout JSONScanner) throws {
            let members = Members("data.price", ["amount", "currency"])
            var amount: Int64?
            var currency: String?
            try members.read(&scanner) { key, scanner in
                if key == "amount" { amount = try members.int(key, &scanner) } else { currency = try members.string(key, &scanner) }
            }
            guard let amount else { throw CommandDocumentError(field: "data.price.amount", reason: "is required") }
            self.amount = amount
            self.currency = try members.required(currency, "currency")
        }
    }

    /// Every field any command has; each command takes the ones it needs.
    private struct Fields {
        var therapistId: String?
        var noticeHours: Int?
        var visitorId: String?
        var caseId: String?
        var clientId: String?
        var format: String?
        var oneOff: Bool?
        var sessionId: String?
        var scheduledStart: String?
        var price: Price?
        var by: String?
        var reason: String?
        var explanation: String?
        var evidence: [String]?
        var outcome: String?
        var newCaseId: String?
        var newTherapistId: String?
        var rule: String?

        static let names = [
            "therapistId", "noticeHours", "visitorId", "caseId", "clientId", "format", "oneOff", "sessionId",
            "scheduledStart", "price", "by", "reason", "explanation", "evidence", "outcome", "newCaseId",
            "newTherapistId", "rule",
        ]

        init() {}

        init(_ scanner: inout JSONScanner) throws {
            let members = Members("data", Self.names)
            try members.read(&scanner) { key, scanner in
                switch key {
                case "therapistId": therapistId = try members.string(key, &scanner)
                case "noticeHours":
                    noticeHours = try members.int(key, &scanner).map { value in
                        guard let hours = Int(exactly: value) else { throw CommandDocumentError(field: "data.noticeHours", reason: "is out of range") }
                        return hours
                    }
                case "visitorId": visitorId = try members.string(key, &scanner)
                case "caseId": caseId = try members.string(key, &scanner)
                case "clientId": clientId = try members.string(key, &scanner)
                case "format": format = try members.string(key, &scanner)
                case "oneOff": oneOff = try members.bool(key, &scanner)
                case "sessionId": sessionId = try members.string(key, &scanner)
                case "scheduledStart": scheduledStart = try members.string(key, &scanner)
                case "price": price = try scanner.readNull() ? nil : try Price(&scanner)
                case "by": by = try members.string(key, &scanner)
                case "reason": reason = try members.string(key, &scanner)
                case "explanation": explanation = try members.string(key, &scanner)
                case "evidence": evidence = try members.strings(key, &scanner)
                case "outcome": outcome = try members.string(key, &scanner)
                case "newCaseId": newCaseId = try members.string(key, &scanner)
                case "newTherapistId": newTherapistId = try members.string(key, &scanner)
                default: rule = try members.string(key, &scanner)
                }
            }
        }
    }

    private static func command(_ type: String, _ data: Fields) throws(CommandDocumentError) -> Command {
        func required<T>(_ value: T?, _ name: String) throws(CommandDocumentError) -> T {
            guard let value else { throw CommandDocumentError(field: "data.\(name)", reason: "is required for \(type)") }
            return value
        }
        func choice<E: RawRepresentable & CaseIterable>(_ value: String?, _ name: String, _: E.Type) throws(CommandDocumentError) -> E
        where E.RawValue == String {
            let text = try required(value, name)
            guard let parsed = E(rawValue: text) else {
                throw CommandDocumentError(
                    field: "data.\(name)",
                    reason: "'\(text)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return parsed
        }
        func time(_ value: String?, _ name: String) throws(CommandDocumentError) -> Timestamp {
            let text = try required(value, name)
            do { return try Timestamp(iso8601: text) } catch {
                throw CommandDocumentError(field: "data.\(name)", reason: "is not an ISO 8601 time with a zone: '\(text)'")
            }
        }
        let caseId = { () throws(CommandDocumentError) -> String in try required(data.caseId, "caseId") }
        switch type {
        case "joinTherapist": return .joinTherapist(therapistId: try required(data.therapistId, "therapistId"))
        case "setCancellationPolicy":
            return .setCancellationPolicy(
                therapistId: try required(data.therapistId, "therapistId"), noticeHours: try required(data.noticeHours, "noticeHours"))
        case "recordProfileView":
            return .recordProfileView(therapistId: try required(data.therapistId, "therapistId"), visitorId: data.visitorId)
        case "openInquiry":
            return .openInquiry(
                caseId: try caseId(), clientId: try required(data.clientId, "clientId"),
                therapistId: try required(data.therapistId, "therapistId"),
                format: try choice(data.format ?? InquiryFormat.individual.rawValue, "format", InquiryFormat.self),
                oneOff: data.oneOff ?? false)
        case "reply": return .reply(caseId: try caseId())
        case "bookSession":
            let (caseId, sessionId) = (try caseId(), try required(data.sessionId, "sessionId"))
            let scheduledStart = try time(data.scheduledStart, "scheduledStart")
            let price = try required(data.price, "price")
            return .bookSession(
                caseId: caseId, sessionId: sessionId, scheduledStart: scheduledStart,
                price: Money(amount: price.amount, currency: price.currency))
        case "holdSession": return .holdSession(caseId: try caseId(), sessionId: try required(data.sessionId, "sessionId"))
        case "cancelSession":
            return .cancelSession(
                caseId: try caseId(), sessionId: try required(data.sessionId, "sessionId"),
                by: try choice(data.by, "by", CancellingParty.self))
        case "markMissed": return .markMissed(caseId: try caseId(), sessionId: try required(data.sessionId, "sessionId"))
        case "endCase": return .endCase(caseId: try caseId(), reason: try choice(data.reason, "reason", CaseEndReason.self))
        case "requestExclusion":
            return .requestExclusion(
                caseId: try caseId(), reason: try choice(data.reason, "reason", ExclusionReason.self),
                explanation: try required(data.explanation, "explanation"), evidence: data.evidence ?? [])
        case "excludeChat": return .excludeChat(caseId: try caseId(), reason: try choice(data.reason, "reason", ExclusionReason.self))
        case "denyExclusion": return .denyExclusion(caseId: try caseId(), explanation: try required(data.explanation, "explanation"))
        case "revokeExclusion": return .revokeExclusion(caseId: try caseId(), explanation: try required(data.explanation, "explanation"))
        case "fileRefusal":
            return .fileRefusal(
                caseId: try caseId(), reason: try choice(data.reason, "reason", RefusalReason.self),
                explanation: try required(data.explanation, "explanation"))
        case "resolveRefusal":
            return .resolveRefusal(
                caseId: try caseId(), outcome: try choice(data.outcome, "outcome", RefusalOutcome.self),
                newCaseId: data.newCaseId, newTherapistId: data.newTherapistId)
        case "raiseAntifraudFlag":
            return .raiseAntifraudFlag(caseId: try caseId(), rule: try required(data.rule, "rule"), evidence: data.evidence ?? [])
        case "disputeAntifraudFlag":
            return .disputeAntifraudFlag(
                caseId: try caseId(), explanation: try required(data.explanation, "explanation"), evidence: data.evidence ?? [])
        case "clearAntifraudFlag":
            return .clearAntifraudFlag(caseId: try caseId(), explanation: try required(data.explanation, "explanation"))
        case "confirmAntifraudFlag":
            return .confirmAntifraudFlag(caseId: try caseId(), explanation: try required(data.explanation, "explanation"))
        default:
            throw CommandDocumentError(field: "type", reason: "'\(type)' is not a command; choose one of \(types.joined(separator: ", "))")
        }
    }
}

/// A command document that cannot be read: which field, and why.
public struct CommandDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field's path (`data.price.amount`), nil when the body is not JSON at all.
    public var field: String?
    public var reason: String

    public init(field: String?, reason: String) { (self.field, self.reason) = (field, reason) }

    public var description: String {
        if let field { "\(field) \(reason)" } else { "the body is not a JSON command: \(reason)" }
    }
}
