import CaseloadCoding
import CaseloadDomain
@testable import CaseloadGenerator
import Testing

/// A history generated once for the suites below, and its streams folded by
/// the domain's own `CaseState` and `TherapistState` — independently of the
/// generator's internal counts.
struct FoldedHistory: Sendable {
    let events: [GeneratedEvent]
    let summary: GenerationSummary
    let cases: [String: CaseState]
    let therapists: [String: TherapistState]

    /// The medium history (30 therapists, a year, with views).
    static let medium = fold(CaseloadGeneratorTests.medium)
    /// 120 therapists for a year without views: enough refusals (~60) for
    /// the rarest outcome (closed, 15%) to occur several times.
    static let larger = fold(GeneratorParameters(therapists: 120, months: 12, seed: 7))

    static func fold(_ parameters: GeneratorParameters) -> Result<FoldedHistory, GeneratorError> {
        Result { () throws(GeneratorError) in try FoldedHistory(parameters) }
    }

    init(_ parameters: GeneratorParameters) throws(GeneratorError) {
        var iterator = try HistoryGenerator(parameters: parameters).events()
        var events: [GeneratedEvent] = []
        var cases: [String: CaseState] = [:]
        var therapists: [String: TherapistState] = [:]
        while let generated = try iterator.next() {
            events.append(generated)
            let event = generated.event
            if let caseId = event.caseId {
                CaseState.evolve(&cases[caseId], event, occurredAt: generated.occurredAt)
            } else if event.type != .profileViewed, let id = event.therapistId {
                TherapistState.evolve(&therapists[id], event, occurredAt: generated.occurredAt)
            }
        }
        self.events = events
        summary = iterator.summary
        self.cases = cases
        self.therapists = therapists
    }

    func count(_ type: EventType) -> Int { events.count { $0.event.type == type } }
}

@Suite struct GeneratedHistories {
    @Test func ofMediumSizeHaveEveryEventTypeOfTheContract() throws {
        let history = try FoldedHistory.medium.get()
        let types = Set(history.events.map(\.event.type))
        // Erasing a client's personal data is an administrative act on request,
        // not part of the marketplace's flow the generator simulates.
        let marketplaceTypes = Set(EventType.allCases).subtracting([.clientDataErased])
        #expect(types == marketplaceTypes, "missing: \(marketplaceTypes.subtracting(types))")
        // Rare ones more than once, so that their absence is not luck.
        for type in [EventType.exclusionRevoked, .antifraudFlagDisputed, .antifraudFlagCleared, .refusalResolved] {
            #expect(history.count(type) >= 3, "\(type): \(history.count(type))")
        }
    }

    @Test func ofAYearAndAHundredTherapistsHaveEveryOutcomeARuleCanTellApart() throws {
        let history = try FoldedHistory.larger.get()
        let payloads = history.events.map(\.event)
        let outcomes = Set(payloads.compactMap { if case .refusalResolved(let e) = $0 { e.outcome } else { nil } })
        #expect(outcomes == Set(RefusalOutcome.allCases))
        #expect(payloads.contains { if case .inquiryOpened(let e) = $0 { e.rematchedFrom != nil } else { false } })
        let policies = Set(payloads.compactMap { if case .cancellationPolicySet(let e) = $0 { e.noticeHours } else { nil } })
        #expect(policies == [12, 24, 48])
        #expect(history.therapists.values.contains { $0.policyHistory.count >= 2 }, "some therapist changes policy")
        var cancellations: Set<String> = []
        for case .sessionCancelled(let e) in payloads { cancellations.insert("\(e.by.rawValue) late=\(e.late)") }
        #expect(cancellations == ["client late=true", "client late=false", "therapist late=false"])
        let reasons = Set(payloads.compactMap { if case .caseEnded(let e) = $0 { e.reason } else { nil } })
        #expect(reasons == Set(CaseEndReason.allCases))
        let excluded = Set(payloads.compactMap { if case .chatExcluded(let e) = $0 { e.reason } else { nil } })
        #expect(excluded.count >= 5, "exclusions for many reasons: \(excluded)")
        #expect(Set(history.summary.therapists.map(\.archetype)).count == TherapistArchetype.allCases.count)
    }

    @Test func judgeSomeCancellationsByAPolicyThatChangedAfterTheBooking() throws {
        // The domain's point about policies: the one in force when the
        // cancellation happened applies, not the one at booking.
        let history = try FoldedHistory.medium.get()
        var bookedUnder: [String: Int] = [:]
        var changed = 0
        for generated in history.events {
            switch generated.event {
            case .sessionBooked(let e):
                let therapist = history.cases[e.caseId]!.therapistId
                bookedUnder[e.sessionId] = history.therapists[therapist]!.noticeHours(at: generated.occurredAt)
            case .sessionCancelled(let e) where e.by == .client:
                if bookedUnder[e.sessionId] != e.policyNoticeHours { changed += 1 }
            default: break
            }
        }
        #expect(changed >= 1)
    }

    @Test func passTheRulesAlsoWhenTheGateRebuildsItsStateOften() throws {
        // The gate drops finished cases by rebuilding its MarketplaceState
        // from what is still open; rebuilding after every few dozen closed
        // cases must judge exactly as never rebuilding (which this history,
        // far below the default slack, never does).
        var run = HistoryRun(parameters: medium, rebuildSlack: 10)
        var group: [GeneratedEvent] = []
        var events: [GeneratedEvent] = []
        while try run.nextGroup(into: &group) { events.append(contentsOf: group) }
        #expect(run.gateRebuilds > 10)
        let history = try FoldedHistory.medium.get()
        #expect(events == history.events)
    }
}

