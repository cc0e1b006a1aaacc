import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a marketplace history, replay it under two rating rules, and show who lands in the basement.",
        discussion: """
            Writes a fresh history (a few hundred thousand events, through the domain's rules) to the \
            database named on screen, rebuilds the statistics from the log, rates every therapist under \
            platform-standard and fair, and lists who is in the basement under one rule and not the other — \
            the therapists (and their clients) a platform's choice of rule would harm. Then it prints the \
            commands to look closer.
            """)

    @Option(help: ArgumentHelp("Where to write the history (replaced if it exists).", valueName: "path"))
    var db: String?
    @Option(help: "Therapists in the generated marketplace.") var therapists = 80
    @Option(help: "Months of history.") var months = 18
    @Option(help: "Seed: the same seed gives the same history.") var seed: UInt64 = 2024
    @Option(name: .customLong("rule"), help: "The two rules to compare (default: platform-standard and fair).")
    var rules: [String] = []

    static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_DATA_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share")
        return base.appendingPathComponent("caseload/demo.sqlite").path
    }

    func validate() throws {
        // What the generator accepts; its messages begin with the option's name.
        let parameters = GeneratorParameters(therapists: therapists, months: months, seed: seed)
        do { try parameters.validate() } catch { throw ValidationError("--\(error.message)") }
    }

    func run() async throws {
        let path = db ?? Self.defaultPath
        let ruleNames = rules.isEmpty ? ["platform-standard", "fair"] : rules
        guard ruleNames.count == 2 else { throw ValidationError("give two --rule values, or none for the default pair") }
        var request = DemoRequest(path: path, rules: try loadRules(ruleNames))
        (request.therapists, request.months, request.seed) = (therapists, months, seed)
        print("Caseload demo: writing a generated marketplace history to \(path)")

        let generating = Progress(label: "generated")
        let replaying = Progress(label: "replayed")
        let report: DemoReport
        do {
            report = try await Marketplace.demo(
                request, configuration: Edge.configuration(CaseloadConfiguration(store: .sqlite(path: path)))
            ) { step in
                switch step {
                case .generating(let p): generating.update(Int64(p.events), Int64(p.plannedEvents))
                case .replayStarted:
                    generating.finish()
                    replaying.restart()
                case .replaying(let done, let total): replaying.update(done, total)
                }
            }
        } catch {
            generating.finish()
            replaying.finish()
            throw failure(error)
        }
        generating.finish()
        replaying.finish()
        let summary = report.generation
        print("  \(summary.events) events: \(summary.therapists.count) therapists, \(summary.cases) cases, \(summary.clients) clients, \(months) months (seed \(seed)) in \(seconds(report.generating))")
        print("  replayed the log into per-case statistics in \(seconds(report.replaying))")
        print("  rated every therapist under \(ruleNames.joined(separator: " and ")) as of \(report.asOf.iso8601) in \(seconds(report.rating))\n")
        print(report.basementReport(width: terminalWidth()))
        // Concrete next steps: a therapist the two rules disagree about, and one of their cases.
        let example = report.exampleTherapist
        print("""
            Look closer (the database is \(path)):
              caseload stats    --db \(path) --therapist \(example)
              caseload explain  --db \(path) --therapist \(example) --metric conversionToFirstSession
              caseload compare  --db \(path) --rules \(ruleNames[0]) --rules \(ruleNames[1]) --rules monetary-conversion --html ratings.html
              caseload audit case --db \(path) \(report.exampleCase)
              caseload verify   --db \(path)
            """)
    }

    func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", duration.seconds)
    }

    func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    }
}
