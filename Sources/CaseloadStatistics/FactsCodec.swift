import CaseloadCoding

/// A compact binary form of ``MarketplaceFacts``: the statistics projection's
/// saved state. Little-endian integers, strings as u32 length + UTF-8,
/// timestamps as µs since the epoch in 64 bits; a magic and format number
/// first, so a state from another format is rebuilt, not misread.
///
/// Format 3 added the facts' currency (once, in the header: the facts hold
/// one) and whether each charged session has a price; a format-2 state is
/// refused and the projection rebuilds it from the log. Format 4 added when
/// a case ended and when its sessions were booked (issue 16: who is in
/// ongoing therapy as of a date).
public enum FactsCodec {
    static let magic: [UInt8] = Array("CLF".utf8)
    public static let formatVersion: UInt8 = 4

    public static func encode(_ facts: MarketplaceFacts) -> [UInt8] { encode(facts, after: []) }

    /// `prefix` followed by the encoded facts, in one array: a caller that
    /// saves the state behind a header of its own (the projection's tag and
    /// hash) then never holds the state twice, as `prefix + encode(facts)` did.
    public static func encode(_ facts: MarketplaceFacts, after prefix: [UInt8]) -> [UInt8] {
        var out = Writer()
        // Sized up front: growing by doubling would briefly hold twice the state.
        out.bytes.reserveCapacity(prefix.count + estimatedSize(facts))
        write(facts, after: prefix, into: &out) { _ in }
        return out.bytes
    }

