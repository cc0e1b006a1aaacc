import CaseloadCoding
import EventStore
import EventStoreSQLite
import Foundation

// Provisional store benchmark; replaced by the full harness.
let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let skipDurable = arguments.count > 2 && arguments[2] == "x"
let skipBulk = arguments.count > 2 && arguments[2] == "durable"
let randomIDs = arguments.count > 3
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

func payload(_ n: Int) -> EventPayload {
    EventPayload(json: #"{"caseId":"c-\#(n / 10)","price":{"amount":300000,"currency":"UAH"},"scheduledStart":"2024-03-04T10:00:00Z","sessionId":"s-\#(n)","note":"padding-to-reach-about-two-hundred-bytes-of-json-payload-xxxxxxxx"}"#)
}

/// Fast pseudo-random ids (Foundation's UUID() makes three syscalls here).
struct IDs {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A UUIDv7: 48 bits of milliseconds, then random bits — ids that sort by
    /// creation time, so the log's id index grows at its right edge.
    mutating func uuid7(milliseconds: UInt64) -> UUID {
        let random = next()
        let high = (milliseconds << 16) | 0x7000 | (random & 0x0FFF)
        let low = (next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        return withUnsafeBytes(of: (a, b)) { raw in
            UUID(uuid: raw.load(as: uuid_t.self))
        }
    }
}
nonisolated(unsafe) var ids = IDs()

func now() -> Double { Date().timeIntervalSince1970 }

// Bulk
if !skipBulk {
    let store = try SQLiteEventStore(path: directory.appendingPathComponent("bulk.sqlite").path)
    let start = now()
    var n = 0
    let at = Timestamp(secondsSinceEpoch: 1_700_000_000)
    while n < count {
        var appends: [StreamAppend] = []
        var batch: [NewEvent] = []
        for i in 0..<1000 {
            batch.append(NewEvent(id: randomIDs ? ids.uuid() : ids.uuid7(milliseconds: UInt64(1_700_000_000_000 + n + i)), type: "SessionBooked", payload: payload(n + i), occurredAt: at, actor: "client:c-\(n)"))
            if batch.count == 10 {
                appends.append(StreamAppend(stream: try StreamID("case-" + String(1_000_000_000 + (n + i) / 10)), expected: .any, events: batch))
                batch = []
            }
        }
        _ = try await store.append(appends)
        n += 1000
    }
    let elapsed = now() - start
    print("bulk append: \(Int(Double(count) / elapsed)) events/s")
    let scanStart = now()
    var scanned = 0
    for try await batch in store.batches(LogQuery(limit: 5000)) { scanned += batch.count }
    print("scan (RecordedEvent): \(Int(Double(scanned) / (now() - scanStart))) events/s")
    await store.close()
}
// Concurrent durable
if !skipDurable {
    let store = try SQLiteEventStore(path: directory.appendingPathComponent("durable.sqlite").path)
    let total = count / 5
    let start = now()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<64 {
            let seed = UInt64(task + 1) * 7919
            group.addTask {
                var local = IDs(state: seed)
                let stream = try StreamID("case-\(task)")
                for i in 0..<(total / 64) {
                    _ = try await store.append(to: stream, expected: .any, [NewEvent(id: randomIDs ? local.uuid() : local.uuid7(milliseconds: UInt64(1_700_000_000_000 + i)), type: "SessionHeld", payload: payload(i), occurredAt: Timestamp(secondsSinceEpoch: 0), actor: "system:x")])
                }
            }
        }
        try await group.waitForAll()
    }
    print("durable concurrent appends (64 tasks, FULL): \(Int(Double(total) / (now() - start))) events/s")
    await store.close()
}
