public import CaseloadCoding
import Crypto
public import struct Foundation.UUID

/// Makes event ids: UUIDv7 (RFC 9562) — 48 bits of Unix milliseconds, then
/// random bits — so ids sort by creation time and the log's id index grows at
/// its right edge instead of rewriting pages all over (see the README).
///
/// Time and randomness come in: the generator is a value the caller owns.
public struct EventIDGenerator: Sendable {
    private var words: SplitMix64

    /// A generator seeded from `seed` (tests and the history generator pass a
    /// fixed seed for repeatable ids; a service passes a random one).
    public init(seed: UInt64) {
        words = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A generator seeded from the system's random source.
    public static func random() -> EventIDGenerator {
        var rng = SystemRandomNumberGenerator()
        return EventIDGenerator(seed: rng.next())
    }

    private mutating func next() -> UInt64 { words.next() }

    /// A UUIDv7 for an event made at `time`.
    public mutating func next(at time: Timestamp) -> UUID {
        let milliseconds = UInt64(max(0, time.microsecondsSinceEpoch / 1000)) & 0xFFFF_FFFF_FFFF
        let high = milliseconds << 16 | 0x7000 | (next() & 0x0FFF)
        let low = next() & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return UUID(high: high, low: low)
    }
}

extension UUID {
    /// A UUID from its 128 bits, most significant first.
    public init(high: UInt64, low: UInt64) {
        let bytes = withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
        self = UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// A deterministic id derived from `base` and `index`, for the second and
    /// later events of one command (so a retried command derives the same
    /// ids), or for an import line without an `eventId`. It keeps `base`'s
    /// first 48 bits (a v7 id's time) and replaces the rest with SHA-256 of
    /// (base, index), marked as version 8 (custom, RFC 9562).
    public static func derived(from base: UUID, index: Int) -> UUID {
        var input = withUnsafeBytes(of: base.uuid) { Array($0) }
        withUnsafeBytes(of: UInt64(index).bigEndian) { input.append(contentsOf: $0) }
        let digest = Array(SHA256.hash(data: input))
        var bytes = withUnsafeBytes(of: base.uuid) { Array($0) }
        for offset in 6..<16 { bytes[offset] = digest[offset] }
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
