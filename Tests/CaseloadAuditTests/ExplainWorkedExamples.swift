import CaseloadAudit
import CaseloadCoding
import CaseloadStatistics
import Testing

/// (case, numerator or value, denominator, why) as a person reads it.
struct Part: Equatable, CustomStringConvertible {
    var caseId: String, amount: Double?, denominator: Double?, why: String
    init(_ caseId: String, _ amount: Double?, _ denominator: Double? = nil, _ why: String) {
        (self.caseId, self.amount, self.denominator, self.why) = (caseId, amount, denominator, why)
    }
    init(_ c: CaseContribution) {
        self.init(c.caseId, c.numerator ?? c.value, c.denominator, c.why)
    }
    var description: String { "\(caseId) \(amount.map { "\($0)" } ?? "nil") \(denominator.map { "\($0)" } ?? "-") \(why)" }
}

/// Worked by hand from ``WorkedHistory`` as of 2024-04-30 (all history):
/// t1 has c1 (converted, refused), c3 (excluded as spam), c4 (excluded then
/// revoked), c5 (a denied request), c6 (a no-show, a late and an early
/// cancellation); 4 profile views.
@Suite struct ExplainWorkedExamples {
    static let asOf = at("2024-04-30T00:00:00Z")

    func explain(_ metric: String, _ window: StatisticsWindow = StatisticsWindow(), asOf: Timestamp = asOf) async throws -> MetricExplanation {
        let s = try await WorkedHistory.build()
        // By name, as `caseload explain --metric` gives it (an unknown name is an error).
        return try await Audit(store: s.store)
            .explainer(therapistId: "t1", window: window, asOf: asOf, facts: try await s.facts()).explain(metric)
    }

