import Foundation
import Testing

/// Runs the built `caseload` binary the way a user would.
enum CLI {
    /// The `caseload` executable next to the test bundle (or $CASELOAD_BINARY).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["CASELOAD_BINARY"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("caseload")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/caseload")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `caseload arguments…` to completion, feeding `input` on stdin;
    /// `environment` entries are added to the test's own, `directory` is the
    /// working directory (the test's own if nil).
    static func run(
        _ arguments: [String], input: String? = nil, environment: [String: String] = [:], directory: URL? = nil
    ) throws -> Result {
        try run(executable: binary, arguments, input: input, environment: environment, directory: directory)
    }

    /// Runs a shell script with `/bin/sh -c` as a user would type it, with
    /// `caseload` (this build's) first on the PATH.
    static func shell(_ script: String, input: String? = nil, directory: URL) throws -> Result {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return try run(
            executable: URL(fileURLWithPath: "/bin/sh"), ["-c", script], input: input,
            environment: ["PATH": binary.deletingLastPathComponent().path + ":" + path], directory: directory)
    }

    private static func run(
        executable: URL, _ arguments: [String], input: String?, environment: [String: String], directory: URL?
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh directory per test, removed afterwards.
struct Scratch: ~Copyable {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// One `caseload append` input line: `count` events to `stream`.
func appendLine(stream: String, expected: String = "any", tag: String, count: Int) -> String {
    let events = (0..<count).map { index in
        #"{"type":"Marked","data":{"tag":"\#(tag)","index":\#(index)},"actor":"system:test","occurredAt":"2024-01-01T00:00:00Z"}"#
    }
    return #"{"stream":"\#(stream)","expected":"\#(expected)","events":[\#(events.joined(separator: ","))]}"#
}

/// Decodes the JSON printed by `caseload log --json`.
func loggedEvents(_ json: String) throws -> [[String: Any]] {
    let value = try JSONSerialization.jsonObject(with: Data(json.utf8))
    return try #require(value as? [[String: Any]])
}
