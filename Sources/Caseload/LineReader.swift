import Foundation

/// Reads a file (or standard input) line by line without loading it whole.
/// Not thread-safe: one reader, one thread.
///
/// Reading is linear in the file's size however long a line is: the search
/// for a newline resumes where the last one stopped instead of rescanning the
/// line from its start after every read (a 20 MB line took 22.7 s that way).
/// A line longer than `maxLineBytes` is refused as soon as that many bytes
/// are buffered, naming the line, without reading the rest of it.
public final class LineReader {
    /// A generous bound for a line of JSON: an import envelope holds one
    /// event (a payload of at most 1 MiB), an append line a batch of them.
    public static let defaultMaxLineBytes = 8 << 20

    private let handle: FileHandle
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline resumes: bytes from `start` up
    /// to here are known to hold none.
    private var searched = 0
    private var atEnd = false

    /// Opens `path`, or standard input for `-`.
    public init(path: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws {
        self.maxLineBytes = max(1, maxLineBytes)
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
    /// Lines handed out so far.
    public private(set) var linesRead = 0

    /// The next line without its newline, or nil at the end. Throws
    /// ``LineTooLongError`` for a line over the limit.
    public func next() throws(LineTooLongError) -> [UInt8]? {
        while true {
            if let newline = buffer[max(start, searched)...].firstIndex(of: 0x0A) {
                guard newline - start <= maxLineBytes else { throw tooLong() }
                let line = withoutByteOrderMark(buffer[start..<newline])
                bytesRead += newline + 1 - start
                start = newline + 1
                searched = start
                linesRead += 1
                return line
            }
            searched = buffer.count
            guard buffer.count - start <= maxLineBytes else { throw tooLong() }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = withoutByteOrderMark(buffer[start...])
                bytesRead += buffer.count - start
                start = buffer.count
                searched = start
                linesRead += 1
                return line
            }
            buffer.removeFirst(start)
            searched -= start
            start = 0
            let chunk = handle.availableData
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    /// The line, without the UTF-8 byte-order mark an editor may put at the
    /// start of a file (RFC 8259 lets a JSON reader ignore it; read as JSON
    /// it was "expected '{' at byte 0").
    private func withoutByteOrderMark(_ line: ArraySlice<UInt8>) -> [UInt8] {
        if linesRead == 0, line.starts(with: [0xEF, 0xBB, 0xBF]) { return Array(line.dropFirst(3)) }
        return Array(line)
    }

    private func tooLong() -> LineTooLongError {
        LineTooLongError(line: linesRead + 1, limit: maxLineBytes)
    }
}

/// A line longer than the reader's limit, refused before it was read whole.
/// Its description leaves the line number to the error that wraps it
/// (`ImportError`, `AppendLineError`: "line 2: longer than …").
public struct LineTooLongError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based.
    public var line: Int
    public var limit: Int

    public var description: String {
        "longer than \(limit) bytes, the limit for one line (--max-line-bytes)"
    }
}
