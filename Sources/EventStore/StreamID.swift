/// The name of a stream, such as `case-c42` or `therapist-t7`.
///
/// Non-empty, at most ``EventStoreLimits/maxStreamIDBytes`` bytes of UTF-8, no
/// control characters.
public struct StreamID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Validates and wraps a stream name.
    public init(_ rawValue: String, limits: EventStoreLimits = .default) throws {
        let count = rawValue.utf8.count
        guard count > 0 else {
            throw EventStoreError(.invalidStreamID, "stream id is empty")
        }
        guard count <= limits.maxStreamIDBytes else {
            throw EventStoreError(
                .invalidStreamID,
                "stream id '\(rawValue.prefix(40))…' is \(count) bytes long; the limit is \(limits.maxStreamIDBytes)")
        }
        guard !rawValue.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw EventStoreError(.invalidStreamID, "stream id \(rawValue.debugDescription) has a control character")
        }
        self.rawValue = rawValue
    }

    /// Wraps a name read back from storage, already validated when it was written.
    package init(unchecked rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static func < (lhs: StreamID, rhs: StreamID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Size limits every backend enforces, so that a bad caller gets a clear error
/// instead of a bloated or unreadable log.
public struct EventStoreLimits: Sendable, Hashable {
    public var maxStreamIDBytes = 256
    public var maxTypeBytes = 128
    public var maxActorBytes = 256
    /// A payload is a small JSON object; 1 MiB is generous.
    public var maxPayloadBytes = 1 << 20
    public var maxEventsPerAppend = 1_000_000

    public init() {}

    public static let `default` = EventStoreLimits()
}
