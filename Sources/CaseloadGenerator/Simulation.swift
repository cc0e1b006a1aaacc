import CaseloadCoding
import CaseloadDomain
import Foundation

/// An event as the simulation makes it, before the rules and ids.
struct SimulatedEvent {
    var at: Seconds
    var event: CaseloadEvent
    var actor: Initiator
    /// A profile view: its id comes from a stream of its own, so that views on
    /// or off leaves every other event's id unchanged.
    var isView = false
    /// Caused by the event before it in the same group (a re-match's inquiry,
    /// caused by the refusal's resolution).
    var causedByPrevious = false
}

/// The marketplace over time: therapists join and set policies, clients view
/// profiles and write, cases run their course. Each call to ``next(into:)``
/// makes the next group of events in business-time order — one event, or
/// several that must be appended together.
///
/// Every random draw comes from a stream of its own (per therapist for
/// arrivals and views, per case for everything in it), all derived from the
/// seed, so the history is a function of the parameters alone.
struct Simulation {
    struct Group {
        var events: [SimulatedEvent] = []
        /// Cases that will have no more events after this group.
        var finishedCases: [String] = []

        mutating func reset() {
            events.removeAll(keepingCapacity: true)
            finishedCases.removeAll(keepingCapacity: true)
        }
    }

    /// Counts the events alone do not show directly.
    struct Tally {
        var clients = 0
        var convertedCases = 0
        var rematchedCases = 0
        var sessions = 0
    }

    let parameters: GeneratorParameters
    let start: Seconds
    let end: Seconds
    let therapists: [TherapistModel]
    /// Therapist indices by joining time, for choosing whom to re-match with.
    private let joinOrder: [Int]
    private var agenda = Agenda()
    private var streamCursor: [Int]
    private var arrivals: [RandomSource]
    private var views: [RandomSource]
    private var cases: [CaseProcess?] = []
    private var freeSlots: [Int32] = []
    private var caseNumbers: UInt64 = 0
    private(set) var tally = Tally()
    /// The business time reached.
    private(set) var clock: Seconds

    init(parameters: GeneratorParameters) {
        self.parameters = parameters
        start = parameters.start.microsecondsSinceEpoch / 1_000_000
        end = parameters.end.microsecondsSinceEpoch / 1_000_000
        clock = start
        let width = max(4, String(parameters.therapists).count)
        var therapists: [TherapistModel] = []
        therapists.reserveCapacity(parameters.therapists)
        for index in 0..<parameters.therapists {
            therapists.append(TherapistModel(index: index, idWidth: width, seed: parameters.seed, start: start, end: end))
        }
        self.therapists = therapists
        joinOrder = therapists.indices.sorted { (therapists[$0].joinedAt, $0) < (therapists[$1].joinedAt, $1) }
        streamCursor = Array(repeating: 0, count: therapists.count)
        arrivals = therapists.indices.map { RandomSource(seed: parameters.seed, 2, UInt64($0)) }
        views = therapists.indices.map { RandomSource(seed: parameters.seed, 3, UInt64($0)) }
        agenda.reserve(therapists.count * 4)
        for therapist in therapists {
            let index = Int32(therapist.index)
            agenda.push(.init(time: therapist.joinedAt, kind: .therapistStream, key: UInt64(index), slot: index))
            // Inquiries start once the profile is approved, a day or three after joining.
            let first = therapist.joinedAt + arrivals[therapist.index].seconds(Time.day...3 * Time.day)
            agenda.push(.init(time: nextArrival(after: first, therapist.index), kind: .inquiries, key: UInt64(index), slot: index))
            if parameters.profileViews {
                agenda.push(.init(time: nextView(after: therapist.joinedAt, therapist.index), kind: .profileViews, key: UInt64(index), slot: index))
            }
        }
    }

