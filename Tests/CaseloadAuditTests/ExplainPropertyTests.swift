import CaseloadAudit
import CaseloadCoding
import CaseloadStatistics
import EventStore
import Testing

/// The law of `explain`: on any history, for every published figure (and the
/// derived ones), every therapist and every window, its value is the one the
/// definitions give — worked out from the log's events by
/// ``StatisticsOracle``, apart from the facts, the snapshot and `explain` —
/// its parts add up to that value, and every case of the therapist is listed.
@Suite struct ExplainAddsUpToTheStatistics {
    static let asOfs = ["2024-03-31T00:00:00Z", "2024-07-15T12:00:00Z", "2024-11-30T00:00:00Z", "2025-03-01T00:00:00Z"].map(at)
    static let windows: [StatisticsWindow] = [nil, 30, 90, 180].flatMap { days in
        [
            StatisticsWindow(days: days),
            StatisticsWindow(days: days, honourExclusions: false, feeModel: .flatCommission(percent: 25)),
            StatisticsWindow(days: days, honourRefusals: false),
        ]
    }
    /// Words `explain` falls back on when it cannot say why; they must never be needed.
    static let fallbacks: Set<String> = ["counts as the statistics compute it", "left out of retention", "excluded"]

    @Test(arguments: [UInt64(7), 2024])
    func thePartsOfEveryFigureAddUpToTheIndependentlyComputedValue(seed: UInt64) async throws {
        var history = GeneratedHistory(seed: seed)
        try await history.build(cases: 160)
        let facts = try await history.script.facts()
        try Self.requireEveryPath(facts)
        let oracle = try StatisticsOracle(events: try await history.script.store.read(LogQuery(limit: Int.max)))
        // The oracle must know every figure explain takes apart.
        #expect(StatisticsOracle.names.sorted() == StatisticsExplainer.metricNames.sorted())
        let audit = Audit(store: history.script.store)
        var checked = 0
        var nonZero: Set<String> = []
        for asOf in Self.asOfs {
            for window in Self.windows {
                for therapist in history.therapists {
                    let explainer = try await audit.explainer(therapistId: therapist, window: window, asOf: asOf, facts: facts)
                    let expected = oracle.figures(of: therapist, window: window, asOf: asOf)
                    let expectedCases = oracle.cases.filter { $0.therapist == therapist && $0.opened <= asOf }.map(\.id)
                    for metric in StatisticsOracle.names {
                        let e = try explainer.explain(metric)
                        let figure = try #require(expected[metric])
                        let context = Comment(rawValue: "\(metric) of \(therapist) as of \(asOf), \(window): oracle \(figure)")
                        #expect(e.value == figure.value && e.numerator == figure.numerator && e.denominator == figure.denominator, context)
                        if (figure.value ?? 0) != 0 { nonZero.insert(metric) }
                        let views = Double(e.viewsByDay.reduce(0) { $0 + $1.views })
                        switch e.kind {
                        case .count, .money:
                            let sum = e.cases.reduce(0) { $0 + ($1.value ?? 0) } + (metric == "profileViews" ? views : 0)
                            #expect(sum == figure.value, context)
                        case .rate:
                            #expect(e.cases.reduce(0) { $0 + ($1.numerator ?? 0) } == figure.numerator, context)
                            let denominator = e.cases.reduce(0) { $0 + ($1.denominator ?? 0) } + (metric == "profileEfficiency" ? views : 0)
                            #expect(denominator == figure.denominator, context)
                        case .median:
                            #expect(Self.median(e.cases.compactMap(\.value)) == figure.value, context)
                        }
                        #expect(e.cases.map(\.caseId) == (metric == "profileViews" ? [] : expectedCases), context)
                        for c in e.cases {
                            #expect(!Self.fallbacks.contains(c.why) && !c.why.isEmpty, "\(context): \(c.caseId) \(c.why)")
                            if metric == "conversionToFirstSession", c.numerator == 1 {
                                #expect(c.why.hasPrefix("converted by"), "\(context): \(c.caseId) \(c.why)")
                            }
                            if metric == "returnRate", c.denominator == 0 {
                                #expect(c.why == "no charged session in the window" || c.why.hasSuffix(": left out of retention"), "\(context): \(c.caseId) \(c.why)")
                            }
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked == Self.asOfs.count * Self.windows.count * history.therapists.count * StatisticsOracle.names.count)
        // The comparison means something only if no figure is always zero (or undefined).
        #expect(nonZero == Set(StatisticsOracle.names))
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The generated history has to walk every path the statistics treat differently.
    static func requireEveryPath(_ facts: MarketplaceFacts) throws {
        let cases = facts.cases
        #expect(cases.contains { $0.exclusions.contains { $0.until == nil } }, "a standing exclusion")
        #expect(cases.contains { $0.exclusions.contains { $0.until != nil } }, "a revoked exclusion")
        #expect(cases.contains { $0.exclusions.contains { $0.until != nil } && !$0.charged.isEmpty }, "sessions after a revocation")
        #expect(cases.contains { $0.refusedAt != nil }, "a refusal")
        #expect(cases.contains { $0.rematchedFrom != nil }, "a re-match")
        #expect(cases.contains { $0.charged.first?.kind == .noShow }, "converted by a no-show")
        #expect(cases.contains { $0.charged.first?.kind == .lateCancellation }, "converted by a late cancellation")
        #expect(cases.contains { !$0.uncharged.isEmpty }, "a cancellation without charge")
        #expect(cases.contains { $0.charged.count >= 3 }, "a long case")
        #expect(cases.contains { $0.firstReplyAt == nil }, "an unanswered case")
        #expect(cases.contains { $0.charged.isEmpty && $0.exclusions.isEmpty }, "a quiet case")
        #expect(facts.views.values.reduce(0) { $0 + $1.count } > 100, "views")
        #expect(cases.count > 160)
    }
}
