import CaseloadCoding
import Foundation
import Testing

@Suite struct TimestampText {
    @Test(arguments: [
        ("2024-03-01T09:30:00Z", 1_709_285_400_000_000 as Int64, "2024-03-01T09:30:00Z"),
        ("2024-03-01T09:30:00.25Z", 1_709_285_400_250_000, "2024-03-01T09:30:00.250Z"),
        ("2024-03-01T09:30:00.123456789Z", 1_709_285_400_123_456, "2024-03-01T09:30:00.123456Z"),
        ("2024-03-01T12:30:00+03:00", 1_709_285_400_000_000, "2024-03-01T09:30:00Z"),
        ("2024-02-29T23:59:59-00:30", 1_709_252_999_000_000, "2024-03-01T00:29:59Z"),
        ("1969-12-31T23:59:59.5Z", -500_000, "1969-12-31T23:59:59.500Z"),
    ])
    func readsAndWritesISO8601(_ text: String, _ micros: Int64, _ canonical: String) throws {
        let time = try Timestamp(iso8601: text)
        #expect(time.microsecondsSinceEpoch == micros)
        #expect(time.iso8601 == canonical)
        #expect(try Timestamp(iso8601: canonical) == time)
        let fromBytes = try Array(text.utf8).withUnsafeBufferPointer { try Timestamp(iso8601: $0) }
        #expect(fromBytes == time)
    }

    @Test func bytesThatAreNoTimestampFailAsTheTextDoes() {
        let text = "2024-02-30T00:00:00Z"
        let fromText = #expect(throws: TimestampError.self) { try Timestamp(iso8601: text) }
        let fromBytes = #expect(throws: TimestampError.self) {
            try Array(text.utf8).withUnsafeBufferPointer { try Timestamp(iso8601: $0) }
        }
        #expect(fromBytes == fromText)
        #expect(fromBytes?.text == text)
    }

    @Test(arguments: [
        "2024-03-01", "2024-03-01T09:30:00", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-03-01T24:00:00Z", "2024-03-01 09:30:00Z", "2024-03-01T09:30:00.Z", "2024-03-01T09:30:00Zjunk", "",
    ])
    func refusesWhatIsNotAFullUTCOrOffsetTimestamp(_ text: String) {
        #expect(throws: TimestampError.self) { try Timestamp(iso8601: text) }
    }

    @Test func aDateOnTheCommandLineMeansMidnightUTC() throws {
        #expect(try Timestamp(userInput: "2024-06-01") == (try Timestamp(iso8601: "2024-06-01T00:00:00Z")))
    }

    @Test func calendarMonthsClampTheDay() throws {
        let january31 = try Timestamp(iso8601: "2024-01-31T06:00:00.5Z")
        #expect(january31.addingCalendarMonths(1).iso8601 == "2024-02-29T06:00:00.500Z")
        #expect(january31.addingCalendarMonths(-2).iso8601 == "2023-11-30T06:00:00.500Z")
    }
}

/// Issue 15, defect 1: the contract's times are the years 0001–9999 in UTC;
/// any Int64 a hand-edited log may hold still formats and computes without a trap.
@Suite struct TimestampRange {
    @Test(arguments: [
        "0000-01-01T00:00:00+00:01",  // the repro: year 0 once in UTC
        "0000-12-31T23:59:59Z",
        "0000-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:59-00:01",  // year 10000 once in UTC
        "9999-12-31T23:30:00-23:59",
    ])
    func aTimeOutsideTheYears0001To9999InUTCIsRefused(_ text: String) {
        let error = #expect(throws: TimestampError.self) { try Timestamp(iso8601: text) }
        #expect(error?.reason.contains("0001-01-01T00:00:00Z") == true)
    }

    @Test(arguments: [
        ("0001-01-01T00:00:00Z", -62_135_596_800_000_000 as Int64),
        ("0000-12-31T23:00:00-01:00", -62_135_596_800_000_000),
        ("9999-12-31T23:59:59.999999Z", 253_402_300_799_999_999),
    ])
    func theEndsOfTheRangeAreAccepted(_ text: String, _ micros: Int64) throws {
        let time = try Timestamp(iso8601: text)
        #expect(time.microsecondsSinceEpoch == micros)
        #expect(time.isValid)
        #expect(try Timestamp(iso8601: time.iso8601) == time)
    }

    /// Expected texts worked out with Python's `datetime`, shifted by whole
    /// 400-year Gregorian cycles (146,097 days) into its range.
    @Test(arguments: [
        (Int64.max, "+294247-01-10T04:00:54.775807Z"),
        (Int64.min, "-290308-12-21T19:59:05.224192Z"),
        (Int64.min + 1, "-290308-12-21T19:59:05.224193Z"),
        (-62_135_596_800_000_001, "0000-12-31T23:59:59.999999Z"),
        (253_402_300_800_000_000, "+10000-01-01T00:00:00Z"),
    ])
    func everyInt64HasAText(_ micros: Int64, _ text: String) {
        #expect(Timestamp(microsecondsSinceEpoch: micros).iso8601 == text)
        #expect(Timestamp(microsecondsSinceEpoch: micros).iso8601Date == String(text.prefix { $0 != "T" }))
    }

    @Test func arithmeticSaturatesInsteadOfTrapping() {
        let latest = Timestamp(microsecondsSinceEpoch: .max)
        let earliest = Timestamp(microsecondsSinceEpoch: .min + 1)
        #expect(latest.adding(seconds: 1).microsecondsSinceEpoch == .max)
        #expect(earliest.adding(seconds: -106_751_992 * 86_400).microsecondsSinceEpoch == .min)
        #expect(earliest.adding(seconds: .min).microsecondsSinceEpoch == .min)
        #expect(latest.adding(microseconds: .max).microsecondsSinceEpoch == .max)
        #expect(Timestamp(secondsSinceEpoch: .max).microsecondsSinceEpoch == .max)
        #expect(Timestamp(secondsSinceEpoch: .min).microsecondsSinceEpoch == .min)
        #expect(latest.microseconds(since: earliest) == .max)
        #expect(earliest.microseconds(since: latest) == .min)
        #expect(latest.seconds(since: earliest) == Double(Int64.max) / 1_000_000)
        #expect(latest.addingCalendarMonths(1).microsecondsSinceEpoch == .max)
        #expect(earliest.addingCalendarMonths(-1).microsecondsSinceEpoch == .min)
        #expect(earliest.addingCalendarMonths(Int.max).microsecondsSinceEpoch == .max)
        #expect(Timestamp(Date(timeIntervalSince1970: .infinity)).microsecondsSinceEpoch == .max)
        #expect(Timestamp(Date(timeIntervalSince1970: -1e300)).microsecondsSinceEpoch == .min)
    }

    @Test func calendarMonthsBeforeTheEpochKeepTheTimeOfDay() throws {
        let time = try Timestamp(iso8601: "1969-12-31T23:00:00.25Z")
        #expect(time.addingCalendarMonths(2).iso8601 == "1970-02-28T23:00:00.250Z")
        #expect(time.addingCalendarMonths(-12).iso8601 == "1968-12-31T23:00:00.250Z")
    }
}
