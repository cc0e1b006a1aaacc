import Caseload
public import EventStore
import Foundation

/// What a copy of the log is asked to do (``Marketplace/copy(from:_:progress:)``).
public struct LogCopyRequest: Sendable, Hashable {
    /// Copy the statistics' saved state too. Off by default: it is a cache
    /// of what the log says, and the target rebuilds it on its first read.
    public var projections: Bool
    /// Events written per transaction on the target: a copy interrupted
    /// anywhere leaves whole batches, a prefix of the source a rerun continues.
    public var batchSize: Int
    /// Copy only up to this position (nil: the source's head when the copy starts).
    public var upToPosition: Int64?

    public static let defaultBatchSize = 5000

    public init(projections: Bool = false, batchSize: Int = Self.defaultBatchSize, upToPosition: Int64? = nil) {
        (self.projections, self.batchSize, self.upToPosition) = (projections, batchSize, upToPosition)
    }
}

/// What a copy did.
public struct LogCopy: Sendable, Hashable {
    /// The source and the target, as ``CaseloadConfiguration/StoreLocation`` describes them (no password).
    public var source: String
    public var target: String
    /// The position the copy went up to: the source's head when it began, or the requested bound.
    public var copiedUpTo: Int64
    /// The target's head before this run: 0, or where an earlier copy stopped.
    public var targetHeadBefore: Int64
    public var eventsCopied: Int64
    /// Transactions the events were written in.
    public var batches: Int
    /// Sealed values of the personal-data vault written to the target (new or changed).
    public var vaultRecordsCopied: Int
    /// Subjects whose vault entries the target held but the source no longer
    /// does (erased there since an earlier copy): erased on the target too.
    public var subjectsErased: Int
    /// Projections whose saved state was copied (with `projections`).
    public var projectionsCopied: [String]
    /// The target's chain, walked after the copy.
    public var verification: ChainVerification
    /// The whole run: events, vault, projections and the chain walk.
    public var seconds: Double
    /// The part of it spent reading and writing events.
    public var eventSeconds: Double

    /// Events copied per second of ``eventSeconds``.
    public var eventsPerSecond: Double { eventSeconds > 0 ? Double(eventsCopied) / eventSeconds : 0 }
}

extension Marketplace {
    /// Copies `source`'s log into this one: the recorded events verbatim
    /// (positions, ids, stream versions, times, hashes), in transactions of
    /// `request.batchSize` (``EventStoreTransaction/importRecorded(_:)``);
    /// then the personal-data vault (sealed values and keys, erasures
    /// respected: a subject the source no longer holds is erased here too);
    /// then, if asked, the projections' saved states; and walks this log's
    /// chain at the end.
    ///
    /// This log must be empty or a prefix of the source (the event at its
    /// head is the source's event at that position, hash for hash); a rerun
    /// copies only what is missing. Otherwise it throws
    /// ``ApplicationError/Code-swift.struct/logsDiverge`` naming the position,
    /// before anything is written. `progress` receives (events copied, events to copy).
    public func copy(
        from source: Marketplace, _ request: LogCopyRequest = LogCopyRequest(),
        progress: (@Sendable (Int64, Int64) -> Void)? = nil
    ) async throws -> LogCopy {
        try requireWritable("copy")
        guard request.batchSize >= 1 else {
            throw ApplicationError(.invalidArgument, "a copy's batch size is 1 or more, not \(request.batchSize)")
        }
        if let bound = request.upToPosition, bound < 0 {
            throw ApplicationError(.invalidArgument, "a copy goes up to position 0 or more, not \(bound)")
        }
        guard !configuration.store.isSameStore(as: source.configuration.store) else {
            throw ApplicationError(.invalidArgument, "the source and the target are the same log (\(configuration.store))")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let sourceHead = try await source.store.head()
        let bound = min(request.upToPosition ?? sourceHead.position, sourceHead.position)
        let before = try await store.head()
        try await checkPrefix(before, of: source, sourceHead: sourceHead)

        // A client erased on the source since an earlier copy is erased here
        // before the log that records the erasure arrives.
        var vault = VaultSync()
        if before.position > 0 { try await vault.eraseGone(from: source, in: self) }

        var copied: Int64 = 0
        var batches = 0
        let eventsStarted = clock.now
        let total = max(0, bound - before.position)
        if total > 0 {
            progress?(0, total)
            let query = LogQuery(after: before.position, limit: request.batchSize, upToPosition: bound)
            for try await batch in source.store.batches(query) {
                _ = try await store.importRecorded(batch)
                copied += Int64(batch.count)
                batches += 1
                progress?(copied, total)
            }
        }
        let eventsElapsed = clock.now - eventsStarted
        try await vault.eraseGone(from: source, in: self)
        try await vault.storeMissing(from: source, in: self)
        if vault.erased > 0 {
            do {
                try await store.compact()
            } catch {
                configuration.notices?("copy: the erased values are gone, but compacting the target did not finish: \(error)")
            }
        }

        var projections: [String] = []
        if request.projections {
            let head = try await store.head().position
            for name in [StatisticsProjection.name] {
                guard let state = try await source.store.loadProjection(named: name) else { continue }
                guard state.checkpoint <= head else {
                    configuration.notices?(
                        "copy: projection '\(name)' was saved at position \(state.checkpoint), past the copy's \(head); not copied (it is rebuilt on the first read)")
                    continue
                }
                try await store.saveProjection(state)
                projections.append(name)
            }
        }

        let verification = try await store.verify(progress: nil)
        let elapsed = clock.now - started
        return LogCopy(
            source: source.configuration.store.description, target: configuration.store.description,
            copiedUpTo: max(bound, before.position), targetHeadBefore: before.position, eventsCopied: copied,
            batches: batches, vaultRecordsCopied: vault.stored, subjectsErased: vault.erased,
            projectionsCopied: projections, verification: verification,
            seconds: elapsed.seconds, eventSeconds: eventsElapsed.seconds)
    }

    /// Refuses a target that is not empty and not a prefix of the source.
    private func checkPrefix(_ head: LogHead, of source: Marketplace, sourceHead: LogHead) async throws {
        guard head.position > 0 else { return }
        guard head.position <= sourceHead.position else {
            throw ApplicationError(
                .logsDiverge,
                "the target \(configuration.store) has \(head.position) events, more than the source \(source.configuration.store) (\(sourceHead.position)): it is not a copy of it; nothing was written",
                position: sourceHead.position + 1)
        }
        let theirs = try await source.store.read(LogQuery(after: head.position - 1, limit: 1)).first
        guard let theirs, theirs.position == head.position, theirs.hash == head.hash else {
            throw ApplicationError(
                .logsDiverge,
                "the target \(configuration.store) diverges from the source \(source.configuration.store) at or before position \(head.position): its event there has hash \(head.hash.hex.prefix(16))…, the source's \(theirs.map { String($0.hash.hex.prefix(16)) + "…" } ?? "none"); nothing was written",
                position: head.position)
        }
    }
}

/// Brings the target's personal-data vault to the source's: what the source
/// holds is stored (sealed values and keys as they are), and a subject the
/// target holds but the source does not (erased there) is erased.
private struct VaultSync {
    var stored = 0
    var erased = 0
    static let page = 1000

