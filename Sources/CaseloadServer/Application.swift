public import CaseloadApplication
import Foundation
public import Hummingbird
public import Logging

/// Everything `caseload serve` (and a test) sets.
public struct ServerConfiguration: Sendable {
    /// Where to listen: loopback unless told otherwise.
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests; ``ServerConfiguration/onListening`` hears it).
    public var port = 8080
    /// The tokens the server accepts.
    public var tokens: TokenFile
    /// Request bodies over this are refused with 413 (10 MiB).
    public var maxBodyBytes = 10 << 20
    /// A connection idle this long is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// A live feed with nothing new writes a heartbeat line this often.
    public var heartbeat: Duration = .seconds(15)
    /// Events a page of `/v1/events` or `/v1/streams/…` holds at most.
    public var maxPage = 10_000
    public var logger = Logger(label: "caseload.server", factory: { _ in SwiftLogNoOpLogHandler() })
    /// The server's metrics; give ``ServerMetrics/groupCommitted(_:)`` to the
    /// marketplace's ``CaseloadConfiguration/onGroupCommit`` for group-commit sizes.
    public var metrics = ServerMetrics()
    /// Hears the port once the server listens.
    public var onListening: (@Sendable (Int) async -> Void)?

    public init(tokens: TokenFile) {
        self.tokens = tokens
    }
}

/// The service: the router over `marketplace`, with the server's settings.
/// `caseload serve` runs it with `runService()` (graceful shutdown on
/// SIGTERM and SIGINT: stop accepting, finish what is in flight; then the
/// caller closes the marketplace); tests drive it with HummingbirdTesting.
public func buildApplication(
    _ marketplace: Marketplace, configuration: ServerConfiguration
) -> some ApplicationProtocol {
    let metrics = configuration.metrics
    let router = Router(context: ServerContext.self)
    router.add(middleware: FrontMiddleware(tokens: configuration.tokens, metrics: metrics))
    Routes(marketplace: marketplace, configuration: configuration, metrics: metrics).register(on: router)
    let onListening = configuration.onListening
    return Application(
        router: router,
        server: .http1(configuration: .init(idleTimeout: .seconds(min(configuration.idleTimeout.components.seconds, 86_400)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "caseload"),
        onServerRunning: { channel in await onListening?(channel.localAddress?.port ?? configuration.port) },
        logger: configuration.logger)
}
