import CaseloadStatistics
import Synchronization

/// A `StatisticsSource` with hand-made statistics: the ratings tests never
/// depend on how statistics are computed from events.
///
/// Each window may have its own therapists; a window with none given falls
/// back to `everyWindow`. The platform is the sum of the therapists' counts
/// (as the contract says: "the platform as one therapist"), unless given.
/// It records the windows asked for, to check that the engine asks once per
/// distinct window.
final class FakeStatisticsSource: StatisticsSource {
    private let everyWindow: [TherapistStatistics]
    private let byWindow: [StatisticsWindow: [TherapistStatistics]]
    private let platformOverride: TherapistStatistics?
    private let asked = Mutex<[StatisticsWindow]>([])

    init(
        _ therapists: [TherapistStatistics], byWindow: [StatisticsWindow: [TherapistStatistics]] = [:],
        platform: TherapistStatistics? = nil
    ) {
        self.everyWindow = therapists
        self.byWindow = byWindow
        self.platformOverride = platform
    }

    /// The windows asked for, in order.
    var windowsAsked: [StatisticsWindow] { asked.withLock { $0 } }

    func snapshot(_ window: StatisticsWindow) throws -> StatisticsSnapshot {
        asked.withLock { $0.append(window) }
        let therapists = (byWindow[window] ?? everyWindow).sorted { $0.therapistId < $1.therapistId }
        return StatisticsSnapshot(window: window, therapists: therapists, platform: platformOverride ?? Self.sum(therapists))
    }

    /// The platform as one therapist: every count summed.
    static func sum(_ therapists: [TherapistStatistics]) -> TherapistStatistics {
        var platform = TherapistStatistics(therapistId: "platform")
        for t in therapists {
            platform.profileViews += t.profileViews
            platform.inquiries += t.inquiries
            platform.excludedInquiries += t.excludedInquiries
            platform.countedInquiries += t.countedInquiries
            platform.repliedInquiries += t.repliedInquiries
            platform.firstSessions += t.firstSessions
            platform.refusals += t.refusals
            platform.sessionsHeld += t.sessionsHeld
            platform.lateCancellations += t.lateCancellations
            platform.earlyCancellations += t.earlyCancellations
            platform.noShows += t.noShows
            platform.clientsWithSecondSession += t.clientsWithSecondSession
            platform.sessionRevenue += t.sessionRevenue
            platform.platformFees += t.platformFees
            platform.retainedClients += t.retainedClients
            platform.chargedSessionsOfRetainedClients += t.chargedSessionsOfRetainedClients
            platform.chargedSessions += t.chargedSessions
        }
        return platform
    }
}

/// A source whose every snapshot fails, to check that errors carry the window.
struct FailingStatisticsSource: StatisticsSource {
    struct Failure: Error, Sendable {}
    func snapshot(_ window: StatisticsWindow) throws -> StatisticsSnapshot { throw Failure() }
}

/// Hand-made statistics: set only what a test reads. The metric(...) rates
/// are computed by the interface from these counts, so tests set counts.
func therapist(
    _ id: String, views: Int = 0, inquiries: Int = 0, firstSessions: Int = 0, retained: Int = 0,
    secondSessions: Int = 0, retainedSessions: Int = 0, charged: Int = 0, fees: Int64 = 0
) -> TherapistStatistics {
    var t = TherapistStatistics(therapistId: id)
    t.profileViews = views
    t.inquiries = inquiries
    t.countedInquiries = inquiries
    t.firstSessions = firstSessions
    t.retainedClients = retained
    t.clientsWithSecondSession = secondSessions
    t.chargedSessionsOfRetainedClients = retainedSessions
    t.chargedSessions = charged
    t.platformFees = fees
    return t
}
