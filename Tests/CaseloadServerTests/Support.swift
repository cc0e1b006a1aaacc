import CaseloadApplication
import CaseloadCoding
import CaseloadServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A server over a fresh SQLite log in a temporary directory, with one token
/// per role (named after the role: the support token acts as support:support).
struct TestServer {
    let directory: URL
    let marketplace: Marketplace
    let tokens: [Role: String]
    let configuration: ServerConfiguration

    static func make(maxBodyBytes: Int = 10 << 20, heartbeat: Duration = .seconds(15)) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var application = CaseloadConfiguration(store: .sqlite(path: directory.appendingPathComponent("log.sqlite").path))
        application.keepsFactsWarm = true
        application.durability = .normal
        var file = TokenFile()
        var tokens: [Role: String] = [:]
        for role in Role.allCases { tokens[role] = try file.add(name: role.rawValue, role: role) }
        var configuration = ServerConfiguration(tokens: file)
        application.onGroupCommit = { [metrics = configuration.metrics] in metrics.groupCommitted($0) }
        let marketplace = try await Marketplace.open(application)
        configuration.port = 0
        configuration.maxBodyBytes = maxBodyBytes
        configuration.heartbeat = heartbeat
        return TestServer(directory: directory, marketplace: marketplace, tokens: tokens, configuration: configuration)
    }

    func close() async {
        await marketplace.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` against the router (no sockets), then closes the log.
    func withRouter(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        do {
            try await buildApplication(marketplace, configuration: configuration).test(.router) { client in try await body(client) }
        } catch {
            await close()
            throw error
        }
        await close()
    }

    func headers(_ role: Role?, json: Bool = false) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let role { headers[.authorization] = "Bearer \(tokens[role]!)" }
        if json { headers[.contentType] = "application/json" }
        return headers
    }
}

extension TestClientProtocol {
    /// Sends `body` (a JSON text) as `role` and returns the response.
    func send(
        _ method: HTTPRequest.Method, _ uri: String, as role: Role?, in server: TestServer, json body: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = server.headers(role, json: body != nil)
        for field in extra { headers[field.name] = field.value }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object (an empty one when it is not).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}

/// Command documents for a small marketplace.
enum Commands {
    static func document(
        _ type: String, actor: String, at time: String = "2025-03-01T09:00:00Z", id: UUID = UUID(), _ data: String
    ) -> String {
        #"{"commandId": "\#(id.uuidString.lowercased())", "type": "\#(type)", "actor": "\#(actor)", "occurredAt": "\#(time)", "data": \#(data)}"#
    }

    static func join(_ therapist: String, id: UUID = UUID()) -> String {
        document("joinTherapist", actor: "system:onboarding", at: "2025-01-01T09:00:00Z", id: id, #"{"therapistId": "\#(therapist)"}"#)
    }

    static func openInquiry(_ caseId: String, client: String, therapist: String, at time: String = "2025-03-01T09:00:00Z", id: UUID = UUID()) -> String {
        document(
            "openInquiry", actor: "client:\(client)", at: time, id: id,
            #"{"caseId": "\#(caseId)", "clientId": "\#(client)", "therapistId": "\#(therapist)"}"#)
    }
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var merged = self
        for field in other { merged[field.name] = field.value }
        return merged
    }
}
