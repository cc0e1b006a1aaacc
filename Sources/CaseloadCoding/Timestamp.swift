public import struct Foundation.Date

/// An instant in UTC with microsecond precision: the log's unit of time.
///
/// Stored as microseconds since 1970-01-01T00:00:00Z (an `INTEGER` in SQLite,
/// ordered and indexable), written as ISO-8601 text. Parsing and formatting are
/// hand-written: `ISO8601DateFormatter` costs microseconds per call, and import
/// parses one timestamp per line.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Seconds since the epoch; clamped to what microseconds can hold.
    public init(secondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = Self.saturating(
            secondsSinceEpoch.multipliedReportingOverflow(by: 1_000_000), sign: secondsSinceEpoch)
    }

    /// The date to the microsecond; clamped to what microseconds can hold
    /// (a date that is not finite reads as the nearer end).
    public init(_ date: Date) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        if micros.isNaN {
            self.microsecondsSinceEpoch = 0
        } else if micros >= 9.223_372_036_854_775e18 {
            self.microsecondsSinceEpoch = .max
        } else if micros <= -9.223_372_036_854_775e18 {
            self.microsecondsSinceEpoch = .min
        } else {
            self.microsecondsSinceEpoch = Int64(micros)
        }
    }

    public var date: Date { Date(timeIntervalSince1970: Double(microsecondsSinceEpoch) / 1_000_000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    // The contract's times lie in `valid` (years 0001–9999 in UTC), and the
    // parser refuses any other; but a log edited by hand (SQL) can hold any
    // Int64, so the arithmetic below saturates at the ends of Int64 instead of
    // trapping: a window or a notice period never crashes a command.

    /// The earliest time the contract accepts: 0001-01-01T00:00:00Z.
    public static let earliestValid = Timestamp(microsecondsSinceEpoch: -62_135_596_800_000_000)
    /// The latest time the contract accepts: 9999-12-31T23:59:59.999999Z.
    public static let latestValid = Timestamp(microsecondsSinceEpoch: 253_402_300_799_999_999)
    /// The times the contract accepts (EventSchemas: years 0001–9999, in UTC once the offset is applied).
    public static let valid = earliestValid...latestValid

    /// Whether this time lies in ``valid``.
    public var isValid: Bool { Self.valid.contains(self) }

    /// This instant moved by a number of seconds (saturating at the ends of Int64).
    public func adding(seconds: Int64) -> Timestamp {
        let micros = Self.saturating(seconds.multipliedReportingOverflow(by: 1_000_000), sign: seconds)
        return adding(microseconds: micros)
    }

    /// This instant moved by a number of microseconds (saturating at the ends of Int64).
    public func adding(microseconds: Int64) -> Timestamp {
        Timestamp(
            microsecondsSinceEpoch: Self.saturating(
                microsecondsSinceEpoch.addingReportingOverflow(microseconds), sign: microseconds))
    }

    /// Whole seconds from `other` to `self` (negative when `other` is later).
    public func seconds(since other: Timestamp) -> Double {
        Double(microseconds(since: other)) / 1_000_000
    }

    /// Microseconds from `other` to `self`, saturating at the ends of Int64.
    public func microseconds(since other: Timestamp) -> Int64 {
        let difference = microsecondsSinceEpoch.subtractingReportingOverflow(other.microsecondsSinceEpoch)
        guard difference.overflow else { return difference.partialValue }
        return microsecondsSinceEpoch > other.microsecondsSinceEpoch ? .max : .min
    }

    /// The value, or the end of Int64 on the side `sign` points to when it overflowed.
    static func saturating(_ result: (partialValue: Int64, overflow: Bool), sign: Int64) -> Int64 {
        guard result.overflow else { return result.partialValue }
        return sign < 0 ? .min : .max
    }

    public var description: String { iso8601 }
}

// MARK: - ISO-8601

/// A timestamp that could not be read, with the reason.
public struct TimestampError: Error, Sendable, Hashable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "invalid timestamp '\(text)': \(reason)" }
}

