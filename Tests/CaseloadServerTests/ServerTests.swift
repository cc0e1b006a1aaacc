import CaseloadApplication
import CaseloadServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The service's routes")
struct ServerTests {
    @Test("health, metrics and the contract need no token; every other route needs a known one")
    func publicAndProtected() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            let health = try await client.send(.get, "/health", as: nil, in: server)
            #expect(health.status == .ok)
            #expect(health.object["head"] as? Int == 0)
            #expect(health.headers[.init("X-Request-Id")!]?.isEmpty == false)

            let contract = try await client.send(.get, "/openapi.yaml", as: nil, in: server)
            #expect(contract.status == .ok)
            #expect(contract.text.hasPrefix("openapi: 3.1"))

            let metrics = try await client.send(.get, "/metrics", as: nil, in: server)
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("caseload_http_requests_total{"))

            let anonymous = try await client.send(.get, "/v1/head", as: nil, in: server)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.contentType] == "application/problem+json")
            #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(anonymous.object["code"] as? String == "unauthorized")

            let stranger = try await client.execute(
                uri: "/v1/head", method: .get, headers: [.authorization: "Bearer cl_not-a-token"])
            #expect(stranger.status == .unauthorized)

            // The scheme in any case, spaces around the token: still the token.
            let token = server.tokens[.backend]!
            for header in ["bearer \(token)", "BEARER   \(token) ", "Bearer \t\(token)"] {
                let answer = try await client.execute(uri: "/v1/head", method: .get, headers: [.authorization: header])
                #expect(answer.status == .ok, "\(header)")
            }
            for header in ["Basic \(token)", "Bearer", "Bearer ", "Bearer\(token)", "Bearer \(token)x", "Bearerx \(token)"] {
                let answer = try await client.execute(uri: "/v1/head", method: .get, headers: [.authorization: header])
                #expect(answer.status == .unauthorized, "\(header)")
            }

            let echoed = try await client.execute(
                uri: "/health", method: .get, headers: [.init("X-Request-Id")!: "req-42"])
            #expect(echoed.headers[.init("X-Request-Id")!] == "req-42")
        }
    }

    @Test("a command is appended once: a retry with its id answers the recorded events, another command with it 409")
    func idempotentCommands() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            let joined = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: Commands.join("t1"))
            #expect(joined.status == .created)

            let id = UUID()
            let first = try await client.send(
                .post, "/v1/commands", as: .backend, in: server, json: Commands.openInquiry("c1", client: "k1", therapist: "t1", id: id))
            #expect(first.status == .created, "\(first.text)")
            #expect(first.object["outcome"] as? String == "appended")
            let events = first.object["events"] as? [[String: Any]] ?? []
            #expect(events.count == 1)
            #expect(events.first?["eventId"] as? String == id.uuidString.lowercased())
            #expect(events.first?["type"] as? String == "InquiryOpened")

            let retry = try await client.send(
                .post, "/v1/commands", as: .backend, in: server, json: Commands.openInquiry("c1", client: "k1", therapist: "t1", id: id))
            #expect(retry.status == .ok)
            #expect(retry.object["outcome"] as? String == "alreadyAppended")
            #expect(retry.object["position"] as? Int == first.object["position"] as? Int)

            let other = try await client.send(
                .post, "/v1/commands", as: .backend, in: server,
                json: Commands.openInquiry("c2", client: "k1", therapist: "t1", at: "2025-03-02T09:00:00Z", id: id))
            #expect(other.status == .conflict)
            #expect(other.object["code"] as? String == "idempotencyConflict")
            #expect((other.object["detail"] as? String)?.contains("c2") == true)

            let head = try await client.send(.get, "/v1/head", as: .backend, in: server)
            #expect(head.object["position"] as? Int == 2)

            // Three appends, each in a commit of its own (nothing else was
            // queued): the two commands (join, c1), and the other command
            // under c1's id, which the store refused inside its commit (a
            // command is decided and appended before its id is looked up).
            // The retry made no append: the rules refused to open c1 again,
            // and the id's lookup then answered. The store's writer told the
            // metrics so.
            let metrics = try await client.send(.get, "/metrics", as: nil, in: server).text
            let commits = metrics.split(separator: "\n").first { $0.hasPrefix("caseload_group_commit_size_appends_count ") }
            #expect(commits?.split(separator: " ").last == "3", "\(metrics)")
            #expect(metrics.contains("caseload_group_commit_size_appends_bucket{le=\"1.0\"} 3"), "\(metrics)")
        }
    }

    @Test("a rule that refuses answers 422 naming the rule; a malformed command 400 naming the field")
    func refusalsAndMalformedCommands() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            // No therapist t9 has joined: the inquiry is refused by a rule.
            let refused = try await client.send(
                .post, "/v1/commands", as: .backend, in: server, json: Commands.openInquiry("c1", client: "k1", therapist: "t9"))
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(refused.object["code"] as? String == "ruleViolation")
            #expect((refused.object["rule"] as? String)?.isEmpty == false)

            let missing = try await client.send(
                .post, "/v1/commands", as: .backend, in: server,
                json: Commands.document("bookSession", actor: "client:k1", #"{"caseId": "c1", "sessionId": "s1"}"#))
            #expect(missing.status == .badRequest)
            #expect(missing.object["field"] as? String == "data.scheduledStart")

            let wrongType = try await client.send(
                .post, "/v1/commands", as: .backend, in: server,
                json: Commands.document("joinTherapist", actor: "therapist:t1", #"{"therapistId": 7}"#))
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.object["field"] as? String == "data.therapistId")

            let notJSON = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: "{\"commandId\": ")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.object["code"] as? String == "malformedJSON")

            let badActor = try await client.send(
                .post, "/v1/commands", as: .backend, in: server,
                json: Commands.document("joinTherapist", actor: "nobody", #"{"therapistId": "t1"}"#))
            #expect(badActor.status == .badRequest)
            #expect(badActor.object["field"] as? String == "actor")

            let unknownType = try await client.send(
                .post, "/v1/commands", as: .backend, in: server, json: Commands.document("dance", actor: "client:k1", "{}"))
            #expect(unknownType.object["field"] as? String == "type")

            let text = try await client.send(
                .post, "/v1/commands", as: .backend, in: server, headers: [.contentType: "text/plain"])
            #expect(text.status == .unsupportedMediaType)
        }
    }

    @Test("a backend token never acts as support; a support token acts only as itself")
    func actorsByRole() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            _ = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: Commands.join("t1"))
            let asSupport = Commands.document(
                "joinTherapist", actor: "support:support", #"{"therapistId": "t2"}"#)
            let relayed = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: asSupport)
            #expect(relayed.status == .forbidden)
            #expect(relayed.object["field"] as? String == "actor")

            let otherAgent = Commands.document("joinTherapist", actor: "support:agent-9", #"{"therapistId": "t2"}"#)
            let impersonated = try await client.send(.post, "/v1/commands", as: .support, in: server, json: otherAgent)
            #expect(impersonated.status == .forbidden)

            let asClient = try await client.send(
                .post, "/v1/commands", as: .support, in: server, json: Commands.openInquiry("c1", client: "k1", therapist: "t1"))
            #expect(asClient.status == .forbidden)

            // As itself, support passes the role check (the domain then decides).
            let own = try await client.send(.post, "/v1/commands", as: .support, in: server, json: asSupport)
            #expect(own.status != .forbidden, "\(own.text)")
        }
    }

    @Test("a raw append checks its expectation: 409 with expected and actual")
    func rawAppends() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            let body = #"{"expected": "no-stream", "events": [{"type": "Marked", "data": {"n": 1}, "actor": "system:test", "occurredAt": "2025-01-01T00:00:00Z"}]}"#
            let first = try await client.send(.post, "/v1/streams/raw-1", as: .backend, in: server, json: body)
            #expect(first.status == .created, "\(first.text)")
            #expect(first.object["positions"] as? [Int] == [1])

            let again = try await client.send(.post, "/v1/streams/raw-1", as: .backend, in: server, json: body)
            #expect(again.status == .conflict)
            #expect(again.object["code"] as? String == "wrongExpectedVersion")
            #expect(again.object["stream"] as? String == "raw-1")
            #expect(again.object["actual"] as? Int == 1)
            #expect(again.object["expected"] as? String != nil)

            let elsewhere = #"{"stream": "raw-2", "events": []}"#
            let mismatch = try await client.send(.post, "/v1/streams/raw-1", as: .backend, in: server, json: elsewhere)
            #expect(mismatch.status == .badRequest)

            // A marketplace stream takes events only through the rules: a
            // raw event there would break every later command on it.
            let poison = #"{"events": [{"type": "Junk", "data": {}, "actor": "system:x", "occurredAt": "2025-01-01T00:00:00Z"}]}"#
            for stream in ["therapist-t1", "case-c1", "profile-t1", "client-k1"] {
                let refused = try await client.send(.post, "/v1/streams/\(stream)", as: .backend, in: server, json: poison)
                #expect(refused.status == .unprocessableContent, "\(stream): \(refused.text)")
                #expect(refused.object["code"] as? String == "marketplaceStream")
            }

            let page = try await client.send(.get, "/v1/streams/raw-1", as: .analyst, in: server)
            #expect(page.status == .ok)
            #expect(page.object["version"] as? Int == 1)

            let events = try await client.send(.get, "/v1/events?from=0&limit=10", as: .analyst, in: server)
            #expect((events.object["events"] as? [Any])?.count == 1)
            #expect(events.object["next"] as? Int == 1)

            let badLimit = try await client.send(.get, "/v1/events?limit=0", as: .analyst, in: server)
            #expect(badLimit.status == .badRequest)
            #expect(badLimit.object["field"] as? String == "limit")
        }
    }

    @Test("statistics read the caller's own acknowledged commands, from the facts kept warm")
    func statisticsReadYourWrites() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            _ = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: Commands.join("t1"))
            for index in 1...3 {
                let opened = try await client.send(
                    .post, "/v1/commands", as: .backend, in: server,
                    json: Commands.openInquiry("c\(index)", client: "k\(index)", therapist: "t1", at: "2025-03-0\(index)T09:00:00Z"))
                #expect(opened.status == .created)
                let stats = try await client.send(.get, "/v1/stats?therapist=t1", as: .analyst, in: server)
                #expect(stats.status == .ok, "\(stats.text)")
                let rows = stats.object["therapists"] as? [[String: Any]] ?? []
                #expect(rows.count == 1)
                #expect(rows.first?["therapistId"] as? String == "t1")
                #expect(rows.first?["inquiries"] as? Int == index, "\(rows.first ?? [:])")
            }
            let unknown = try await client.send(.get, "/v1/stats?therapist=t404", as: .analyst, in: server)
            #expect(unknown.status == .notFound)
            #expect(unknown.object["code"] as? String == "therapistNotFound")

            let days = try await client.send(.get, "/v1/stats?days=0", as: .analyst, in: server)
            #expect(days.status == .badRequest)
            #expect(days.object["field"] as? String == "days")

            let ratings = try await client.send(.get, "/v1/ratings?rules=platform-standard", as: .analyst, in: server)
            #expect(ratings.status == .ok, "\(ratings.text)")
            // The harm's window and the bootstrap, as `--ongoing-days`, `--draws` and `--seed`.
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(ratings.text.utf8)) as? [[String: Any]])
            #expect(rows.first?["pBasement"] is NSNumber, "\(ratings.text.prefix(400))")
            let unbooted = try await client.send(.get, "/v1/ratings?rules=platform-standard&draws=0", as: .analyst, in: server)
            let unbootedRows = try #require(try JSONSerialization.jsonObject(with: Data(unbooted.text.utf8)) as? [[String: Any]])
            #expect(unbootedRows.first?["pBasement"] is NSNull, "\(unbooted.text.prefix(400))")
            for (query, days, draws) in [("", 30, 200), ("&ongoingDays=60&draws=0", 60, nil), ("&draws=50&seed=7", 30, 50)] as [(String, Int, Int?)] {
                let compared = try await client.send(
                    .get, "/v1/compare?rules=platform-standard&rules=fair\(query)", as: .analyst, in: server)
                let first = try #require((compared.object["rules"] as? [[String: Any]])?.first, "\(compared.text.prefix(400))")
                #expect((first["harm"] as? [String: Any])?["withinDays"] as? Int == days, "\(query): \(compared.text.prefix(600))")
                #expect((first["basementOdds"] as? [String: Any])?["draws"] as? Int == draws, "\(query): \(compared.text.prefix(600))")
            }
            let tooMany = try await client.send(.get, "/v1/ratings?rules=fair&draws=100000", as: .analyst, in: server)
            #expect(tooMany.status == .badRequest)
            #expect(tooMany.object["field"] as? String == "draws")
            let noRule = try await client.send(.get, "/v1/ratings?rules=/etc/passwd", as: .analyst, in: server)
            #expect(noRule.status == .notFound)
            #expect(noRule.object["code"] as? String == "ruleNotFound")

            let compared = try await client.send(
                .get, "/v1/compare?rules=platform-standard&rules=fair", as: .analyst, in: server,
                headers: [.accept: "text/html"])
            #expect(compared.status == .ok, "\(compared.text.prefix(300))")
            #expect(compared.headers[.contentType]?.hasPrefix("text/html") == true)
            // The page `compare --html` writes: the harm first, the explain commands naming the service's log.
            #expect(compared.text.contains("<section id=\"harm\" data-rules=\"2\">"), "\(compared.text.prefix(600))")
            #expect(compared.text.contains(#""head":"caseload explain --db "#))

            let explained = try await client.send(
                .get, "/v1/explain?therapist=t1&metric=inquiries", as: .support, in: server)
            #expect(explained.status == .ok, "\(explained.text)")
            #expect(explained.object["ongoingWithinDays"] as? Int == 30)
            let explainedWider = try await client.send(
                .get, "/v1/explain?therapist=t1&metric=inquiries&ongoingDays=90", as: .support, in: server)
            #expect(explainedWider.object["ongoingWithinDays"] as? Int == 90, "\(explainedWider.text.prefix(400))")
            let noWindow = try await client.send(
                .get, "/v1/explain?therapist=t1&metric=inquiries&ongoingDays=0", as: .support, in: server)
            #expect(noWindow.status == .badRequest)
            #expect(noWindow.object["field"] as? String == "ongoingDays")
            let badMetric = try await client.send(.get, "/v1/explain?therapist=t1&metric=charm", as: .analyst, in: server)
            #expect(badMetric.status == .badRequest)
            #expect(badMetric.object["field"] as? String == "metric")
        }
    }

    @Test("an import is all or nothing and names the bad line")
    func importLines() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            let joined = #"{"type": "TherapistJoined", "occurredAt": "2024-02-26T08:00:00Z", "actor": "support:agent-7", "data": {"therapistId": "t-117"}}"#
            let opened = #"{"type": "InquiryOpened", "occurredAt": "2024-03-01T09:30:00Z", "actor": "client:k1", "data": {"caseId": "c1", "clientId": "k1", "therapistId": "t-117", "format": "individual", "oneOff": false}}"#
            let orphan = #"{"type": "InquiryOpened", "occurredAt": "2024-03-01T09:30:00Z", "actor": "client:k2", "data": {"caseId": "c2", "clientId": "k2", "therapistId": "t-404", "format": "individual", "oneOff": false}}"#
            let ndjson: HTTPFields = [.contentType: "application/x-ndjson"]
            let refused = try await client.execute(
                uri: "/v1/import", method: .post, headers: server.headers(.backend).merging(ndjson),
                body: ByteBuffer(string: [joined, opened, orphan].joined(separator: "\n")))
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(refused.object["line"] as? Int == 3)
            let empty = try await client.send(.get, "/v1/head", as: .backend, in: server)
            #expect(empty.object["position"] as? Int == 0, "a refused import left events behind")

            let imported = try await client.execute(
                uri: "/v1/import", method: .post, headers: server.headers(.backend).merging(ndjson),
                body: ByteBuffer(string: [joined, opened].joined(separator: "\n") + "\n"))
            #expect(imported.status == .ok, "\(imported.text)")
            #expect(imported.object["appended"] as? Int == 2)
            #expect(imported.object["lastPosition"] as? Int == 2)
        }
    }

    @Test("a body over the limit is refused with 413")
    func bodyLimit() async throws {
        let server = try await TestServer.make(maxBodyBytes: 1024)
        try await server.withRouter { client in
            let big = Commands.document("joinTherapist", actor: "therapist:t1", #"{"therapistId": "\#(String(repeating: "x", count: 2000))"}"#)
            let response = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: big)
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("an unknown route is a problem too")
    func unknownRoute() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            let response = try await client.send(.get, "/v1/nothing", as: .admin, in: server)
            #expect(response.status == .notFound)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test("admin verifies the log and erases a client's personal data")
    func admin() async throws {
        let server = try await TestServer.make()
        try await server.withRouter { client in
            _ = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: Commands.join("t1"))
            let named = Commands.document(
                "openInquiry", actor: "client:k1",
                #"{"caseId": "c1", "clientId": "k1", "therapistId": "t1"}"#
            ).replacingOccurrences(of: #""data":"#, with: #""clientName": "Anna K.", "data":"#)
            let opened = try await client.send(.post, "/v1/commands", as: .backend, in: server, json: named)
            #expect(opened.status == .created, "\(opened.text)")
            #expect(!opened.text.contains("Anna"))

            let verified = try await client.send(.post, "/v1/verify", as: .admin, in: server)
            #expect(verified.status == .ok)
            #expect(verified.object["holds"] as? Bool == true)
            #expect(verified.object["eventsChecked"] as? Int == 2)

            let erased = try await client.send(.post, "/v1/clients/k1/erase", as: .admin, in: server)
            #expect(erased.status == .ok, "\(erased.text)")
            #expect(erased.object["records"] as? Int == 1)
            #expect(erased.object["compacted"] as? Bool == true)
            #expect(erased.object["alreadyErased"] as? Bool == false)
            let again = try await client.send(.post, "/v1/clients/k1/erase", as: .admin, in: server)
            #expect(again.status == .ok, "\(again.text)")
            #expect(again.object["alreadyErased"] as? Bool == true)
            #expect(again.object["position"] as? Int == erased.object["position"] as? Int)
            let recorded = try await client.send(.get, "/v1/events?from=2", as: .backend, in: server)
            let last = (recorded.object["events"] as? [[String: Any]])?.last
            #expect(last?["type"] as? String == "ClientDataErased")
            #expect(last?["actor"] as? String == "support:admin")
        }
    }
}