    @Test func conversionNamesEveryCaseWithWhyItCountsOrNot() async throws {
        let e = try await explain("conversionToFirstSession")
        #expect(e.kind == .rate)
        #expect(e.value == 0.5 && e.numerator == 2 && e.denominator == 4)
        #expect(e.cases.map(Part.init) == [
            Part("c1", 1, 1, "converted by a held session on 2024-03-05; refused on 2024-03-06 (personal trigger) after it: stays converted"),
            Part("c3", 0, 0, "excluded on 2024-03-10 by support:agent-7 (spam)"),
            Part("c4", 0, 1, "counted, not converted; was excluded on 2024-03-12 by support:agent-7 (platform test), revoked on 2024-03-20 by support:agent-9"),
            Part("c5", 0, 1, "counted, not converted"),
            Part("c6", 1, 1, "converted by a charged no-show on 2024-03-25"),
        ])
        #expect(e.cases.map(\.counts) == [true, false, true, true, true])
    }

    @Test func withoutExclusionsTheSpamChatCountsAndSaysWhy() async throws {
        let e = try await explain("conversionToFirstSession", StatisticsWindow(honourExclusions: false))
        #expect(e.numerator == 2 && e.denominator == 5)
        #expect(Part(e.cases[1]) == Part("c3", 0, 1, "counted, not converted; excluded on 2024-03-10 by support:agent-7 (spam), but exclusions are not honoured here"))
    }

    @Test func aWindowThatMissesEveryOpeningSaysSo() async throws {
        let e = try await explain("conversionToFirstSession", StatisticsWindow(days: 30))
        #expect(e.value == nil && e.numerator == 0 && e.denominator == 0)
        #expect(e.windowStart == at("2024-03-31T00:00:00Z"))
        #expect(e.cases.map(\.why) == Array(repeating: "", count: 5).enumerated().map { index, _ in
            let opened = ["2024-03-01", "2024-03-08", "2024-03-11", "2024-03-13", "2024-03-21"][index]
            return "opened on \(opened), before the window (which starts after 2024-03-31)"
        })
    }

    @Test func excludedInquiriesAsOfADayWhenTwoChatsWereExcluded() async throws {
        // As of 15 March c4's exclusion had not yet been revoked, and c6 had not opened (so it is not listed).
        let e = try await explain("excludedInquiries", asOf: at("2024-03-15T00:00:00Z"))
        #expect(e.value == 2)
        #expect(e.cases.map(Part.init) == [
            Part("c1", 0, nil, "counted, not excluded"),
            Part("c3", 1, nil, "excluded on 2024-03-10 by support:agent-7 (spam)"),
            Part("c4", 1, nil, "excluded on 2024-03-12 by support:agent-7 (platform test)"),
            Part("c5", 0, nil, "counted, not excluded"),
        ])
    }

    @Test func returnRateLeavesTheRefusedCaseOut() async throws {
        let e = try await explain("returnRate")
        #expect(e.value == 1 && e.numerator == 1 && e.denominator == 1)
        #expect(e.cases.map(Part.init) == [
            Part("c1", 0, 0, "refused on 2024-03-06 (personal trigger): left out of retention"),
            Part("c3", 0, 0, "no charged session in the window"),
            Part("c4", 0, 0, "no charged session in the window"),
            Part("c5", 0, 0, "no charged session in the window"),
            Part("c6", 1, 1, "seen in the window: 2 charged sessions in it; second charged session on 2024-04-09"),
        ])
        let unhonoured = try await explain("returnRate", StatisticsWindow(honourRefusals: false))
        #expect(unhonoured.value == 0.5)
        #expect(Part(unhonoured.cases[0]) == Part("c1", 0, 1, "seen in the window: 1 charged session in it; no second charged session by the as-of date; refused on 2024-03-06 (personal trigger), but refusals are not honoured here"))
    }

    @Test func platformFeesSplitIntoCommissionAndTheNewClientFee() async throws {
        // c1: 30% of 3000 = 900 + 2 × 3000 = 6000; c6: 30% of 2 × 2500 = 1500 + 2 × 2500 = 5000. 6900 + 6500 = 13400.
        let e = try await explain("platformFees")
        #expect(e.kind == .money)
        #expect(e.value == 1_340_000)
        #expect(e.cases.map(Part.init) == [
            Part("c1", 690_000, nil, "commission 900.00 on 1 charged session in the window + new-client fee 6000.00 (first session on 2024-03-05)"),
            Part("c3", 0, nil, "no charged session in the window"),
            Part("c4", 0, nil, "no charged session in the window"),
            Part("c5", 0, nil, "no charged session in the window"),
            Part("c6", 650_000, nil, "commission 1500.00 on 2 charged sessions in the window + new-client fee 5000.00 (first session on 2024-03-25)"),
        ])
    }

    @Test func sessionCountsListTheDaysOfTheSessions() async throws {
        let charged = try await explain("chargedSessions")
        #expect(charged.value == 3)
        #expect(Part(charged.cases[4]) == Part("c6", 2, nil, "2 charged sessions in the window: 2024-03-25 (no-show), 2024-04-09 (late cancellation)"))
        let early = try await explain("earlyCancellations")
        #expect(early.value == 1)
        #expect(Part(early.cases[4]) == Part("c6", 1, nil, "1 cancellation without charge in the window: 2024-04-15"))
        let revenue = try await explain("sessionRevenue")
        #expect(revenue.value == 800_000)
        #expect(Part(revenue.cases[4]) == Part("c6", 500_000, nil, "charged in the window: 2500.00 (2024-03-25, no-show) + 2500.00 (2024-04-09, late cancellation)"))
    }

    @Test func theMedianResponseIsTheMiddleOfTheRepliedCases() async throws {
        let e = try await explain("medianFirstResponseSeconds")
        #expect(e.kind == .median)
        #expect(e.value == 9000)
        #expect(e.cases.map(Part.init) == [
            Part("c1", 9000, nil, "first reply on 2024-03-01, 2 h 30 min after the inquiry (9000 s) — the middle value"),
            Part("c3", nil, nil, "excluded on 2024-03-10 by support:agent-7 (spam): left out"),
            Part("c4", nil, nil, "counted, no reply; was excluded on 2024-03-12 by support:agent-7 (platform test), revoked on 2024-03-20 by support:agent-9"),
            Part("c5", nil, nil, "counted, no reply"),
            Part("c6", nil, nil, "counted, no reply"),
        ])
    }

    @Test func profileViewsAreCountedPerDay() async throws {
        let views = try await explain("profileViews")
        #expect(views.value == 4)
        #expect(views.cases.isEmpty)
        #expect(views.viewsRole == .value)
        #expect(views.viewsByDay == [
            ViewsOnDay(day: "2024-03-01", views: 2), ViewsOnDay(day: "2024-03-08", views: 1), ViewsOnDay(day: "2024-03-11", views: 1),
        ])
        let efficiency = try await explain("profileEfficiency")
        #expect(efficiency.value == 1.25 && efficiency.numerator == 5 && efficiency.denominator == 4)
        #expect(efficiency.viewsRole == .denominator)
        #expect(Part(efficiency.cases[1]) == Part("c3", 1, 0, "opened on 2024-03-08, in the window; excluded on 2024-03-10 by support:agent-7 (spam), still an inquiry"))
    }

    @Test func anUnknownMetricOrTherapistIsAnError() async throws {
        await #expect {
            _ = try await explain("happiness")
        } throws: { error in (error as? AuditError)?.code == .unknownMetric }
        let s = try await WorkedHistory.build()
        await #expect {
            _ = try await Audit(store: s.store).explain(metric: .inquiries, therapistId: "t9", facts: try await s.facts())
        } throws: { error in (error as? AuditError)?.code == .therapistNotFound }
    }

    @Test func theTableShowsTheValueItsPartsAndTheirTotals() async throws {
        let table = AuditReport.table(try await explain("conversionToFirstSession"))
        #expect(table == """
            conversionToFirstSession of therapist t1, as of 2024-04-30T00:00:00Z (all history; exclusions honoured; refusals honoured; fees: 2 sessions' price per new client + 30%)
            conversionToFirstSession: first sessions ÷ counted inquiries
            value 0.5000 = 2 ÷ 4
            5 cases opened by the as-of date, 4 counting
            case   opened      numerator  denominator  why
            c1     2024-03-01          1            1  converted by a held session on 2024-03-05; refused on 2024-03-06 (personal trigger) after it: stays converted
            c3     2024-03-08          0            0  excluded on 2024-03-10 by support:agent-7 (spam)
            c4     2024-03-11          0            1  counted, not converted; was excluded on 2024-03-12 by support:agent-7 (platform test), revoked on 2024-03-20 by support:agent-9
            c5     2024-03-13          0            1  counted, not converted
            c6     2024-03-21          1            1  converted by a charged no-show on 2024-03-25
            total                      2            4
            1 client in ongoing therapy (a session held or booked in the last 30 days): a platform delisting t1 would tell them to leave
            client  sessions  cases
            k6             2  c6

            """)
    }

    /// Of t1's clients as of 2024-04-30, only k6 is in ongoing therapy: c6
    /// converted, was neither refused nor ended, and had a charged late
    /// cancellation on 2024-04-09 (within 30 days); its two charged sessions
    /// are the no-show and that late cancellation. c1 was refused; the
    /// others never had a session. Within 7 days nobody is (k6's last
    /// booking was on 2024-04-11).
    @Test func explainListsTheClientsInOngoingTherapyADelistingWouldTellToLeave() async throws {
        let e = try await explain("sessionsHeld")
        #expect(e.ongoingClients == [OngoingClient(therapistId: "t1", clientId: "k6", caseIds: ["c6"], sessions: 2)])
        let s = try await WorkedHistory.build()
        let week = try StatisticsExplainer(
            facts: try await s.facts(), therapistId: "t1", window: StatisticsWindow(), asOf: Self.asOf, ongoingWithinDays: 7)
        #expect(week.ongoingClients.isEmpty)
    }
}
