import CaseloadDomain
import Foundation

/// One case as a small process: the steps still to come, each at its time,
/// and what the case knows about itself (its sessions so far, how many the
/// client will come to). Only open cases exist, so memory follows the
/// platform's current caseload, not the length of the history.
///
/// A case runs up to three tracks at once — the conversation and sessions,
/// an exclusion request, an anti-fraud flag — kept in one list ordered by
/// time. The tracks never contradict each other by construction: exclusion
/// only on chats that never book, flags only after a first session or on
/// spam, refusals only after the first held session and before the next
/// booking (the case books one session at a time).
struct CaseProcess {
    enum Kind: Equatable {
        case genuine
        /// Not about therapy; the reason support would exclude it for.
        case nonGenuine(ExclusionReason)
        /// Opened by support for a client re-matched after a refusal.
        case rematch
    }

    enum Step {
        case open
        case reply
        case book
        case settle(Settlement)
        case refuse(RefusalReason)
        case resolveRefusal
        case end(CaseEndReason, Initiator)
        case requestExclusion(ExclusionReason, grantChance: Double)
        case decideExclusion(ExclusionReason, grant: Bool)
        case revokeExclusion
        case excludeAfterCheck(ExclusionReason)
        case raiseFlag(rule: String, spam: Bool)
        case disputeFlag
        case resolveFlag(cleared: Bool)
    }

    enum Settlement {
        case held(Initiator)
        case missed(Initiator)
        case cancelled(CancellingParty, Initiator)
    }

    let number: UInt64
    let caseId: String
    let clientId: String
    let client: Initiator
    let therapist: Int
    let kind: Kind
    let format: InquiryFormat
    let oneOff: Bool
    let rematchedFrom: String?
    var rng: RandomSource
    /// Steps to come, ordered by time (equal times keep planning order).
    private(set) var pending: [(at: Seconds, step: Step)] = []

    // The session track.
    /// Sessions the client will come to (held or charged), drawn at the first booking.
    var plannedSessions = 0
    /// Sessions held or charged so far.
    var counted = 0
    var cadence: Seconds = Time.week
    /// This client's no-show propensity (mean 1).
    let clientNoShow: Double
    /// The slot the next booking takes.
    var nextSlot: Seconds = 0
    /// The booked session not yet settled.
    var session: (id: String, start: Seconds, bookedAt: Seconds)?
    var flagDisputed = false

    init(
        number: UInt64, clientId: String, therapist: TherapistModel, openAt: Seconds, seed: UInt64,
        rematch: (from: String, format: InquiryFormat)? = nil
    ) {
        self.number = number
        caseId = "c" + String(number)
        self.clientId = clientId
        client = .client(clientId)
        self.therapist = therapist.index
        var rng = RandomSource(seed: seed, 4, number)
        if let rematch {
            kind = .rematch
            format = rematch.format
            oneOff = false
            rematchedFrom = rematch.from
        } else {
            kind = rng.chance(therapist.profile.nonGenuineShare) ? .nonGenuine(rng.pick(Figures.nonGenuineReasons)) : .genuine
            format = rng.chance(Figures.coupleShare) ? .couple : .individual
            oneOff = kind == .genuine && rng.chance(therapist.profile.oneOffShare)
            rematchedFrom = nil
        }
        // Lognormal with mean 1: median e^(−σ²/2).
        let sigma = Figures.clientNoShowSigma
        clientNoShow = rng.lognormal(median: exp(-sigma * sigma / 2), sigma: sigma)
        self.rng = rng
        if rematch == nil { pending = [(openAt, .open)] }
    }

    var isFinished: Bool { pending.isEmpty }
    var nextTime: Seconds? { pending.first?.at }

    mutating func takeNextStep() -> (at: Seconds, step: Step) { pending.removeFirst() }

    /// Plans `step` at `time`, after any step already planned for the same time.
    mutating func plan(_ step: Step, at time: Seconds) {
        var index = pending.count
        while index > 0, pending[index - 1].at > time { index -= 1 }
        pending.insert((time, step), at: index)
    }