extension Timestamp {
    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; offsets are converted
    /// to UTC and fractions beyond microseconds must be zero-free of meaning
    /// (they are truncated). The time in UTC must lie in ``valid``
    /// (`0000-01-01T00:00:00+00:01` is refused: it is in year 0 in UTC).
    public init(iso8601 text: String) throws {
        var copy = text
        self = try copy.withUTF8 { try Timestamp.parse($0, text: text) }
    }

    /// ``init(iso8601:)`` over UTF-8 bytes (no `String` made unless it fails).
    public init(iso8601 utf8: UnsafeBufferPointer<UInt8>) throws {
        self = try Timestamp.parse(utf8, text: String(decoding: utf8, as: UTF8.self))
    }

    /// Reads what a person types on the command line: a full ISO-8601
    /// timestamp, or a date `YYYY-MM-DD` meaning midnight UTC.
    public init(userInput text: String) throws {
        if text.utf8.count == 10 {
            try self.init(iso8601: text + "T00:00:00Z")
        } else {
            try self.init(iso8601: text)
        }
    }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, text: @autoclosure () -> String) throws -> Timestamp {
        func fail(_ reason: String) -> TimestampError { TimestampError(text: text(), reason: reason) }
        var i = 0
        func number(_ width: Int, _ what: String) throws -> Int64 {
            guard i + width <= b.count else { throw fail("too short, expected \(what)") }
            var value: Int64 = 0
            for _ in 0..<width {
                let byte = b[i]
                guard byte >= 0x30, byte <= 0x39 else { throw fail("expected \(what)") }
                value = value * 10 + Int64(byte - 0x30)
                i += 1
            }
            return value
        }
        func literal(_ byte: UInt8, _ what: String) throws {
            guard i < b.count, b[i] == byte else { throw fail("expected \(what)") }
            i += 1
        }
        let year = try number(4, "a 4-digit year")
        try literal(UInt8(ascii: "-"), "'-' after the year")
        let month = try number(2, "a 2-digit month")
        try literal(UInt8(ascii: "-"), "'-' after the month")
        let day = try number(2, "a 2-digit day")
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") else {
            throw fail("expected 'T' between date and time")
        }
        i += 1
        let hour = try number(2, "a 2-digit hour")
        try literal(UInt8(ascii: ":"), "':' after the hour")
        let minute = try number(2, "2-digit minutes")
        try literal(UInt8(ascii: ":"), "':' after the minutes")
        let second = try number(2, "2-digit seconds")
        guard (1...12).contains(month) else { throw fail("month out of range") }
        guard day >= 1, day <= daysInMonth(year: year, month: month) else { throw fail("day out of range") }
        guard hour <= 23, minute <= 59, second <= 59 else { throw fail("time out of range") }
        var micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 6 { micros = micros * 10 + Int64(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw fail("expected digits after '.'") }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds: Int64 = 0
        guard i < b.count else { throw fail("missing time zone ('Z' or an offset such as +02:00)") }
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            let offsetHours = try number(2, "a 2-digit offset hour")
            try literal(UInt8(ascii: ":"), "':' in the offset")
            let offsetMinutes = try number(2, "2-digit offset minutes")
            guard offsetHours <= 23, offsetMinutes <= 59 else { throw fail("offset out of range") }
            offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
        default:
            throw fail("expected 'Z' or an offset such as +02:00")
        }
        guard i == b.count else { throw fail("unexpected text after the time zone") }
        let days = daysFromCivil(year: year, month: month, day: day)
        // Four-digit years keep these far inside Int64.
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let time = Timestamp(microsecondsSinceEpoch: seconds * 1_000_000 + micros)
        guard time.isValid else {
            throw fail("outside 0001-01-01T00:00:00Z…9999-12-31T23:59:59.999999Z once in UTC")
        }
        return time
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, with `.fff` or `.ffffff` when there is a fraction.
    /// A time outside ``valid`` (only a hand-edited log holds one) is written
    /// in ISO 8601's expanded form, a signed year of five or more digits
    /// (`-290308-12-21T19:59:05.224192Z` for Int64.min, `+10000-01-01T00:00:00Z`), so that
    /// every Int64 has a text.
    public var iso8601: String {
        var out: [UInt8] = []
        out.reserveCapacity(27)
        writeISO8601(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``iso8601``'s bytes to `out` (a JSON writer's buffer), with no
    /// intermediate string.
    public func writeISO8601(into out: inout [UInt8]) {
        let micros = microsecondsSinceEpoch
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        // Written on the stack and appended once (at most 1 + 19 digits of
        // a year and 27 more bytes): byte by byte, the array's checks were a
        // share of the feed's time.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { text in
            var at = 0
            /// `value` (≥ 0) in at least `width` digits.
            func put(_ value: Int64, _ width: Int) {
                var count = 1
                var bound: Int64 = 10
                while count < 19, value >= bound { count += 1; bound &*= 10 }
                let digits = max(count, width)
                var rest = value
                for index in stride(from: at + digits - 1, through: at, by: -1) {
                    text[index] = 0x30 + UInt8(rest % 10)
                    rest /= 10
                }
                at += digits
            }
            func put(_ byte: UInt8) {
                text[at] = byte
                at += 1
            }
            if (0...9999).contains(year) {
                put(year, 4)
            } else {
                put(year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
                put(Int64(year.magnitude), 5)
            }
            put(UInt8(ascii: "-"))
            put(month, 2); put(UInt8(ascii: "-"))
            put(day, 2); put(UInt8(ascii: "T"))
            put(secondOfDay / 3600, 2); put(UInt8(ascii: ":"))
            put(secondOfDay / 60 % 60, 2); put(UInt8(ascii: ":"))
            put(secondOfDay % 60, 2)
            if fraction != 0 {
                put(UInt8(ascii: "."))
                if fraction % 1000 == 0 { put(fraction / 1000, 3) } else { put(fraction, 6) }
            }
            put(UInt8(ascii: "Z"))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<at]))
        }
    }
}

