public import EventStore
import CaseloadDomain

extension AuditIndexing {
    /// The marketplace's audit indexes, which every store the application
    /// opens is given: the type index covers the decisions support and
    /// auditors ask about (exclusions, refusals, anti-fraud, erasures), rare
    /// next to bookings, sessions and profile views; the actor index leaves
    /// clients out (they are many; support agents, therapists and system
    /// jobs are few). See the SQLite backend's `Schema.IndexTerms` for what
    /// each costs an append.
    public static let marketplace: AuditIndexing = {
        let decisions: [EventType] = [
            .exclusionRequested, .chatExcluded, .exclusionDenied, .exclusionRevoked, .refusalFiled, .refusalResolved,
            .antifraudFlagRaised, .antifraudFlagDisputed, .antifraudFlagCleared, .antifraudFlagConfirmed,
            .clientDataErased,
        ]
        do {
            return try AuditIndexing(
                indexedTypes: decisions.map(\.name), unindexedActorPrefix: Initiator.Kind.client.rawValue + ":")
        } catch {
            // Type names and the kind are ASCII identifiers: this cannot
            // fail unless one of them is renamed into something invalid.
            preconditionFailure("the marketplace's audit indexing is invalid: \(error)")
        }
    }()
}
