import Foundation

/// Progress on standard error for long work: a rewritten line on a terminal,
/// a line every few seconds otherwise.
final class Progress: @unchecked Sendable {
    // @unchecked: `lock` guards every mutable field.
    private let lock = NSLock()
    private let label: String
    private var started = Date()
    private lazy var lastPrinted = started
    private var printedAny = false

    private let alwaysShow: Bool

    /// `alwaysShow`: print progress lines even when stderr is not a terminal
    /// and the work is short (for `replay`, whose point is the rate).
    init(label: String, alwaysShow: Bool = false) {
        self.label = label
        self.alwaysShow = alwaysShow
    }

    func update(_ done: Int64, _ total: Int64, unit: String = "events", extra: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let interval = Console.stderrIsTerminal ? 0.2 : (alwaysShow ? 1.0 : 5.0)
        guard now.timeIntervalSince(lastPrinted) >= interval else { return }
        lastPrinted = now
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\(label): \(extra ?? "\(done)")"
        if total > 0 { text += " (\(Int(Double(done) * 100 / Double(total)))%)" }
        text += String(format: ", %.0f \(unit)/s", rate)
        if total > done, rate > 0 { text += String(format: ", ETA %.0fs", Double(total - done) / rate) }
        printedAny = true
        if Console.stderrIsTerminal {
            FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
        } else {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    /// Counts time from now (for work that starts after the progress was made).
    func restart() {
        lock.lock()
        defer { lock.unlock() }
        started = Date()
        lastPrinted = started
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if printedAny && Console.stderrIsTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        printedAny = false  // so that finishing twice ends the line once
    }
}
