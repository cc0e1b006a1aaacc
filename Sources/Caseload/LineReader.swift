import Foundation

/// Reads a file (or standard input) line by line without loading it whole.
/// Not thread-safe: one reader, one thread.
public final class LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    /// Opens `path`, or standard input for `-`.
    public init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot read '\(path)'"])
            }
            handle = opened
            totalBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        }
    }

    /// The file's size, when known (not for standard input): for progress.
    public private(set) var totalBytes: Int?
    /// Bytes handed out so far, newlines included.
    public private(set) var bytesRead = 0

    /// The next line without its newline, or nil at the end.
    public func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = Array(buffer[start..<newline])
                bytesRead += newline + 1 - start
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = Array(buffer[start...])
                bytesRead += buffer.count - start
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

