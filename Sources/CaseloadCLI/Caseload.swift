import ArgumentParser
import CaseloadApplication
import Logging

/// The `caseload` command: argument parsing and printing only; every command
/// calls one function of the application (`Marketplace`) and prints its answer.
@main
struct CaseloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caseload",
        abstract: "The event-sourced core of a therapy marketplace: an append-only log and what is built from it.",
        discussion: """
            Every action is an event in one append-only log (an SQLite file by default). \
            Statistics and ratings are rebuilt by replaying it.

            Start with `caseload demo`, then try `caseload log --db PATH` and `caseload verify --db PATH`.
            """,
        version: CaseloadVersion.description,
        subcommands: [
            DemoCommand.self, GenerateCommand.self, ImportCommand.self, StatsCommand.self, RatingsCommand.self, CompareCommand.self, RulesCommand.self,
            ReplayCommand.self, AuditCommand.self, ExplainCommand.self, LogCommand.self, HeadCommand.self, VerifyCommand.self, EraseCommand.self, AppendCommand.self, CopyCommand.self,
            ServeCommand.self, TokenCommand.self,
        ])

    /// Logging is bootstrapped here, by the executable, never by a library.
    static func main() async {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        await main(nil)
    }
}