/// Shapes the published figures predict, with loose bounds: they catch a
/// broken model (nobody converts, everyone comes once), not the noise of one
/// seed. Each bound says where it comes from.
@Suite struct AMediumHistoryLooksLikeAMarketplace {
    @Test func convertsOneInquiryInFiveOrSo() throws {
        let history = try FoldedHistory.medium.get()
        let counted = history.cases.values.filter { !$0.exclusion.isExcluded }
        let converted = counted.filter { $0.sessionsCountingAsHeld > 0 }
        let share = Double(converted.count) / Double(counted.count)
        // Issue 6: conversion "of the order of 10–25%". The model books 18–35%
        // of replied genuine inquiries by archetype (≈ 20% overall); spam that
        // stays counted and cases cut by the history's end pull it down. 5–40%
        // leaves room for either side without admitting 0 or 100%.
        #expect(share > 0.05 && share < 0.40, "conversion \(share)")
    }

    @Test func convertedClientsComeAboutEightTimesWithALongTail() throws {
        let history = try FoldedHistory.medium.get()
        let sessions = history.cases.values.map(\.sessionsCountingAsHeld).filter { $0 > 0 }.sorted()
        let median = sessions[sessions.count / 2]
        let mean = Double(sessions.reduce(0, +)) / Double(sessions.count)
        // Flückiger et al. (2020): median ≈ 8, mean ≈ 13 in naturalistic
        // samples. A one-year history cuts running cases short, so the median
        // may be lower; 3–15 admits that and rejects "everyone once" or
        // "everyone forever".
        #expect(median >= 3 && median <= 15, "median \(median)")
        // A long right tail: the mean well above the median.
        #expect(mean > Double(median) * 1.2, "mean \(mean), median \(median)")
        #expect(sessions.last! >= 40, "some therapies are long")
        // 20–57% do not return after the first session (Schwartz & Flowers);
        // the model aims at ≈ 28%, and cases converted just before the end
        // add a few more single sessions.
        let single = Double(sessions.count { $0 == 1 }) / Double(sessions.count)
        #expect(single > 0.15 && single < 0.60, "single-session share \(single)")
    }

    @Test func missesAFewPercentOfSessions() throws {
        let history = try FoldedHistory.medium.get()
        let settled = history.cases.values.flatMap { $0.sessions.values.map(\.status) }.filter(\.countsAsHeld)
        let missed = settled.count { $0 == .missed }
        let share = Double(missed) / Double(settled.count)
        // Doctolib: 4.2% for psychologists (3.5% known clients, 6.4% new);
        // outpatient psychiatry reports up to ~17%. 2–12% holds the model's
        // spread and rejects none or many.
        #expect(share > 0.02 && share < 0.12, "no-show share \(share)")
    }

    @Test func repliesWithinHoursMostly() throws {
        let history = try FoldedHistory.medium.get()
        let delays = history.cases.values.compactMap { state in
            state.firstRepliedAt.map { $0.seconds(since: state.openedAt) }
        }.sorted()
        let median = delays[delays.count / 2]
        // Archetype medians run from 40 minutes to 10 hours (assumption):
        // the overall median falls between 10 minutes and a day.
        #expect(median > 600 && median < 86_400, "median first response \(median) s")
        #expect(delays.last! > 3 * 86_400, "some replies take days")
        let unanswered = history.cases.values.count { $0.firstRepliedAt == nil }
        #expect(unanswered > 0, "some inquiries are never answered")
    }

    @Test func showsProfilesManyTimesPerInquiry() throws {
        let history = try FoldedHistory.medium.get()
        let ratio = Double(history.count(.profileViewed)) / Double(history.count(.inquiryOpened))
        // Issue 6: 20–60 views per inquiry by archetype.
        #expect(ratio > 15 && ratio < 70, "views per inquiry \(ratio)")
    }

    @Test func excludesAFewChatsAndDeniesSomeRequests() throws {
        let history = try FoldedHistory.medium.get()
        let excluded = history.cases.values.count { $0.exclusion.isExcluded }
        let share = Double(excluded) / Double(history.cases.count)
        // Non-genuine chats are 4–22% of inquiries by archetype (≈ 6.5%
        // overall), and not all are asked about or granted.
        #expect(share > 0.005 && share < 0.15, "excluded share \(share)")
        #expect(history.count(.exclusionDenied) > 0)
    }

    @Test func refusesFewClientsAndTheSelectiveMost() throws {
        let history = try FoldedHistory.medium.get()
        let archetypes = Dictionary(uniqueKeysWithValues: history.summary.therapists.map { ($0.id, $0.archetype) })
        var converted: [TherapistArchetype: Int] = [:]
        var refused: [TherapistArchetype: Int] = [:]
        for state in history.cases.values where state.sessionsCountingAsHeld > 0 {
            let archetype = archetypes[state.therapistId]!
            converted[archetype, default: 0] += 1
            if state.refusal.isFiled { refused[archetype, default: 0] += 1 }
        }
        let all = Double(refused.values.reduce(0, +)) / Double(converted.values.reduce(0, +))
        #expect(all > 0.005 && all < 0.10, "refusals per converted case \(all)")
        // Selective therapists refuse 15% (others 1–2%).
        let selective = Double(refused[.selective] ?? 0) / Double(max(1, converted[.selective] ?? 0))
        #expect(selective > all, "selective \(selective) vs all \(all)")
    }
}
