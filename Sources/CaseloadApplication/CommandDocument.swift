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
    /// field (`data.price.amount`) and what is wrong with it.
    public init(json bytes: some Collection<UInt8>) throws(CommandDocumentError) {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw CommandDocumentError(decoding: error)
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

    private struct Wire: Decodable {
        var commandId: String
        var type: String
        var actor: String
        var occurredAt: String
        var clientName: String?
        var correlationId: String?
        var causationId: String?
        var data: Fields?
    }

    private struct Price: Decodable { var amount: Int64; var currency: String }

    /// Every field any command has; each command takes the ones it needs.
    private struct Fields: Decodable {
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

    init(decoding error: DecodingError) {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            (context.codingPath + (key.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): self.init(field: path(context, key), reason: "is required")
        case .typeMismatch(let type, let context): self.init(field: path(context), reason: "is not a \(Self.kind(type))")
        case .valueNotFound(let type, let context): self.init(field: path(context), reason: "is null, not a \(Self.kind(type))")
        case .dataCorrupted(let context):
            let field = path(context)
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            self.init(field: field.isEmpty ? nil : field, reason: underlying ?? context.debugDescription)
        @unknown default: self.init(field: nil, reason: "\(error)")
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Int64.Type: "integer"
        case is Bool.Type: "boolean"
        default: "\(type)".lowercased()
        }
    }

    public var description: String {
        if let field { "\(field) \(reason)" } else { "the body is not a JSON command: \(reason)" }
    }
}
