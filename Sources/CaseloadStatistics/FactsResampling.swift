package import CaseloadCoding

// What a bootstrap over cases needs from the facts (issue 16: how sure a
// basement is): statistics over resampled cases, cheaply. Every tally is a
// sum over cases, so each case's contribution to a window is computed once
// (by the statistics' own Accumulator) and a draw only adds contributions.
// Kept apart from Statistics.swift, whose snapshot stays the one definition.

/// One window's statistics case by case: what each case of a list adds, so
/// that any resample of the list (indices into it, repeats allowed) is
/// summed into a snapshot without reading the cases again.
package struct CaseByCaseStatistics: Sendable {
    package let window: StatisticsWindow
    let currency: CurrencyCode?
    /// Every therapist a snapshot of the facts has a row for, sorted.
    let therapistIds: [String]
    /// Profile views per therapist (by index): views are not cases and are not resampled.
    let views: [Int]
    /// Per case of the list: its therapist's index and what it adds (its
    /// median field holds the case's own first-response time, if any).
    let therapistOfCase: [Int]
    let contributions: [TherapistStatistics]
    let hasResponses: Bool

    /// `cases` (a subset of `facts.cases`) as `facts.snapshot(window, asOf:)`
    /// counts them. Without `medians`, a snapshot leaves the median first
    /// response undefined: sorting every therapist's response times in every
    /// draw is most of a draw's cost, and no rule that does not read it needs it.
    package init(facts: MarketplaceFacts, cases: [CaseFacts], window: StatisticsWindow, asOf: Timestamp, medians: Bool = true) {
        self.window = window
        currency = facts.currency
        let start = window.start(asOf: asOf)
        func inWindow(_ instant: Timestamp) -> Bool { (start.map { instant > $0 } ?? true) && instant <= asOf }
        // The rows a snapshot has: therapists who joined, were viewed, or have a case opened by asOf.
        var ids = Set(facts.therapists.keys).union(facts.viewsStorage.keys)
        for facts in facts.cases where facts.openedAt <= asOf { ids.insert(facts.therapistId) }
        therapistIds = ids.sorted()
        let index = Dictionary(uniqueKeysWithValues: therapistIds.enumerated().map { ($1, $0) })
        var views = Array(repeating: 0, count: therapistIds.count)
        for (therapistId, times) in facts.viewsStorage {
            views[index[therapistId]!] = MarketplaceFacts.count(times, after: start, upTo: asOf)
        }
        self.views = views
        var therapistOfCase: [Int] = []
        var contributions: [TherapistStatistics] = []
        var hasResponses = false
        for facts in cases {
            therapistOfCase.append(index[facts.therapistId] ?? 0)
            var one = Accumulator(therapistId: "")
            if facts.openedAt <= asOf { one.add(facts, window: window, inWindow: inWindow, asOf: asOf) }
            one.statistics.medianFirstResponseSeconds = one.responseSeconds.first
            if !medians { one.statistics.medianFirstResponseSeconds = nil }
            hasResponses = hasResponses || one.statistics.medianFirstResponseSeconds != nil
            contributions.append(one.statistics)
        }
        self.therapistOfCase = therapistOfCase
        self.contributions = contributions
        self.hasResponses = hasResponses
    }

    /// The snapshot of the cases at `draw` (indices into the list, repeats allowed).
    package func snapshot(of draw: [Int]) -> StatisticsSnapshot {
        var rows = therapistIds.map { TherapistStatistics(therapistId: $0) }
        var platform = TherapistStatistics(therapistId: "platform")
        for (therapist, count) in views.enumerated() {
            rows[therapist].profileViews = count
            platform.profileViews += count
        }
        var responses: [[Double]] = hasResponses ? Array(repeating: [], count: rows.count) : []
        var platformResponses: [Double] = []
        contributions.withUnsafeBufferPointer { contributions in
            for caseIndex in draw {
                let therapist = therapistOfCase[caseIndex]
                rows[therapist].addTallies(of: contributions[caseIndex])
                platform.addTallies(of: contributions[caseIndex])
                if hasResponses, let seconds = contributions[caseIndex].medianFirstResponseSeconds {
                    responses[therapist].append(seconds)
                    platformResponses.append(seconds)
                }
            }
        }
        if hasResponses {
            for therapist in rows.indices { rows[therapist].medianFirstResponseSeconds = Accumulator.median(responses[therapist]) }
            platform.medianFirstResponseSeconds = Accumulator.median(platformResponses)
        }
        return StatisticsSnapshot(window: window, therapists: rows, platform: platform, currency: currency)
    }
}

extension TherapistStatistics {
    /// Adds every tally of `other` (not the median).
    mutating func addTallies(of other: TherapistStatistics) {
        inquiries += other.inquiries
        excludedInquiries += other.excludedInquiries
        countedInquiries += other.countedInquiries
        repliedInquiries += other.repliedInquiries
        firstSessions += other.firstSessions
        refusals += other.refusals
        sessionsHeld += other.sessionsHeld
        lateCancellations += other.lateCancellations
        earlyCancellations += other.earlyCancellations
        noShows += other.noShows
        clientsWithSecondSession += other.clientsWithSecondSession
        sessionRevenue += other.sessionRevenue
        platformFees += other.platformFees
        retainedClients += other.retainedClients
        chargedSessionsOfRetainedClients += other.chargedSessionsOfRetainedClients
        chargedSessions += other.chargedSessions
        profileViews += other.profileViews
    }
}

extension MarketplaceFacts {
    /// Whether a case adds anything to a window (start, asOf]: opened in it,
    /// or a session charged or cancelled in it. A case that does not
    /// is left out of a bootstrap's draws, which resample the evidence.
    package static func touches(_ facts: CaseFacts, after start: Timestamp?, upTo asOf: Timestamp) -> Bool {
        guard facts.openedAt <= asOf else { return false }
        guard let start else { return true }
        if facts.openedAt > start { return true }
        if facts.charged.contains(where: { $0.at > start && $0.at <= asOf }) { return true }
        return facts.uncharged.contains { $0 > start && $0 <= asOf }
    }

    /// A therapist who joined at `joinedAt` (for facts built by hand: tests, examples).
    package mutating func addTherapist(_ therapistId: String, joinedAt: Timestamp) {
        therapistsStorage[therapistId] = joinedAt
    }

    /// Profile views of a therapist at `times` (for facts built by hand).
    package mutating func addViews(of therapistId: String, at times: [Timestamp]) {
        viewsStorage[therapistId, default: []].append(contentsOf: times.map(ViewTime.compact))
    }
}
