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
    static let historyNames = ["generate", "import", "replay", "replay-memory", "compare", "audit", "raw-scan"]

    /// The benchmarks `--size 14M` runs unless `--only` names others.
    static let marketplaceNames: Set<String> = ["replay", "replay-memory", "compare", "raw-scan"]

    /// Issue 16's targets at 14M events, the earlier ones at other sizes.
    struct HistoryTargets {
        var replayEventsPerSecond: Double
        var replayText: String
        /// In MB (10^6 bytes); `caseload replay` reports MiB.
        var peakMegabytes: Double
        var peakText: String
    }

    var historyTargets: HistoryTargets {
        options.isMarketplace
            ? HistoryTargets(replayEventsPerSecond: 2_400_000, replayText: "≥ 2400000", peakMegabytes: 300, peakText: "≤ 300 MB (286 MiB)")
            : HistoryTargets(replayEventsPerSecond: 1_500_000, replayText: "≥ 1500000", peakMegabytes: 400, peakText: "≤ 400 MB (381 MiB)")
    }

    /// Parameters that give about `events` events (profile views on), from
    /// the generator's own size estimate; at 14M, issue 16's history exactly.
    func historyParameters() -> GeneratorParameters {
        if options.isMarketplace {
            return GeneratorParameters(therapists: 2000, months: 24, seed: 1, profileViews: true)
        }
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
        let historyPath = options.history ?? path("history.sqlite")
        let linesPath = path("history.jsonl")
        var configuration = Knobs.storeConfiguration()
        configuration.durability = .normal

        var events = 0
        let reuse = options.history.map { FileManager.default.fileExists(atPath: $0) } ?? false
        if reuse {
            // A kept history: its events are what it holds (the 14M one is
            // checked against the issue's count).
            let store = try openExisting(historyPath)
            events = Int(try await store.head().position)
            await store.close()
            print("history: \(historyPath), kept: \(events) events (\(parameters.therapists) therapists, \(parameters.months) months, seed \(parameters.seed), profile views on)")
            if options.isMarketplace && events != 14_094_515 {
                throw BenchError("\(historyPath) holds \(events) events, not the 14,094,515 of `caseload generate --therapists 2000 --months 24 --seed 1 --views`")
            }
        } else {
            // Generate once (its rate is a figure too), then write the same history as import lines.
            var generateRates: [Double] = []
            for run in 0..<(wanted("generate") && options.history == nil ? options.runs : 1) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: historyPath + suffix) }
                let store = try SQLiteEventStore(path: historyPath, configuration: configuration)
                let start = ContinuousClock.now
                let summary = try await HistoryGenerator(parameters: parameters).generate(into: store)
                generateRates.append(Double(summary.events) / (ContinuousClock.now - start).seconds)
                events = summary.events
                await store.close()
                if run == 0 {
                    print("history: \(summary.events) events (\(parameters.therapists) therapists, \(parameters.months) months, seed \(parameters.seed), profile views on), \(summary.cases) cases\(options.history.map { ", kept in \($0)" } ?? "")")
                }
            }
            if wanted("generate") {
                record(Figure(
                    name: "generate a history through the rules into SQLite (synchronous=NORMAL)", unit: "events/s",
                    runs: generateRates, target: "(no target)", met: nil))
            }
        }

        if wanted("import") && !reuse {
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
                runs: rates, target: historyTargets.replayText, met: median(rates) >= historyTargets.replayEventsPerSecond,
                note: "\(events) events, in this process"))
        }

        if wanted("raw-scan") {
            // What SQLite alone allows: the rows and columns the replay reads,
            // in position order, stepped on one reader thread and dropped,
            // nothing decoded.
            var rates: [Double] = []
            for _ in 0..<options.runs {
                let start = ContinuousClock.now
                let _: [Never] = try await store.scan(LogQuery(limit: Int.max)) { _ in nil }
                rates.append(Double(events) / (ContinuousClock.now - start).seconds)
            }
            record(Figure(
                name: "SQLite's scan of the rows a replay reads, one thread, nothing decoded", unit: "events/s",
                runs: rates, target: "(the ceiling of one reader)", met: nil, note: "\(events) events"))
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
            var processRates: [Double] = []
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
                if let range = text.range(of: " s ("), let rate = Int(text[range.upperBound...].prefix { $0.isNumber }) {
                    processRates.append(Double(rate))
                }
            }
            record(Figure(
                name: "peak memory of `caseload replay` (VmHWM)", unit: "MiB", runs: peaks, target: historyTargets.peakText,
                met: median(peaks) * 1_048_576 <= historyTargets.peakMegabytes * 1_000_000, note: "\(events) events"))
            if processRates.count == peaks.count {
                record(Figure(
                    name: "`caseload replay` (its own events/s: rebuild and save)", unit: "events/s", runs: processRates,
                    target: historyTargets.replayText, met: median(processRates) >= historyTargets.replayEventsPerSecond,
                    note: "\(events) events"))
            }
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
