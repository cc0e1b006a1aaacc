import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import EventStore
import Foundation
public import Hummingbird

/// An error answer (RFC 9457 `application/problem+json`) with a stable
/// `code` a client can act on, and the stream, position, line or field it
/// concerns. Every error the server returns is one of these.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var title: String
    public var detail: String?
    /// Members beyond the standard ones: `field`, `stream`, `expected`,
    /// `actual`, `position`, `line`, `rule`, …
    public var extensions: [(String, Extension)] = []
    /// Extra response headers (`Retry-After`, `WWW-Authenticate`).
    public var headers: HTTPFields = [:]

    public enum Extension: Sendable {
        case string(String)
        case int(Int64)
    }

    public init(_ status: HTTPResponse.Status, code: String, title: String, detail: String? = nil) {
        (self.status, self.code, self.title, self.detail) = (status, code, title, detail)
    }

    func with(_ key: String, _ value: String?) -> Problem {
        var copy = self
        if let value { copy.extensions.append((key, .string(value))) }
        return copy
    }

    func with(_ key: String, _ value: Int64?) -> Problem {
        var copy = self
        if let value { copy.extensions.append((key, .int(value))) }
        return copy
    }

    var json: [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.key("type"); writer.string("https://caseload.dev/problems/\(code)")
        writer.key("title"); writer.string(title)
        writer.key("status"); writer.int(Int64(status.code))
        writer.key("code"); writer.string(code)
        if let detail { writer.key("detail"); writer.string(detail) }
        for (key, value) in extensions {
            writer.key(key)
            switch value {
            case .string(let text): writer.string(text)
            case .int(let number): writer.int(number)
            }
        }
        writer.endObject()
        return writer.bytes
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }
}

extension Problem {
    static func badRequest(_ code: String, _ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, code: code, title: "The request cannot be read", detail: detail).with("field", field)
    }

    static func missingParameter(_ name: String) -> Problem {
        badRequest("missingParameter", "the query parameter '\(name)' is required", field: name)
    }

    static func invalidParameter(_ name: String, _ reason: String) -> Problem {
        badRequest("invalidParameter", "\(name) \(reason)", field: name)
    }

    static let unauthorized: Problem = {
        var problem = Problem(
            .unauthorized, code: "unauthorized", title: "A bearer token is required",
            detail: "send `Authorization: Bearer <token>` with a token the server knows")
        problem.headers[.wwwAuthenticate] = "Bearer realm=\"caseload\""
        return problem
    }()

    static func forbidden(_ principal: Principal, _ what: String) -> Problem {
        Problem(
            .forbidden, code: "forbidden", title: "This token's role may not do this",
            detail: "the \(principal.role) token '\(principal.name)' may not \(what)")
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, code: "notFound", title: "Nothing is there", detail: detail)
    }

    /// The problem an error of the layers below stands for.
    init(_ error: any Error) {
        switch error {
        case let problem as Problem:
            self = problem
        case let error as CommandDocumentError:
            self = Problem.badRequest(error.field == nil ? "malformedJSON" : "invalidField", error.description, field: error.field)
        case let error as DomainError:
            self = Problem(.unprocessableContent, code: "ruleViolation", title: "A rule of the marketplace refuses this", detail: error.message)
                .with("rule", error.rule).with("reason", error.code.description).with("stream", error.stream)
                .with("eventType", error.eventType)
        case let error as EventStoreError:
            self = Problem(store: error)
        case let error as CommandContentionError:
            var problem = Problem(
                .serviceUnavailable, code: "contention", title: "Other writers kept appending to the same stream",
                detail: error.description
            ).with("stream", error.stream)
            problem.headers[.init("Retry-After")!] = "1"
            self = problem
        case let error as ApplicationError:
            switch error.code {
            case .therapistNotFound: self = Problem(.notFound, code: "therapistNotFound", title: "No such therapist", detail: error.message)
            case .readOnly: self = Problem(.forbidden, code: "readOnly", title: "This server only reads", detail: error.message)
            default: self = Problem.badRequest(error.code.rawValue, error.message)
            }
        case let error as AuditError:
            let notFound = error.code == .caseNotFound || error.code == .therapistNotFound
            self = Problem(
                notFound ? .notFound : .badRequest, code: "\(error.code)", title: notFound ? "Nothing is there" : "The request cannot be answered",
                detail: error.message
            ).with("subject", error.subject)
        case let error as RatingRuleError:
            self = Problem.badRequest("invalidRule", error.description)
        case let error as FactsError:
            self = Problem(
                .unprocessableContent, code: "\(error.code)", title: "The log's facts cannot give this figure", detail: error.message
            ).with("position", error.position).with("caseId", error.caseId)
        case let error as ImportError:
            var problem =
                error.underlying.map { Problem($0) }
                ?? Problem.badRequest("invalidLine", error.message)
            if problem.status == .internalServerError { problem = Problem.badRequest("invalidLine", error.message) }
            problem.detail = "\(error) (nothing was imported)"
            self = problem.with("line", Int64(error.line))
        default:
            self = Problem(.internalServerError, code: "internal", title: "The server failed", detail: "\(error)")
        }
    }

    init(store error: EventStoreError) {
        let status: HTTPResponse.Status
        var retryAfter = false
        switch error.code {
        case .wrongExpectedVersion, .idempotencyConflict: status = .conflict
        case .invalidStreamID, .invalidExpectation, .invalidPayload, .invalidEvent, .invalidAppend: status = .badRequest
        case .payloadTooLarge: status = .contentTooLarge
        case .readOnly: status = .forbidden
        case .closed, .storageFailure:
            status = .serviceUnavailable
            retryAfter = true
        default: status = .internalServerError
        }
        var problem = Problem(status, code: error.code.description, title: Self.title(error.code), detail: error.message)
            .with("stream", error.stream?.rawValue).with("position", error.position).with("eventId", error.eventID?.description)
            .with("actual", error.actualVersion)
        if let expected = error.expected { problem = problem.with("expected", expected.description) }
        if retryAfter { problem.headers[.init("Retry-After")!] = "1" }
        self = problem
    }

    private static func title(_ code: EventStoreError.Code) -> String {
        switch code {
        case .wrongExpectedVersion: "The stream is not at the expected version"
        case .idempotencyConflict: "This id was already used for something else"
        case .payloadTooLarge: "An event is too large"
        case .closed, .storageFailure: "The store cannot take this now"
        case .corrupted, .notAnEventStore: "The store is damaged"
        default: "The events cannot be appended as given"
        }
    }
}
