import CaseloadCoding
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
