import Caseload
public import CaseloadCoding
import Foundation

/// What `caseload demo` does: a generated marketplace in a fresh file,
/// replayed, rated under two rules.
public struct DemoRequest: Sendable {
    /// The file to write (replaced if it exists).
    public var path: String
    /// The two rules to compare.
    public var rules: [RatingRule]
    /// The generated marketplace: 80 therapists, 18 months, seed 2024 unless set.
    public var therapists = 80, months = 18, seed: UInt64 = 2024

    public init(path: String, rules: [RatingRule]) {
        (self.path, self.rules) = (path, rules)
    }
}

/// The demo's findings: the history written, how long each step took, and
/// who is in the basement under one rule and not the other.
public struct DemoReport: Sendable {
    public var path: String
    public var generation: GenerationSummary
    public var months: Int
    public var seed: UInt64
    public var generating: Duration
    public var replaying: Duration
    public var rating: Duration
    public var asOf: Timestamp
    public var comparison: RatingComparison
    /// Each therapist's statistics over the last 180 days, by therapist id.
    public var statistics: [String: TherapistStatistics]
    /// A therapist the two rules disagree about, and one of their converted cases, to look closer at.
    public var exampleTherapist: String
    public var exampleCase: String

    /// Who is in the basement under one rule and not the other, as a table
    /// whose lines are cut at `width` characters.
    public func basementReport(width: Int) -> String {
        let (a, b) = (comparison.labels[0], comparison.labels[1])
        let onlyA = comparison.therapists.filter { $0.basement[0] && !$0.basement[1] }
        let onlyB = comparison.therapists.filter { !$0.basement[0] && $0.basement[1] }
        let both = comparison.therapists.filter { $0.basement[0] && $0.basement[1] }
        var out = "Basement (the bottom of a ranking, which real platforms delisted; figures below: last 180 days):\n"
        out += "  \(a): \(comparison.therapists.filter { $0.basement[0] }.count)   \(b): \(comparison.therapists.filter { $0.basement[1] }.count)   both: \(both.count)\n"
        if let tau = comparison.correlations.first?.tauB {
            out += "  Kendall's tau between the two rankings: \(fixed(tau, 2)) (1 = same order)\n"
        }
        func rows(_ therapists: [TherapistComparison], _ title: String) -> String {
            guard !therapists.isEmpty else { return "\n\(title): nobody\n" }
            var table = [["therapist", "rank: \(a)", "rank: \(b)", "inquiries", "conversion", "sessions/client", "fees/session"]]
            for t in therapists {
                let row = statistics[t.therapistId]
                func figure(_ name: String, percent: Bool = false, money: Bool = false) -> String {
                    guard let value = row?.metric(name)?.value else { return "–" }
                    if percent { return fixed(value * 100, 0) + "%" }
                    if money { return StatisticsReport.money(Int64(value.rounded())) }
                    return fixed(value, 1)
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

    private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

/// How far the demo has come.
public enum DemoProgress: Sendable {
    case generating(GenerationProgress)
    /// The history is written; the replay begins.
    case replayStarted
    case replaying(done: Int64, total: Int64)
}

extension Marketplace {
    /// Runs the demo: replaces the file at `request.path` with a generated
    /// history (durability `normal`: a generated history is rewritten, not
    /// kept), replays it, rates every therapist under the two rules, and
    /// reports. `configuration` supplies everything but the store and its durability.
    public static func demo(
        _ request: DemoRequest, configuration: CaseloadConfiguration, progress: (@Sendable (DemoProgress) -> Void)? = nil
    ) async throws -> DemoReport {
        guard request.rules.count == 2 else {
            throw ApplicationError(.invalidArgument, "the demo compares two rules, not \(request.rules.count)")
        }
        let directory = URL(fileURLWithPath: request.path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: request.path + suffix) }
        var configuration = configuration
        configuration.store = .sqlite(path: request.path)
        configuration.durability = .normal
        configuration.createIfMissing = true
        configuration.readOnly = false

        let started = ContinuousClock.now
        let (summary, facts, generated, replayed) = try await withMarketplace(configuration) { marketplace in
            let parameters = GeneratorParameters(
                therapists: request.therapists, months: request.months, seed: request.seed, profileViews: true)
            let summary = try await marketplace.generate(parameters) { progress?(.generating($0)) }
            let generated = ContinuousClock.now
            progress?(.replayStarted)
            let facts = try await marketplace.projection.rebuild { progress?(.replaying(done: $0, total: $1)) }
            return (summary, facts, generated, ContinuousClock.now)
        }
        let asOf = facts.latestOccurredAt
        let results = try RatingEngine.rate(request.rules, source: FactsStatisticsSource(facts: facts, asOf: asOf), asOf: asOf)
        let comparison = RatingComparison.compare(results)
        let rated = ContinuousClock.now
        let statistics = Dictionary(
            uniqueKeysWithValues: facts.snapshot(StatisticsWindow(days: 180), asOf: asOf).therapists.map { ($0.therapistId, $0) })
        let example = comparison.therapists.first { $0.basement[0] != $0.basement[1] }?.therapistId
            ?? comparison.therapists.first?.therapistId ?? "t0001"
        let exampleCase = facts.cases.last { $0.therapistId == example && $0.convertedAt != nil }?.caseId
            ?? facts.cases.first?.caseId ?? "c1"
        return DemoReport(
            path: request.path, generation: summary, months: request.months,
            seed: request.seed, generating: generated - started, replaying: replayed - generated, rating: rated - replayed,
            asOf: asOf, comparison: comparison, statistics: statistics, exampleTherapist: example, exampleCase: exampleCase)
    }
}