    // MARK: Planning

    /// What follows an inquiry: replies, and a first booking or not; for a chat
    /// that is not about therapy, an exclusion request or an anti-fraud catch.
    mutating func planAfterOpening(at t0: Seconds, _ therapist: TherapistModel) {
        switch kind {
        case .nonGenuine(let reason):
            if rng.chance(0.35) { plan(.reply, at: t0 + replyDelay(therapist, fast: false)) }
            if rng.chance(therapist.profile.requestsExclusion) {
                let delay = max(10 * Time.minute, Seconds(rng.lognormal(median: 8 * 3600, sigma: 1.0)))
                plan(.requestExclusion(reason, grantChance: Figures.exclusionGranted(reason)), at: t0 + delay)
            } else if rng.chance(Figures.antifraudCatchesSpam) {
                let rule = Texts.spamRules[rng.int(0...(Texts.spamRules.count - 1))]
                plan(.raiseFlag(rule: rule, spam: true), at: t0 + rng.seconds(Time.hour...3 * Time.day))
            }
        case .genuine, .rematch:
            let rematch = kind == .rematch
            var replied: Seconds?
            if rematch || !rng.chance(therapist.profile.neverReplies) {
                var at = t0 + replyDelay(therapist, fast: rematch)
                plan(.reply, at: at)
                replied = at
                // Later messages in the same chat.
                var more = rng.chance(0.5) ? 1 : 0
                if more == 1, rng.chance(0.3) { more += 1 }
                for _ in 0..<more {
                    at += max(Time.minute, Seconds(rng.exponential(mean: 6 * 3600)))
                    plan(.reply, at: at)
                }
            }
            let booking =
                rematch ? Figures.rematchBooking : replied == nil ? 0.03 : therapist.profile.bookingAfterReply
            if rng.chance(booking) {
                plannedSessions = drawSessions(therapist)
                let u = rng.unit()
                cadence =
                    u < Figures.twiceWeeklyShare
                    ? Time.week / 2 : u < Figures.twiceWeeklyShare + therapist.profile.biweeklyShare ? 2 * Time.week : Time.week
                let bookedAt = (replied ?? t0) + max(10 * Time.minute, Seconds(rng.lognormal(median: 20 * 3600, sigma: 1.0)))
                nextSlot = slot(day: bookedAt / Time.day + Seconds(rng.int(1...7)))
                plan(.book, at: bookedAt)
            } else if rng.chance(therapist.profile.questionableExclusionRequest) {
                let reason = rng.pick(Figures.questionableReasons)
                plan(
                    .requestExclusion(reason, grantChance: Figures.questionableGranted),
                    at: (replied ?? t0) + rng.seconds(Time.day...10 * Time.day))
            } else if rng.chance(0.2) {
                plan(.end(.clientStopped, client), at: t0 + rng.seconds(2 * Time.day...14 * Time.day))
            }
        }
    }