    /// ``encode(_:after:)`` handed over in pieces of about `pieceSize` bytes,
    /// in order, never held whole (a saved state is ~100 MB at 14M events).
    public static func encode(
        _ facts: MarketplaceFacts, after prefix: [UInt8], pieceSize: Int = 1 << 20,
        pieces emit: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        var out = Writer()
        out.bytes.reserveCapacity(pieceSize + 65_536)
        try write(facts, after: prefix, into: &out) { out in
            if out.bytes.count >= pieceSize {
                try out.bytes.withUnsafeBytes(emit)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        if !out.bytes.isEmpty { try out.bytes.withUnsafeBytes(emit) }
    }

    /// The size ``encode(_:after:)`` returns, counted without keeping the bytes.
    public static func encodedSize(_ facts: MarketplaceFacts, after prefix: [UInt8]) -> Int {
        var size = 0
        encode(facts, after: prefix) { size += $0.count }
        return size
    }

    /// Writes `prefix` and the facts into `out`, calling `boundary` between
    /// therapists' views and between cases (where a caller may hand over
    /// what `out` holds so far).
    static func write(
        _ facts: MarketplaceFacts, after prefix: [UInt8], into out: inout Writer, boundary: (inout Writer) throws -> Void
    ) rethrows {
        out.bytes.append(contentsOf: prefix)
        out.bytes.append(contentsOf: magic)
        out.bytes.append(formatVersion)
        out.int(facts.checkpoint)
        out.time(facts.latestOccurredAt)
        if let currency = facts.currency {
            out.bytes.append(1)
            withUnsafeBytes(of: currency.packed.littleEndian) { out.bytes.append(contentsOf: $0) }
        } else {
            out.bytes.append(0)
        }
        let therapists = facts.therapists.sorted { $0.key < $1.key }
        out.int(Int64(therapists.count))
        for (id, joined) in therapists {
            out.string(id)
            out.time(joined)
        }
        let views = facts.viewsStorage.sorted { $0.key < $1.key }
        out.int(Int64(views.count))
        for (id, times) in views {
            out.string(id)
            out.int(Int64(times.count))
            #if _endian(little)
            times.withUnsafeBytes { out.bytes.append(contentsOf: $0) }
            #else
            times.withUnsafeBytes { raw in
                for offset in stride(from: 0, to: raw.count, by: 4) {
                    let value = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self).littleEndian
                    withUnsafeBytes(of: value) { out.bytes.append(contentsOf: $0) }
                }
            }
            #endif
            try boundary(&out)
        }
        out.int(Int64(facts.cases.count))
        for c in facts.cases {
            out.string(c.caseId)
            out.string(c.therapistId)
            out.string(c.clientId)
            out.time(c.openedAt)
            out.optionalString(c.rematchedFrom)
            out.optionalTime(c.firstReplyAt)
            out.int(Int64(c.charged.count))
            for s in c.charged {
                out.time(s.at)
                // The currency is the facts' one (the header's); only the amount is per session.
                out.optionalInt(s.price?.amount)
                out.bytes.append(s.kind.rawValue)
            }
            out.int(Int64(c.uncharged.count))
            for time in c.uncharged { out.time(time) }
            out.int(Int64(c.exclusions.count))
            for span in c.exclusions {
                out.time(span.from)
                out.optionalTime(span.until)
            }
            out.optionalTime(c.refusedAt)
            out.optionalTime(c.endedAt)
            out.int(Int64(c.bookedAt.count))
            for time in c.bookedAt { out.time(time) }
            out.int(Int64(c.pending.count))
            for p in c.pending {
                out.string(p.sessionId)
                out.int(p.price.amount)
            }
            try boundary(&out)
        }
    }

    /// An upper bound of the encoded size (ids assumed at most 64 bytes).
    static func estimatedSize(_ facts: MarketplaceFacts) -> Int {
        var size = 72 + facts.therapists.count * 80
        for (_, times) in facts.viewsStorage { size += 80 + times.count * 4 }
        for c in facts.cases {
            size += 3 * 72 + 8 * 4 + 80
            size += 17 + c.bookedAt.count * 8
            size += c.charged.count * 18 + c.uncharged.count * 8 + c.exclusions.count * 17 + c.pending.count * 80
        }
        return size
    }

    /// Reads what ``encode(_:)`` wrote; throws on anything else.
    public static func decode(_ bytes: [UInt8]) throws(FactsCodecError) -> MarketplaceFacts {
        var input = Reader(bytes: bytes)
        guard bytes.count >= 4, Array(bytes[0..<3]) == magic else { throw FactsCodecError(reason: "not a facts state") }
        guard bytes[3] == formatVersion else { throw FactsCodecError(reason: "facts format \(bytes[3]), expected \(formatVersion)") }
        input.offset = 4
        let checkpoint = try input.int()
        let latestOccurredAt = try input.time()
        var currency: CurrencyCode?
        if try input.byte() == 1 {
            guard let code = CurrencyCode(packed: try input.uint32()) else {
                throw FactsCodecError(reason: "bad currency at byte \(input.offset)")
            }
            currency = code
        }
        /// A saved amount in the facts' currency; a state with amounts and no currency is damaged.
        func price(_ amount: Int64) throws(FactsCodecError) -> Price {
            guard let currency else { throw FactsCodecError(reason: "a price without a currency at byte \(input.offset)") }
            return Price(amount: amount, currency: currency)
        }
        var facts = MarketplaceFacts(cases: [], currency: currency)
        facts.latestOccurredAt = latestOccurredAt
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            facts.restoreTherapist(id, joinedAt: try input.time())
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            var times: [Int32] = []
            let n = try input.count()
            times.reserveCapacity(n)
            for _ in 0..<n { times.append(try input.int32()) }
            facts.restoreViews(id, times)
        }
        for _ in 0..<(try input.count()) {
            var c = CaseFacts(
                caseId: try input.string(), therapistId: try input.string(), clientId: try input.string(),
                openedAt: try input.time(), rematchedFrom: try input.optionalString())
            c.firstReplyAt = try input.optionalTime()
            for _ in 0..<(try input.count()) {
                let at = try input.time()
                let amount = try input.optionalInt()
                guard let kind = ChargedSession.Kind(rawValue: try input.byte()) else {
                    throw FactsCodecError(reason: "bad session kind at byte \(input.offset)")
                }
                var sessionPrice: Price?
                if let amount { sessionPrice = try price(amount) }
                c.charged.append(ChargedSession(at: at, price: sessionPrice, kind: kind))
            }
            for _ in 0..<(try input.count()) { c.uncharged.append(try input.time()) }
            for _ in 0..<(try input.count()) {
                c.exclusions.append(ExclusionSpan(from: try input.time(), until: try input.optionalTime()))
            }
            c.refusedAt = try input.optionalTime()
            c.endedAt = try input.optionalTime()
            for _ in 0..<(try input.count()) { c.bookedAt.append(try input.time()) }
            for _ in 0..<(try input.count()) {
                c.pending.append(.init(sessionId: try input.string(), price: try price(try input.int())))
            }
            facts.restoreCase(c)
        }
        guard input.offset == bytes.count else { throw FactsCodecError(reason: "trailing bytes") }
        facts.checkpoint = checkpoint
        return facts
    }

