import Foundation
import GRDBSQLite

// GRDB vs. raw SQLite C API on the event log's hot paths.
//
//   cd Benchmarks/SQLiteAccess && swift run -c release
//
// Options (for smoke runs): --events N (1000000) --runs R (3) --commits C (2000)
//                           --dir PATH (temp dir) --only ABC
//                           --cache-kib K (131072; SQLite's own default is 2000)
//                           --autocheckpoint P (bulk test's wal_autocheckpoint, 100000; 0 = SQLite default 1000)
//                           --filter SUBSTR (append rows whose label contains it) --extended (more append rows)

// MARK: Options

var eventCount = 1_000_000
var runs = 3
var commits = 2_000
var only = "ABC"
var appendFilter = "" // keep only append rows whose label contains this
var extended = false
var directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
do {
    var args = CommandLine.arguments.dropFirst().makeIterator()
    while let arg = args.next() {
        switch arg {
        case "--events": eventCount = Int(args.next()!)!
        case "--runs": runs = Int(args.next()!)!
        case "--commits": commits = Int(args.next()!)!
        case "--dir": directory = args.next()!
        case "--only": only = args.next()!.uppercased()
        case "--cache-kib": cacheSizeKiB = Int(args.next()!)!
        case "--filter": appendFilter = args.next()!
        case "--autocheckpoint": bulkAutocheckpoint = Int(args.next()!)!
        case "--extended": extended = true
        default: fatalError("unknown option \(arg)")
        }
    }
}

// MARK: Helpers

