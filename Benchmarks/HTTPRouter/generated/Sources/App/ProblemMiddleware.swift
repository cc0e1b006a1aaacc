import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Maps the runtime's `ServerError` to RFC 9457 problem+json with a stable `code`
/// and, where recoverable, a `field`. What is public on ServerError: httpStatus,
/// causeDescription (a String), underlyingError. RuntimeError is internal, so a
/// missing query parameter or a wrong content type can only be recognised by
/// status + parsing `causeDescription`; a body decoding failure exposes the
/// DecodingError (and so its codingPath).
struct ProblemMiddleware: ServerMiddleware {
    struct Problem: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var code: String
        var field: String?
    }

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch let error as ServerError {
            let problem = Self.problem(for: error)
            let data = try JSONEncoder().encode(problem)
            var response = HTTPResponse(status: .init(code: problem.status))
            response.headerFields[.contentType] = "application/problem+json"
            return (response, HTTPBody(data))
        }
    }

    static func problem(for error: ServerError) -> Problem {
        func make(_ code: String, _ title: String, field: String? = nil, detail: String? = nil) -> Problem {
            Problem(type: "https://caseload.example/problems/\(code)", title: title, status: error.httpStatus.code,
                    detail: detail, code: code, field: field)
        }
        if let decoding = error.underlyingError as? DecodingError {
            func path(_ ctx: DecodingError.Context, _ extra: (any CodingKey)? = nil) -> String {
                (ctx.codingPath + (extra.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            }
            switch decoding {
            case .keyNotFound(let key, let ctx): return make("missing_field", "A required field is missing", field: path(ctx, key))
            case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx): return make("invalid_field", "A field has the wrong type", field: path(ctx))
            case .dataCorrupted(let ctx) where ctx.codingPath.isEmpty: return make("malformed_json", "The body is not valid JSON")
            case .dataCorrupted(let ctx): return make("invalid_field", "A field has an invalid value", field: path(ctx))
            @unknown default: return make("malformed_json", "The body is not valid JSON")
            }
        }
        let cause = error.causeDescription
        let prefix = "Missing required query parameter named: "
        if cause.hasPrefix(prefix) {
            return make("missing_parameter", "A required query parameter is missing", field: String(cause.dropFirst(prefix.count)))
        }
        switch error.httpStatus.code {
        case 415: return make("unsupported_media_type", "Send application/json", detail: cause)
        case 400: return make("bad_request", "The request is invalid", detail: cause)
        default: return make("internal", "Internal error")
        }
    }
}