    /// Makes the next group into `group`; false when the history is complete.
    mutating func next(into group: inout Group) -> Bool {
        group.reset()
        while let entry = agenda.pop() {
            guard entry.time < end else {
                agenda = Agenda()  // past the end: nothing else happens
                return false
            }
            clock = entry.time
            let index = Int(entry.slot)
            switch entry.kind {
            case .therapistStream:
                let therapist = therapists[index]
                let item = therapist.streamEvents[streamCursor[index]]
                group.events.append(SimulatedEvent(at: item.at, event: item.event, actor: item.actor))
                streamCursor[index] += 1
                if streamCursor[index] < therapist.streamEvents.count {
                    agenda.push(.init(time: therapist.streamEvents[streamCursor[index]].at, kind: .therapistStream, key: entry.key, slot: entry.slot))
                }
            case .inquiries:
                arrive(at: entry.time, therapist: index, into: &group)
                agenda.push(.init(time: nextArrival(after: entry.time, index), kind: .inquiries, key: entry.key, slot: entry.slot))
            case .profileViews:
                view(at: entry.time, therapist: index, into: &group)
                agenda.push(.init(time: nextView(after: entry.time, index), kind: .profileViews, key: entry.key, slot: entry.slot))
            case .caseStep:
                runCaseStep(slot: entry.slot, into: &group)
            }
            if !group.events.isEmpty || !group.finishedCases.isEmpty { return true }
        }
        return false
    }

    // MARK: Therapists' arrivals and views

    /// Inquiries follow a Poisson process with a yearly rhythm (more in
    /// January, fewer in summer), drawn by thinning.
    private mutating func nextArrival(after time: Seconds, _ index: Int) -> Seconds {
        let peak = therapists[index].inquiryRate * (1 + Figures.seasonality)
        var t = time
        repeat {
            t += max(1, Seconds(arrivals[index].exponential(mean: 1 / peak)))
        } while !arrivals[index].chance(Self.seasonal(t) / (1 + Figures.seasonality))
        return t
    }

    private mutating func nextView(after time: Seconds, _ index: Int) -> Seconds {
        let therapist = therapists[index]
        // One view per inquiry comes from the inquiring client (see `arrive`).
        let rate = therapist.inquiryRate * max(1, therapist.viewsPerInquiry - 1)
        let peak = rate * (1 + Figures.seasonality)
        var t = time
        repeat {
            t += max(1, Seconds(views[index].exponential(mean: 1 / peak)))
        } while !views[index].chance(Self.seasonal(t) / (1 + Figures.seasonality))
        return t
    }

    /// 1 ± 15% over the year, highest in mid-January.
    private static func seasonal(_ time: Seconds) -> Double {
        let phase = Double(time - 1_705_276_800) / (365.2425 * 86_400)  // from 2024-01-15
        return 1 + Figures.seasonality * cos(2 * Double.pi * phase)
    }

    /// A client looks at the profile, then writes a few minutes later.
    private mutating func arrive(at time: Seconds, therapist index: Int, into group: inout Group) {
        tally.clients += 1
        let clientId = "k" + String(tally.clients)
        let openAt = time + arrivals[index].seconds(2 * Time.minute...30 * Time.minute)
        if parameters.profileViews {
            let therapistId = therapists[index].id
            group.events.append(SimulatedEvent(
                at: time, event: .profileViewed(ProfileViewed(therapistId: therapistId, visitorId: clientId)),
                actor: .client(clientId), isView: true))
        }
        caseNumbers += 1
        let process = CaseProcess(
            number: caseNumbers, clientId: clientId, therapist: therapists[index], openAt: openAt, seed: parameters.seed)
        schedule(process)
    }

    private mutating func view(at time: Seconds, therapist index: Int, into group: inout Group) {
        let therapistId = therapists[index].id
        if views[index].chance(Figures.anonymousViews) {
            group.events.append(SimulatedEvent(
                at: time, event: .profileViewed(ProfileViewed(therapistId: therapistId)), actor: Actors.web, isView: true))
        } else {
            let visitor = "v" + String(index * Figures.visitorsPerTherapist + views[index].int(1...Figures.visitorsPerTherapist))
            group.events.append(SimulatedEvent(
                at: time, event: .profileViewed(ProfileViewed(therapistId: therapistId, visitorId: visitor)),
                actor: .client(visitor), isView: true))
        }
    }

    // MARK: Cases

