public import Hummingbird
import Logging

/// The request context: Hummingbird's core storage, and who made the request
/// (set by ``FrontMiddleware`` from the bearer token; nil on public routes).
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The request id (the client's `X-Request-Id`, or one made here), also
    /// in every log line of the request and echoed in the response.
    public var requestID = ""

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies are read by the handlers themselves, up to the server's limit.
    public var maxUploadSize: Int { .max }

    /// The principal, when its role is one of `roles`; else 403 naming `what`.
    func require(_ roles: Set<Role>, _ what: String) throws -> Principal {
        guard let principal else { throw Problem.unauthorized }
        guard roles.contains(principal.role) else { throw Problem.forbidden(principal, what) }
        return principal
    }
}
