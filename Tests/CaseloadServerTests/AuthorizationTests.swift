import CaseloadServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The role × route matrix, written from the issue's "who may do what", not
/// from the server's own table: every cell is tried.
@Suite("Who may do what")
struct AuthorizationTests {
    struct Cell: Sendable, CustomTestStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var allowed: Set<Role>
        var testDescription: String { "\(method) \(uri)" }
    }

    static let command = Commands.join("t1")
    static let append = #"{"events": [{"type": "Marked", "data": {}, "actor": "system:x", "occurredAt": "2025-01-01T00:00:00Z"}]}"#

    static let cells: [Cell] = [
        Cell(method: .post, uri: "/v1/commands", body: command, allowed: [.backend, .support]),
        Cell(method: .post, uri: "/v1/streams/raw-1", body: append, allowed: [.backend]),
        Cell(method: .post, uri: "/v1/import", body: "", allowed: [.backend]),
        Cell(method: .get, uri: "/v1/streams/raw-1", allowed: [.backend, .analyst]),
        Cell(method: .get, uri: "/v1/events", allowed: [.backend, .analyst]),
        Cell(method: .get, uri: "/v1/head", allowed: [.backend, .analyst]),
        Cell(method: .get, uri: "/v1/stats", allowed: [.backend, .analyst]),
        Cell(method: .get, uri: "/v1/ratings?rules=fair", allowed: [.backend, .analyst]),
        Cell(method: .post, uri: "/v1/ratings", body: "{}", allowed: [.analyst]),
        Cell(method: .get, uri: "/v1/compare?rules=fair&rules=platform-standard", allowed: [.analyst]),
        Cell(method: .get, uri: "/v1/explain?therapist=t1&metric=inquiries", allowed: [.analyst, .support]),
        Cell(method: .get, uri: "/v1/audit/cases/c1", allowed: [.support]),
        Cell(method: .get, uri: "/v1/audit/actors/client:k1", allowed: [.support]),
        Cell(method: .get, uri: "/v1/audit/exclusions", allowed: [.support]),
        Cell(method: .post, uri: "/v1/verify", allowed: [.admin]),
        Cell(method: .post, uri: "/v1/clients/k1/erase", allowed: [.admin]),
    ]

    /// Token files keep `sha256:` and the lowercase hex of the token's
    /// SHA-256: files written by earlier versions must keep matching.
    @Test func aTokensHashIsTheHexOfItsSHA256() {
        #expect(TokenFile.hash("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(TokenFile.hash("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("each role is let through or refused with 403, never 401", arguments: cells)
    func matrix(_ cell: Cell) async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            for role in Role.allCases {
                // The support token may only act as itself: give it its own command.
                let body = role == .support && cell.uri == "/v1/commands"
                    ? Commands.document("joinTherapist", actor: "support:support", #"{"therapistId": "t1"}"#) : cell.body
                let response = try await client.send(cell.method, cell.uri, as: role, in: server, json: body)
                if cell.allowed.contains(role) {
                    #expect(response.status != .forbidden && response.status != .unauthorized, "\(role): \(response.text)")
                } else {
                    #expect(response.status == .forbidden, "\(role) was let through: \(response.status)")
                    #expect(response.object["code"] as? String == "forbidden")
                    // A refusal names the role, never another role's data.
                    #expect((response.object["detail"] as? String)?.contains("\(role) token") == true)
                }
            }
        }
    }

    @Test("the feed refuses the roles without log reads")
    func feedRefusals() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            for role in [Role.support, .admin] {
                let response = try await client.send(.get, "/v1/events/feed", as: role, in: server)
                #expect(response.status == .forbidden)
            }
        }
    }
}
