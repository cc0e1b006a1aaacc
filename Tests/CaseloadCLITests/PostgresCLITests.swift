import Foundation
import Testing

/// The `caseload` command against the PostgreSQL server of
/// `Scripts/with-postgres` (`CASELOAD_TEST_POSTGRES_URL`); disabled without
/// one, except under `CI=true`, where the tests run and fail.
enum CLITestServer {
    static let url = ProcessInfo.processInfo.environment["CASELOAD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static var enabled: Bool { url != nil || ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The URL of a fresh schema (left behind; the throwaway cluster goes with it).
    static func freshLog() throws -> String {
        let url = try #require(url, "CASELOAD_TEST_POSTGRES_URL is not set: run the tests under Scripts/with-postgres")
        return url + "?schema=cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}

@Suite(.enabled(if: CLITestServer.enabled, "set CASELOAD_TEST_POSTGRES_URL (Scripts/with-postgres does) to run the PostgreSQL tests"))
struct PostgresCLITests {
    /// A short command's first query once raced the task that starts the
    /// reader pool, and postgres-nio warned on stderr about half the time.
    @Test func aShortCommandPrintsNoWarningAboutThePool() throws {
        let url = try CLITestServer.freshLog()
        let generated = try CLI.run(["generate", "--db", url, "--therapists", "2", "--months", "1"])
        try #require(generated.status == 0, "\(generated.stderr)")
        for _ in 1...6 {
            let head = try CLI.run(["head", "--db", url])
            #expect(head.status == 0)
            #expect(head.stderr.isEmpty, "\(head.stderr)")
            #expect(head.stdout.hasPrefix("position "), "\(head.stdout)")
        }
    }

    /// A file copied into PostgreSQL and back logs the same events byte for byte.
    @Test func copyToPostgresAndBack() throws {
        let scratch = try Scratch()
        let url = try CLITestServer.freshLog()
        let (source, back) = (scratch.path("source.sqlite"), scratch.path("back.sqlite"))
        let generated = try CLI.run(["generate", "--db", source, "--therapists", "4", "--months", "2", "--seed", "5"])
        try #require(generated.status == 0, "\(generated.stderr)")
        for (from, to) in [(source, url), (url, back)] {
            let copy = try CLI.run(["copy", "--from", from, "--to", to, "--batch-size", "64", "--json"])
            try #require(copy.status == 0, "\(copy.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(copy.stdout.utf8)) as? [String: Any])
            #expect(summary["chainHolds"] as? Bool == true)
        }
        let logs = try [source, url, back].map { try CLI.run(["log", "--db", $0, "--json"]).stdout }
        #expect(logs[0] == logs[1] && logs[1] == logs[2])
        #expect(!logs[0].isEmpty)
    }
}
