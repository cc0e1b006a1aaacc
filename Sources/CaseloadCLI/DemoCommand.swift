import ArgumentParser
import Caseload
import CaseloadCoding
import CaseloadGenerator
import CaseloadRatings
import CaseloadStatistics
import EventStoreSQLite
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

    func run() async throws {
        let path = db ?? Self.defaultPath
        let ruleNames = rules.isEmpty ? ["platform-standard", "fair"] : rules
        guard ruleNames.count == 2 else { throw ValidationError("give two --rule values, or none for the default pair") }
        let loaded = try loadRules(ruleNames)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        print("Caseload demo: writing a generated marketplace history to \(path)")

        let started = ContinuousClock.now
        var configuration = SQLiteEventStoreConfiguration()
        configuration.durability = .normal  // a generated history: speed over power-loss safety
        let log: SQLiteEventStore
        do { log = try SQLiteEventStore(path: path, configuration: configuration) } catch { throw failure(error) }
        do {
            let parameters = GeneratorParameters(therapists: therapists, months: months, seed: seed, profileViews: true)
            let generator = HistoryGenerator(parameters: parameters)
            let progress = Progress(label: "generated")
            let summary = try await generator.generate(into: log) { p in
                progress.update(Int64(p.events), Int64(p.plannedEvents))
            }
            progress.finish()
            let generated = ContinuousClock.now
            print("  \(summary.events) events: \(summary.therapists.count) therapists, \(summary.cases) cases, \(summary.clients) clients, \(months) months (seed \(seed)) in \(seconds(started, generated))")

            let replay = Progress(label: "replayed")
            let facts = try await StatisticsProjection(store: log).rebuild { replay.update($0, $1) }
            replay.finish()
            let replayed = ContinuousClock.now
            print("  replayed the log into per-case statistics in \(seconds(generated, replayed))")
            await log.close()

            let asOf = facts.latestOccurredAt
            let results = try RatingEngine.rate(loaded, source: FactsStatisticsSource(facts: facts, asOf: asOf), asOf: asOf)
            let comparison = RatingComparison.compare(results)
            print("  rated every therapist under \(ruleNames.joined(separator: " and ")) as of \(asOf.iso8601) in \(seconds(replayed, ContinuousClock.now))\n")
            let statistics = Dictionary(
                uniqueKeysWithValues: facts.snapshot(StatisticsWindow(days: 180), asOf: asOf).therapists.map { ($0.therapistId, $0) })
            print(Self.basementReport(comparison, statistics: statistics, width: terminalWidth()))
            // Concrete next steps: a therapist the two rules disagree about, and one of their cases.
            let example = comparison.therapists.first { $0.basement[0] != $0.basement[1] }?.therapistId
                ?? comparison.therapists.first?.therapistId ?? "t0001"
            let exampleCase = facts.cases.last { $0.therapistId == example && $0.convertedAt != nil }?.caseId
                ?? facts.cases.first?.caseId ?? "c1"
            print("""
                Look closer (the database is \(path)):
                  caseload stats    --db \(path) --therapist \(example)
                  caseload explain  --db \(path) --therapist \(example) --metric conversionToFirstSession
                  caseload compare  --db \(path) --rules \(ruleNames[0]) --rules \(ruleNames[1]) --rules monetary-conversion --html ratings.html
                  caseload audit case --db \(path) \(exampleCase)
                  caseload verify   --db \(path)
                """)
        } catch let exit as ExitCode {
            await log.close()
            throw exit
        } catch {
            await log.close()
            throw failure(error)
        }
    }

    func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> String {
        String(format: "%.1f s", (to - from).seconds)
    }

    /// Who is in the basement under one rule and not the other, as a table that fits `width`.
    static func basementReport(
        _ comparison: RatingComparison, statistics: [String: TherapistStatistics], width: Int
    ) -> String {
        let (a, b) = (comparison.labels[0], comparison.labels[1])
        let onlyA = comparison.therapists.filter { $0.basement[0] && !$0.basement[1] }
        let onlyB = comparison.therapists.filter { !$0.basement[0] && $0.basement[1] }
        let both = comparison.therapists.filter { $0.basement[0] && $0.basement[1] }
        var out = "Basement (the bottom of a ranking, which real platforms delisted; figures below: last 180 days):\n"
        out += "  \(a): \(comparison.therapists.filter { $0.basement[0] }.count)   \(b): \(comparison.therapists.filter { $0.basement[1] }.count)   both: \(both.count)\n"
        if let tau = comparison.correlations.first?.tauB {
            out += "  Kendall's tau between the two rankings: \(String(fixed: tau, 2)) (1 = same order)\n"
        }
        func rows(_ therapists: [TherapistComparison], _ title: String) -> String {
            guard !therapists.isEmpty else { return "\n\(title): nobody\n" }
            var table = [["therapist", "rank: \(a)", "rank: \(b)", "inquiries", "conversion", "sessions/client", "fees/session"]]
            for t in therapists {
                let row = statistics[t.therapistId]
                func figure(_ name: String, percent: Bool = false, money: Bool = false) -> String {
                    guard let value = row?.metric(name)?.value else { return "–" }
                    if percent { return String(fixed: value * 100, 0) + "%" }
                    if money { return StatisticsReport.money(Int64(value.rounded())) }
                    return String(fixed: value, 1)
                }
                table.append([
                    t.therapistId, t.ranks[0].map(String.init) ?? "–", t.ranks[1].map(String.init) ?? "–",
                    row.map { String($0.countedInquiries) } ?? "–", figure("conversionToFirstSession", percent: true),
                    figure("sessionsPerClient"), figure("platformFeesPerChargedSession", money: true),
                ])
            }
            var text = StatisticsReport.render(table, rightAligned: [1, 2, 3, 4, 5, 6])
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.prefix(width)) }
            text = lines.joined(separator: "\n")
            return "\n\(title):\n" + text
        }
        out += rows(onlyA, "In the basement under \(a) but not under \(b)")
        out += rows(onlyB, "In the basement under \(b) but not under \(a)")
        return out
    }

    func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
    }
}
