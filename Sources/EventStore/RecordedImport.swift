/// The checks every backend runs before it writes events recorded by another
/// log verbatim (``EventStoreTransaction/importRecorded(_:)``): the events
/// must continue this log exactly where it ends, so that the copy is the same
/// log, not a look-alike.
package enum RecordedImport {
    /// Checks that `events` follow `head`: positions contiguous from the
    /// head's, each hash recomputed from its content and the previous hash
    /// (so the first one links to the head's), and each stream's versions
    /// continuing from `currentVersion` without a gap. Returns the head the
    /// log has once they are written; throws
    /// ``EventStoreError/Code/invalidAppend`` naming the first event that
    /// does not fit, before anything is written.
    package static func check(
        _ events: [RecordedEvent], after head: LogHead, currentVersion: (StreamID) throws -> Int64
    ) throws -> LogHead {
        guard let last = events.last else { return head }
        var previous = head.hash
        var expectedPosition = head.position
        var versions: [StreamID: Int64] = [:]
        for event in events {
            expectedPosition += 1
            func refuse(_ reason: String) -> EventStoreError {
                EventStoreError(
                    .invalidAppend,
                    "cannot import the event at position \(event.position) (\(event.id.lowercased), stream '\(event.stream)'): \(reason)",
                    stream: event.stream, position: event.position, eventID: event.id.lowercased)
            }
            guard event.position == expectedPosition else {
                throw refuse(
                    "the next position of this log is \(expectedPosition) (its head is at \(expectedPosition - 1)); recorded events are imported contiguously")
            }
            let current = try versions[event.stream] ?? currentVersion(event.stream)
            guard event.streamVersion == current + 1 else {
                throw refuse(
                    "its stream version is \(event.streamVersion), but the stream is at version \(current) here")
            }
            versions[event.stream] = event.streamVersion
            let recomputed = HashChain.hash(of: event, previous: previous)
            guard recomputed == event.hash else {
                throw refuse(
                    "its hash \(event.hash.hex.prefix(16))… does not follow from its content and the previous hash \(previous.hex.prefix(16))… (recomputed \(recomputed.hex.prefix(16))…)")
            }
            previous = event.hash
        }
        return LogHead(position: last.position, hash: last.hash, recordedAt: last.metadata.recordedAt)
    }
}
