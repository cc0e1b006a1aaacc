import Crypto
import Foundation

/// What a token's holder may do (`EventSchemas/openapi.yaml`, "Who may do what").
public enum Role: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The marketplace's backend: commands as clients, therapists and system
    /// jobs (never as support), raw appends, import, log reads, the feed,
    /// current statistics and ratings.
    case backend
    /// Statistics, ratings, compare, explain and log reads; never a client's name.
    case analyst
    /// Audit queries, explain, and commands only as `support:<its own name>`.
    case support
    /// Verify and erase.
    case admin

    public var description: String { rawValue }
}

/// Who made a request: the token's name and role.
public struct Principal: Sendable, Hashable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) { (self.name, self.role) = (name, role) }
}

/// The bearer tokens a server accepts, as a file that holds only their
/// SHA-256 hashes: one token per line, `sha256:<hex> <role> <name>`; `#`
/// starts a comment. A token itself is 32 random bytes as base64url text,
/// shown once when it is made (`caseload token add`).
public struct TokenFile: Sendable {
    public struct Entry: Sendable, Hashable {
        public var hash: String
        public var role: Role
        public var name: String
    }

    public private(set) var entries: [Entry]
    private var byHash: [String: Principal]

    public init(entries: [Entry] = []) {
        self.entries = entries
        byHash = Dictionary(entries.map { ($0.hash, Principal(name: $0.name, role: $0.role)) }, uniquingKeysWith: { first, _ in first })
    }

    /// Reads `path`; a bad line is an error naming it.
    public init(contentsOf path: String) throws(TokenFileError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TokenFileError(path: path, line: nil, reason: "cannot be read: \((error as NSError).localizedDescription)")
        }
        self = try Self(parsing: text, path: path)
    }

    public init(parsing text: String, path: String = "tokens") throws(TokenFileError) {
        var entries: [Entry] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            func fail(_ reason: String) -> TokenFileError { TokenFileError(path: path, line: index + 1, reason: reason) }
            guard fields.count == 3 else { throw fail("expected `sha256:<hex> <role> <name>`, found \(fields.count) fields") }
            let hash = String(fields[0])
            guard hash.hasPrefix("sha256:"), hash.count == 7 + 64, hash.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            else { throw fail("the first field is not `sha256:` and 64 lowercase hex digits") }
            guard let role = Role(rawValue: String(fields[1])) else {
                throw fail("no role '\(fields[1])'; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let name = String(fields[2])
            if entries.contains(where: { $0.name == name }) { throw fail("the name '\(name)' is given twice") }
            entries.append(Entry(hash: hash, role: role, name: name))
        }
        self.init(entries: entries)
    }

    /// The principal a bearer token stands for, or nil.
    public func principal(forToken token: String) -> Principal? {
        byHash[Self.hash(token)]
    }

    /// `sha256:` and the hex of the token's SHA-256.
    /// Every request's token is hashed: written with a table, not
    /// `String(format:)` per byte (an eighth of a command's CPU time under load).
    public static func hash(_ token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8))
        var text: [UInt8] = Array("sha256:".utf8)
        text.reserveCapacity(text.count + 2 * SHA256.byteCount)
        for byte in digest {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A new token: 32 random bytes (the system's generator) as base64url.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "cl_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Adds a token for `name` with `role` and returns it (only its hash is kept).
    public mutating func add(name: String, role: Role) throws(TokenFileError) -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw TokenFileError(path: nil, line: nil, reason: "a name is letters, digits, '-', '_' or '.', not '\(name)'")
        }
        if entries.contains(where: { $0.name == name }) {
            throw TokenFileError(path: nil, line: nil, reason: "there is already a token named '\(name)'")
        }
        let token = Self.newToken()
        self = TokenFile(entries: entries + [Entry(hash: Self.hash(token), role: role, name: name)])
        return token
    }

    /// The file's text.
    public var text: String {
        "# Caseload bearer tokens: sha256:<hash of the token> <role> <name>\n"
            + entries.map { "\($0.hash) \($0.role) \($0.name)\n" }.joined()
    }
}

public struct TokenFileError: Error, Sendable, CustomStringConvertible {
    public var path: String?
    public var line: Int?
    public var reason: String

    public var description: String {
        switch (path, line) {
        case (let path?, let line?): "\(path):\(line): \(reason)"
        case (let path?, nil): "\(path) \(reason)"
        default: reason
        }
    }
}
