import Foundation
import Testing

/// `caseload copy` as a user runs it: a summary on standard output, the
/// copy's log the same as the source's, exit 65 for a target that diverges.
@Suite struct CopyCLITests {
    @Test func aCopyLogsTheSameEventsAndARerunCopiesNothing() throws {
        let scratch = try Scratch()
        let (source, target) = (scratch.path("source.sqlite"), scratch.path("target.sqlite"))
        let generated = try CLI.run(["generate", "--db", source, "--therapists", "6", "--months", "3", "--seed", "3"])
        try #require(generated.status == 0, "\(generated.stderr)")
        let head = try JSONSerialization.jsonObject(with: Data(try CLI.run(["head", "--db", source, "--json"]).stdout.utf8))
        let position = try #require((head as? [String: Any])?["position"] as? Int)

        let partial = try CLI.run(["copy", "--from", source, "--to", target, "--up-to", "100", "--batch-size", "30", "--json"])
        try #require(partial.status == 0, "\(partial.stderr)")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(partial.stdout.utf8)) as? [String: Any])
        #expect(first["eventsCopied"] as? Int == 100)
        #expect(first["batches"] as? Int == 4)
        #expect(first["chainHolds"] as? Bool == true)

        let rest = try CLI.run(["copy", "--from", source, "--to", target])
        try #require(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stdout.contains("copied \(position - 100) events"), "\(rest.stdout)")
        #expect(rest.stdout.contains("after the 100 already there"), "\(rest.stdout)")
        #expect(rest.stdout.contains("chain holds: \(position) events"), "\(rest.stdout)")

        let logs = try [source, target].map { try CLI.run(["log", "--db", $0, "--json"]).stdout }
        #expect(logs[0] == logs[1], "the same events, byte for byte as `log --json` prints them")
        #expect(try CLI.run(["verify", "--db", target]).status == 0)

        let again = try CLI.run(["copy", "--from", source, "--to", target, "--json"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(summary["eventsCopied"] as? Int == 0)
        #expect(summary["targetHeadBefore"] as? Int == position)
    }

    @Test func aTargetThatIsNotAPrefixIsRefusedWithExit65() throws {
        let scratch = try Scratch()
        let (source, target) = (scratch.path("source.sqlite"), scratch.path("other.sqlite"))
        for (path, seed) in [(source, "3"), (target, "4")] {
            let generated = try CLI.run(["generate", "--db", path, "--therapists", "3", "--months", "2", "--seed", seed])
            try #require(generated.status == 0, "\(generated.stderr)")
        }
        let before = try CLI.run(["log", "--db", target, "--json"]).stdout
        let refused = try CLI.run(["copy", "--from", source, "--to", target])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("diverges") || refused.stderr.contains("more than the source"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was written"), "\(refused.stderr)")
        #expect(try CLI.run(["log", "--db", target, "--json"]).stdout == before)
    }
}
