public import CaseloadCoding

extension MarketplaceFacts {
    /// Every therapist's statistics as of `asOf` over `window`.
    ///
    /// What "in the window" means, per figure (the window is the `days` days
    /// up to and including `asOf`; no `days` means all history up to `asOf`):
    /// - inquiries and what follows them (excluded, counted, replied, first
    ///   sessions, refusals): cases *opened* in the window, judged as of `asOf`;
    /// - profile views: views in the window;
    /// - sessions held, cancellations, no-shows, revenue and commission:
    ///   sessions *charged or cancelled* in the window;
    /// - retention: the converted, non-refused cases with a charged session in
    ///   the window ("clients seen in the window"); sessions per client counts
    ///   their charged sessions in the window, and a client "has a second
    ///   session" when the case has two charged sessions by `asOf` — so a
    ///   weekly long-term client counts fully, not only in the month it began;
    /// - the new-client fee: cases that *converted* (first charged session) in the window.
    /// Without `days`, these are exactly the all-history definitions.
    ///
    /// With `therapist`, only that therapist's row is computed (the
    /// platform's still counts everyone): the service's one-therapist read.
    public func snapshot(_ window: StatisticsWindow, asOf: Timestamp, therapist: String? = nil) -> StatisticsSnapshot {
        let end = asOf
        let start = window.start(asOf: asOf)
        func inWindow(_ instant: Timestamp) -> Bool { (start.map { instant > $0 } ?? true) && instant <= end }

        var rows: [String: Accumulator] = [:]
        if let therapist {
            if therapists[therapist] != nil { rows[therapist] = Accumulator(therapistId: therapist) }
        } else {
            for therapistId in therapists.keys { rows[therapistId] = Accumulator(therapistId: therapistId) }
        }
        func wanted(_ therapistId: String) -> Bool { therapist.map { $0 == therapistId } ?? true }
        var platform = Accumulator(therapistId: "platform")

        for (therapistId, times) in viewsStorage {
            let count = Self.count(times, after: start, upTo: end)
            if wanted(therapistId) {
                rows[therapistId, default: Accumulator(therapistId: therapistId)].statistics.profileViews += count
            }
            platform.statistics.profileViews += count
        }
        for facts in cases where facts.openedAt <= end {
            // In place: a copy taken out and put back would copy the row's
            // response times on every case.
            if wanted(facts.therapistId) {
                rows[facts.therapistId, default: Accumulator(therapistId: facts.therapistId)]
                    .add(facts, window: window, inWindow: inWindow, asOf: end)
            }
            platform.add(facts, window: window, inWindow: inWindow, asOf: end)
        }
        let therapists = rows.values.map { $0.finished() }.sorted { $0.therapistId < $1.therapistId }
        return StatisticsSnapshot(
            window: window, therapists: therapists, platform: platform.finished(), currency: currency)
    }

    /// One therapist's statistics as of `asOf` over `window`, exactly their
    /// row of ``snapshot(_:asOf:therapist:)``, without the platform's: only
    /// their own cases are read (the service's one-therapist read). Nil for a
    /// therapist who neither joined nor has a case or a view.
    public func row(of therapist: String, _ window: StatisticsWindow, asOf: Timestamp) -> TherapistStatistics? {
        let caseIndices = casesOfTherapist[therapist]
        let views = viewsStorage[therapist]
        guard therapists[therapist] != nil || caseIndices != nil || views != nil else { return nil }
        let end = asOf
        let start = window.start(asOf: asOf)
        func inWindow(_ instant: Timestamp) -> Bool { (start.map { instant > $0 } ?? true) && instant <= end }
        var row = Accumulator(therapistId: therapist)
        if let views { row.statistics.profileViews = Self.count(views, after: start, upTo: end) }
        for index in caseIndices ?? [] where cases[index].openedAt <= end {
            row.add(cases[index], window: window, inWindow: inWindow, asOf: end)
        }
        return row.finished()
    }

    /// How many compact view times fall in (start, end] (all up to `end` without a start).
    static func count(_ times: [Int32], after start: Timestamp?, upTo end: Timestamp) -> Int {
        var count = 0
        for time in times {
            let at = ViewTime.timestamp(time)
            if start.map({ at > $0 }) ?? true, at <= end { count += 1 }
        }
        return count
    }
}

/// Sums one therapist's (or the platform's) figures case by case.
struct Accumulator {
    var statistics: TherapistStatistics
    var responseSeconds: [Double] = []

    init(therapistId: String) { statistics = TherapistStatistics(therapistId: therapistId) }

    mutating func add(_ facts: CaseFacts, window: StatisticsWindow, inWindow: (Timestamp) -> Bool, asOf: Timestamp) {
        let refused = facts.refusedAt.map { $0 <= asOf } ?? false
        if inWindow(facts.openedAt) {
            statistics.inquiries += 1
            if window.honourExclusions, facts.isExcluded(at: asOf) {
                statistics.excludedInquiries += 1
            } else {
                statistics.countedInquiries += 1
                if let replied = facts.firstReplyAt, replied <= asOf {
                    statistics.repliedInquiries += 1
                    responseSeconds.append(replied.seconds(since: facts.openedAt))
                }
                if let converted = facts.convertedAt, converted <= asOf { statistics.firstSessions += 1 }
                if refused { statistics.refusals += 1 }
            }
        }
        // Sessions by when they were charged or cancelled.
        var chargedByAsOf = 0
        var chargedInWindow = 0
        for session in facts.charged where session.at <= asOf {
            chargedByAsOf += 1
            guard inWindow(session.at) else { continue }
            chargedInWindow += 1
            switch session.kind {
            case .held: statistics.sessionsHeld += 1
            case .lateCancellation: statistics.lateCancellations += 1
            case .noShow: statistics.noShows += 1
            }
            statistics.chargedSessions += 1
            // One currency: the facts refuse a second one (MarketplaceFacts.currency).
            // Saturating: a price is at most Money.maximumAmount, but a log
            // edited by hand may hold any Int64, and a sum must never trap.
            statistics.sessionRevenue.addSaturating(session.amount)
            statistics.platformFees.addSaturating(window.feeModel.commission(on: session.amount))
        }
        for cancelled in facts.uncharged where inWindow(cancelled) { statistics.earlyCancellations += 1 }
        if let first = facts.charged.first, first.at <= asOf, inWindow(first.at) {
            statistics.platformFees.addSaturating(window.feeModel.newClientFee(firstSessionPrice: first.amount))
        }
        // Retention: clients seen in the window, refusals left out when honoured.
        let excluded = window.honourExclusions && facts.isExcluded(at: asOf)
        if chargedInWindow > 0, !excluded, !(window.honourRefusals && refused) {
            statistics.retainedClients += 1
            statistics.chargedSessionsOfRetainedClients += chargedInWindow
            if chargedByAsOf >= 2 { statistics.clientsWithSecondSession += 1 }
        }
    }

    /// The tallies as they stand and the median; rates are computed from
    /// the tallies by ``Metric/ratio`` when read.
    func finished() -> TherapistStatistics {
        var result = statistics
        result.medianFirstResponseSeconds = Self.median(responseSeconds)
        return result
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
