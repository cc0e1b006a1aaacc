import CaseloadAudit
import CaseloadCoding
import CaseloadDomain
import Foundation
import Testing

/// (position, type, actor, description): what a person reads in a timeline.
struct Line: Equatable, CustomStringConvertible {
    var position: Int64, type: String, actor: String, what: String
    init(_ position: Int64, _ type: String, _ actor: String, _ what: String) {
        (self.position, self.type, self.actor, self.what) = (position, type, actor, what)
    }
    init(_ entry: AuditEntry) { self.init(entry.position, entry.type, entry.actor, entry.description) }
    var description: String { "\(position) \(type) \(actor) \(what)" }
}

@Suite struct CaseTimelines {
    @Test func aRefusedCaseTellsItsStoryAndNamesTheCaseItWasRematchedTo() async throws {
        let s = try await WorkedHistory.build()
        let timeline = try await Audit(store: s.store).timeline(ofCase: "c1")
        #expect(timeline.clientId == "k1")
        #expect(timeline.therapistId == "t1")
        #expect(timeline.rematchedFrom == nil)
        #expect(timeline.rematchedTo == "c2")
        #expect(timeline.rematchedToTherapist == "t2")
        #expect(timeline.entries.map(Line.init) == [
            Line(4, "InquiryOpened", "client:k1", "inquiry opened: client k1 wrote to therapist t1 (individual)"),
            Line(5, "TherapistReplied", "therapist:t1", "therapist replied (first reply, 2 h 30 min after the inquiry)"),
            Line(6, "SessionBooked", "client:k1", "session s1 booked for 2024-03-05 10:00 at 3000.00 UAH"),
            Line(7, "SessionHeld", "therapist:t1", "session s1 held; first session: the case converted"),
            Line(8, "RefusalFiled", "therapist:t1", "refusal filed after the first session (personal trigger): “a strong personal trigger”"),
            Line(9, "RefusalResolved", "support:agent-7", "refusal resolved by support:agent-7: client re-matched to therapist t2 in case c2"),
        ])
        #expect(timeline.entries.map(\.occurredAt) == [
            at("2024-03-01T09:00:00Z"), at("2024-03-01T11:30:00Z"), at("2024-03-02T09:00:00Z"),
            at("2024-03-05T11:00:00Z"), at("2024-03-06T09:00:00Z"), at("2024-03-07T09:00:00Z"),
        ])
    }

    @Test func aRematchedCaseLinksToTheCaseItCameFrom() async throws {
        let s = try await WorkedHistory.build()
        let timeline = try await Audit(store: s.store).timeline(ofCase: "c2")
        #expect(timeline.rematchedFrom == "c1")
        #expect(timeline.rematchedTo == nil)
        #expect(timeline.therapistId == "t2")
        #expect(timeline.entries.map(Line.init) == [
            Line(10, "InquiryOpened", "support:agent-7", "case opened by re-match from case c1: client k1 with therapist t2 (individual)"),
        ])
    }

    @Test func cancellationsAreJudgedInWordsByThePolicyTheyRecorded() async throws {
        let s = try await WorkedHistory.build()
        let timeline = try await Audit(store: s.store).timeline(ofCase: "c6")
        #expect(timeline.entries.map(Line.init) == [
            Line(20, "InquiryOpened", "client:k6", "inquiry opened: client k6 wrote to therapist t1 (individual)"),
            Line(21, "SessionBooked", "client:k6", "session s1 booked for 2024-03-25 10:00 at 2500.00 UAH"),
            Line(22, "SessionMissed", "therapist:t1", "session s1 missed (client no-show): charged; first session: the case converted"),
            Line(23, "SessionBooked", "client:k6", "session s2 booked for 2024-04-10 10:00 at 2500.00 UAH"),
            Line(24, "SessionCancelled", "client:k6", "session s2: late cancellation by the client under a 48 h policy: charged"),
            Line(25, "SessionBooked", "client:k6", "session s3 booked for 2024-04-20 10:00 at 2500.00 UAH"),
            Line(26, "SessionCancelled", "client:k6", "session s3 cancelled by the client in time under a 48 h policy: not charged"),
        ])
    }

    @Test func exclusionDecisionsSayWhetherTheyAnsweredARequest() async throws {
        let s = try await WorkedHistory.build()
        let audit = Audit(store: s.store)
        #expect(try await audit.timeline(ofCase: "c3").entries.map(Line.init) == [
            Line(11, "InquiryOpened", "client:k3", "inquiry opened: client k3 wrote to therapist t1 (individual)"),
            Line(12, "ExclusionRequested", "therapist:t1", "exclusion requested (spam): “advertises a casino”; evidence: shot-1, shot-2"),
            Line(13, "ChatExcluded", "support:agent-7", "chat excluded (spam) by support:agent-7, granting the therapist's request: left out of statistics"),
        ])
        #expect(try await audit.timeline(ofCase: "c4").entries.map(Line.init) == [
            Line(14, "InquiryOpened", "client:k4", "inquiry opened: client k4 wrote to therapist t1 (couple)"),
            Line(15, "ChatExcluded", "support:agent-7", "chat excluded (platform test) by support:agent-7 on its own initiative: left out of statistics"),
            Line(19, "ExclusionRevoked", "support:agent-9", "exclusion revoked by support:agent-9: “anti-fraud check found a real client”; the chat counts again"),
        ])
        #expect(try await audit.timeline(ofCase: "c5").entries.map(Line.init) == [
            Line(16, "InquiryOpened", "client:k5", "inquiry opened: client k5 wrote to therapist t1 (individual, declared a one-off consultation)"),
            Line(17, "ExclusionRequested", "therapist:t1", "exclusion requested (accidental contact): “client wrote by accident”; evidence: shot-3"),
            Line(18, "ExclusionDenied", "support:agent-7", "exclusion request (accidental contact) denied by support:agent-7: “the client asked about therapy”"),
        ])
    }

    @Test func theTableShowsPositionTimeActorTypeAndWhatChanged() async throws {
        let s = try await WorkedHistory.build()
        let table = AuditReport.table(try await Audit(store: s.store).timeline(ofCase: "c2"))
        #expect(table == """
            case c2: client k1 with therapist t2
            re-matched from case c1
            position  occurred          actor            event          what
                  10  2024-03-07 09:00  support:agent-7  InquiryOpened  case opened by re-match from case c1: client k1 with therapist t2 (individual)

            """)
    }

    @Test func theJSONCarriesTheCaseItsLinksAndEachEventWithItsData() async throws {
        let s = try await WorkedHistory.build()
        let text = AuditReport.json(try await Audit(store: s.store).timeline(ofCase: "c1"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["caseId"] as? String == "c1")
        #expect(object["rematchedFrom"] is NSNull)
        #expect((object["rematchedTo"] as? [String: Any])?["caseId"] as? String == "c2")
        let events = try #require(object["events"] as? [[String: Any]])
        #expect(events.map { $0["position"] as? Int } == [4, 5, 6, 7, 8, 9])
        #expect(events[2]["occurredAt"] as? String == "2024-03-02T09:00:00Z")
        #expect(events[2]["recordedAt"] as? String == "2025-01-01T00:00:00Z")
        #expect(events[2]["description"] as? String == "session s1 booked for 2024-03-05 10:00 at 3000.00 UAH")
        #expect((events[2]["data"] as? [String: Any])?["sessionId"] as? String == "s1")
    }

    @Test func aCaseThatIsNotInTheLogIsAnErrorNamingIt() async throws {
        let s = try await WorkedHistory.build()
        await #expect {
            _ = try await Audit(store: s.store).timeline(ofCase: "c99")
        } throws: { error in
            (error as? AuditError)?.code == .caseNotFound && (error as? AuditError)?.subject == "c99"
        }
    }
}

@Suite struct ActorAudits {
    @Test func everythingAnAgentDidInPositionOrder() async throws {
        let s = try await WorkedHistory.build()
        let entries = try await Audit(store: s.store).actions(of: "support:agent-7")
        #expect(entries.map(Line.init) == [
            Line(9, "RefusalResolved", "support:agent-7", "refusal resolved by support:agent-7: client re-matched to therapist t2 in case c2"),
            Line(10, "InquiryOpened", "support:agent-7", "case opened by re-match from case c1: client k1 with therapist t2 (individual)"),
            Line(13, "ChatExcluded", "support:agent-7", "chat excluded (spam) by support:agent-7: left out of statistics"),
            Line(15, "ChatExcluded", "support:agent-7", "chat excluded (platform test) by support:agent-7: left out of statistics"),
            Line(18, "ExclusionDenied", "support:agent-7", "exclusion request denied by support:agent-7: “the client asked about therapy”"),
            Line(32, "ChatExcluded", "support:agent-7", "chat excluded (duplicate chat) by support:agent-7: left out of statistics"),
        ])
        #expect(entries.map(\.stream) == ["case-c1", "case-c2", "case-c3", "case-c4", "case-c5", "case-c7"])
        #expect(entries.map(\.caseId) == ["c1", "c2", "c3", "c4", "c5", "c7"])
    }

    @Test func sinceAndUntilBoundWhenTheActionsHappenedBothInclusive() async throws {
        let s = try await WorkedHistory.build()
        let entries = try await Audit(store: s.store).actions(
            of: "support:agent-7", since: at("2024-03-10T09:00:00Z"), until: at("2024-03-15T09:00:00Z"))
        #expect(entries.map(\.position) == [13, 15, 18])
    }

    @Test func aTherapistsActionsSpanTheirStreamAndTheirCases() async throws {
        let s = try await WorkedHistory.build()
        let entries = try await Audit(store: s.store).actions(of: "therapist:t1", until: at("2024-03-09T23:59:59Z"))
        #expect(entries.map(Line.init) == [
            Line(3, "CancellationPolicySet", "therapist:t1", "cancellation notice of therapist t1 set to 48 h"),
            Line(5, "TherapistReplied", "therapist:t1", "therapist replied"),
            Line(7, "SessionHeld", "therapist:t1", "session s1 held"),
            Line(8, "RefusalFiled", "therapist:t1", "refusal filed after the first session (personal trigger): “a strong personal trigger”"),
            Line(12, "ExclusionRequested", "therapist:t1", "exclusion requested (spam): “advertises a casino”; evidence: shot-1, shot-2"),
        ])
    }

    @Test func anActorThatIsNotKindColonIdIsRefused() async throws {
        let s = try await WorkedHistory.build()
        await #expect {
            _ = try await Audit(store: s.store).actions(of: "agent-7")
        } throws: { error in
            (error as? AuditError)?.code == .invalidActor
        }
    }

    @Test func anActorWhoDidNothingHasAnEmptyHistory() async throws {
        let s = try await WorkedHistory.build()
        #expect(try await Audit(store: s.store).actions(of: "support:agent-404").isEmpty)
    }
}

/// A row of `audit exclusions` as a person reads it.
struct Row: Equatable, CustomStringConvertible {
    var position: Int64, caseId: String, therapist: String?, kind: ExclusionRecord.Kind, actor: String
    var reason: ExclusionReason?, explanation: String?, evidence: [String], answers: Int64?
    init(_ position: Int64, _ caseId: String, _ therapist: String?, _ kind: ExclusionRecord.Kind, _ actor: String,
         _ reason: ExclusionReason?, _ explanation: String? = nil, evidence: [String] = [], answers: Int64? = nil) {
        (self.position, self.caseId, self.therapist, self.kind, self.actor) = (position, caseId, therapist, kind, actor)
        (self.reason, self.explanation, self.evidence, self.answers) = (reason, explanation, evidence, answers)
    }
    init(_ r: ExclusionRecord) {
        self.init(r.position, r.caseId, r.therapistId, r.kind, r.actor, r.reason, r.explanation, evidence: r.evidence, answers: r.answers?.position)
    }
    var description: String { "\(position) \(caseId) \(kind) \(actor) \(reason?.rawValue ?? "-") → \(answers.map(String.init) ?? "-")" }
}

@Suite struct ExclusionAudits {
    static let all = [
        Row(12, "c3", "t1", .requested, "therapist:t1", .spam, "advertises a casino", evidence: ["shot-1", "shot-2"]),
        Row(13, "c3", "t1", .granted, "support:agent-7", .spam, answers: 12),
        Row(15, "c4", "t1", .excluded, "support:agent-7", .platformTest),
        Row(17, "c5", "t1", .requested, "therapist:t1", .accidentalContact, "client wrote by accident", evidence: ["shot-3"]),
        Row(18, "c5", "t1", .denied, "support:agent-7", .accidentalContact, "the client asked about therapy", answers: 17),
        Row(19, "c4", "t1", .revoked, "support:agent-9", .platformTest, "anti-fraud check found a real client", answers: 15),
        Row(32, "c7", "t2", .excluded, "support:agent-7", .duplicateChat),
    ]

    @Test func everyRequestGrantDenialAndRevocationWithWhoDecidedAndWhy() async throws {
        let s = try await WorkedHistory.build()
        let rows = try await Audit(store: s.store).exclusions()
        #expect(rows.map(Row.init) == Self.all)
        #expect(rows.first?.clientId == "k3")
        // A denial carries the request it turned down, evidence included.
        let denial = try #require(rows.first { $0.kind == .denied })
        #expect(denial.answers?.explanation == "client wrote by accident")
        #expect(denial.answers?.evidence == ["shot-3"])
        #expect(denial.answers?.actor == "therapist:t1")
    }

    @Test func filtersSelectByTherapistAgentReasonAndTime() async throws {
        let s = try await WorkedHistory.build()
        let audit = Audit(store: s.store)
        func positions(_ filter: ExclusionFilter) async throws -> [Int64] { try await audit.exclusions(filter).map(\.position) }
        #expect(try await positions(ExclusionFilter(therapistId: "t2")) == [32])
        #expect(try await positions(ExclusionFilter(actor: ExclusionFilter.agentActor("agent-7"))) == [13, 15, 18, 32])
        #expect(try await positions(ExclusionFilter(actor: "support:agent-9")) == [19])
        #expect(try await positions(ExclusionFilter(reason: .platformTest)) == [15, 19])
        #expect(try await positions(ExclusionFilter(since: at("2024-03-15T09:00:00Z"))) == [18, 19, 32])
        #expect(try await positions(ExclusionFilter(until: at("2024-03-12T09:00:00Z"))) == [12, 13, 15])
        #expect(try await positions(ExclusionFilter(therapistId: "t1", actor: "support:agent-7", reason: .spam)) == [13])
    }

    @Test func aDecisionKeepsItsContextWhenTheRequestIsOutsideTheTimeFilter() async throws {
        let s = try await WorkedHistory.build()
        let rows = try await Audit(store: s.store).exclusions(ExclusionFilter(since: at("2024-03-20T00:00:00Z"), until: at("2024-03-21T00:00:00Z")))
        #expect(rows.map(Row.init) == [Self.all[5]])
        #expect(rows.first?.answers?.actor == "support:agent-7")
        #expect(rows.first?.answers?.kind == .excluded)
    }

    @Test func theTableNamesWhatEachDecisionAnswers() async throws {
        let s = try await WorkedHistory.build()
        let table = AuditReport.table(try await Audit(store: s.store).exclusions(ExclusionFilter(therapistId: "t1", reason: .accidentalContact)))
        #expect(table == """
            2 exclusion events
            position  occurred          case  therapist  event      by               reason              details
                  17  2024-03-14 09:00  c5    t1         requested  therapist:t1     accidental contact  “client wrote by accident”; evidence: shot-3
                  18  2024-03-15 09:00  c5    t1         denied     support:agent-7  accidental contact  “the client asked about therapy” (denies the request at 17)

            """)
    }
}

@Suite struct ActorAuditOutput {
    @Test func theTableListsTheActionsThenCountsThem() async throws {
        let s = try await WorkedHistory.build()
        let entries = try await Audit(store: s.store).actions(of: "support:agent-9")
        #expect(AuditReport.table(actor: "support:agent-9", entries) == """
            position  occurred          stream   event             what
                  19  2024-03-20 09:00  case-c4  ExclusionRevoked  exclusion revoked by support:agent-9: “anti-fraud check found a real client”; the chat counts again
            1 event by support:agent-9

            """)
    }

    @Test func jsonWrittenBatchByBatchIsTheSameDocument() async throws {
        let s = try await WorkedHistory.build()
        let entries = try await Audit(store: s.store).actions(of: "support:agent-7")
        var pieces = AuditReport.ActionsJSON(actor: "support:agent-7", since: nil, until: nil)
        let streamed = pieces.events(Array(entries[0..<2])) + pieces.events([]) + pieces.events(Array(entries[2...])) + pieces.closing()
        let whole = AuditReport.json(actor: "support:agent-7", since: nil, until: nil, entries)
        #expect(streamed == whole)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(whole.utf8)) as? [String: Any])
        #expect((object["events"] as? [[String: Any]])?.map { $0["position"] as? Int } == [9, 10, 13, 15, 18, 32])
        var empty = AuditReport.ActionsJSON(actor: "support:agent-404", since: nil, until: at("2024-03-01T00:00:00Z"))
        #expect(empty.closing() == #"{"actor":"support:agent-404","since":null,"until":"2024-03-01T00:00:00Z","events":[]}"#)
    }
}
