import Foundation
import Testing

@Suite(.serialized) struct DemoAndGenerate {
    @Test func theDemoGeneratesReplaysAndNamesItsDatabaseAndNextCommands() throws {
        let scratch = try Scratch()
        let db = scratch.path("demo.sqlite")
        let demo = try CLI.run(["demo", "--db", db, "--therapists", "12", "--months", "4"])
        #expect(demo.status == 0, "\(demo.stderr)")
        #expect(demo.stdout.contains("writing a generated marketplace history to \(db)"))
        #expect(demo.stdout.contains("Basement"))
        #expect(demo.stdout.contains("caseload explain  --db \(db)"))
        // The history it wrote is a legal one.
        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)")
    }

    @Test func theSameSeedGivesTheSameEvents() throws {
        let scratch = try Scratch()
        func history(_ name: String, seed: Int) throws -> [[String: Any]] {
            let db = scratch.path(name)
            let generated = try CLI.run(["generate", "--db", db, "--therapists", "4", "--months", "2", "--seed", String(seed), "--durability", "normal"])
            #expect(generated.status == 0, "\(generated.stderr)")
            return try loggedEvents(try CLI.run(["log", "--db", db, "--json"]).stdout)
        }
        func comparable(_ events: [[String: Any]]) -> [String] {
            events.map { event in
                let data = (try? JSONSerialization.data(withJSONObject: event["data"] ?? [:], options: .sortedKeys)) ?? Data()
                return "\(event["eventId"] ?? "")|\(event["stream"] ?? "")|\(event["type"] ?? "")|\(event["occurredAt"] ?? "")|\(event["actor"] ?? "")|\(String(decoding: data, as: UTF8.self))"
            }
        }
        let first = comparable(try history("a.sqlite", seed: 7))
        let again = comparable(try history("b.sqlite", seed: 7))
        let other = comparable(try history("c.sqlite", seed: 8))
        #expect(!first.isEmpty)
        #expect(first == again)
        #expect(first != other)
    }
}
