/// Why an audit question could not be answered: a code to act on (the CLI
/// maps it to an exit status), a message for people, and what it concerns.
public struct AuditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. A struct over a private enum, so cases can be added
    /// without breaking callers that switch over the known ones.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case caseNotFound, therapistNotFound, unknownMetric, invalidActor, invalidArgument
            case explanationIncomplete
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// No stream `case-<id>` in the log.
        public static let caseNotFound = Code(.caseNotFound)
        /// The therapist has no statistics (never joined, no case, no view).
        public static let therapistNotFound = Code(.therapistNotFound)
        /// `explain` was asked for a figure the statistics do not have.
        public static let unknownMetric = Code(.unknownMetric)
        /// An actor that is not `kind:id`.
        public static let invalidActor = Code(.invalidActor)
        /// A filter or option that cannot be used (an unknown reason, an empty range).
        public static let invalidArgument = Code(.invalidArgument)
        /// The parts of an explanation do not add up to the figure the
        /// statistics compute: a defect, reported rather than printed as if true.
        public static let explanationIncomplete = Code(.explanationIncomplete)

        public var description: String { "\(value)" }
    }

    public var code: Code
    public var message: String
    /// The case, therapist or actor the error concerns, when there is one.
    public var subject: String?

    public init(_ code: Code, _ message: String, subject: String? = nil) {
        self.code = code
        self.message = message
        self.subject = subject
    }

    public var description: String { message }
}
