/// One commit of the store's writer: how many appends (and their events)
/// shared one transaction and one flush. A server exports their sizes as a
/// metric; a group of one under load means appends are not being grouped.
public struct GroupCommit: Sendable, Hashable {
    /// Appends that went into the commit, including those refused alone
    /// (a wrong expectation) inside it.
    public var appends: Int

    public init(appends: Int) { self.appends = appends }
}

/// Told of every group commit, on the writer's own thread or task: it must
/// be quick and must not call back into the store.
public typealias GroupCommitObserver = @Sendable (GroupCommit) -> Void