    struct Writer {
        var bytes: [UInt8] = []
        mutating func int(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func time(_ value: Timestamp) { int(value.microsecondsSinceEpoch) }
        mutating func optionalTime(_ value: Timestamp?) { optionalInt(value?.microsecondsSinceEpoch) }
        mutating func string(_ value: String) {
            int(Int64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
        mutating func optionalString(_ value: String?) {
            if let value {
                bytes.append(1)
                string(value)
            } else {
                bytes.append(0)
            }
        }
        mutating func optionalInt(_ value: Int64?) {
            if let value {
                bytes.append(1)
                int(value)
            } else {
                bytes.append(0)
            }
        }
    }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        mutating func byte() throws(FactsCodecError) -> UInt8 {
            guard offset < bytes.count else { throw FactsCodecError(reason: "truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func int() throws(FactsCodecError) -> Int64 {
            guard offset + 8 <= bytes.count else { throw FactsCodecError(reason: "truncated") }
            defer { offset += 8 }
            return bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int64.self)) }
        }
        mutating func time() throws(FactsCodecError) -> Timestamp { Timestamp(microsecondsSinceEpoch: try int()) }
        mutating func optionalTime() throws(FactsCodecError) -> Timestamp? {
            try optionalInt().map { Timestamp(microsecondsSinceEpoch: $0) }
        }
        mutating func uint32() throws(FactsCodecError) -> UInt32 { UInt32(bitPattern: try int32()) }
        mutating func int32() throws(FactsCodecError) -> Int32 {
            guard offset + 4 <= bytes.count else { throw FactsCodecError(reason: "truncated") }
            defer { offset += 4 }
            return bytes.withUnsafeBytes { Int32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Int32.self)) }
        }
        mutating func count() throws(FactsCodecError) -> Int {
            let value = try int()
            guard value >= 0, value <= bytes.count else { throw FactsCodecError(reason: "bad count at byte \(offset)") }
            return Int(value)
        }
        mutating func string() throws(FactsCodecError) -> String {
            let length = try count()
            guard offset + length <= bytes.count else { throw FactsCodecError(reason: "truncated string") }
            defer { offset += length }
            return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
        }
        mutating func optionalString() throws(FactsCodecError) -> String? { try byte() == 1 ? try string() : nil }
        mutating func optionalInt() throws(FactsCodecError) -> Int64? { try byte() == 1 ? try int() : nil }
    }
}

/// A saved facts state that cannot be read (another format, or damaged).
public struct FactsCodecError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "saved statistics state unreadable: \(reason)" }
}

extension MarketplaceFacts {
    mutating func restoreTherapist(_ id: String, joinedAt: Timestamp) { therapistsStorage[id] = joinedAt }
    mutating func restoreViews(_ id: String, _ times: [Int32]) { viewsStorage[id] = times }
    mutating func restoreCase(_ facts: CaseFacts) { appendCase(facts) }
}
