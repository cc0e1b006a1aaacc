import Foundation

/// The expected size of a history, from the parameters alone: what progress
/// and the ETA measure against. Expected values of the model in `Figures.swift`
/// and `CaseProcess`, with the history's end cutting long cases short.
enum SizeEstimate {
    static func events(_ parameters: GeneratorParameters) -> Int {
        let span = Double(parameters.end.microsecondsSinceEpoch - parameters.start.microsecondsSinceEpoch) / 1e6
        // Joining: the launch cohort within two weeks (a week on average), the
        // rest over the first three quarters; inquiries start ~2 days later.
        let launch = min(7 * 86_400, span / 8)
        let meanJoin = Figures.launchCohort * launch + (1 - Figures.launchCohort) * span * 3 / 8 + 2 * 86_400
        let active = max(0, span - meanJoin)
        let activity = exp(Figures.activitySigma * Figures.activitySigma / 2)
        var perTherapist = 0.0
        for archetype in TherapistArchetype.allCases {
            let a = ArchetypeProfile.of(archetype)
            let inquiries = a.inquiriesPerMonth * activity / Double(Time.month)
            let replied = 1 - a.neverReplies
            // Inquiry, replies, the few endings and requests of chats that do not book.
            let genuineQuick = 1 + replied * 1.65 + 0.25
            let nonGenuine = 1.35 + a.requestsExclusion * 2.4 + (1 - a.requestsExclusion) * Figures.antifraudCatchesSpam * 3
            let converted = replied * a.bookingAfterReply
            // Sessions of a returning client: 2 + lognormal mean.
            let returning = 2 + a.sessionsMedian * exp(a.sessionsSigma * a.sessionsSigma / 2) - 0.5
            let sessions = (a.singleSession + (1 - a.singleSession) * returning) * (1 - a.oneOffShare * 0.8)
                + a.oneOffShare * 0.8
            // Book and settle each session, free cancellations rebooked, an ending.
            let sessionEvents = sessions * 2 * 1.1 + 0.7
            let cadence = 7.0 * 86_400 * (1 + a.biweeklyShare)
            let duration = sessions * cadence
            // Cases opened in the last `duration` of the span are cut short.
            let cut = active > duration ? active - duration / 2 : active * active / (2 * max(duration, 1))
            var events = inquiries * active * ((1 - a.nonGenuineShare) * genuineQuick + a.nonGenuineShare * nonGenuine)
            // Calibration: the session sum overestimates by about a fifth
            // (dropouts after cancellations and no-shows, cases cut by the end
            // sooner than the mean); measured over histories of 3–60 months
            // and 30–300 therapists.
            events += 0.8 * inquiries * cut * (1 - a.nonGenuineShare) * converted * sessionEvents
            if parameters.profileViews {
                let views = (a.viewsPerInquiry.lowerBound + a.viewsPerInquiry.upperBound) / 2
                events += inquiries * active * views
            }
            perTherapist += a.share * events
        }
        // Joining and policy changes.
        perTherapist += 1.55 + Figures.monthlyPolicyChange * span / Double(Time.month)
        return Int(perTherapist * Double(parameters.therapists))
    }
}
