/// Which events a backend's audit indexes cover: choices that belong to the
/// application, not to the store. The marketplace passes its rare decision
/// event types (exclusions, refusals, anti-fraud, erasures) and the prefix of
/// the actors too many to index (clients); a backend makes partial indexes
/// from them, so the common events pay nothing for an audit's index.
///
/// A backend makes its indexes when it creates (or upgrades) a log, from the
/// value it is given then; a query filter that the indexes cover uses them,
/// any other filter scans.
public struct AuditIndexing: Sendable, Hashable {
    /// Event types the type index covers. Empty: no type index.
    public var indexedTypes: [String]
    /// Actors whose id begins with this prefix are left out of the actor
    /// index (nil: every actor is indexed). ASCII, without a quote.
    public var unindexedActorPrefix: String?

    /// Validates what a backend will write into its index definitions: type
    /// names and the prefix are printable ASCII without quotes, so they can
    /// stand in an index's SQL condition.
    public init(indexedTypes: [String], unindexedActorPrefix: String?) throws(EventStoreError) {
        for text in indexedTypes + [unindexedActorPrefix].compactMap({ $0 }) {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "'") && $0 != UInt8(ascii: "\"") })
            else {
                throw EventStoreError(
                    .invalidConfiguration, "audit indexing: '\(text)' must be non-empty printable ASCII without quotes")
            }
        }
        self.indexedTypes = indexedTypes
        self.unindexedActorPrefix = unindexedActorPrefix
    }

    /// No type index; every actor indexed.
    public static let none = AuditIndexing(uncheckedTypes: [], unindexedActorPrefix: nil)

    private init(uncheckedTypes: [String], unindexedActorPrefix: String?) {
        self.indexedTypes = uncheckedTypes
        self.unindexedActorPrefix = unindexedActorPrefix
    }

    /// Whether the actor index holds `actor`'s events (compared as bytes).
    public func indexes(actor: String) -> Bool {
        guard let prefix = unindexedActorPrefix else { return true }
        return !actor.utf8.starts(with: prefix.utf8)
    }
}