    /// How a booked session will go, and when that is known.
    mutating func planSettlement(bookedAt: Seconds, start: Seconds, _ therapist: TherapistModel) {
        let notice = Seconds(therapist.noticeHours(at: bookedAt)) * Time.hour
        let firstSession = counted == 0
        let noShow =
            (firstSession ? Figures.noShowFirstSession : Figures.noShowLaterSessions) * therapist.noShowFactor
            * clientNoShow
        var u = rng.unit()
        let earliest = bookedAt + 10 * Time.minute
        func clientCancelsLate() -> (Seconds, Step) {
            let from = max(earliest, start - notice + 10 * Time.minute)
            let at = rng.seconds(min(from, start - 10 * Time.minute)...(start - 10 * Time.minute))
            return (at, .settle(.cancelled(.client, rng.chance(0.9) ? client : Actors.agent(&rng))))
        }
        let (at, step): (Seconds, Step)
        if u < Figures.earlyClientCancellation {
            let latest = start - notice - Time.hour
            if latest > earliest {
                at = rng.seconds(earliest...latest)
                step = .settle(.cancelled(.client, rng.chance(0.9) ? client : Actors.agent(&rng)))
            } else {
                (at, step) = clientCancelsLate()  // booked too close to the start for an early cancellation
            }
        } else if (u - Figures.earlyClientCancellation) < Figures.lateClientCancellation {
            (at, step) = clientCancelsLate()
        } else {
            u -= Figures.earlyClientCancellation + Figures.lateClientCancellation
            if u < Figures.therapistCancellation {
                at = rng.seconds(earliest...(start - 30 * Time.minute))
                step = .settle(.cancelled(.therapist, rng.chance(0.9) ? therapist.actor : Actors.agent(&rng)))
            } else if u - Figures.therapistCancellation < noShow {
                at = start + rng.seconds(15 * Time.minute...Time.hour)
                step = .settle(.missed(rng.chance(0.6) ? therapist.actor : Actors.scheduler))
            } else {
                at = start + rng.seconds(50 * Time.minute...Time.hour)
                step = .settle(.held(rng.chance(0.75) ? therapist.actor : Actors.video))
            }
        }
        plan(step, at: at)
    }

    /// What follows a settled session at `time`: the next booking, a refusal,
    /// an anti-fraud flag, or the end.
    /// Returns whether this settlement converted the case (its first session
    /// held or charged).
    mutating func planAfterSettlement(_ settlement: Settlement, late: Bool, at time: Seconds, _ therapist: TherapistModel)
        -> Bool
    {
        let previousStart = session!.start
        session = nil
        let countsAsHeld: Bool
        switch settlement {
        case .held, .missed: countsAsHeld = true
        case .cancelled(let by, _): countsAsHeld = by == .client && late
        }
        guard countsAsHeld else {
            // A free cancellation: the client moves the session, or stops
            // (within the sessions drawn: see `Figures.firstBookingAbandoned`).
            let stops =
                counted == 0
                ? rng.chance(Figures.firstBookingAbandoned)
                : counted + 1 >= plannedSessions && rng.chance(Figures.lastSessionCancelledInstead)
            if !stops {
                nextSlot = max(
                    slot(day: previousStart / Time.day + Seconds(rng.int(1...4))),
                    slot(day: time / Time.day + 1))
                let bookedAt = time + max(10 * Time.minute, Seconds(rng.exponential(mean: 8 * 3600)))
                plan(.book, at: min(bookedAt, nextSlot - 3 * Time.hour))
            } else {
                planEnding(at: time, dropout: true)
            }
            return false
        }
        counted += 1
        let converted = counted == 1
        if converted, rng.chance(therapist.antifraudRate) {
            let rule = Texts.antifraudRules[rng.int(0...(Texts.antifraudRules.count - 1))]
            plan(.raiseFlag(rule: rule, spam: false), at: time + rng.seconds(Time.day...60 * Time.day))
        }
        if counted == 1, case .held = settlement, !oneOff, kind != .rematch, rng.chance(therapist.profile.refusal) {
            let reason = rng.pick(Figures.refusalReasons)
            plan(.refuse(reason), at: time + rng.seconds(Time.hour...2 * Time.day))
            return converted
        }
        guard counted < plannedSessions else {
            // A last session missed is a client who stopped coming.
            if case .missed = settlement {
                planEnding(at: time, dropout: true)
            } else {
                planEnding(at: time, dropout: false)
            }
            return converted
        }
        // The next session at the usual cadence, now and then at another hour
        // or day; usually booked right after the session.
        var start = previousStart + cadence
        if rng.chance(0.2) {
            var shift = Seconds(rng.int(-30...30)) * Time.hour
            if shift == 0 { shift = Time.hour }
            start += shift
        }
        nextSlot = max(start, time + 4 * Time.hour)
        let delay =
            rng.chance(0.6)
            ? rng.seconds(2 * Time.minute...50 * Time.minute) : Seconds(rng.exponential(mean: 20 * 3600))
        plan(.book, at: max(time, min(time + delay, nextSlot - 3 * Time.hour)))
        return converted
    }

