import CaseloadCoding
import CaseloadRatings
import Testing

@Suite struct KendallTauTests {
    @Test func identicalRankingsAgreeCompletely() {
        #expect(KendallTau.tauB([1, 2, 3, 4], [1, 2, 3, 4]) == 1)
    }

    @Test func reversedRankingsDisagreeCompletely() {
        #expect(KendallTau.tauB([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
    }

    @Test func oneSwapOfFourIsFiveAgreeingPairsAndOneNot() throws {
        // 6 pairs, 5 concordant, 1 discordant: (5 − 1) ÷ 6.
        let tau = try #require(KendallTau.tauB([1, 2, 3, 4], [2, 1, 3, 4]))
        #expect(abs(tau - 2.0 / 3.0) < 1e-12)
    }

    @Test func tiesInOneRankingShrinkTheDenominator() throws {
        // y ties the first two: 5 concordant pairs, 0 discordant, n₁ = 0, n₂ = 1:
        // 5 ÷ √(6 · 5) = 0.912871
        let tau = try #require(KendallTau.tauB([1, 2, 3, 4], [1, 1, 2, 3]))
        #expect(abs(tau - 0.912871) < 1e-6)
    }

    @Test func tiesInBothRankings() throws {
        // Pairs: (1,2) tied in x; (2,3) tied in y; the other 4 concordant: 4 ÷ √(5 · 5).
        let tau = try #require(KendallTau.tauB([1, 1, 2, 3], [1, 2, 2, 3]))
        #expect(abs(tau - 0.8) < 1e-12)
    }

    @Test func tauIsUndefinedWithoutTwoPairsOrWhenOneSideIsAllTied() {
        #expect(KendallTau.tauB([1], [1]) == nil)
        #expect(KendallTau.tauB([Int](), []) == nil)
        #expect(KendallTau.tauB([1, 1, 1], [1, 2, 3]) == nil)
        #expect(KendallTau.tauB([1, 2], [1]) == nil)
    }

    @Test func theFastAlgorithmAgreesWithCountingEveryPair() throws {
        var random = SplitMix64(seed: 42)
        for trial in 0..<200 {
            let n = 2 + Int(random.next() % 60)
            let spread = 1 + random.next() % UInt64(n)  // small spreads make many ties
            let x = (0..<n).map { _ in Int(random.next() % spread) }
            let y = (0..<n).map { _ in Int(random.next() % spread) }
            let expected = bruteForceTauB(x, y)
            let actual = KendallTau.tauB(x, y)
            if let expected {
                #expect(abs(try #require(actual) - expected) < 1e-12, "trial \(trial)")
            } else {
                #expect(actual == nil, "trial \(trial)")
            }
        }
    }

    /// Tau-b straight from its definition, pair by pair.
    private func bruteForceTauB(_ x: [Int], _ y: [Int]) -> Double? {
        var concordant = 0, discordant = 0, onlyX = 0, onlyY = 0
        for i in x.indices {
            for j in x.indices where j > i {
                let dx = x[i] - x[j], dy = y[i] - y[j]
                if dx == 0, dy == 0 { continue }
                if dx == 0 { onlyX += 1 } else if dy == 0 { onlyY += 1 } else if (dx > 0) == (dy > 0) { concordant += 1 } else { discordant += 1 }
            }
        }
        let denominator = (Double(concordant + discordant + onlyY) * Double(concordant + discordant + onlyX)).squareRoot()
        return denominator == 0 ? nil : Double(concordant - discordant) / denominator
    }
}


/// Ratings made by hand, independent of the engine.
enum HandMadeRatings {
    static func rule(_ name: String) -> RatingRule {
        RatingRule(name: name, metrics: [RatingMetric(name: "x", statistic: .returnRate)], score: .metric("x"), basement: .bottomPercent(25))
    }

    /// Under A: a 1, b 2, c 3, d 4 (basement), e unranked.
    static let a = RatingResult(rule: rule("A"), asOf: nil, rows: [
        RatingRow(therapistId: "a", rank: 1, score: 4),
        RatingRow(therapistId: "b", rank: 2, score: 3),
        RatingRow(therapistId: "c", rank: 3, score: 2),
        RatingRow(therapistId: "d", rank: 4, score: 1, basement: true),
        RatingRow(therapistId: "e", rank: nil, score: nil, reason: "minimum sample not met"),
    ], platform: [])

    /// Under B: b 1, a 2, d 3, c 4 (basement), e 5.
    static let b = RatingResult(rule: rule("B"), asOf: nil, rows: [
        RatingRow(therapistId: "b", rank: 1, score: 5),
        RatingRow(therapistId: "a", rank: 2, score: 4),
        RatingRow(therapistId: "d", rank: 3, score: 3),
        RatingRow(therapistId: "c", rank: 4, score: 2, basement: true),
        RatingRow(therapistId: "e", rank: 5, score: 1),
    ], platform: [])
}

@Suite struct ComparisonTests {
    @Test func eachTherapistHasARankUnderEachRuleAndTheShiftFromTheFirst() {
        let comparison = RatingComparison.compare([HandMadeRatings.a, HandMadeRatings.b])
        #expect(comparison.labels == ["A", "B"])
        #expect(comparison.therapists.map(\.therapistId) == ["a", "b", "c", "d", "e"])
        #expect(comparison.therapists.map(\.ranks) == [[1, 2], [2, 1], [3, 4], [4, 3], [nil, 5]])
        #expect(comparison.therapists.map { $0.shift(to: 1) } == [-1, 1, -1, 1, nil])
    }

    @Test func theBasementChangesFromTheFirstRuleToEachOther() {
        let comparison = RatingComparison.compare([HandMadeRatings.a, HandMadeRatings.b])
        #expect(comparison.basementChanges == [
            BasementChange(from: "A", to: "B", entering: ["c"], leaving: ["d"], staying: []),
        ])
    }

    @Test func kendallsTauIsTakenOverTherapistsRankedUnderBothRules() throws {
        var again = HandMadeRatings.a
        again.rows.removeFirst()  // a is not rated at all the second time
        let comparison = RatingComparison.compare([HandMadeRatings.a, HandMadeRatings.b, again])
        #expect(comparison.labels == ["A", "B", "A (2)"])
        #expect(comparison.correlations.map(\.first) == ["A", "A", "B"])
        #expect(comparison.correlations.map(\.second) == ["B", "A (2)", "A (2)"])
        #expect(comparison.correlations.map(\.therapists) == [4, 3, 3])
        // A vs B over a, b, c, d: (a,b) and (c,d) swap, the other 4 pairs agree: (4 − 2) ÷ 6.
        #expect(abs(try #require(comparison.correlations[0].tauB) - 1.0 / 3.0) < 1e-12)
        #expect(comparison.correlations[1].tauB == 1)
        // B vs A (2) over b, c, d: B orders b, d, c; A orders b, c, d: 2 agree, 1 not, of 3.
        #expect(abs(try #require(comparison.correlations[2].tauB) - 1.0 / 3.0) < 1e-12)
        #expect(comparison.therapists.first { $0.therapistId == "a" }?.ranks == [1, 2, nil])
    }

    @Test func comparingASingleRatingHasNoChangesAndNoCorrelations() {
        let comparison = RatingComparison.compare([HandMadeRatings.a])
        #expect(comparison.basementChanges.isEmpty)
        #expect(comparison.correlations.isEmpty)
        #expect(comparison.therapists.count == 5)
    }
}