func readFile(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
func loadAverage() -> String { readFile("/proc/loadavg").split(separator: " ").prefix(3).joined(separator: " ") }

var fileCounter = 0
@MainActor func freshPath() -> String {
    fileCounter += 1
    let path = "\(directory)/sqlite-access-\(getpid())-\(fileCounter).sqlite"
    removeDatabase(path)
    return path
}
func removeDatabase(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func grouped(_ x: Double) -> String {
    let n = Int(x.rounded())
    let s = String(n)
    var out = ""
    for (k, c) in s.reversed().enumerated() {
        if k > 0 && k % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return String(out.reversed())
}
func fixed(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

func rotated<T>(_ xs: [T], by k: Int) -> [T] {
    guard !xs.isEmpty else { return xs }
    let k = k % xs.count
    return Array(xs[k...] + xs[..<k])
}

/// Results keyed by row label, in first-seen order.
struct Results {
    var order: [String] = []
    var runs: [String: [Measurement]] = [:]
    mutating func add(_ label: String, _ m: Measurement) {
        if runs[label] == nil { order.append(label) }
        runs[label, default: []].append(m)
    }
    func medianSeconds(_ label: String) -> Double { median(runs[label]!.map(\.seconds)) }
    func medianCPU(_ label: String) -> Double { median(runs[label]!.map(\.cpuSeconds)) }
}

// MARK: Machine

let cpuModel = readFile("/proc/cpuinfo").split(separator: "\n")
    .first { $0.hasPrefix("model name") }
    .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "?"
print("# SQLite access benchmark: GRDB 7.10.0 vs raw C API")
print("machine: nproc=\(ProcessInfo.processInfo.activeProcessorCount), cpu=\(cpuModel), "
    + "mem=\(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
print("sqlite: \(String(cString: sqlite3_libversion())) (threadsafe=\(sqlite3_threadsafe())), "
    + "source \(String(cString: sqlite3_sourceid()).prefix(19))")
print("events=\(eventCount), runs=\(runs) (median reported), batch=\(batchSize), durable commits=\(commits), "
    + "dir=\(directory)")
print("connections: \(setupPragmas(bulk: false)) (SQLite default -2000), journal_mode=WAL; "
    + "bulk (A): synchronous=NORMAL, \(setupPragmas(bulk: true)); durable (C): synchronous=FULL, wal_autocheckpoint default")
print("loadavg at start: \(loadAverage())")
fflush(nil)

// MARK: Inputs

let genStart = monotonicSeconds()
let inputs = Inputs(count: eventCount, streamCount: max(1, eventCount / 10))
do {
    var probe = HashChainer()
    probe.advance(inputs, 0, position: 1, recordedAt: 0)
    probe.deallocate()
    print("inputs: \(eventCount) events, \(max(1, eventCount / 10)) streams, payload avg "
        + "\(fixed(inputs.averagePayloadBytes, 1)) B, hash input \(probe.lastInputBytes) B/event, "
        + "generated in \(fixed(monotonicSeconds() - genStart, 1)) s")
}
fflush(nil)

// MARK: Plan

let withAll = AppendOptions(hashing: true, eventIDUnique: true)
let noHash = AppendOptions(hashing: false, eventIDUnique: true)
let noUnique = AppendOptions(hashing: true, eventIDUnique: false)
let appendPlan: [(AppendMethod, AppendOptions)] = extended
    ? [AppendMethod.raw, .rawSerialized, .grdbStatement, .grdbExecuteArguments, .grdbWritePerBatch, .grdbRaw]
        .map { ($0, withAll) }
        + [AppendMethod.raw, .grdbStatement, .grdbRaw].map { ($0, noHash) }
        + [AppendMethod.raw, .grdbStatement, .grdbRaw].map { ($0, noUnique) }
    : [AppendMethod.raw, .grdbStatement, .grdbWritePerBatch, .grdbRaw].map { ($0, withAll) }
        + [AppendMethod.raw, .grdbStatement].map { ($0, noHash) }
        + [AppendMethod.raw, .grdbStatement].map { ($0, noUnique) }
func appendLabel(_ m: AppendMethod, _ o: AppendOptions) -> String { "\(m.rawValue) | \(o.label)" }

var hashOnly = Results()
var appendResults = Results()
var scanResults = Results()
var durableRuns: [String: [LatencyRun]] = [:]
let benchStart = monotonicSeconds()

for round in 0 ..< runs {
    print("\n## round \(round + 1)/\(runs)  (loadavg \(loadAverage()))")
    var scanPath: String?

    if only.contains("A") {
        // The hash chain alone, no SQLite: its CPU cost per event, measured directly.
        var chain = HashChainer()
        let m = timed {
            for i in 0 ..< eventCount { chain.advance(inputs, i, position: Int64(i + 1), recordedAt: 1) }
        }
        chain.deallocate()
        hashOnly.add("hash chain alone", m)
        print("A0 hash chain alone (SHA-256 over \(chain.lastInputBytes) B, no SQLite): "
            + "\(grouped(Double(eventCount) / m.seconds)) events/s (\(fixed(m.seconds, 2)) s wall, \(fixed(m.cpuSeconds, 2)) s cpu)")
    }

    if only.contains("A") || only.contains("B") {
        // The scan reads the file written by this round's raw, hash+UNIQUE run.
        let filtered = appendPlan.filter { appendFilter.isEmpty || appendLabel($0.0, $0.1).contains(appendFilter) }
        let plan = only.contains("A") ? rotated(filtered, by: round * 3) : [(AppendMethod.raw, withAll)]
        for (method, options) in plan {
            let path = freshPath()
            sync() // untimed: leave no dirty pages of earlier runs to the kernel's writeback
            let m = try runAppend(method, options, inputs: inputs, path: path)
            if only.contains("A") { appendResults.add(appendLabel(method, options), m) }
            print("A  \(appendLabel(method, options)): \(grouped(Double(eventCount) / m.seconds)) events/s "
                + "(\(fixed(m.seconds, 2)) s wall, \(fixed(m.cpuSeconds, 2)) s cpu)")
            fflush(nil)
            if method == .raw && options == withAll && scanPath == nil { scanPath = path } else { removeDatabase(path) }
        }
    }

    if only.contains("B"), let path = scanPath {
        let db = try rawOpen(path)
        try rawExec(db, "PRAGMA wal_checkpoint(TRUNCATE)")
        rawClose(db)
        _ = try runScan(.raw, path: path) // warm-up, untimed: file in the OS page cache
        var reference: ScanChecksum?
        for method in rotated(ScanMethod.allCases, by: round) {
            sync()
            let (m, checksum) = try runScan(method, path: path)
            precondition(checksum.rows == eventCount, "scan read \(checksum.rows) rows")
            if let reference { precondition(checksum == reference, "\(method) read different data") }
            reference = checksum
            scanResults.add(method.rawValue, m)
            print("B  \(method.rawValue): \(grouped(Double(eventCount) / m.seconds)) events/s "
                + "(\(fixed(m.seconds, 2)) s wall, \(fixed(m.cpuSeconds, 2)) s cpu)")
            fflush(nil)
        }
    }
    if let scanPath { removeDatabase(scanPath) }

    if only.contains("C") {
        for method in rotated(DurableMethod.allCases, by: round) {
            let path = freshPath()
            sync()
            let run = try runDurable(method, commits: commits, inputs: inputs, path: path)
            removeDatabase(path)
            durableRuns[method.rawValue, default: []].append(run)
            print("C  \(method.rawValue): \(grouped(run.commitsPerSecond)) commits/s, "
                + "p50 \(fixed(run.percentile(0.5) * 1e3, 3)) ms, p99 \(fixed(run.percentile(0.99) * 1e3, 3)) ms")
            fflush(nil)
        }
    }
}

// MARK: Summary

print("\n## Summary (median of \(runs) runs; \(eventCount) events; loadavg at end \(loadAverage()); "
    + "total \(fixed(monotonicSeconds() - benchStart, 0)) s)\n")

if !appendResults.order.isEmpty {
    let base = appendResults.medianSeconds(appendLabel(.raw, withAll))
    print("### A. Bulk append (1,000-event transactions, WAL, synchronous=NORMAL, "
        + "\(setupPragmas(bulk: true)), incl. final checkpoint)\n")
    print("| path | variant | events/s | µs/event | wall s (min–max) | cpu s | vs raw (same variant) |")
    print("|---|---|---:|---:|---|---:|---:|")
    for label in appendResults.order {
        let s = appendResults.medianSeconds(label)
        let all = appendResults.runs[label]!.map(\.seconds)
        let parts = label.components(separatedBy: " | ")
        let variantRaw = appendResults.runs.keys.first { $0 == "\(AppendMethod.raw.rawValue) | \(parts[1])" }
        let ratio = variantRaw.map { appendResults.medianSeconds($0) / s } ?? base / s
        print("| \(parts[0]) | \(parts[1]) | \(grouped(Double(eventCount) / s)) | "
            + "\(fixed(s / Double(eventCount) * 1e6, 2)) | \(fixed(s, 2)) (\(fixed(all.min()!, 2))–\(fixed(all.max()!, 2))) | "
            + "\(fixed(appendResults.medianCPU(label), 2)) | \(fixed(ratio, 2))× |")
    }
    if !hashOnly.order.isEmpty {
        let s = hashOnly.medianSeconds("hash chain alone")
        print("| hash chain alone, no SQLite | SHA-256 per event | \(grouped(Double(eventCount) / s)) | "
            + "\(fixed(s / Double(eventCount) * 1e6, 2)) | \(fixed(s, 2)) | \(fixed(hashOnly.medianCPU("hash chain alone"), 2)) | |")
    }
    func perEvent(_ m: AppendMethod, _ o: AppendOptions) -> Double? {
        let label = appendLabel(m, o)
        return appendResults.runs[label] == nil ? nil : appendResults.medianSeconds(label) / Double(eventCount) * 1e6
    }
    print("")
    for m in AppendMethod.allCases {
        guard let a = perEvent(m, withAll) else { continue }
        if let h = perEvent(m, noHash) {
            print("- \(m.rawValue): dropping the hash chain saves \(fixed(a - h, 2)) µs/event "
                + "(\(fixed((a - h) / a * 100, 0))% of the append, wall)")
        }
        if let u = perEvent(m, noUnique) {
            print("- \(m.rawValue): dropping UNIQUE(event_id) saves \(fixed(a - u, 2)) µs/event "
                + "(\(fixed((a - u) / a * 100, 0))% of the append, wall)")
        }
    }
    print("")
}

if !scanResults.order.isEmpty {
    let base = scanResults.medianSeconds(ScanMethod.raw.rawValue)
    print("### B. Full scan ORDER BY position into a Swift struct\n")
    print("| path | events/s | µs/event | wall s (min–max) | cpu s | vs raw |")
    print("|---|---:|---:|---|---:|---:|")
    for label in scanResults.order.sorted(by: { a, b in
        ScanMethod.allCases.firstIndex { $0.rawValue == a }! < ScanMethod.allCases.firstIndex { $0.rawValue == b }!
    }) {
        let s = scanResults.medianSeconds(label)
        let all = scanResults.runs[label]!.map(\.seconds)
        print("| \(label) | \(grouped(Double(eventCount) / s)) | \(fixed(s / Double(eventCount) * 1e6, 3)) | "
            + "\(fixed(s, 2)) (\(fixed(all.min()!, 2))–\(fixed(all.max()!, 2))) | \(fixed(scanResults.medianCPU(label), 2)) | "
            + "\(fixed(base / s, 2))× |")
    }
    print("")
}

if !durableRuns.isEmpty {
    print("### C. Single-event durable commits (synchronous=FULL, WAL, one writer, \(commits) commits)\n")
    print("| path | commits/s | p50 ms | p99 ms | (per-run commits/s) |")
    print("|---|---:|---:|---:|---|")
    for method in DurableMethod.allCases {
        guard let rs = durableRuns[method.rawValue] else { continue }
        let rates = rs.map(\.commitsPerSecond)
        print("| \(method.rawValue) | \(grouped(median(rates))) | \(fixed(median(rs.map { $0.percentile(0.5) }) * 1e3, 3)) | "
            + "\(fixed(median(rs.map { $0.percentile(0.99) }) * 1e3, 3)) | \(rates.map { grouped($0) }.joined(separator: ", ")) |")
    }
    print("")
}
