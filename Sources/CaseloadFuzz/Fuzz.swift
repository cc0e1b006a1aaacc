// libFuzzer harnesses for the places hostile input enters Caseload (issue 15,
// "Keeping it so"). Built only by Scripts/fuzz (the target exists only when
// CASELOAD_FUZZ is set, see Package.swift), with -sanitize=fuzzer,address.
//
// One binary, four harnesses; CASELOAD_FUZZ_TARGET picks one:
// - import:  a JSON Lines import file → `Marketplace.importLines` (envelope,
//            payload decoder, contract validation, the domain's rules);
// - append:  raw append lines → `Marketplace.appendLines` (the store-level
//            append request and the contract check of marketplace types);
// - command: lines of service command documents → `CommandDocument` →
//            `Marketplace.execute` (decide, the vault for a clientName);
// - rule:    a rating rule document (first byte: JSON, TOML, YAML or sniffed)
//            → `RatingRule.parse` → rated and compared over a small history.
//
// Thrown errors are answers, not findings. A finding is a trap, a sanitizer
// report, a timeout, or one of the oracles below failing (they trap on
// purpose): whatever the log accepted must read back through every reading
// command (log, head, verify, statistics, ratings, compare, audit, explain),
// and a log that only the rules wrote must verify.
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import Dispatch
import EventStore
import EventStoreTesting
import Foundation

/// The harness in use.
enum FuzzTarget: String, CaseIterable {
    case importFile = "import"
    case appendLines = "append"
    case commands = "command"
    case rule = "rule"
}

/// Set once in `LLVMFuzzerInitialize`, read only afterwards on libFuzzer's one thread.
nonisolated(unsafe) private var target = FuzzTarget.importFile
/// The history rules are rated over (rule target), built once.
nonisolated(unsafe) private var ratedHistory: Marketplace?
/// Where an input is written for the commands that read a file.
nonisolated(unsafe) private var inputPath = ""

/// libFuzzer's driver (in libclang_rt.fuzzer, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The entry point. SwiftPM links an executable target with `main` defined as
/// `<module>_main`, so that symbol starts libFuzzer's driver (which calls
/// `LLVMFuzzerInitialize`, then the harness for every input).
@_cdecl("CaseloadFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, { data, size in testOneInput(data, size) })
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> CInt {
    let name = ProcessInfo.processInfo.environment["CASELOAD_FUZZ_TARGET"] ?? ""
    guard let chosen = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set CASELOAD_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(64)
    }
    target = chosen
    let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    inputPath = "\(directory)/caseload-fuzz-\(getpid()).jsonl"
    if chosen == .rule {
        ratedHistory = blocking {
            let app = makeMarketplace(warm: true)
            // A small history with every kind of event the generator makes.
            _ = try! await app.generate(GeneratorParameters(therapists: 8, months: 4, seed: 7, profileViews: true))
            return app
        }
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    blocking {
        switch target {
        case .importFile: await fuzzImport(bytes)
        case .appendLines: await fuzzAppend(bytes)
        case .commands: await fuzzCommands(bytes)
        case .rule: await fuzzRule(bytes)
        }
    }
    return 0
}

/// Runs `body` to completion on the concurrency pool and waits for it
/// (libFuzzer calls the harness synchronously).
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let result = Outcome<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        result.value = await body()
        done.signal()
    }
    done.wait()
    return result.value!
}

/// What a blocking task produced.
final class Outcome<T>: @unchecked Sendable {
    // Written by the task before it signals, read after the wait: the semaphore orders them.
    var value: T?
}

func makeMarketplace(warm: Bool = false) -> Marketplace {
    var configuration = CaseloadConfiguration(store: .sqlite(path: ":fuzz:"))
    configuration.keepsFactsWarm = warm
    return Marketplace(store: InMemoryEventStore(), configuration: configuration)
}

/// A broken promise of the code under test: a finding, not an answer.
func finding(_ message: String) -> Never {
    FileHandle.standardError.write(Data("caseload-fuzz finding: \(message)\n".utf8))
    fatalError(message)
}

// MARK: Harnesses

func fuzzImport(_ bytes: [UInt8]) async {
    FileManager.default.createFile(atPath: inputPath, contents: Data(bytes))
    let app = makeMarketplace()
    let imported = (try? await app.importLines(from: inputPath)) != nil
    if imported { await readEverything(app, rulesHold: true) }
    await app.close()
}

func fuzzAppend(_ bytes: [UInt8]) async {
    FileManager.default.createFile(atPath: inputPath, contents: Data(bytes))
    let app = makeMarketplace()
    // The lines before a failing one stay appended: read whatever got in.
    _ = try? await app.appendLines(from: inputPath) { _ in }
    // Raw appends judge no rule (verify may list rule problems), but they
    // must still read back everywhere, and the chain must hold.
    await readEverything(app, rulesHold: false)
    await app.close()
}

