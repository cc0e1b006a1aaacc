import Crypto

/// The event log's hash chain, with the same byte layout as
/// `Sources/EventStore/HashChain.swift` (copied so that this package stays
/// self-contained):
///
///     previous hash (32) | position u64 BE | stream version u64 BE | event id (16)
///     stream id, type: u32 BE length + UTF-8 | schema version u32 BE
///     occurredAt i64 BE | recordedAt i64 BE | actor: u32 BE length + UTF-8
///     correlation, causation: 1 byte flag (+16 bytes) | payload: u32 BE length + bytes
///
/// For ~200-byte payloads that is ~370 bytes hashed per event. Unlike the
/// production code it reuses one scratch buffer (no allocation per event), so
/// the cost measured is SHA-256 plus the copy.
struct HashChainer {
    /// The latest hash; 32 zero bytes before the first event.
    let current: UnsafeMutableRawBufferPointer
    private var scratch: [UInt8] = []
    private(set) var lastInputBytes = 0

    init() {
        current = .allocate(byteCount: 32, alignment: 16)
        current.initializeMemory(as: UInt8.self, repeating: 0)
        scratch.reserveCapacity(1024)
    }

    func deallocate() { current.deallocate() }

    /// Hash of event `i` (at `position`, committed at `recordedAt`), chained on
    /// the current hash; the result replaces `current`.
    @inline(__always)
    mutating func advance(_ inputs: Inputs, _ i: Int, position: Int64, recordedAt: Int64) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeRawBufferPointer(current))
        appendBE(UInt64(bitPattern: position))
        appendBE(UInt64(bitPattern: inputs.streamVersions[i]))
        scratch.append(contentsOf: UnsafeRawBufferPointer(start: inputs.eventID(i), count: 16))
        appendText(inputs.streams[i])
        appendText(inputs.type(i))
        appendBE(UInt32(1))
        appendBE(UInt64(bitPattern: inputs.occurredAt[i]))
        appendBE(UInt64(bitPattern: recordedAt))
        appendText(inputs.actors[i])
        appendOptionalID(inputs.correlationID(i))
        appendOptionalID(inputs.causationID(i))
        let payload = inputs.payload(i)
        appendBE(UInt32(truncatingIfNeeded: payload.count))
        scratch.append(contentsOf: payload)
        lastInputBytes = scratch.count
        let digest = SHA256.hash(data: scratch)
        digest.withUnsafeBytes { current.copyMemory(from: $0) }
    }

    @inline(__always) private mutating func appendBE<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { scratch.append(contentsOf: $0) }
    }

    @inline(__always) private mutating func appendOptionalID(_ id: UnsafeRawPointer?) {
        if let id {
            scratch.append(1)
            scratch.append(contentsOf: UnsafeRawBufferPointer(start: id, count: 16))
        } else {
            scratch.append(0)
        }
    }

    @inline(__always) private mutating func appendText(_ text: String) {
        appendBE(UInt32(truncatingIfNeeded: text.utf8.count))
        scratch.append(contentsOf: text.utf8)
    }
}
