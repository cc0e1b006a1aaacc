/// What an append expects of its stream's current version (optimistic concurrency).
///
/// Versions count a stream's events from 1; a stream with no events has
/// version 0, so `.exactly(0)` means the same as `.noStream`.
public enum ExpectedVersion: Hashable, Sendable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must have no events yet.
    case noStream
    /// The stream's last event must have this version.
    case exactly(Int64)

    /// Reads the textual forms a command line or a file uses: `any`,
    /// `no-stream` (or `noStream`), or a version number.
    public init(parsing text: String) throws {
        switch text {
        case "any": self = .any
        case "no-stream", "noStream", "no_stream": self = .noStream
        default:
            let digits = text.hasPrefix("exactly:") ? String(text.dropFirst("exactly:".count)) : text
            guard let version = Int64(digits), version >= 0 else {
                throw EventStoreError(
                    .invalidExpectation,
                    "unknown expectation '\(text)': use any, no-stream, or a version number such as 3")
            }
            self = .exactly(version)
        }
    }

    /// Whether a stream at `current` satisfies this expectation.
    public func isSatisfied(byCurrentVersion current: Int64) -> Bool {
        switch self {
        case .any: true
        case .noStream: current == 0
        case .exactly(let version): current == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any version"
        case .noStream: "no stream"
        case .exactly(let version): "version \(version)"
        }
    }
}
