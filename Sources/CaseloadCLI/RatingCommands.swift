import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import Foundation

/// Loads `--rules` values, turning rule-file errors into clear messages.
func loadRules(_ names: [String]) throws -> [RatingRule] {
    try names.map { name in
        do { return try RatingRule.resolve(name) } catch {
            Console.error("\(error)")
            throw ExitCode(1)
        }
    }
}

/// `--ongoing-days`: the window of ongoing therapy (the harm's), shared by
/// `ratings`, `compare` and `explain`.
struct OngoingOptions: ParsableArguments {
    @Option(
        name: .customLong("ongoing-days"),
        help: ArgumentHelp(
            "A client is in ongoing therapy with a session held or booked in this many days.", valueName: "days"))
    var ongoingDays = OngoingTherapy.defaultWithinDays

    func validate() throws {
        guard StatisticsRequest.validDays.contains(ongoingDays) else {
            throw ValidationError(
                "--ongoing-days is 1 to \(StatisticsRequest.validDays.upperBound) (the years 0001-9999), not \(ongoingDays)")
        }
    }
}

/// What a rating means for people: clients in ongoing therapy and P(basement).
struct AnalysisOptions: ParsableArguments {
    @OptionGroup var ongoing: OngoingOptions

    @Option(help: ArgumentHelp("Bootstrap draws for P(basement); 0 skips it.", valueName: "n"))
    var draws = BasementBootstrap.defaultDraws

    @Option(help: ArgumentHelp("The bootstrap's seed: the same seed, the same P(basement).", valueName: "n"))
    var seed = BasementBootstrap.defaultSeed

    func validate() throws {
        guard RatingAnalysis.validDraws.contains(draws) else {
            throw ValidationError("--draws is 0 to \(RatingAnalysis.validDraws.upperBound), not \(draws)")
        }
    }

    var analysis: RatingAnalysis { RatingAnalysis(ongoingWithinDays: ongoing.ongoingDays, draws: draws, seed: seed) }
}

/// How sure a basement is, in words: who is there by chance, who with confidence.
func basementOddsLines(_ result: RatingResult, label: String) -> String {
    guard let odds = result.basementOdds else { return "" }
    var out = "  \(label): in the basement by chance (P < 0.5 over \(odds.draws) draws): "
    out += odds.byChance.isEmpty ? "nobody\n" : "\(CompareCommand.list(odds.byChance, 0))\n"
    out += "  \(label): in the basement with confidence (P ≥ 0.95): "
    out += odds.withConfidence.isEmpty ? "nobody\n" : "\(CompareCommand.list(odds.withConfidence, 0))\n"
    return out
}

/// A probability for a table: two decimals, "–" when there is none.
func probability(_ value: Double?) -> String { value.map { String(fixed: $0, 2) } ?? "–" }

