import CaseloadCoding
@testable import CaseloadGenerator
import Testing

@Suite struct TheRandomSource {
    @Test func splitMix64MatchesTheReferenceOutputs() {
        // splitmix64.c (Vigna) from state 0.
        var mixer = SplitMix64(seed: 0)
        #expect(mixer.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mixer.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(mixer.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func xoshiro256StarStarMatchesTheReferenceOutputs() {
        // xoshiro256starstar.c from the state {1, 2, 3, 4}.
        var random = RandomSource(state: (1, 2, 3, 4))
        #expect([random.next(), random.next(), random.next(), random.next()] == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
    }

    @Test func boundedIntegersStayInRangeAndReachBothEnds() {
        var random = RandomSource(seed: 9)
        var seen = Set<Int>()
        for _ in 0..<10_000 {
            let value = random.int(-3...3)
            #expect((-3...3).contains(value))
            seen.insert(value)
        }
        #expect(seen == Set(-3...3))
        #expect(random.seconds(Int64.min...Int64.max) != random.seconds(Int64.min...Int64.max))
    }

    @Test func lognormalDrawsHaveTheirMedian() {
        var random = RandomSource(seed: 11)
        let draws = (0..<20_001).map { _ in random.lognormal(median: 8, sigma: 1) }.sorted()
        // The sample median of 20,001 draws is within a few percent of 8.
        #expect(abs(draws[10_000] - 8) < 0.4)
    }
}

@Suite struct CalendarMonths {
    @Test func addKeepingTheDayWhereTheMonthAllows() throws {
        let january31 = try Timestamp(iso8601: "2024-01-31T06:00:00Z")
        #expect(january31.addingCalendarMonths(1) == (try Timestamp(iso8601: "2024-02-29T06:00:00Z")))
        #expect(january31.addingCalendarMonths(13) == (try Timestamp(iso8601: "2025-02-28T06:00:00Z")))
        let start = try Timestamp(iso8601: "2024-01-01T00:00:00Z")
        #expect(start.addingCalendarMonths(12) == (try Timestamp(iso8601: "2025-01-01T00:00:00Z")))
        #expect(start.addingCalendarMonths(0) == start)
    }
}
