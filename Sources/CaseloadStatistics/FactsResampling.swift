package import CaseloadCoding

// What a bootstrap over cases needs from the facts (issue 16: how sure a
// basement is): statistics over a resampled list of cases, with the facts'
// own therapists and profile views, and the view counts computed once rather
// than once per draw (views are most of a log's events). Kept apart from
// Statistics.swift so the one definition of a snapshot stays there: this file
// only feeds it other cases.

extension MarketplaceFacts {
    /// Each therapist's profile views in `window` as of `asOf` (therapists
    /// with views only).
    package func viewCounts(_ window: StatisticsWindow, asOf: Timestamp) -> [String: Int] {
        let start = window.start(asOf: asOf)
        var counts: [String: Int] = [:]
        for (therapistId, times) in viewsStorage { counts[therapistId] = Self.count(times, after: start, upTo: asOf) }
        return counts
    }

    /// Every therapist's statistics as ``snapshot(_:asOf:)`` counts them, but
    /// over `cases` in place of the facts' own, with the view counts given
    /// (``viewCounts(_:asOf:)`` of the same window): one draw of a bootstrap.
    /// With the facts' own cases it is ``snapshot(_:asOf:)`` itself.
    package func snapshot(
        _ window: StatisticsWindow, asOf: Timestamp, cases: [CaseFacts], viewCounts: [String: Int]
    ) -> StatisticsSnapshot {
        let start = window.start(asOf: asOf)
        func inWindow(_ instant: Timestamp) -> Bool { (start.map { instant > $0 } ?? true) && instant <= asOf }
        var rows: [String: Accumulator] = [:]
        for therapistId in therapists.keys { rows[therapistId] = Accumulator(therapistId: therapistId) }
        var platform = Accumulator(therapistId: "platform")
        for (therapistId, count) in viewCounts {
            rows[therapistId, default: Accumulator(therapistId: therapistId)].statistics.profileViews += count
            platform.statistics.profileViews += count
        }
        for facts in cases where facts.openedAt <= asOf {
            var row = rows[facts.therapistId] ?? Accumulator(therapistId: facts.therapistId)
            row.add(facts, window: window, inWindow: inWindow, asOf: asOf)
            platform.add(facts, window: window, inWindow: inWindow, asOf: asOf)
            rows[facts.therapistId] = row
        }
        let therapists = rows.values.map { $0.finished() }.sorted { $0.therapistId < $1.therapistId }
        return StatisticsSnapshot(window: window, therapists: therapists, platform: platform.finished(), currency: currency)
    }

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
