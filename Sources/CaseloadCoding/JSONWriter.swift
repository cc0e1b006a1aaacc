public import struct Foundation.UUID
/// Writes compact JSON into a byte buffer, with no intermediate tree.
///
/// Commas are placed automatically: call ``key(_:)`` before each member value
/// and just the value for each array element. Output is deterministic: keys
/// come out in the order written, so encoders that write them in sorted order
/// produce canonical text (stable hashes, byte-equal retries).
public struct JSONWriter: Sendable {
    public var bytes: [UInt8]
    @usableFromInline var needsComma = false

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    @inlinable
    mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    @inlinable
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    @inlinable
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    @inlinable
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    @inlinable
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes a member key; the next call writes its value.
    @inlinable
    public mutating func key(_ key: StaticString) {
        // `,"key":` built on the stack and appended once (one capacity and
        // uniqueness check instead of five).
        let count = key.utf8CodeUnitCount
        let comma = needsComma ? 1 : 0
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count + 4) { text in
            text[0] = UInt8(ascii: ",")
            text[comma] = UInt8(ascii: "\"")
            (text.baseAddress! + comma + 1).update(from: key.utf8Start, count: count)
            text[comma + 1 + count] = UInt8(ascii: "\"")
            text[comma + 2 + count] = UInt8(ascii: ":")
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<(comma + 3 + count)]))
        }
        needsComma = false
    }

    /// Writes a member key that is not known at compile time. Disfavoured,
    /// so that a literal key takes the `StaticString` form (no escaping
    /// scan: a literal key is written as it stands).
    @_disfavoredOverload
    public mutating func key(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    @inlinable
    public mutating func int(_ value: Int64) {
        separate()
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
        } else {
            var magnitude = value.magnitude
            var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 19 digits of Int64.min
            var count = 0
            withUnsafeMutableBytes(of: &digits) { raw in
                while magnitude > 0 {
                    raw[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                    count += 1
                }
            }
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            withUnsafeBytes(of: &digits) { raw in
                for position in stride(from: count - 1, through: 0, by: -1) { bytes.append(raw[position]) }
            }
        }
        needsComma = true
    }

    @inlinable
    public mutating func int(_ value: Int) { int(Int64(value)) }

    /// Writes a double; NaN and infinities (not JSON) are written as `null`.
    public mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        separate()
        if value == value.rounded(), abs(value) < 1e15 {
            // Integral values print without an exponent or trailing ".0" noise.
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        needsComma = true
    }

    public mutating func optionalDouble(_ value: Double?) {
        if let value { double(value) } else { null() }
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        needsComma = true
    }

    /// Embeds bytes that already are one JSON value.
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Embeds bytes that already are one JSON value (the specialised form:
    /// a stored payload copied whole).
    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Quotes `value`, escaping what JSON requires. Runs of bytes that need
    /// no escape (nearly all of them) are copied whole.
    @usableFromInline
    mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index])) }
                appendEscaped(byte)
                start = index + 1
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(0x5C)
        switch byte {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(Self.hexDigit(byte >> 4))
            bytes.append(Self.hexDigit(byte & 0x0F))
        }
    }

    /// Each byte's two lowercase hex digits, the first in the high byte.
    static let hexPairs: [UInt16] = (0...255).map { UInt16(hexDigit(UInt8($0 >> 4))) << 8 | UInt16(hexDigit(UInt8($0 & 0x0F))) }

    /// The lowercase hex digit of a nibble (0–15).
    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

    /// `bytes` as one string of lowercase hex digits (a hash), written in place.
    public mutating func hexString(_ raw: UnsafeRawBufferPointer) {
        quotedHex(raw, dashesBefore: 0)
    }

    /// A UUID as its lowercase text (`uuidString.lowercased()`), written in place.
    public mutating func uuid(_ id: UUID) {
        withUnsafeBytes(of: id.uuid) { quotedHex($0, dashesBefore: 1 << 4 | 1 << 6 | 1 << 8 | 1 << 10) }
    }

    /// `raw` in lowercase hex, quoted, with a dash before each byte offset
    /// whose bit is set in `dashes` (offsets below 64).
    /// Written into a buffer on the stack and appended once: a byte at a
    /// time, the array's checks on every byte were a twentieth of the feed's
    /// CPU time (every event has two UUIDs and a hash).
    private mutating func quotedHex(_ raw: UnsafeRawBufferPointer, dashesBefore dashes: UInt64) {
        separate()
        let length = 2 + 2 * raw.count + dashes.nonzeroBitCount
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { text in
            var at = 0
            text[at] = UInt8(ascii: "\""); at += 1
            Self.hexPairs.withUnsafeBufferPointer { pairs in
                for index in 0..<raw.count {
                    if index < 64, dashes & (1 << UInt64(index)) != 0 { text[at] = UInt8(ascii: "-"); at += 1 }
                    let pair = pairs[Int(raw[index])]
                    text[at] = UInt8(truncatingIfNeeded: pair >> 8)
                    text[at + 1] = UInt8(truncatingIfNeeded: pair)
                    at += 2
                }
            }
            text[at] = UInt8(ascii: "\""); at += 1
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[..<at]))
        }
        needsComma = true
    }

    /// A time as ``Timestamp/iso8601`` writes it, in place.
    public mutating func timestamp(_ time: Timestamp) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        time.writeISO8601(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }
}
