import Foundation
import Testing

@Suite(.serialized) struct ProcessSafety {
    @Test func twoProcessesAppendingToOneFileLoseAndDuplicateNothing() throws {
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        // Create the file first so both processes open an existing log.
        #expect(try CLI.run(["append", "--db", db, "-"], input: appendLine(stream: "setup", tag: "s", count: 1)).status == 0)
        let perProcess = 300
        let inputs = ["a", "b"].map { name in
            (0..<perProcess).map { n in
                // Half to a shared stream (with `any`), half to the process's own streams.
                appendLine(stream: n % 2 == 0 ? "shared" : "\(name)-\(n)", tag: "\(name)\(n)", count: 2)
            }.joined(separator: "\n")
        }
        let results = UnsafeMutableBufferPointer<CLI.Result?>.allocate(capacity: 2)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let shared = results
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            shared[index] = try? CLI.run(["append", "--db", db, "--durability", "normal", "-"], input: inputs[index])
        }
        for index in 0..<2 {
            let result = try #require(results[index])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.split(separator: "\n").count == perProcess)
        }
        let log = try loggedEvents(try CLI.run(["log", "--db", db, "--json"]).stdout)
        #expect(log.count == 1 + 2 * perProcess * 2)
        #expect(log.map { $0["position"] as? Int ?? 0 } == Array(1...log.count))
        let tags = log.compactMap { event -> String? in
            guard let data = event["data"] as? [String: Any], let tag = data["tag"] as? String, let index = data["index"] as? Int
            else { return nil }
            return "\(tag)/\(index)"
        }
        #expect(Set(tags).count == log.count, "no event twice")
        let sharedVersions = log.filter { $0["stream"] as? String == "shared" }.map { $0["streamVersion"] as? Int ?? 0 }
        #expect(sharedVersions == Array(1...sharedVersions.count))
        #expect(try CLI.run(["verify", "--db", db, "--chain-only"]).status == 0)
    }

    @Test func aProcessKilledMidAppendLosesNoAcknowledgedAppendAndLeavesNoPartialBatch() throws {
        // Writing to the killed child's stdin must fail with EPIPE, not kill the tests.
        signal(SIGPIPE, SIG_IGN)
        let scratch = try Scratch()
        let db = scratch.path("log.sqlite")
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["append", "--db", db, "-"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Feed batches of 5 events from a background thread, forever; the
        // child acknowledges each once it is durable (synchronous=FULL).
        let writer = input.fileHandleForWriting
        let feeding = Thread {
            var n = 0
            while true {
                let line = appendLine(stream: "batch-\(n)", expected: "no-stream", tag: "b\(n)", count: 5) + "\n"
                do { try writer.write(contentsOf: Data(line.utf8)) } catch { return }
                n += 1
            }
        }
        feeding.start()
        // Read acknowledgements until enough have arrived, then SIGKILL mid-stream.
        var acknowledged: [Int] = []
        var pending = Data()
        let reader = output.fileHandleForReading
        while acknowledged.count < 150 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                if let object = try JSONSerialization.jsonObject(with: line) as? [String: Any], let number = object["line"] as? Int {
                    acknowledged.append(number)
                }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? writer.close()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 150)

        let log = try loggedEvents(try CLI.run(["log", "--db", db, "--json"]).stdout)
        var perStream: [String: Int] = [:]
        for event in log { perStream[event["stream"] as? String ?? "?", default: 0] += 1 }
        // Every acknowledged line (line N wrote stream batch-(N-1)) is there in full.
        for line in acknowledged {
            #expect(perStream["batch-\(line - 1)"] == 5, "acknowledged line \(line) is missing or partial")
        }
        // No batch is partial: each stream has all 5 events or none.
        #expect(perStream.values.allSatisfy { $0 == 5 }, "a partial batch: \(perStream.filter { $0.value != 5 })")
        #expect(log.map { $0["position"] as? Int ?? 0 } == Array(1...log.count), "positions gapless")
        #expect(try CLI.run(["verify", "--db", db, "--chain-only"]).status == 0)
    }
}