struct RatingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratings",
        abstract: "Rate and rank every therapist under a rule: built-in (see `caseload rules`) or a file.",
        discussion: """
            Rows come ordered by rank: therapistId, rank (null if unranked), score, tier, basement. \
            Unranked therapists (listed without a rank, never delisted) come last with the reason \
            (too small a sample, an undefined metric).

            P(basement) is the share of bootstrap draws over each therapist's cases that put them \
            in the basement; "ongoing" counts their clients in ongoing therapy, whom a platform \
            delisting them would tell to leave.

            Examples:
              caseload ratings --db demo.sqlite --rules platform-standard
              caseload rules fair > my-rule.yaml
              caseload ratings --db demo.sqlite --rules my-rule.yaml \\
                  --as-of 2024-06-01 --csv
            """)

    @OptionGroup var store: ReadOptions
    @OptionGroup var time: TimeOptions
    @OptionGroup var analysis: AnalysisOptions
    @Option(help: "A built-in rule's name or a rule file (JSON, TOML or YAML).") var rules: String
    @Flag var format: OutputFormat = .table

    func run() async throws {
        let rule = try loadRules([rules])[0]
        let time = try time.reportTime()
        let progress = Progress(label: "replayed")
        let analysis = analysis.analysis
        let rated = try await withApplication(store.configuration) { app in
            defer { progress.finish() }
            return try await app.ratings(under: rule, time: time, analysis: analysis) { progress.update($0, $1) }
        }
        let result = rated.ratings
        switch format {
        case .json: print(result.json())
        case .csv: print(result.csv(), terminator: "")
        case .table:
            print("\(rule.name) as of \(rated.asOf.iso8601): \(result.rankedCount) ranked of \(result.rows.count)")
            if let harm = result.harm { print(harm.sentence) }
            print(basementOddsLines(result, label: rule.name), terminator: "")
            var table = [["rank", "therapist", "score", "tier", "basement", "P(basement)", "ongoing", "note"]]
            for row in result.rows {
                table.append([
                    row.rank.map(String.init) ?? "–", row.therapistId, row.score.map { String(fixed: $0, 3) } ?? "–",
                    row.tier ?? "", row.basement ? "BASEMENT" : "", probability(row.pBasement),
                    row.ongoing.map { String($0.clients) } ?? "–", row.reason ?? "",
                ])
            }
            print(StatisticsReport.render(table, rightAligned: [0, 2, 5, 6]), terminator: "")
        }
    }
}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare rankings under several rules: rank shifts, who enters and leaves the basement, Kendall's tau.",
        discussion: """
            The first --rules is the reference: shifts and basement changes are measured from it. \
            Each rule's basement is counted in clients in ongoing therapy it would tell to leave, \
            and its certainty in P(basement) from a bootstrap over each therapist's cases.

            Examples:
              caseload compare --db demo.sqlite --rules platform-standard --rules fair
              caseload compare --db demo.sqlite --rules monetary-conversion \\
                  --rules fair --html report.html
            """)

    @OptionGroup var store: ReadOptions
    @OptionGroup var time: TimeOptions
    @OptionGroup var analysis: AnalysisOptions
    @Option(help: "A rule (built-in name or file); give two or more.") var rules: [String]
    @Option(help: "Also write a self-contained HTML page: the harm, a slopegraph of rank shifts, each therapist's figures.")
    var html: String?
    @Flag var format: OutputFormat = .table

    func validate() throws {
        if rules.count < 2 { throw ValidationError("give at least two --rules to compare") }
    }

    func run() async throws {
        let loaded = try loadRules(rules)
        let time = try time.reportTime()
        let analysis = analysis.analysis
        let progress = Progress(label: "replayed")
        let configuration = store.configuration
        let result = try await withApplication(configuration) { app in
            defer { progress.finish() }
            return try await app.compare(loaded, time: time, analysis: analysis) { progress.update($0, $1) }
        }
        let comparison = result.comparison
        if let html {
            do {
                try result.html(database: configuration.store.description).write(toFile: html, atomically: true, encoding: .utf8)
            } catch {
                Console.error("cannot write \(html): \(error.localizedDescription)")
                throw ExitCode(1)
            }
            Console.note("wrote \(html)")
        }
        switch format {
        case .json: print(comparison.json())
        case .csv: print(comparison.csv(), terminator: "")
        case .table: print(Self.summary(comparison, asOf: result.asOf), terminator: "")
        }
    }

    /// The comparison for people: correlations, basement changes, biggest shifts.
    static func summary(_ comparison: RatingComparison, asOf: Timestamp, width: Int = 100) -> String {
        var out = "as of \(asOf.iso8601); reference rule: \(comparison.labels[0])\n\n"
        let harms = comparison.results.compactMap(\.harm)
        if !harms.isEmpty {
            out += "The harm: clients in ongoing therapy (a session held or booked in the last \(harms[0].withinDays) days)\n"
            for (label, result) in zip(comparison.labels, comparison.results) {
                guard var harm = result.harm else { continue }
                harm.rule = label
                out += "  \(harm.sentence)\n"
            }
            out += "\n"
        }
        let odds = zip(comparison.labels, comparison.results).map { basementOddsLines($1, label: $0) }.joined()
        if !odds.isEmpty { out += "How sure each basement is (P(basement), a bootstrap over cases):\n\(odds)\n" }
        out += basementTables(comparison)
        out += "Kendall's tau-b between rankings (1 = same order, 0 = unrelated, -1 = reversed):\n"
        for correlation in comparison.correlations {
            out += "  \(correlation.first) vs \(correlation.second): \(correlation.tauB.map { String(fixed: $0, 3) } ?? "–") over \(correlation.therapists) therapists ranked under both\n"
        }
        for change in comparison.basementChanges {
            out += "\nbasement, \(change.from) → \(change.to): \(change.entering.count) enter, \(change.leaving.count) leave, \(change.staying.count) stay\n"
            if !change.entering.isEmpty { out += "  enter: \(list(change.entering, width))\n" }
            if !change.leaving.isEmpty { out += "  leave: \(list(change.leaving, width))\n" }
        }
        let moved = comparison.therapists
            .compactMap { t -> (String, Int)? in t.shift(to: 1).map { (t.therapistId, $0) } }
            .sorted { abs($0.1) != abs($1.1) ? abs($0.1) > abs($1.1) : $0.0 < $1.0 }
            .prefix(10)
        if !moved.isEmpty {
            out += "\nlargest rank shifts, \(comparison.labels[0]) → \(comparison.labels[1]) (+ = rises):\n"
            // P(basement) for the rules that have a basement and were bootstrapped.
            let withOdds = comparison.results.indices.filter { comparison.results[$0].basementOdds != nil }
            var table = [
                ["therapist"] + comparison.labels.map { "rank: \($0)" } + ["shift"]
                    + withOdds.map { "P(basement): \(comparison.labels[$0])" },
            ]
            for (id, shift) in moved {
                let therapist = comparison.therapists.first { $0.therapistId == id }!
                table.append(
                    [id] + therapist.ranks.map { $0.map(String.init) ?? "–" } + [shift > 0 ? "+\(shift)" : "\(shift)"]
                        + withOdds.map { probability(therapist.pBasement[$0]) })
            }
            out += StatisticsReport.render(table, rightAligned: Set(1..<table[0].count))
        }
        return out
    }

    /// Each bootstrapped rule's basement: rank, P(basement) and clients in
    /// ongoing therapy, the least certain first (at most 20 rows a rule).
    static func basementTables(_ comparison: RatingComparison) -> String {
        var out = ""
        for (index, result) in comparison.results.enumerated() where result.basementOdds != nil {
            let rows = result.rows.filter(\.basement).sorted {
                ($0.pBasement ?? 0, $0.rank ?? .max) < ($1.pBasement ?? 0, $1.rank ?? .max)
            }
            guard !rows.isEmpty else { continue }
            out += "basement under \(comparison.labels[index]), least certain first:\n"
            var table = [["therapist", "rank", "P(basement)", "ongoing", "10+ sessions"]]
            for row in rows.prefix(20) {
                table.append([
                    row.therapistId, row.rank.map(String.init) ?? "–", probability(row.pBasement),
                    row.ongoing.map { String($0.clients) } ?? "–", row.ongoing.map { String($0.after10Sessions) } ?? "–",
                ])
            }
            out += StatisticsReport.render(table, rightAligned: [1, 2, 3, 4])
            if rows.count > 20 { out += "  … \(rows.count - 20) more (--csv or --json for all)\n" }
            out += "\n"
        }
        return out
    }

    static func list(_ ids: [String], _ width: Int) -> String {
        var text = ids.prefix(12).joined(separator: ", ")
        if ids.count > 12 { text += ", … (\(ids.count) in all)" }
        return text
    }
}

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the built-in rating rules, or print one as YAML to copy and edit.")

    @Argument(help: "A built-in rule to print.") var name: String?

    func run() throws {
        if let name {
            guard let text = RatingRule.builtinText(named: name) else {
                Console.error("no built-in rule '\(name)'; built-ins: \(RatingRule.builtinNames.joined(separator: ", "))")
                throw ExitCode(1)
            }
            print(text)
            return
        }
        for name in RatingRule.builtinNames {
            let rule = RatingRule.builtin(named: name)!
            print("\(name)\n  \(rule.description)\n")
        }
    }
}

extension String {
    init(fixed value: Double, _ digits: Int) {
        self = String(format: "%.\(digits)f", value)
    }
}
