import Foundation
import GRDB
import GRDBSQLite

enum DurableMethod: String, CaseIterable {
    case raw = "raw C API"
    case grdb = "GRDB dbPool.write + cachedStatement"
    /// The floor: 4 KiB pwrite + fdatasync on a plain file in the same directory.
    case fdatasync = "floor: 4 KiB pwrite + fdatasync"
}

struct LatencyRun {
    var measurement: Measurement
    var latencies: [Double] // seconds, one per commit

    var commitsPerSecond: Double { Double(latencies.count) / measurement.seconds }
    func percentile(_ p: Double) -> Double {
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}

/// `commits` single-event transactions, synchronous=FULL, WAL, one writer.
/// Each commit: BEGIN IMMEDIATE, hash, INSERT, COMMIT (one WAL fsync).
func runDurable(_ method: DurableMethod, commits: Int, inputs: Inputs, path: String) throws -> LatencyRun {
    var latencies = [Double]()
    latencies.reserveCapacity(commits)
    var chain = HashChainer()
    defer { chain.deallocate() }
    let hash = UnsafeRawPointer(chain.current.baseAddress!)

    switch method {
    case .raw:
        let db = try rawOpen(path)
        defer { rawClose(db) }
        try rawExec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
        let syncMode = try rawScalarText(db, "PRAGMA synchronous")
        precondition(syncMode == "2", "synchronous=\(syncMode)")
        try rawExec(db, schemaSQL(eventIDUnique: true))
        let ins = try rawPrepare(db, insertSQL)
        let begin = try rawPrepare(db, "BEGIN IMMEDIATE")
        let commit = try rawPrepare(db, "COMMIT")
        defer { for s in [ins, begin, commit] { sqlite3_finalize(s) } }
        let m = try timed {
            for i in 0 ..< commits {
                let t0 = monotonicSeconds()
                let position = Int64(i + 1)
                let recordedAt = nowMicros()
                try rawRun(db, begin)
                chain.advance(inputs, i, position: position, recordedAt: recordedAt)
                try rawInsert(db, ins, inputs, i, position: position, recordedAt: recordedAt, hash: hash)
                try rawRun(db, commit)
                latencies.append(monotonicSeconds() - t0)
            }
        }
        return LatencyRun(measurement: m, latencies: latencies)

    case .grdb:
        let pool = try makePool(path, synchronous: "FULL")
        defer { try? pool.close() }
        let writerSync = try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        precondition(writerSync == 2, "writer synchronous=\(String(describing: writerSync))")
        try pool.write { db in try db.execute(sql: schemaSQL(eventIDUnique: true)) }
        let m = try timed {
            for i in 0 ..< commits {
                let t0 = monotonicSeconds()
                let position = Int64(i + 1)
                let recordedAt = nowMicros()
                try pool.write { db in
                    let statement = try db.cachedStatement(sql: insertSQL)
                    chain.advance(inputs, i, position: position, recordedAt: recordedAt)
                    statement.setUncheckedArguments(
                        grdbArguments(inputs, i, position: position, recordedAt: recordedAt, hash: hash))
                    try statement.execute()
                }
                latencies.append(monotonicSeconds() - t0)
            }
        }
        return LatencyRun(measurement: m, latencies: latencies)

    case .fdatasync:
        let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SQLiteFailure(description: "open \(path): errno \(errno)") }
        defer { close(fd) }
        let page = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 4096)
        defer { page.deallocate() }
        page.initializeMemory(as: UInt8.self, repeating: 0xA5)
        let m = try timed {
            for i in 0 ..< commits {
                let t0 = monotonicSeconds()
                guard pwrite(fd, page.baseAddress, 4096, off_t(i) * 4096) == 4096, fdatasync(fd) == 0 else {
                    throw SQLiteFailure(description: "pwrite/fdatasync: errno \(errno)")
                }
                latencies.append(monotonicSeconds() - t0)
            }
        }
        return LatencyRun(measurement: m, latencies: latencies)
    }
}