    private mutating func schedule(_ process: CaseProcess) {
        guard let time = process.nextTime else { return }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            cases[Int(slot)] = process
        } else {
            slot = Int32(cases.count)
            cases.append(process)
        }
        agenda.push(.init(time: time, kind: .caseStep, key: process.number, slot: slot))
    }

    private mutating func runCaseStep(slot: Int32, into group: inout Group) {
        var taken: CaseProcess?
        swap(&taken, &cases[Int(slot)])  // move the process out: no copy of its arrays
        var process = taken!
        let therapist = therapists[process.therapist]
        let (time, step) = process.takeNextStep()
        let at = time
        let caseId = process.caseId
        func emit(_ event: CaseloadEvent, _ actor: Initiator) {
            group.events.append(SimulatedEvent(at: at, event: event, actor: actor))
        }
        func agent() -> Initiator { Actors.agent(&process.rng) }

        switch step {
        case .open:
            emit(
                .inquiryOpened(InquiryOpened(
                    caseId: caseId, clientId: process.clientId, therapistId: therapist.id, format: process.format,
                    oneOff: process.oneOff)),
                process.client)
            process.planAfterOpening(at: at, therapist)

        case .reply:
            emit(.therapistReplied(TherapistReplied(caseId: caseId)), therapist.actor)

        case .book:
            tally.sessions += 1
            let sessionId = "s" + String(tally.sessions)
            let start = process.nextSlot
            let price = Money(amount: therapist.price(at: at, couple: process.format == .couple), currency: parameters.currency)
            let actor = process.counted > 0 && process.rng.chance(0.15) ? Actors.billing : process.client
            emit(
                .sessionBooked(SessionBooked(
                    caseId: caseId, sessionId: sessionId, scheduledStart: Timestamp(secondsSinceEpoch: start), price: price)),
                actor)
            process.session = (sessionId, start, at)
            process.planSettlement(bookedAt: at, start: start, therapist)

        case .settle(let settlement):
            let session = process.session!
            var late = false
            switch settlement {
            case .held(let actor):
                emit(.sessionHeld(SessionHeld(caseId: caseId, sessionId: session.id)), actor)
            case .missed(let actor):
                emit(.sessionMissed(SessionMissed(caseId: caseId, sessionId: session.id)), actor)
            case .cancelled(let by, let actor):
                // The verdict follows the policy in force now, which may have
                // changed since the booking.
                let terms = Rules.cancellationTerms(
                    scheduledStart: Timestamp(secondsSinceEpoch: session.start),
                    cancelledAt: Timestamp(secondsSinceEpoch: at), by: by,
                    policyNoticeHours: therapist.noticeHours(at: at))
                late = terms.late
                emit(
                    .sessionCancelled(SessionCancelled(
                        caseId: caseId, sessionId: session.id, by: by, policyNoticeHours: terms.policyNoticeHours,
                        late: terms.late)),
                    actor)
            }
            if process.planAfterSettlement(settlement, late: late, at: at, therapist) { tally.convertedCases += 1 }

        case .refuse(let reason):
            emit(.refusalFiled(RefusalFiled(caseId: caseId, reason: reason, explanation: Texts.refusal(reason))), therapist.actor)
            process.plan(.resolveRefusal, at: at + max(Time.hour, Seconds(process.rng.lognormal(median: 20 * 3600, sigma: 0.8))))

        case .resolveRefusal:
            resolveRefusal(&process, therapist: therapist, at: at, into: &group)

        case .end(let reason, let actor):
            emit(.caseEnded(CaseEnded(caseId: caseId, reason: reason)), actor)

        case .requestExclusion(let reason, let grantChance):
            let evidence = (1...process.rng.int(1...3)).map { "scr-\(caseId)-\($0)" }
            emit(
                .exclusionRequested(ExclusionRequested(
                    caseId: caseId, reason: reason, explanation: Texts.exclusionRequest(reason), evidence: evidence)),
                therapist.actor)
            let grant = process.rng.chance(grantChance)
            process.plan(
                .decideExclusion(reason, grant: grant),
                at: at + max(Time.hour, Seconds(process.rng.lognormal(median: 30 * 3600, sigma: 0.8))))

        case .decideExclusion(let reason, let grant):
            if grant {
                emit(.chatExcluded(ChatExcluded(caseId: caseId, reason: reason)), agent())
                if process.rng.chance(Figures.exclusionRevoked) {
                    process.plan(.revokeExclusion, at: at + process.rng.seconds(3 * Time.day...90 * Time.day))
                }
            } else {
                let explanation = Texts.denials[process.rng.int(0...(Texts.denials.count - 1))]
                emit(.exclusionDenied(ExclusionDenied(caseId: caseId, explanation: explanation)), agent())
                if process.rng.chance(Figures.exclusionAskedAgain) {
                    process.plan(.requestExclusion(reason, grantChance: 0.5), at: at + process.rng.seconds(Time.day...5 * Time.day))
                }
            }

        case .revokeExclusion:
            let explanation = Texts.revocations[process.rng.int(0...(Texts.revocations.count - 1))]
            emit(.exclusionRevoked(ExclusionRevoked(caseId: caseId, explanation: explanation)), agent())

        case .excludeAfterCheck(let reason):
            emit(.chatExcluded(ChatExcluded(caseId: caseId, reason: reason)), agent())
            process.plan(.resolveFlag(cleared: false), at: at + process.rng.seconds(0...2 * Time.hour))

        case .raiseFlag(let rule, let spam):
            emit(.antifraudFlagRaised(AntifraudFlagRaised(caseId: caseId, rule: rule, evidence: ["af-\(caseId)-1"])), Actors.antifraud)
            process.planFlag(raisedAt: at, spam: spam)

        case .disputeFlag:
            let explanation = Texts.disputes[process.rng.int(0...(Texts.disputes.count - 1))]
            emit(
                .antifraudFlagDisputed(AntifraudFlagDisputed(caseId: caseId, explanation: explanation, evidence: ["doc-\(caseId)-1"])),
                therapist.actor)

        case .resolveFlag(let cleared):
            if cleared {
                let explanation = Texts.clearances[process.rng.int(0...(Texts.clearances.count - 1))]
                emit(.antifraudFlagCleared(AntifraudFlagCleared(caseId: caseId, explanation: explanation)), agent())
            } else {
                let explanation = Texts.confirmations[process.rng.int(0...(Texts.confirmations.count - 1))]
                emit(.antifraudFlagConfirmed(AntifraudFlagConfirmed(caseId: caseId, explanation: explanation)), agent())
            }
        }

        if let next = process.nextTime {
            cases[Int(slot)] = process
            agenda.push(.init(time: next, kind: .caseStep, key: process.number, slot: slot))
        } else {
            freeSlots.append(slot)
            group.finishedCases.append(caseId)
        }
    }

    /// Support settles a refusal: a re-match to another therapist (a new case,
    /// opened in the same append), a refund, or closing the case.
    private mutating func resolveRefusal(
        _ process: inout CaseProcess, therapist: TherapistModel, at time: Seconds, into group: inout Group
    ) {
        let agent = Actors.agent(&process.rng)
        let u = process.rng.unit()
        let caseId = process.caseId
        if u < Figures.refusalRematched, let other = rematchTarget(for: therapist.index, at: time, using: &process.rng) {
            caseNumbers += 1
            tally.rematchedCases += 1
            let newCase = CaseProcess(
                number: caseNumbers, clientId: process.clientId, therapist: therapists[other], openAt: time,
                seed: parameters.seed, rematch: (caseId, process.format))
            group.events.append(SimulatedEvent(
                at: time,
                event: .refusalResolved(RefusalResolved(
                    caseId: caseId, outcome: .rematched, newCaseId: newCase.caseId, newTherapistId: therapists[other].id)),
                actor: agent))
            group.events.append(SimulatedEvent(
                at: time,
                event: .inquiryOpened(InquiryOpened(
                    caseId: newCase.caseId, clientId: process.clientId, therapistId: therapists[other].id,
                    format: process.format, oneOff: false, rematchedFrom: caseId)),
                actor: agent, causedByPrevious: true))
            var opened = newCase
            opened.planAfterOpening(at: time, therapists[other])
            if opened.isFinished { group.finishedCases.append(opened.caseId) } else { schedule(opened) }
        } else {
            let outcome: RefusalOutcome = u < Figures.refusalRematched + Figures.refusalRefunded ? .refunded : .closed
            group.events.append(SimulatedEvent(
                at: time, event: .refusalResolved(RefusalResolved(caseId: caseId, outcome: outcome)), actor: agent))
        }
    }

    /// Another therapist who joined at least a day ago, if there is one.
    private func rematchTarget(for current: Int, at time: Seconds, using rng: inout RandomSource) -> Int? {
        // Therapists joined by `time − 1 day`: a prefix of `joinOrder`.
        let cutoff = time - Time.day
        var low = 0
        var high = joinOrder.count
        while low < high {
            let mid = (low + high) / 2
            if therapists[joinOrder[mid]].joinedAt <= cutoff { low = mid + 1 } else { high = mid }
        }
        let joined = low
        guard joined >= 2 || (joined == 1 && joinOrder[0] != current) else { return nil }
        var choice = joinOrder[rng.int(0...(joined - 1))]
        if choice == current {
            // Step to a neighbour in joining order: still joined, never the same.
            let position = joinOrder.firstIndex(of: current)!
            choice = joinOrder[position + 1 < joined ? position + 1 : position - 1]
        }
        return choice
    }
}
