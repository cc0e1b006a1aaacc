import Foundation
import Hummingbird
import Logging

/// Runs around every request: gives it an id (echoed as `X-Request-Id`, and
/// in every log line), authenticates the bearer token (except on the public
/// routes), turns every error into `application/problem+json`, counts the
/// answer by route and status, and logs it.
struct FrontMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let tokens: TokenFile
    let metrics: ServerMetrics

    /// Routes anyone may call: liveness, metrics, the contract.
    static let publicPaths: Set<String> = ["/health", "/metrics", "/openapi.yaml"]

    func handle(
        _ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let started = ContinuousClock.now
        let requestID = Self.requestID(request.headers[.init("X-Request-Id")!])
        context.requestID = requestID
        context.logger[metadataKey: "request"] = .string(requestID)
        let path = request.uri.path
        var response: Response
        do {
            if !Self.publicPaths.contains(path) {
                context.principal = try authenticate(request)
                if let principal = context.principal {
                    context.logger[metadataKey: "principal"] = .string("\(principal.role):\(principal.name)")
                }
            }
            response = try await next(request, context)
        } catch {
            let problem = Self.problem(for: error)
            if problem.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error)"])
            }
            response = try problem.response(from: request, context: context)
        }
        response.headers[.init("X-Request-Id")!] = requestID
        let route = Routes.template(of: path)
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code)
        context.logger.info(
            "answered",
            metadata: [
                "method": "\(request.method)", "route": "\(route)", "status": "\(response.status.code)",
                "ms": "\(Double((ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000) / 1000)",
            ])
        return response
    }

    private func authenticate(_ request: Request) throws -> Principal {
        guard let header = request.headers[.authorization], let token = Self.bearerToken(header),
              let principal = tokens.principal(forToken: token)
        else { throw Problem.unauthorized }
        return principal
    }

    /// The token of `Bearer TOKEN` (the scheme in any case, spaces around
    /// the token ignored), or nil.
    static func bearerToken(_ header: String) -> String? {
        let utf8 = header.utf8
        let scheme = "bearer".utf8
        guard utf8.count > scheme.count,
              zip(utf8, scheme).allSatisfy({ $0 | 0x20 == $1 }),
              utf8.dropFirst(scheme.count).first == UInt8(ascii: " ")
        else { return nil }
        let rest = utf8.dropFirst(scheme.count + 1)
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = rest.firstIndex(where: { !isSpace($0) }), let last = rest.lastIndex(where: { !isSpace($0) }) else { return nil }
        return String(header[first...last])
    }

    /// The client's request id when it is short printable ASCII, else a new one.
    static func requestID(_ given: String?) -> String {
        if let given, (1...64).contains(given.utf8.count), given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { return given }
        return UUID().uuidString.lowercased()
    }

    /// Hummingbird's own errors (no such route, a body too large) as problems too.
    static func problem(for error: any Error) -> Problem {
        if let problem = error as? Problem { return problem }
        if let error = error as? any HTTPResponseError {
            let body = (error as? HTTPError)?.body
            switch error.status {
            case .notFound: return Problem.notFound("no such route; see /openapi.yaml")
            case .methodNotAllowed:
                return Problem(.methodNotAllowed, code: "methodNotAllowed", title: "This route does not take this method")
            case .contentTooLarge:
                return Problem(
                    .contentTooLarge, code: "bodyTooLarge", title: "The body is over the server's limit",
                    detail: body ?? "send less, or raise the limit with `caseload serve --max-body-bytes`")
            default:
                return Problem(error.status, code: "http\(error.status.code)", title: error.status.reasonPhrase, detail: body)
            }
        }
        return Problem(error)
    }
}
