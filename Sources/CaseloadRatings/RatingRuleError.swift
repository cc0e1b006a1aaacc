/// A rating rule that could not be read, with where and why.
///
/// A code (an open set: new codes can be added without breaking clients), a
/// message that names the problem, and where known the file, the line and
/// column (1-based, columns counted in Unicode scalars) and the key path
/// (`metrics.conversion.estimator`). `description` reads like a compiler
/// diagnostic: `fair.yaml:7:5: unknown key 'windowDay' in metrics.conversion`.
/// Only the CLI maps these to exit codes.
public struct RatingRuleError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case unreadableFile, unknownFormat, syntax, unknownRule
            case unknownKey, missingKey, duplicateKey, wrongType, invalidValue
            case unknownMetric, unknownStatistic, badExpression, unknownFunction
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file could not be read (missing, unreadable, not UTF-8).
        public static let unreadableFile = Code(.unreadableFile)
        /// Neither the extension nor the text says whether it is JSON, TOML or YAML.
        public static let unknownFormat = Code(.unknownFormat)
        /// The text is not valid JSON, TOML or YAML.
        public static let syntax = Code(.syntax)
        /// Neither a built-in rule nor a file has that name.
        public static let unknownRule = Code(.unknownRule)
        /// A key the rule format does not have (usually a typo).
        public static let unknownKey = Code(.unknownKey)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// A key appears twice in one table.
        public static let duplicateKey = Code(.duplicateKey)
        /// A value of the wrong type (a string where a number belongs, ...).
        public static let wrongType = Code(.wrongType)
        /// A value of the right type that is out of range or inconsistent.
        public static let invalidValue = Code(.invalidValue)
        /// The score or a minimum sample names a metric the rule does not define.
        public static let unknownMetric = Code(.unknownMetric)
        /// A metric names a statistic that `TherapistStatistics` does not have.
        public static let unknownStatistic = Code(.unknownStatistic)
        /// The score expression does not parse.
        public static let badExpression = Code(.badExpression)
        /// The score calls a function other than `min` and `max`.
        public static let unknownFunction = Code(.unknownFunction)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    /// The file (or `builtin:<name>`), when the rule came from one.
    public var file: String?
    /// 1-based line of the offending key or value.
    public var line: Int?
    /// 1-based column (Unicode scalars) when known.
    public var column: Int?
    /// Dotted path of the offending key, e.g. `metrics.conversion.windowDays`.
    public var keyPath: String?
    /// The parser's own error, for a syntax error.
    public var underlying: (any Error & Sendable)?

    /// For an expression error: the 1-based character in the expression, so
    /// the rule reader can turn it into a file column.
    var expressionCharacter: Int?

    public init(
        _ code: Code, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
        keyPath: String? = nil, underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.underlying = underlying
    }

    /// `file:line:column: message`, leaving out what is not known.
    public var description: String {
        var location = file ?? ""
        if let line {
            location += location.isEmpty ? "line \(line)" : ":\(line)"
            if let column { location += ":\(column)" }
        }
        return location.isEmpty ? message : "\(location): \(message)"
    }
}
