import Caseload
import CaseloadAudit
import CaseloadCoding
import CaseloadGenerator
import CaseloadRatings
import CaseloadStatistics
import EventStore
import EventStoreSQLite
import Foundation

extension Harness {
    static let historyNames = ["generate", "import", "replay", "replay-memory", "compare", "audit"]

    /// Parameters that give about `events` events (profile views on), from
    /// the generator's own size estimate.
    func historyParameters() -> GeneratorParameters {
        var therapists = 10
        while therapists < 1_000_000 {
            let parameters = GeneratorParameters(therapists: therapists, months: 24, seed: 42, profileViews: true)
            if HistoryGenerator(parameters: parameters).plannedEvents >= options.events { return parameters }
            therapists = max(therapists + 1, therapists * 11 / 10)
        }
        return GeneratorParameters(therapists: therapists, months: 24, seed: 42, profileViews: true)
    }

    func runHistoryBenchmarks() async throws {
        let parameters = historyParameters()
        let historyPath = path("history.sqlite")
        let linesPath = path("history.jsonl")
        var configuration = Knobs.storeConfiguration()
        configuration.durability = .normal

        // Generate once (its rate is a figure too), then write the same history as import lines.
        var generateRates: [Double] = []
        var events = 0
        for run in 0..<(wanted("generate") ? options.runs : 1) {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: historyPath + suffix) }
            let store = try SQLiteEventStore(path: historyPath, configuration: configuration)
            let start = ContinuousClock.now
            let summary = try await HistoryGenerator(parameters: parameters).generate(into: store)
            generateRates.append(Double(summary.events) / (ContinuousClock.now - start).seconds)
            events = summary.events
            await store.close()
            if run == 0 {
                print("history: \(summary.events) events (\(parameters.therapists) therapists, \(parameters.months) months, profile views on), \(summary.cases) cases")
            }
        }
        if wanted("generate") {
            record(Figure(
                name: "generate a history through the rules into SQLite (synchronous=NORMAL)", unit: "events/s",
                runs: generateRates, target: "(no target)", met: nil))
        }

        if wanted("import") {
            _ = try HistoryGenerator(parameters: parameters).writeJSONLines(to: linesPath)
            var rates: [Double] = []
            for _ in 0..<options.runs {
                let store = try freshStore("import.sqlite", durability: .full)
                let start = ContinuousClock.now
                let summary = try await Importer.importFile(linesPath, into: store)
                rates.append(Double(summary.appended) / (ContinuousClock.now - start).seconds)
                await store.close()
            }
            record(Figure(
                name: "import JSON Lines with validation (one transaction, synchronous=FULL)", unit: "events/s",
                runs: rates, target: "≥ 100000", met: median(rates) >= 100_000, note: "\(events) events"))
        }

        let store = try SQLiteEventStore(path: historyPath, configuration: configuration)
        if wanted("replay") {
            var rates: [Double] = []
            for _ in 0..<options.runs {
                let start = ContinuousClock.now
                let facts = try await StatisticsProjection(store: store, tuning: Knobs.replay).rebuild()
                rates.append(Double(facts.checkpoint) / (ContinuousClock.now - start).seconds)
            }
            record(Figure(
                name: "full replay from the SQLite file into all statistics (rebuild and save)", unit: "events/s",
                runs: rates, target: "≥ 1500000", met: median(rates) >= 1_500_000, note: "\(events) events"))
        }

        if wanted("compare") {
            let builtins = RatingRule.builtinNames.compactMap { RatingRule.builtin(named: $0) }
            let variants = try ruleVariants(count: 10 - builtins.count)
            let ten = builtins + variants
            var one: [Double] = []
            var many: [Double] = []
            for _ in 0..<options.runs {
                for (rules, sink) in [([builtins[0]], 0), (ten, 1)] {
                    let start = ContinuousClock.now
                    let facts = try await StatisticsProjection(store: store, tuning: Knobs.replay).rebuild()
                    let asOf = facts.latestOccurredAt
                    let results = try RatingEngine.rate(rules, source: FactsStatisticsSource(facts: facts, asOf: asOf), asOf: asOf)
                    if results.count > 1 { _ = RatingComparison.compare(results) }
                    let seconds = (ContinuousClock.now - start).seconds
                    if sink == 0 { one.append(seconds) } else { many.append(seconds) }
                }
            }
            record(Figure(name: "replay + rate under 1 rule", unit: "s", runs: one, target: "(baseline)", met: nil))
            let ratios = zip(many, one).map { $0 / $1 }
            record(Figure(
                name: "replay + rate and compare 10 rules, relative to 1", unit: "×", runs: ratios, target: "≤ 1.2",
                met: median(ratios) <= 1.2))
        }

        if wanted("audit") {
            let result = try await AuditBenchmark.run(store: store, runs: 7)
            record(Figure(
                name: "audit: case timeline (\(result.timelineEvents) events)", unit: "ms",
                runs: [result.timelineMedian.seconds * 1000], target: "well under 1000", met: result.timelineMedian.seconds < 1))
            record(Figure(
                name: "audit: one agent's actions (\(result.actor), \(result.actorEvents) events)", unit: "ms",
                runs: [result.actorMedian.seconds * 1000], target: "well under 1000", met: result.actorMedian.seconds < 1))
        }
        await store.close()

        if wanted("replay-memory") {
            // Peak resident memory of `caseload replay` in its own process.
            var peaks: [Double] = []
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("caseload")
            for _ in 0..<options.runs {
                // The child reports its own peak (VmHWM from /proc): getrusage's
                // ru_maxrss survives exec and would report this process's peak.
                let process = Process()
                process.executableURL = binary
                process.arguments = ["replay", "--db", historyPath]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                guard let range = text.range(of: "peak memory "),
                      let mib = Int(text[range.upperBound...].prefix { $0.isNumber }) else {
                    throw BenchError("`caseload replay` printed no peak memory: \(text)")
                }
                peaks.append(Double(mib))
            }
            record(Figure(
                name: "peak memory of `caseload replay` (VmHWM)", unit: "MiB", runs: peaks, target: "≤ 400",
                met: median(peaks) <= 400, note: "\(events) events"))
        }
    }

    /// Variants of the built-in rules with other windows, for the 10-rule comparison.
    func ruleVariants(count: Int) throws -> [RatingRule] {
        var variants: [RatingRule] = []
        let windows = [(30, 45), (90, 60), (180, 120), (90, 120), (180, 365), (30, 14), (90, 30), (180, 90)]
        var index = 0
        while variants.count < count {
            let name = RatingRule.builtinNames[index % RatingRule.builtinNames.count]
            let (from, to) = windows[index % windows.count]
            var text = RatingRule.builtinText(named: name) ?? ""
            text = text.replacingOccurrences(of: "windowDays: \(from)", with: "windowDays: \(to)")
            text = text.replacingOccurrences(of: "name: \(name)", with: "name: \(name)-variant-\(index)")
            variants.append(try RatingRule.parse(text, format: .yaml))
            index += 1
        }
        return variants
    }
}
