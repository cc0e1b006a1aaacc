package import CaseloadCoding

// What a bootstrap over cases needs from the facts (issue 16: how sure a
// basement is): statistics over resampled cases, cheaply. Every tally is a
// sum over cases, so each case's contribution to a window is computed once
// (by the statistics' own Accumulator) and a draw only adds contributions.
// Kept apart from Statistics.swift, whose snapshot stays the one definition.

/// One window's statistics case by case: what each case of a list adds, so
/// that any resample of the list (indices into it, repeats allowed) is
/// summed into a snapshot without reading the cases again.
///
/// The tallies are kept flat, 17 integers a case, and summed in place: a
/// draw adds a few thousand cases in each of a few windows, 200 times, and
/// copying a whole ``TherapistStatistics`` per case was most of its cost.
package struct CaseByCaseStatistics: Sendable {
    package let window: StatisticsWindow
    let currency: CurrencyCode?
    /// Every therapist a snapshot of the facts has a row for, sorted.
    let therapistIds: [String]
    /// Profile views per therapist (by index): views are not cases and are not resampled.
    let views: [Int]
    /// Per case of the list: its therapist's index, whether it adds anything
    /// to this window, what it adds (``width`` tallies from `case * width`),
    /// and its own first-response time (only with medians).
    let therapistOfCase: [Int]
    let contributes: [Bool]
    let tallies: [Int64]
    let responseSeconds: [Double?]

    static let width = 16

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
        var contributes: [Bool] = []
        var tallies: [Int64] = []
        var responseSeconds: [Double?] = []
        tallies.reserveCapacity(cases.count * Self.width)
        for facts in cases {
            therapistOfCase.append(index[facts.therapistId] ?? 0)
            var one = Accumulator(therapistId: "")
            if facts.openedAt <= asOf { one.add(facts, window: window, inWindow: inWindow, asOf: asOf) }
            let packed = Self.pack(one.statistics)
            contributes.append(packed.contains { $0 != 0 })
            tallies.append(contentsOf: packed)
            if medians { responseSeconds.append(one.responseSeconds.first) }
        }
        self.therapistOfCase = therapistOfCase
        self.contributes = contributes
        self.tallies = tallies
        self.responseSeconds = responseSeconds
    }

    /// The snapshot of the cases at `draw` (indices into the list, repeats allowed).
    package func snapshot(of draw: [Int]) -> StatisticsSnapshot {
        let width = Self.width
        var sums = [Int64](repeating: 0, count: therapistIds.count * width)
        var responses: [[Double]] = responseSeconds.isEmpty ? [] : Array(repeating: [], count: therapistIds.count)
        tallies.withUnsafeBufferPointer { tallies in
            sums.withUnsafeMutableBufferPointer { sums in
                for caseIndex in draw where contributes[caseIndex] {
                    let row = therapistOfCase[caseIndex] * width
                    let from = caseIndex * width
                    for k in 0..<width { sums[row + k] += tallies[from + k] }
                }
            }
        }
        if !responseSeconds.isEmpty {
            for caseIndex in draw { if let seconds = responseSeconds[caseIndex] { responses[therapistOfCase[caseIndex]].append(seconds) } }
        }
        // The platform is every case: the sum of the rows.
        var total = [Int64](repeating: 0, count: width)
        var rows: [TherapistStatistics] = []
        rows.reserveCapacity(therapistIds.count)
        for (therapist, id) in therapistIds.enumerated() {
            let row = sums[(therapist * width)..<((therapist + 1) * width)]
            for (k, value) in row.enumerated() { total[k] += value }
            var statistics = Self.unpack(row, therapistId: id)
            statistics.profileViews = views[therapist]
            if !responseSeconds.isEmpty { statistics.medianFirstResponseSeconds = Accumulator.median(responses[therapist]) }
            rows.append(statistics)
        }
        var platform = Self.unpack(total[...], therapistId: "platform")
        platform.profileViews = views.reduce(0, +)
        if !responseSeconds.isEmpty { platform.medianFirstResponseSeconds = Accumulator.median(responses.flatMap { $0 }) }
        return StatisticsSnapshot(window: window, therapists: rows, platform: platform, currency: currency)
    }

    /// The tallies a case adds, in a fixed order (views are not a case's).
    static func pack(_ s: TherapistStatistics) -> [Int64] {
        [
            Int64(s.inquiries), Int64(s.excludedInquiries), Int64(s.countedInquiries), Int64(s.repliedInquiries),
            Int64(s.firstSessions), Int64(s.refusals), Int64(s.sessionsHeld), Int64(s.lateCancellations),
            Int64(s.earlyCancellations), Int64(s.noShows), Int64(s.clientsWithSecondSession), Int64(s.sessionRevenue),
            Int64(s.platformFees), Int64(s.retainedClients), Int64(s.chargedSessionsOfRetainedClients), Int64(s.chargedSessions),
        ]
    }

    static func unpack(_ t: ArraySlice<Int64>, therapistId: String) -> TherapistStatistics {
        var s = TherapistStatistics(therapistId: therapistId)
        let t = Array(t)
        s.inquiries = Int(t[0])
        s.excludedInquiries = Int(t[1])
        s.countedInquiries = Int(t[2])
        s.repliedInquiries = Int(t[3])
        s.firstSessions = Int(t[4])
        s.refusals = Int(t[5])
        s.sessionsHeld = Int(t[6])
        s.lateCancellations = Int(t[7])
        s.earlyCancellations = Int(t[8])
        s.noShows = Int(t[9])
        s.clientsWithSecondSession = Int(t[10])
        s.sessionRevenue = t[11]
        s.platformFees = t[12]
        s.retainedClients = Int(t[13])
        s.chargedSessionsOfRetainedClients = Int(t[14])
        s.chargedSessions = Int(t[15])
        return s
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
