/// An error of the event store, with the context that locates it.
///
/// A code (an open set: new codes can be added without breaking clients), a
/// human-readable message, and where known the stream, expectation, position or
/// event id concerned. Only the CLI maps these to exit codes.
public struct EventStoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case wrongExpectedVersion, idempotencyConflict, invalidStreamID, invalidExpectation
            case invalidPayload, payloadTooLarge, invalidEvent, invalidAppend
            case databaseNotFound, closed, storageFailure, corrupted, notAnEventStore
            case invalidConfiguration, readOnly, compactionIncomplete
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The stream's current version is not the one the append expected.
        public static let wrongExpectedVersion = Code(.wrongExpectedVersion)
        /// An event id is already committed with different content, or only some
        /// of an append's ids are.
        public static let idempotencyConflict = Code(.idempotencyConflict)
        /// A stream id that is empty, too long or has control characters.
        public static let invalidStreamID = Code(.invalidStreamID)
        /// An expectation that is not `any`, `no-stream` or a version number.
        public static let invalidExpectation = Code(.invalidExpectation)
        /// A payload that is not a JSON object.
        public static let invalidPayload = Code(.invalidPayload)
        /// A payload over the configured size limit.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// A type name, schema version or actor that breaks the contract's limits.
        public static let invalidEvent = Code(.invalidEvent)
        /// An append that is malformed as a whole (no events, a stream twice, an id twice).
        public static let invalidAppend = Code(.invalidAppend)
        /// The database file does not exist (and creating it was not asked for).
        public static let databaseNotFound = Code(.databaseNotFound)
        /// The store was closed.
        public static let closed = Code(.closed)
        /// The storage engine failed (I/O, lock timeout, disk full, ...).
        public static let storageFailure = Code(.storageFailure)
        /// Stored data does not read back as a valid event.
        public static let corrupted = Code(.corrupted)
        /// The file is a database, but not a Caseload event log.
        public static let notAnEventStore = Code(.notAnEventStore)
        /// A store configuration that cannot be used as given.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A write to a store opened for reading only.
        public static let readOnly = Code(.readOnly)
        /// A compaction could not finish (a reader held an older snapshot):
        /// what was deleted is unreadable, but older copies of its pages may
        /// remain in the file until a later compaction succeeds.
        public static let compactionIncomplete = Code(.compactionIncomplete)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    public var stream: StreamID?
    public var expected: ExpectedVersion?
    public var actualVersion: Int64?
    public var position: Int64?
    public var eventID: UUIDText?
    public var underlying: (any Error & Sendable)?

    public init(
        _ code: Code, _ message: String, stream: StreamID? = nil, expected: ExpectedVersion? = nil,
        actualVersion: Int64? = nil, position: Int64? = nil, eventID: UUIDText? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.stream = stream
        self.expected = expected
        self.actualVersion = actualVersion
        self.position = position
        self.eventID = eventID
        self.underlying = underlying
    }

    public var description: String { message }

    static func wrongVersion(_ stream: StreamID, expected: ExpectedVersion, actual: Int64) -> EventStoreError {
        EventStoreError(
            .wrongExpectedVersion,
            "stream '\(stream)': expected \(expected), but its current version is \(actual == 0 ? "none (no stream)" : String(actual))",
            stream: stream, expected: expected, actualVersion: actual)
    }
}

/// A UUID as the lowercase text an error message or a JSON document shows.
public typealias UUIDText = String
