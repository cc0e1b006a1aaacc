import Foundation

/// Reads a file (or standard input) line by line without loading it whole.
final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot read '\(path)'"])
            }
            handle = opened
        }
    }

    /// The next line without its newline, or nil at the end.
    func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = handle.availableData
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}

/// Progress on standard error for long work: a rewritten line on a terminal,
/// a line every few seconds otherwise.
final class Progress: @unchecked Sendable {
    // @unchecked: `lock` guards every mutable field.
    private let lock = NSLock()
    private let label: String
    private let started = Date()
    private lazy var lastPrinted = started
    private var printedAny = false

    init(label: String) { self.label = label }

    func update(_ done: Int64, _ total: Int64) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        let interval = Console.stderrIsTerminal ? 0.2 : 5.0
        guard now.timeIntervalSince(lastPrinted) >= interval else { return }
        lastPrinted = now
        let elapsed = now.timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = "\(label) \(done)"
        if total > 0 { text += "/\(total) (\(Int(Double(done) * 100 / Double(total)))%)" }
        text += String(format: ", %.0f events/s", rate)
        if total > done, rate > 0 { text += String(format: ", ETA %.0fs", Double(total - done) / rate) }
        printedAny = true
        if Console.stderrIsTerminal {
            FileHandle.standardError.write(Data("\r\(text)\u{1B}[K".utf8))
        } else {
            FileHandle.standardError.write(Data("\(text)\n".utf8))
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if printedAny && Console.stderrIsTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
