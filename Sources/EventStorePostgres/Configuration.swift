public import CaseloadCoding
public import EventStore
public import Logging
import Foundation

/// Where a PostgreSQL-backed log lives and how the store behaves.
///
/// Made from a URL (`postgres://USER:PASS@HOST:PORT/DB`, see
/// ``init(url:)``) or field by field. The log's tables live in one schema of
/// the database (`public` unless `?schema=NAME` or ``schema`` says otherwise),
/// so several logs (or the tests, one each) can share a database.
public struct PostgresEventStoreConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The schema holding the log's tables; created when missing. Lowercase
    /// letters, digits and `_`, starting with a letter or `_` (so it needs no quoting).
    public var schema: String = "public"
    /// How long a connection attempt may take before it fails.
    public var connectTimeout: Duration = .seconds(10)
    /// Reader connections in the pool (the writer has one more of its own).
    public var maxReaderConnections = 8
    /// At most this many appends share one commit.
    public var maxGroupSize = 4096
    /// Told the size of every group commit (metrics).
    public var onGroupCommit: GroupCommitObserver?
    public var limits = EventStoreLimits.default
    /// Which events the audit indexes cover, used when the tables are created.
    public var auditIndexing = AuditIndexing.none
    /// Commit time source (tests pass a manual clock).
    public var clock: @Sendable () -> Timestamp = { Timestamp(Date()) }
    /// Where the store says what it does; by default nothing is printed.
    public var logger = Logger(label: "caseload.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `postgres://USER:PASS@HOST:PORT/DB` (or `postgresql://`), with
    /// an optional `?schema=NAME`. User and password may be percent-encoded;
    /// the port defaults to 5432 and the database to the user's name.
    public init(url text: String) throws(EventStoreError) {
        func refuse(_ why: String) -> EventStoreError {
            EventStoreError(
                .invalidConfiguration,
                "'\(Self.redacted(text))' is not a PostgreSQL URL (postgres://USER:PASS@HOST:PORT/DB): \(why)")
        }
        guard let components = URLComponents(string: text) else { throw refuse("it does not parse as a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw refuse("the scheme must be postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw refuse("it names no host") }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else { throw refuse("it names no user") }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        database = database.removingPercentEncoding ?? database
        if database.isEmpty { database = user }
        guard !database.contains("/") else { throw refuse("the database name cannot contain '/'") }
        self.init(
            host: host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host,
            port: components.port ?? 5432, username: user, password: components.password?.removingPercentEncoding,
            database: database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "schema":
                guard let value = item.value, Self.isPlainIdentifier(value) else {
                    throw refuse("schema must be lowercase letters, digits and '_', starting with a letter or '_'")
                }
                schema = value
            case "sslmode" where item.value == "disable":
                break
            default:
                throw refuse("the option '\(item.name)' is not supported (only schema=NAME and sslmode=disable)")
            }
        }
    }

    /// The URL with its password replaced by `***`, for messages.
    public var redactedURL: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
            + (schema == "public" ? "" : "?schema=\(schema)")
    }

    /// The server, user and database, for error messages (never the password).
    var serverDescription: String {
        "PostgreSQL at \(host):\(port) (user '\(username)', database '\(database)')"
    }

    /// `text` with whatever stands between `:` and `@` after the scheme replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", options: .backwards),
              scheme.upperBound < at.lowerBound,
              let colon = text[scheme.upperBound..<at.lowerBound].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at.lowerBound...])
    }

    /// A name that PostgreSQL takes as written, without quotes (at most 63 bytes).
    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63 else { return false }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digits = UInt8(ascii: "0")...UInt8(ascii: "9")
        return (lower.contains(first) || first == UInt8(ascii: "_"))
            && name.utf8.allSatisfy { lower.contains($0) || digits.contains($0) || $0 == UInt8(ascii: "_") }
    }
}