    static func all(in store: any PersonalDataStore) async throws -> [PersonalDataRecord] {
        var records: [PersonalDataRecord] = []
        var after: String?
        while true {
            let page = try await store.personalDataRecords(after: after, limit: Self.page)
            records.append(contentsOf: page)
            guard page.count == Self.page, let last = page.last else { return records }
            after = last.ref
        }
    }

    mutating func eraseGone(from source: Marketplace, in target: Marketplace) async throws {
        var keys: [String: [UInt8]] = [:]
        for record in try await Self.all(in: source.store) { keys[record.subject] = record.key }
        var gone: Set<String> = []
        for record in try await Self.all(in: target.store) where keys[record.subject] != record.key {
            gone.insert(record.subject)
        }
        guard !gone.isEmpty else { return }
        let subjects = gone.sorted()
        _ = try await target.store.withTransaction { transaction in
            for subject in subjects { _ = try transaction.erasePersonalData(subject: subject) }
            return true
        }
        erased += subjects.count
    }

    mutating func storeMissing(from source: Marketplace, in target: Marketplace) async throws {
        var present: [String: PersonalDataRecord] = [:]
        for record in try await Self.all(in: target.store) { present[record.ref] = record }
        let missing = try await Self.all(in: source.store).filter { present[$0.ref] != $0 }
        var start = 0
        while start < missing.count {
            let chunk = Array(missing[start..<min(missing.count, start + Self.page)])
            try await target.store.withTransaction { transaction in
                for record in chunk {
                    guard let key = record.key else { continue }
                    let kept = try transaction.personalDataKey(subject: record.subject, createWith: key)
                    guard kept == key else {
                        throw EventStoreError(
                            .invalidAppend,
                            "vault: subject '\(record.subject)' has another key on the target than on the source")
                    }
                    var sealed = record
                    sealed.key = nil
                    try transaction.storePersonalData(sealed)
                }
            }
            stored += chunk.count
            start += Self.page
        }
    }
}

extension Duration {
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension CaseloadConfiguration.StoreLocation {
    /// Whether both name the same log (the same file, however its path is written).
    func isSameStore(as other: Self) -> Bool {
        switch (self, other) {
        case (.sqlite(let a), .sqlite(let b)):
            return URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath()
                == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath()
        case (.postgres(let a), .postgres(let b)):
            return a == b
        default:
            return false
        }
    }
}
