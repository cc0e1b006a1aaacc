/// A JSON syntax error, with the byte offset where it was found.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset into the scanned text (0-based).
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) (at byte \(offset))" }
}

/// The kind of the next JSON value, seen without consuming it.
public enum JSONValueKind: Sendable, Hashable {
    case object, array, string, number, bool, null
}

/// The state of one object or array being read: whether the next member is the first.
public struct JSONContainer: Sendable {
    @usableFromInline var isFirst = true
    @usableFromInline init() {}
}

/// A strict, allocation-light pull parser over UTF-8 bytes (RFC 8259).
///
/// Foundation's `JSONDecoder` decodes about 100k small events a second on the
/// project's machine; replaying the log needs over a million. The scanner reads
/// keys and values in place, in the order they appear, so each event type can
/// decode its payload with a `switch` over keys and no intermediate tree.
///
/// A scanner points into memory it does not own: use it only inside
/// ``withScanner(_:_:)`` (or the pointer-based initialiser's scope).
public struct JSONScanner {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let end: Int
    @usableFromInline var index: Int

    /// Scans `count` bytes at `base`; the memory must outlive the scanner.
    @inlinable
    public init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.end = count
        self.index = 0
    }

    /// Runs `body` with a scanner over `bytes`.
    @inlinable
    public static func withScanner<R>(
        _ bytes: [UInt8], _ body: (inout JSONScanner) throws -> R
    ) throws -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else {
                throw JSONError(offset: 0, message: "empty input, expected a JSON value")
            }
            var scanner = JSONScanner(base: base, count: buffer.count)
            return try body(&scanner)
        }
    }

    /// The current byte offset.
    public var offset: Int { index }

    // MARK: - Primitives

    @inlinable
    mutating func skipWhitespace() {
        while index < end {
            let byte = base[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                index += 1
            } else {
                return
            }
        }
    }

    @usableFromInline
    func error(_ message: String) -> JSONError {
        JSONError(offset: index, message: message)
    }

    @inlinable
    mutating func expect(_ byte: UInt8, _ what: StaticString) throws {
        // Canonical JSON has no whitespace: the byte is nearly always next.
        if index < end, base[index] == byte {
            index += 1
            return
        }
        try expectAfterWhitespace(byte, what)
    }

    @usableFromInline
    mutating func expectAfterWhitespace(_ byte: UInt8, _ what: StaticString) throws {
        skipWhitespace()
        guard index < end, base[index] == byte else {
            throw error(index < end ? "expected \(what)" : "unexpected end of input, expected \(what)")
        }
        index += 1
    }

    /// The kind of the next value, or an error at the end of input or on a byte
    /// that cannot start a value.
    @inlinable
    public mutating func peekKind() throws -> JSONValueKind {
        skipWhitespace()
        guard index < end else { throw error("unexpected end of input, expected a value") }
        switch base[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw error("unexpected character, expected a value")
        }
    }

    // MARK: - Containers

    /// Consumes `{` and returns the state for ``nextKey(_:)``.
    @inlinable
    public mutating func beginObject() throws -> JSONContainer {
        try expect(UInt8(ascii: "{"), "'{' (an object)")
        return JSONContainer()
    }

    /// The next key of the object, positioned at its value; `nil` after `}`.
    @inlinable
    public mutating func nextKey(_ container: inout JSONContainer) throws -> String? {
        guard try advanceToKey(&container) else { return nil }
        let key = try readString()
        try expect(UInt8(ascii: ":"), "':' after a key")
        return key
    }

    /// Moves past whitespace and the separator onto the next key's opening
    /// quote; false (past the `}`) when the object has no more keys.
    @inlinable
    mutating func advanceToKey(_ container: inout JSONContainer) throws -> Bool {
        skipWhitespace()
        guard index < end else { throw error("unexpected end of input inside an object") }
        if base[index] == UInt8(ascii: "}") {
            index += 1
            return false
        }
        if !container.isFirst {
            try expect(UInt8(ascii: ","), "',' or '}'")
            skipWhitespace()
        }
        container.isFirst = false
        guard index < end, base[index] == UInt8(ascii: "\"") else {
            throw error("expected a key (a string)")
        }
        return true
    }

    /// ``nextKey(_:)`` without making a `String`: the key's bytes where they
    /// lie, to match against literals (`switch key { case "caseId": … }`).
    @inlinable
    public mutating func nextRawKey(_ container: inout JSONContainer) throws -> JSONKey? {
        // Canonical JSON: `"key":` right after `{`, or `,"key":` after a value.
        if index + 1 < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") && container.isFirst
                || byte == UInt8(ascii: ",") && !container.isFirst && base[index + 1] == UInt8(ascii: "\"") {
                if byte == UInt8(ascii: ",") { index += 1 }
                container.isFirst = false
                let key = try readKey()
                try expect(UInt8(ascii: ":"), "':' after a key")
                return key
            }
        }
        guard try advanceToKey(&container) else { return nil }
        let key = try readKey()
        try expect(UInt8(ascii: ":"), "':' after a key")
        return key
    }

    /// From just after a string's opening quote: when the string is plain
    /// (ASCII, no escapes or control bytes) and closes, moves past its
    /// closing quote and returns that quote's offset; otherwise leaves the
    /// scanner where it was and returns nil, for the general reader.
    @inlinable
    mutating func skipPlainString() -> Int? {
        let start = index
        skipPlainASCII()
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return index - 1
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            index += 1
        }
        index = start
        return nil
    }

    /// Reads the key string the scanner is at (on its opening quote).
    @inlinable
    mutating func readKey() throws -> JSONKey {
        index += 1
        let start = index
        if let close = skipPlainString() {
            return JSONKey(base: base + start, count: close - start, isPlain: true)
        }
        // Escapes, non-ASCII or an error: the general reader checks it.
        index = start - 1
        _ = try readString()
        return JSONKey(base: base + start, count: index - 1 - start, isPlain: false)
    }

    /// Consumes `[` and returns the state for ``nextElement(_:)``.
    @inlinable
    public mutating func beginArray() throws -> JSONContainer {
        try expect(UInt8(ascii: "["), "'[' (an array)")
        return JSONContainer()
    }

    /// True when another element follows (positioned at it); false after `]`.
    @inlinable
    public mutating func nextElement(_ container: inout JSONContainer) throws -> Bool {
        skipWhitespace()
        guard index < end else { throw error("unexpected end of input inside an array") }
        if base[index] == UInt8(ascii: "]") {
            index += 1
            return false
        }
        if !container.isFirst {
            try expect(UInt8(ascii: ","), "',' or ']'")
        }
        container.isFirst = false
        return true
    }

    /// Checks that nothing but whitespace follows the top-level value.
    @inlinable
    public mutating func finish() throws {
        skipWhitespace()
        if index != end { throw error("unexpected text after the JSON value") }
    }

    // MARK: - Scalars

    /// Reads a string value.
    @inlinable
    public mutating func readString() throws -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let start = index
        skipPlainASCII()
        var ascii = true
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                let buffer = UnsafeBufferPointer(start: base + start, count: index - start)
                index += 1
                if ascii { return String(decoding: buffer, as: UTF8.self) }
                guard let text = String(validating: buffer, as: UTF8.self) else {
                    throw JSONError(offset: start, message: "string is not valid UTF-8")
                }
                return text
            }
            if byte == UInt8(ascii: "\\") {
                index = start
                return try readEscapedString()
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw JSONError(offset: start - 1, message: "unterminated string")
    }

    /// Moves past string content that is ASCII other than `"`, `\` and
    /// control characters, eight bytes at a time: stops on the first byte
    /// that needs a closer look, or within eight bytes of the end.
    @inlinable
    mutating func skipPlainASCII() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while index + 8 <= end {
            // Byte 0 of the text in the low byte, whatever the platform's order.
            let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
            let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            // The high bit of a byte is set when it is zero after the xor, below
            // 0x20, or non-ASCII. A borrow can set it in a byte above a match,
            // never below one: the lowest set bit marks the first byte to look at.
            let flagged = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word) | word) & high
            if flagged != 0 {
                index += flagged.trailingZeroBitCount >> 3
                return
            }
            index += 8
        }
    }

    /// Reads a string value and passes its (unescaped, valid UTF-8) bytes to
    /// `body` without making a `String`; the bytes are valid only during the call.
    @inlinable
    public mutating func readStringBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) throws -> R {
        try expect(UInt8(ascii: "\""), "a string")
        let start = index
        if let close = skipPlainString() {
            return try body(UnsafeBufferPointer(start: base + start, count: close - start))
        }
        // Escapes, non-ASCII (to validate) or an error: the general reader.
        index = start - 1
        var text = try readString()
        return try text.withUTF8(body)
    }

    /// Reads a string value, or `nil` for `null`.
    @inlinable
    public mutating func readOptionalString() throws -> String? {
        try readNull() ? nil : readString()
    }

    @usableFromInline
    mutating func readEscapedString() throws -> String {
        var bytes: [UInt8] = []
        let start = index
        while index < end {
            let byte = base[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw JSONError(offset: start, message: "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard index < end else { break }
                let escape = base[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard index + 1 < end, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired surrogate in \\u escape") }
                        index += 2
                        let low = try readHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                    bytes.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    index -= 1
                    throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                bytes.append(byte)
                index += 1
            }
        }
        throw JSONError(offset: start - 1, message: "unterminated string")
    }

    @usableFromInline
    mutating func readHex4() throws -> UInt32 {
        guard index + 4 <= end else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = base[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Reads an integer (no fraction, no exponent) that fits in 64 bits.
    @inlinable
    public mutating func readInt() throws -> Int64 {
        skipWhitespace()
        let start = index
        var negative = false
        if index < end, base[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < end, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") else {
            index = start
            throw error("expected an integer")
        }
        if base[index] == UInt8(ascii: "0"), index + 1 < end,
           base[index + 1] >= UInt8(ascii: "0"), base[index + 1] <= UInt8(ascii: "9") {
            throw error("leading zero in a number")
        }
        var magnitude: UInt64 = 0
        while index < end, base[index] >= UInt8(ascii: "0"), base[index] <= UInt8(ascii: "9") {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(base[index] - UInt8(ascii: "0")))
            if o1 || o2 { index = start; throw error("integer out of range") }
            magnitude = sum
            index += 1
        }
        if index < end, base[index] == UInt8(ascii: ".") || base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            index = start
            throw error("expected an integer, found a fractional number")
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { index = start; throw error("integer out of range") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { index = start; throw error("integer out of range") }
        return Int64(magnitude)
    }

    /// Reads any JSON number as a `Double`.
    public mutating func readDouble() throws -> Double {
        skipWhitespace()
        let start = index
        try skipNumber()
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(text) else {
            index = start
            throw error("number out of range")
        }
        return value
    }

    /// Reads `true` or `false`.
    @inlinable
    public mutating func readBool() throws -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw error("expected true or false")
    }

    /// Consumes `null` if it is next; true when it did.
    @inlinable
    public mutating func readNull() throws -> Bool {
        skipWhitespace()
        return matchLiteral("null")
    }

    @inlinable
    mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= end else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where base[index + offset] != pointer[offset] {
            return false
        }
        index += count
        return true
    }

    // MARK: - Skipping and capturing

    @usableFromInline
    mutating func skipNumber() throws {
        let start = index
        if index < end, base[index] == UInt8(ascii: "-") { index += 1 }
        func digits(_ scanner: inout JSONScanner) -> Int {
            var count = 0
            while scanner.index < scanner.end, scanner.base[scanner.index] >= UInt8(ascii: "0"),
                  scanner.base[scanner.index] <= UInt8(ascii: "9") {
                scanner.index += 1
                count += 1
            }
            return count
        }
        let intStart = index
        let intDigits = digits(&self)
        guard intDigits > 0 else { index = start; throw error("invalid number") }
        if intDigits > 1, base[intStart] == UInt8(ascii: "0") { index = start; throw error("leading zero in a number") }
        if index < end, base[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw error("invalid number: digits expected after '.'") }
        }
        if index < end, base[index] == UInt8(ascii: "e") || base[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw error("invalid number: digits expected in exponent") }
        }
    }

    /// Skips (and fully validates) the next value, however deeply nested.
    public mutating func skipValue(depth: Int = 0) throws {
        guard depth < 512 else { throw error("nesting too deep") }
        switch try peekKind() {
        case .object:
            var container = try beginObject()
            while try nextKey(&container) != nil { try skipValue(depth: depth + 1) }
        case .array:
            var container = try beginArray()
            while try nextElement(&container) { try skipValue(depth: depth + 1) }
        case .string:
            try skipString()
        case .number:
            try skipNumber()
        case .bool:
            _ = try readBool()
        case .null:
            guard try readNull() else { throw error("expected null") }
        }
    }

    /// Skips a string, checking it as `readString` does, without making a
    /// `String` of it (validation would otherwise allocate for every string
    /// over 15 bytes). Strings with escapes or non-ASCII bytes take
    /// `readString`'s path.
    mutating func skipString() throws {
        try expect(UInt8(ascii: "\""), "a string")
        if skipPlainString() != nil { return }
        index -= 1
        _ = try readString()
    }

    /// Skips the next value and returns its exact bytes.
    public mutating func captureValue() throws -> [UInt8] {
        skipWhitespace()
        let start = index
        try skipValue()
        return Array(UnsafeBufferPointer(start: base + start, count: index - start))
    }

    /// The error for a key a decoder does not know.
    public func unknownKey(_ key: String, in what: String) -> JSONError {
        JSONError(offset: index, message: "unknown field '\(key)' in \(what)")
    }

    /// The error for a required key that is absent.
    public func missingKey(_ key: String, in what: String) -> JSONError {
        JSONError(offset: index, message: "missing field '\(key)' in \(what)")
    }

    /// An error at the current offset with a message of the caller's.
    public func invalid(_ message: String) -> JSONError {
        JSONError(offset: index, message: message)
    }
}

