import CaseloadApplication
import CaseloadCoding
import EventStore
import Hummingbird
import ServiceLifecycle
import Synchronization

/// The live feed: the log after a position, then each commit as it lands,
/// as NDJSON (one event per line) or server-sent events, with a heartbeat
/// while nothing happens.
///
/// Memory does not grow with a slow client: one page of events is read, then
/// written, and the write waits until the connection takes it
/// (Hummingbird's writer suspends while the socket is not writable), so a
/// stalled consumer holds the feed where it is, not the server's memory.
struct Feed: Sendable {
    enum Format { case ndjson, serverSentEvents }

    let marketplace: Marketplace
    let after: Int64
    let types: Set<String>?
    let format: Format
    let heartbeat: Duration
    let metrics: ServerMetrics
    /// Events per read (and per write).
    var page = 1000

    func run(into writer: inout any ResponseBodyWriter) async throws {
        metrics.subscriberJoined()
        defer { metrics.subscriberLeft() }
        let stopping = StopSignal()
        try await withGracefulShutdownHandler {
            try await stream(into: &writer, stopping: stopping)
        } onGracefulShutdown: {
            stopping.stop()
        }
        try await writer.finish(nil)
    }

    private func stream(into writer: inout any ResponseBodyWriter, stopping: StopSignal) async throws {
        var after = after
        var idle = Duration.zero
        // Waits are short so that a graceful shutdown ends the feed promptly.
        let slice = min(heartbeat, .seconds(1))
        while !stopping.isStopped && !Task.isCancelled {
            let head = try await marketplace.head().position
            let events = head > after ? try await marketplace.events(after: after, limit: page, types: types) : []
            if !events.isEmpty {
                var buffer = ByteBuffer()
                buffer.reserveCapacity(events.count * 512)
                for event in events { append(event, to: &buffer) }
                try await writer.write(buffer)
                after = events.last!.position
                idle = .zero
            }
            if events.count == page { continue }
            // A short page saw every position up to the head read before it.
            after = max(after, head)
            if idle >= heartbeat {
                try await writer.write(heartbeatLine(head: head))
                idle = .zero
            }
            let started = ContinuousClock.now
            _ = try await marketplace.waitForCommit(after: after, timeout: slice)
            idle += ContinuousClock.now - started
        }
    }

    private func append(_ event: RecordedEvent, to buffer: inout ByteBuffer) {
        var json = JSONWriter(capacity: 512)
        event.writeJSON(into: &json)
        switch format {
        case .ndjson:
            buffer.writeBytes(json.bytes)
            buffer.writeInteger(UInt8(ascii: "\n"))
        case .serverSentEvents:
            buffer.writeString("id: \(event.position)\ndata: ")
            buffer.writeBytes(json.bytes)
            buffer.writeString("\n\n")
        }
    }

    private func heartbeatLine(head: Int64) -> ByteBuffer {
        switch format {
        case .ndjson: ByteBuffer(string: "{\"heartbeat\":{\"head\":\(head)}}\n")
        case .serverSentEvents: ByteBuffer(string: ": heartbeat \(head)\n\n")
        }
    }
}

/// Set once, when the service begins its graceful shutdown.
final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    func stop() { stopped.store(true, ordering: .relaxed) }
    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}