extension Timestamp {
    /// The UTC date alone, `YYYY-MM-DD` (in the expanded form outside ``valid``:
    /// `-290308-12-21`), the part of ``iso8601`` before the `T`.
    public var iso8601Date: String { String(iso8601.prefix { $0 != "T" }) }
}

extension Timestamp {
    /// The same time of day `months` calendar months later (UTC), the day
    /// clamped to the month's length: 2024-01-31 + 1 month is 2024-02-29.
    /// Saturates at the ends of Int64 (the years there are far beyond the contract's).
    public func addingCalendarMonths(_ months: Int) -> Timestamp {
        // Whole months of a few hundred thousand years either way are all an
        // Int64 of microseconds holds; beyond that the answer is an end of it.
        let limit = 3_600_000
        guard months.magnitude <= UInt(limit) else { return Timestamp(microsecondsSinceEpoch: months < 0 ? .min : .max) }
        var seconds = microsecondsSinceEpoch / 1_000_000
        var fraction = microsecondsSinceEpoch - seconds * 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds - days * 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        var (year, month, day) = civilFromDays(days)
        let total = year * 12 + (month - 1) + Int64(months)
        year = total >= 0 ? total / 12 : (total - 11) / 12
        month = total - year * 12 + 1
        day = min(day, daysInMonth(year: year, month: month))
        let newDays = daysFromCivil(year: year, month: month, day: day)
        // At most some 1.1e13 seconds either way: the seconds fit, the microseconds may not.
        let newSeconds = newDays * 86_400 + secondOfDay
        let micros = newSeconds.multipliedReportingOverflow(by: 1_000_000)
        guard !micros.overflow else { return Timestamp(microsecondsSinceEpoch: newSeconds < 0 ? .min : .max) }
        return Timestamp(microsecondsSinceEpoch: micros.partialValue).adding(microseconds: fraction)
    }
}

private func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

private func daysInMonth(year: Int64, month: Int64) -> Int64 {
    switch month {
    case 2: return isLeap(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
private func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

private func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
}