extension JSONScanner {
    /// Validates that `bytes` hold exactly one JSON object (strict RFC 8259,
    /// valid UTF-8) and nothing else.
    public static func validateObject(_ bytes: [UInt8]) throws {
        try withScanner(bytes) { scanner in
            guard try scanner.peekKind() == .object else {
                throw scanner.invalid("expected a JSON object")
            }
            try scanner.skipValue()
            try scanner.finish()
        }
    }
}

/// An object key as ``JSONScanner/nextRawKey(_:)`` reads it: its bytes in the
/// scanned text (valid while the scanned memory is), matched against string
/// literals in a `switch` without making a `String`.
public struct JSONKey {
    /// The text between the quotes, as written.
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let count: Int
    /// Printable ASCII without escapes: the bytes are the key. Otherwise the
    /// key is what the text decodes to (compared the slow way; canonical
    /// payloads never need it).
    @usableFromInline let isPlain: Bool

    @inlinable
    init(base: UnsafePointer<UInt8>, count: Int, isPlain: Bool) {
        self.base = base
        self.count = count
        self.isPlain = isPlain
    }

    /// The key as a string (for messages).
    public var string: String {
        if isPlain { return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }
        // The quoted text was read once already, so it reads again.
        var scanner = JSONScanner(base: base - 1, count: count + 2)
        return (try? scanner.readString()) ?? ""
    }

    /// Whether the key is `literal`.
    @inlinable
    public static func == (key: JSONKey, literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        let pointer = literal.utf8Start
        guard key.isPlain else {
            return key.string.utf8.elementsEqual(UnsafeBufferPointer(start: pointer, count: count))
        }
        guard key.count == count else { return false }
        for offset in 0..<count where key.base[offset] != pointer[offset] {
            return false
        }
        return true
    }

    /// Lets a `switch` over a key match string literals.
    @inlinable
    public static func ~= (literal: StaticString, key: JSONKey) -> Bool { key == literal }
}
