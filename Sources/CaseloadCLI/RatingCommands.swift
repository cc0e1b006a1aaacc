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

struct RatingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratings",
        abstract: "Rate and rank every therapist under a rule: built-in (see `caseload rules`) or a file.",
        discussion: """
            Rows come ordered by rank: therapistId, rank (null if unranked), score, tier, basement. \
            Unranked therapists are listed last with the reason (too small a sample, an undefined metric).

            Examples:
              caseload ratings --db demo.sqlite --rules platform-standard
              caseload rules fair > my-rule.yaml
              caseload ratings --db demo.sqlite --rules my-rule.yaml \\
                  --as-of 2024-06-01 --csv
            """)

    @OptionGroup var store: ReadOptions
    @OptionGroup var time: TimeOptions
    @Option(help: "A built-in rule's name or a rule file (JSON, TOML or YAML).") var rules: String
    @Flag var format: OutputFormat = .table

    func run() async throws {
        let rule = try loadRules([rules])[0]
        let time = try time.reportTime()
        let progress = Progress(label: "replayed")
        let rated = try await withApplication(store.configuration) { app in
            defer { progress.finish() }
            return try await app.ratings(under: rule, time: time) { progress.update($0, $1) }
        }
        let result = rated.ratings
        switch format {
        case .json: print(result.json())
        case .csv: print(result.csv(), terminator: "")
        case .table:
            print("\(rule.name) as of \(rated.asOf.iso8601): \(result.rankedCount) ranked of \(result.rows.count)")
            var table = [["rank", "therapist", "score", "tier", "basement", "note"]]
            for row in result.rows {
                table.append([
                    row.rank.map(String.init) ?? "–", row.therapistId, row.score.map { String(fixed: $0, 3) } ?? "–",
                    row.tier ?? "", row.basement ? "BASEMENT" : "", row.reason ?? "",
                ])
            }
            print(StatisticsReport.render(table, rightAligned: [0, 2]), terminator: "")
        }
    }
}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare rankings under several rules: rank shifts, who enters and leaves the basement, Kendall's tau.",
        discussion: """
            The first --rules is the reference: shifts and basement changes are measured from it.

            Examples:
              caseload compare --db demo.sqlite --rules platform-standard --rules fair
              caseload compare --db demo.sqlite --rules monetary-conversion \\
                  --rules fair --html report.html
            """)

    @OptionGroup var store: ReadOptions
    @OptionGroup var time: TimeOptions
    @Option(help: "A rule (built-in name or file); give two or more.") var rules: [String]
    @Option(help: "Also write a self-contained HTML page (a slopegraph of rank shifts and the basement table).")
    var html: String?
    @Flag var format: OutputFormat = .table

    func validate() throws {
        if rules.count < 2 { throw ValidationError("give at least two --rules to compare") }
    }

    func run() async throws {
        let loaded = try loadRules(rules)
        let time = try time.reportTime()
        let progress = Progress(label: "replayed")
        let result = try await withApplication(store.configuration) { app in
            defer { progress.finish() }
            return try await app.compare(loaded, time: time) { progress.update($0, $1) }
        }
        let comparison = result.comparison
        if let html {
            do {
                try RatingReport.html(comparison).write(toFile: html, atomically: true, encoding: .utf8)
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
            var table = [["therapist"] + comparison.labels.map { "rank: \($0)" } + ["shift"]]
            for (id, shift) in moved {
                let therapist = comparison.therapists.first { $0.therapistId == id }!
                table.append([id] + therapist.ranks.map { $0.map(String.init) ?? "–" } + [shift > 0 ? "+\(shift)" : "\(shift)"])
            }
            out += StatisticsReport.render(table, rightAligned: Set(1..<table[0].count))
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