    /// How the case ends after its last session at `time` (or without one).
    mutating func planEnding(at time: Seconds, dropout: Bool) {
        if counted == 0 {
            if rng.chance(0.3) { plan(.end(.clientStopped, client), at: time + rng.seconds(Time.day...10 * Time.day)) }
            return
        }
        if oneOff, counted == 1 {
            if rng.chance(Figures.oneOffClosed) {
                plan(
                    .end(.oneOffCompleted, rng.chance(0.5) ? client : Actors.scheduler),
                    at: time + rng.seconds(Time.hour...2 * Time.day))
            }
            return
        }
        if counted == 1 {
            if rng.chance(Figures.singleSessionSaysSo) {
                plan(.end(.clientStopped, client), at: time + rng.seconds(Time.day...14 * Time.day))
            }
            return
        }
        if dropout {
            if rng.chance(Figures.dropoutSaysSo) {
                plan(.end(.clientStopped, client), at: time + rng.seconds(3 * Time.day...30 * Time.day))
            }
            return
        }
        let u = rng.unit()
        if u < Figures.dropout * Figures.dropoutSaysSo {
            plan(.end(.clientStopped, client), at: time + rng.seconds(3 * Time.day...30 * Time.day))
        } else if u < Figures.dropout {
            return  // goes quiet
        } else if u < Figures.dropout + Figures.otherEnding {
            plan(.end(.other, Actors.scheduler), at: time + rng.seconds(14 * Time.day...45 * Time.day))
        } else {
            plan(.end(.goalsReached, client), at: time + rng.seconds(Time.hour...7 * Time.day))
        }
    }

    /// An anti-fraud flag's course after it is raised at `time`.
    mutating func planFlag(raisedAt time: Seconds, spam: Bool) {
        if spam, case .nonGenuine(let reason) = kind {
            plan(.excludeAfterCheck(reason), at: time + rng.seconds(Time.hour...2 * Time.day))
            return
        }
        var last = time
        if rng.chance(Figures.flagDisputed) {
            last = time + rng.seconds(2 * Time.hour...3 * Time.day)
            plan(.disputeFlag, at: last)
            flagDisputed = true
        }
        guard !rng.chance(Figures.flagLeftOpen) else { return }
        let cleared = rng.chance(flagDisputed ? Figures.flagClearedIfDisputed : Figures.flagClearedIfNotDisputed)
        plan(
            .resolveFlag(cleared: cleared),
            at: last + max(Time.day, Seconds(rng.lognormal(median: 4 * 86_400, sigma: 0.7))))
    }

    // MARK: Draws

    private mutating func replyDelay(_ therapist: TherapistModel, fast: Bool) -> Seconds {
        max(Time.minute, Seconds(rng.lognormal(median: fast ? 3_600 : therapist.replyMedian, sigma: 1.3)))
    }

    /// Sessions a converted client comes to: one for most one-off consultations
    /// and for those who do not return; otherwise 2 + ⌊lognormal⌋, long-tailed.
    private mutating func drawSessions(_ therapist: TherapistModel) -> Int {
        if oneOff, !rng.chance(Figures.oneOffContinues) { return 1 }
        if rng.chance(therapist.profile.singleSession) { return 1 }
        let beyond = rng.lognormal(median: therapist.profile.sessionsMedian, sigma: therapist.profile.sessionsSigma)
        return min(Figures.maxSessions, 2 + Int(beyond))
    }

    /// A session start on `day` (days since 1970) at a working hour, on the hour.
    private mutating func slot(day: Seconds) -> Seconds {
        day * Time.day + Seconds(rng.int(7...19)) * Time.hour
    }
}
