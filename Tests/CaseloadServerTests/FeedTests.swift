import AsyncHTTPClient
import CaseloadApplication
import CaseloadCoding
import CaseloadServer
import EventStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The live feed over a real socket (the router test mode cannot stream).
@Suite("The live feed")
struct FeedTests {
    /// Appends `count` one-event raw appends over a few streams.
    static func append(_ count: Int, to marketplace: Marketplace, pausingEvery pause: Int = 40) async throws {
        for index in 1...count {
            let event = NewEvent(
                id: UUID(), type: "Marked", payload: EventPayload(json: #"{"n":\#(index)}"#),
                occurredAt: Timestamp(secondsSinceEpoch: 1_735_689_600 + Int64(index)), actor: "system:test")
            _ = try await marketplace.append([StreamAppend(stream: try StreamID("raw-\(index % 7)"), expected: .any, events: [event])])
            if index % pause == 0 { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    /// Reads the feed after `from` until `enough` says so; returns the
    /// positions seen (heartbeats counted apart), then drops the connection.
    static func read(
        port: Int, token: String, from: Int64, serverSent: Bool = false,
        until enough: @escaping ([Int64], Int) -> Bool
    ) async throws -> (positions: [Int64], heartbeats: Int, raw: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events/feed?from=\(from)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if serverSent { request.headers.add(name: "Accept", value: "text/event-stream") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        var pending = ""
        var raw = ""
        var positions: [Int64] = []
        var heartbeats = 0
        for try await chunk in response.body {
            let text = String(buffer: chunk)
            pending += text
            raw += text
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending.removeSubrange(...newline)
                if serverSent {
                    if line.hasPrefix("id: ") { positions.append(Int64(line.dropFirst(4))!) }
                    if line.hasPrefix(": heartbeat") { heartbeats += 1 }
                } else if line.hasPrefix("{\"heartbeat\"") {
                    heartbeats += 1
                } else {
                    let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    positions.append(Int64(object?["position"] as? Int ?? -1))
                }
                if enough(positions, heartbeats) { return (positions, heartbeats, raw) }
            }
        }
        return (positions, heartbeats, raw)
    }

    @Test("every event exactly once and in order across a reconnect, while appends go on")
    func exactlyOnceAcrossReconnect() async throws {
        let server = try await TestServer.make()
        let token = server.tokens[.backend]!
        try await buildApplication(server.marketplace, configuration: server.configuration).test(.live) { client in
            let port = try #require(client.port)
            let total = 600
            let appender = Task { try await Self.append(total, to: server.marketplace) }
            let first = try await Self.read(port: port, token: token, from: 0) { positions, _ in positions.count >= 150 }
            let resumeFrom = try #require(first.positions.last)
            let second = try await Self.read(port: port, token: token, from: resumeFrom) { positions, _ in
                first.positions.count + positions.count >= total
            }
            try await appender.value
            #expect(first.positions + second.positions == Array(1...Int64(total)))
        }
        await server.close()
    }

    @Test("while idle, heartbeats; server-sent events carry the position as their id")
    func heartbeatsAndServerSentEvents() async throws {
        let server = try await TestServer.make(heartbeat: .seconds(1))
        let token = server.tokens[.analyst]!
        try await FeedTests.append(3, to: server.marketplace)
        try await buildApplication(server.marketplace, configuration: server.configuration).test(.live) { client in
            let port = try #require(client.port)
            let idle = try await Self.read(port: port, token: token, from: 3) { _, heartbeats in heartbeats >= 1 }
            #expect(idle.positions.isEmpty)
            #expect(idle.raw.hasPrefix(#"{"heartbeat":{"head":3}}"#))

            let events = try await Self.read(port: port, token: token, from: 1, serverSent: true) { positions, _ in positions.count >= 2 }
            #expect(events.positions == [2, 3])
            #expect(events.raw.hasPrefix("id: 2\ndata: {"))
        }
        await server.close()
    }
}