func fuzzCommands(_ bytes: [UInt8]) async {
    let app = makeMarketplace()
    for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
        guard let document = try? CommandDocument(json: line) else { continue }
        _ = try? await app.execute(document)
    }
    await readEverything(app, rulesHold: true)
    await app.close()
}

func fuzzRule(_ bytes: [UInt8]) async {
    guard let first = bytes.first else { return }
    let formats: [RuleFormat?] = [.json, .toml, .yaml, nil]
    let format = formats[Int(first) % formats.count]
    let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
    guard let rule = try? RatingRule.parse(text, format: format) else { return }
    guard let app = ratedHistory else { return }
    // An accepted rule must rate, compare and report without trapping.
    if let rated = try? await app.ratings(under: rule, analysis: RatingAnalysis(draws: 5)) {
        _ = rated.ratings.csv()
        _ = rated.ratings.json()
    }
    let reference = RatingRule.builtin(named: RatingRule.builtinNames[0])!
    if let compared = try? await app.compare([reference, rule], analysis: RatingAnalysis(draws: 5)) {
        _ = compared.comparison.csv()
        _ = compared.comparison.json()
        _ = RatingReport.html(compared.comparison)
    }
}

// MARK: The oracle: every reading command over what was accepted

/// Runs every command that reads the log, as the CLI and the service do,
/// formatting what they print. Errors are answers; traps are findings. When
/// `rulesHold`, everything in the log went through the rules, so `verify`
/// must find nothing; the chain must hold in any case.
func readEverything(_ app: Marketplace, rulesHold: Bool) async {
    guard let head = try? await app.head() else { finding("head failed on an in-memory log") }
    var writer = JSONWriter()
    head.writeJSON(into: &writer)
    _ = "\(head.position) \(head.hash.hex) \(head.recordedAt?.iso8601 ?? "-")"
    guard head.position > 0 else { return }

    // log, log --json
    var cases = Set<String>()
    var actors = Set<String>()
    do {
        for try await batch in try app.log(LogSelection()) {
            for event in batch {
                var writer = JSONWriter(capacity: 512)
                event.writeJSON(into: &writer)
                _ = "\(event.position)\t\(event.metadata.occurredAt.iso8601)\t\(event.stream)@\(event.streamVersion)\t\(event.type)\t\(event.metadata.actor)\t\(event.payload.text)"
                if event.stream.rawValue.hasPrefix("case-") { cases.insert(String(event.stream.rawValue.dropFirst(5))) }
                actors.insert(event.metadata.actor)
            }
        }
    } catch {
        finding("log failed on what was accepted: \(error)")
    }

    // verify
    do {
        let verification = try await app.verify(rules: true)
        var writer = JSONWriter()
        verification.writeJSON(into: &writer)
        if verification.chain.firstBadPosition != nil { finding("the chain does not hold: \(verification.chain)") }
        if rulesHold, !verification.holds {
            finding("verify refuses what the rules accepted: \(verification.problems.map(\.description))")
        }
    } catch {
        finding("verify failed on what was accepted: \(error)")
    }

    // stats, over all history, a window, the longest window; both honour flags
    var therapists: [String] = []
    for days in [nil, 30, StatisticsWindow.maximumDays] as [Int?] {
        var request = StatisticsRequest()
        request.days = days
        request.honourExclusions = days != 30
        if let result = try? await app.statistics(request) {
            _ = StatisticsReport.json(result.therapists)
            _ = StatisticsReport.table(result.therapists, platform: result.platform)
            therapists = result.therapists.map(\.therapistId)
        }
    }

    // ratings and compare under the built-in rules
    let rules = RatingRule.builtinNames.compactMap { RatingRule.builtin(named: $0) }
    for rule in rules {
        if let rated = try? await app.ratings(under: rule, analysis: RatingAnalysis(draws: 3)) {
            _ = rated.ratings.csv()
            _ = rated.ratings.json()
        }
    }
    if let compared = try? await app.compare(rules, analysis: RatingAnalysis(draws: 3)) {
        _ = compared.comparison.csv()
        _ = RatingReport.html(compared.comparison)
    }

    // explain, for a few therapists and every metric
    for therapist in therapists.prefix(3) {
        for metric in Metric.allCases {
            if let explanation = try? await app.explain(ExplainRequest(therapist: therapist, metric: metric)) {
                _ = AuditReport.table(explanation)
                _ = AuditReport.json(explanation)
            }
        }
    }

    // audit case, audit actor, audit exclusions
    for caseId in cases.sorted().prefix(20) {
        if let timeline = try? await app.caseTimeline(caseId) {
            _ = AuditReport.table(timeline)
            _ = AuditReport.json(timeline)
        }
    }
    for actor in actors.sorted().prefix(10) {
        try? await app.actions(of: actor) { entries in
            _ = AuditReport.table(actor: actor, entries)
            _ = AuditReport.json(actor: actor, since: nil, until: nil, entries)
        }
    }
    if let records = try? await app.exclusions(ExclusionFilter()) {
        _ = AuditReport.table(records)
        _ = AuditReport.json(records)
    }
}
