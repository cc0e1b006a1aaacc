import Foundation

/// A file written from the start, truncating what was there.
final class OutputFile {
    let path: String
    private let handle: FileHandle
    private var closed = false

    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        self.handle = handle
    }

    func write(_ bytes: [UInt8]) throws {
        try handle.write(contentsOf: bytes)
    }

    func close() throws {
        guard !closed else { return }
        closed = true
        try handle.close()
    }

    deinit { try? close() }
}
