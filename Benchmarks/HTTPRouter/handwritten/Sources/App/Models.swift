import Foundation
import Hummingbird

struct CommandPayload: Codable, Sendable {
    var therapistId: String
    var sessionId: String
    var startsAt: String
    var durationMinutes: Int
}

struct CommandRequest: Codable, Sendable {
    var commandId: String
    var type: String
    var caseId: String
    var actor: String
    var occurredAt: String
    var payload: CommandPayload
}

struct CommandAccepted: ResponseEncodable, Sendable {
    var commandId: String
    var accepted: Bool
    var position: Int
    var eventIds: [String]
}

struct Head: ResponseEncodable, Sendable {
    var position: Int
    var hash: String
    var recordedAt: String
}

struct WeekBucket: Codable, Sendable {
    var week: String
    var sessionsHeld: Int
    var sessionsCancelled: Int
    var noShows: Int
    var newCases: Int
}

struct TherapistStats: ResponseEncodable, Sendable {
    var therapistId: String
    var windowFrom: String
    var windowTo: String
    var casesOpen: Int
    var casesEnded: Int
    var sessionsHeld: Int
    var sessionsCancelledLate: Int
    var retention4: Double
    var retention8: Double
    var rating: Double
    var buckets: [WeekBucket]
}

/// RFC 9457 problem details with a stable `code` and an optional `field`.
struct Problem: Error, HTTPResponseError, Encodable, Sendable {
    var type: String
    var title: String
    var statusCode: Int
    var detail: String?
    var code: String
    var field: String?

    enum CodingKeys: String, CodingKey { case type, title, statusCode = "status", detail, code, field }

    init(_ status: HTTPResponse.Status, code: String, title: String, detail: String? = nil, field: String? = nil) {
        self.type = "https://caseload.example/problems/\(code)"
        self.title = title
        self.statusCode = status.code
        self.detail = detail
        self.code = code
        self.field = field
    }

    var status: HTTPResponse.Status { .init(code: statusCode) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(self)
        return Response(
            status: status,
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Problem {
    /// Maps a DecodingError to a problem naming the offending field.
    init(decoding error: DecodingError) {
        func path(_ ctx: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
            (ctx.codingPath + (extra.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let ctx):
            self.init(.badRequest, code: "missing_field", title: "A required field is missing", field: path(ctx, key))
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx):
            self.init(.badRequest, code: "invalid_field", title: "A field has the wrong type", field: path(ctx))
        case .dataCorrupted(let ctx):
            self.init(.badRequest, code: "malformed_json", title: "The body is not valid JSON", detail: ctx.debugDescription)
        @unknown default:
            self.init(.badRequest, code: "malformed_json", title: "The body is not valid JSON")
        }
    }
}
