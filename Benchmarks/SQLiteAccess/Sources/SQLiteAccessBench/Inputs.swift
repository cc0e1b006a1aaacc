// Pre-generated, deterministic input events, kept outside the timed regions so
// that every append variant sees byte-identical data and only the storage path
// (plus, when enabled, the hash chain) is measured.

/// SplitMix64: small, fast, deterministic.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let eventTypes = [
    "SessionBooked", "SessionCancelled", "SessionCompleted", "CaseOpened",
    "CaseClosed", "NoteAdded", "InvoiceIssued", "PaymentReceived",
]

/// One million events laid out column-wise in flat buffers. Read-only once built,
/// so it is shared freely (`@unchecked Sendable`).
final class Inputs: @unchecked Sendable {
    let count: Int
    /// 16 random bytes per event.
    let eventIDs: UnsafeMutableRawBufferPointer
    /// Correlation id: present on every event. Causation id: present on ~half.
    let correlationIDs: UnsafeMutableRawBufferPointer
    let causationIDs: UnsafeMutableRawBufferPointer
    let hasCausation: [Bool]
    let streams: [String]          // 'case-000123'
    let streamVersions: [Int64]    // 1, 2, … per stream
    let typeIndex: [UInt8]
    let occurredAt: [Int64]        // µs since epoch
    let actors: [String]           // 'client:c-000123'
    /// All payloads (JSON objects, ~200 bytes) back to back; event i is
    /// payloadArena[payloadOffsets[i] ..< payloadOffsets[i+1]].
    let payloadArena: UnsafeMutableRawBufferPointer
    let payloadOffsets: [Int]

    init(count: Int, streamCount: Int, seed: UInt64 = 0xCA5E_10AD) {
        self.count = count
        var rng = SplitMix64(state: seed)
        eventIDs = .allocate(byteCount: 16 * count, alignment: 16)
        correlationIDs = .allocate(byteCount: 16 * count, alignment: 16)
        causationIDs = .allocate(byteCount: 16 * count, alignment: 16)
        for i in 0 ..< 2 * count {
            eventIDs.storeBytes(of: rng.next(), toByteOffset: 8 * i, as: UInt64.self)
            correlationIDs.storeBytes(of: rng.next(), toByteOffset: 8 * i, as: UInt64.self)
            causationIDs.storeBytes(of: rng.next(), toByteOffset: 8 * i, as: UInt64.self)
        }
        var hasCausation = [Bool](); hasCausation.reserveCapacity(count)
        var streams = [String](); streams.reserveCapacity(count)
        var versions = [Int64](); versions.reserveCapacity(count)
        var types = [UInt8](); types.reserveCapacity(count)
        var occurred = [Int64](); occurred.reserveCapacity(count)
        var actors = [String](); actors.reserveCapacity(count)
        var arena = [UInt8](); arena.reserveCapacity(count * 210)
        var offsets = [Int](); offsets.reserveCapacity(count + 1)
        var nextVersion = [Int64](repeating: 1, count: streamCount)
        let streamNames = (0 ..< streamCount).map { "case-" + pad6($0) }
        let actorNames = (0 ..< streamCount).map { "client:c-" + pad6($0) }
        let filler = Array("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor".utf8)
        var clock: Int64 = 1_767_225_600_000_000 // 2026-01-01T00:00:00Z
        for _ in 0 ..< count {
            let s = Int(rng.next() % UInt64(streamCount))
            let version = nextVersion[s]
            nextVersion[s] += 1
            let r = rng.next()
            streams.append(streamNames[s])
            versions.append(version)
            types.append(UInt8(r % UInt64(eventTypes.count)))
            hasCausation.append((r >> 8) & 1 == 1)
            clock += Int64((r >> 16) % 2_000)
            occurred.append(clock)
            actors.append(actorNames[Int((r >> 32) % UInt64(streamCount))])
            // A ~200-byte JSON object.
            offsets.append(arena.count)
            let head = "{\"caseId\":\"\(streamNames[s])\",\"sessionId\":\"s-\(pad6(Int(r % 999_999)))\","
                + "\"therapistId\":\"t-\(pad6(Int((r >> 20) % 9_999)))\",\"startsAt\":\(clock + 86_400_000_000),"
                + "\"durationMinutes\":\(30 + Int((r >> 40) % 4) * 15),\"note\":\""
            arena.append(contentsOf: head.utf8)
            let want = 190 + Int((r >> 48) % 21) // 190…210 bytes in all
            let fill = max(0, want - head.utf8.count - 2)
            arena.append(contentsOf: filler.prefix(fill))
            arena.append(contentsOf: "\"}".utf8)
        }
        offsets.append(arena.count)
        let payloadArena = UnsafeMutableRawBufferPointer.allocate(byteCount: arena.count, alignment: 16)
        arena.withUnsafeBytes { payloadArena.copyMemory(from: $0) }
        self.payloadArena = payloadArena
        self.hasCausation = hasCausation
        self.streams = streams
        self.streamVersions = versions
        self.typeIndex = types
        self.occurredAt = occurred
        self.actors = actors
        self.payloadOffsets = offsets
    }

    @inline(__always) func eventID(_ i: Int) -> UnsafeRawPointer {
        UnsafeRawPointer(eventIDs.baseAddress!) + 16 * i
    }
    @inline(__always) func correlationID(_ i: Int) -> UnsafeRawPointer? {
        UnsafeRawPointer(correlationIDs.baseAddress!) + 16 * i
    }
    @inline(__always) func causationID(_ i: Int) -> UnsafeRawPointer? {
        hasCausation[i] ? UnsafeRawPointer(causationIDs.baseAddress!) + 16 * i : nil
    }
    @inline(__always) func payload(_ i: Int) -> UnsafeRawBufferPointer {
        let start = payloadOffsets[i]
        return UnsafeRawBufferPointer(rebasing: payloadArena[start ..< payloadOffsets[i + 1]])
    }
    @inline(__always) func type(_ i: Int) -> String { eventTypes[Int(typeIndex[i])] }

    var averagePayloadBytes: Double { Double(payloadOffsets[count]) / Double(count) }
}

func pad6(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 6 - s.count)) + s
}
