import Caseload
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreTesting
import Foundation
import Testing

/// An import line of `type` with `data` (and envelope members as given).
private func line(
    _ type: String, _ data: String, occurredAt: String = "2024-03-01T10:00:00Z", actor: String = "support:a7",
    extra: String = ""
) -> String {
    #"{"type":"\#(type)","occurredAt":"\#(occurredAt)","actor":"\#(actor)",\#(extra)"data":\#(data)}"#
}

private let x129 = String(repeating: "x", count: 129)
private let c1 = #""caseId":"c1""#
private func booked(_ price: String, _ start: String) -> String {
    line("SessionBooked", #"{"caseId":"c1","sessionId":"s1","scheduledStart":"\#(start)","price":\#(price)}"#, actor: "client:k1")
}
private func opened(_ more: String) -> String {
    line("InquiryOpened", #"{"caseId":"c1","clientId":"k1","therapistId":"t1","format":"individual","oneOff":false\#(more)}"#, actor: "client:k1")
}

/// One line per constraint the schemas state, each breaking it and nothing
/// else, with the field its error must name.
let constraintViolations: [(constraint: String, line: String, field: String)] = [
    // common.schema.json#/$defs/id
    ("id minLength 1", line("TherapistJoined", #"{"therapistId":""}"#), "therapistId"),
    ("id maxLength 128", line("TherapistJoined", #"{"therapistId":"\#(x129)"}"#), "therapistId"),
    ("id without C0 control", line("TherapistJoined", #"{"therapistId":"t\u00011"}"#), "therapistId"),
    ("id without DEL", line("TherapistJoined", #"{"therapistId":"t\u007F"}"#), "therapistId"),
    ("id without C1 control", line("TherapistJoined", #"{"therapistId":"t\u0085"}"#), "therapistId"),
    ("optional id (visitorId)", line("ProfileViewed", #"{"therapistId":"t1","visitorId":""}"#, actor: "system:web"), "visitorId"),
    // references and evidence
    ("evidence item is an id", line("AntifraudFlagRaised", #"{"caseId":"c1","rule":"r","evidence":[""]}"#, actor: "system:af"), "evidence[0]"),
    ("evidence is an array (v2)", line("ExclusionRequested", #"{"caseId":"c1","reason":"spam","explanation":"e","evidence":"s"}"#, actor: "therapist:t1"), "evidence"),
    ("v1 evidence maxLength 128", line("ExclusionRequested", #"{"caseId":"c1","reason":"spam","explanation":"e","evidence":"\#(x129)"}"#, actor: "therapist:t1", extra: #""schemaVersion":1,"#), "evidence"),
    // money
    ("amount minimum 0", booked(#"{"amount":-1,"currency":"UAH"}"#, "2024-03-05T10:00:00Z"), "price.amount"),
    ("amount maximum 10^12", booked(#"{"amount":1000000000001,"currency":"UAH"}"#, "2024-03-05T10:00:00Z"), "price.amount"),
    ("amount maximum: the issue's 10^18", booked(#"{"amount":1000000000000000000,"currency":"UAH"}"#, "2024-03-05T10:00:00Z"), "price.amount"),
    ("amount beyond Int64", booked(#"{"amount":99999999999999999999,"currency":"UAH"}"#, "2024-03-05T10:00:00Z"), "price.amount"),
    ("amount is an integer", booked(#"{"amount":1.5,"currency":"UAH"}"#, "2024-03-05T10:00:00Z"), "price.amount"),
    ("currency pattern", booked(#"{"amount":1,"currency":"uah"}"#, "2024-03-05T10:00:00Z"), "price.currency"),
    ("currency length 3", booked(#"{"amount":1,"currency":"UAHH"}"#, "2024-03-05T10:00:00Z"), "price.currency"),
    ("money has no other member", booked(#"{"amount":1,"currency":"UAH","vat":0}"#, "2024-03-05T10:00:00Z"), "price.vat"),
    // timestamps
    ("timestamp pattern (a zone)", booked(#"{"amount":1,"currency":"UAH"}"#, "2024-03-05T10:00:00"), "scheduledStart"),
    ("timestamp range: year 0 in UTC", booked(#"{"amount":1,"currency":"UAH"}"#, "0000-01-01T00:00:00+00:01"), "scheduledStart"),
    ("timestamp range: year 10000 in UTC", booked(#"{"amount":1,"currency":"UAH"}"#, "9999-12-31T23:59:59-00:01"), "scheduledStart"),
    ("occurredAt range", line("TherapistJoined", #"{"therapistId":"t1"}"#, occurredAt: "0000-01-01T00:00:00+00:01"), "occurredAt"),
    ("occurredAt pattern", line("TherapistJoined", #"{"therapistId":"t1"}"#, occurredAt: "2024-03-01"), "occurredAt"),
    // notice hours
    ("noticeHours minimum 1", line("CancellationPolicySet", #"{"therapistId":"t1","noticeHours":0}"#, actor: "therapist:t1"), "noticeHours"),
    ("noticeHours maximum 720", line("CancellationPolicySet", #"{"therapistId":"t1","noticeHours":721}"#, actor: "therapist:t1"), "noticeHours"),
    ("policyNoticeHours maximum 720", line("SessionCancelled", #"{"caseId":"c1","sessionId":"s1","by":"client","policyNoticeHours":721,"late":true}"#, actor: "client:k1"), "policyNoticeHours"),
    // explanation
    ("explanation minLength 1", line("ExclusionDenied", #"{"caseId":"c1","explanation":""}"#), "explanation"),
    ("explanation maxLength 2000", line("ExclusionDenied", #"{"caseId":"c1","explanation":"\#(String(repeating: "ж", count: 2001))"}"#), "explanation"),
    // enums
    ("exclusionReason enum", line("ChatExcluded", #"{"caseId":"c1","reason":"bored"}"#), "reason"),
    ("refusalReason enum", line("RefusalFiled", #"{"caseId":"c1","reason":"bored","explanation":"e"}"#, actor: "therapist:t1"), "reason"),
    ("CaseEnded reason enum", line("CaseEnded", #"{"caseId":"c1","reason":"bored"}"#, actor: "client:k1"), "reason"),
    ("format enum", opened(#","format":"group""#).replacingOccurrences(of: #""format":"individual","#, with: ""), "format"),
    ("oneOff boolean", line("InquiryOpened", #"{"caseId":"c1","clientId":"k1","therapistId":"t1","format":"couple","oneOff":"no"}"#, actor: "client:k1"), "oneOff"),
    ("outcome enum", line("RefusalResolved", #"{"caseId":"c1","outcome":"vanished"}"#), "outcome"),
    ("by enum", line("SessionCancelled", #"{"caseId":"c1","sessionId":"s1","by":"support"}"#), "by"),
    // clientName (InquiryOpened v1 and v2, input only)
    ("clientName minLength 1", opened(#","clientName":"""#), "clientName"),
    ("clientName maxLength 200", opened(#","clientName":"\#(String(repeating: "я", count: 201))""#), "clientName"),
    ("clientName without NUL", opened(#","clientName":"Anna\u0000""#), "clientName"),
    ("clientName without a line break", opened(#","clientName":"Anna\nB""#), "clientName"),
    ("clientName without C1 control", opened(#","clientName":"Anna\u009F""#), "clientName"),
    ("clientName and clientNameRef exclude each other", opened(#","clientName":"Anna","clientNameRef":"pd-0b8e5f7c-2d41-4c3a-9e61-7f2a1b3c4d5e""#), "clientName"),
    ("clientNameRef pattern", opened(#","clientNameRef":"pd-0B8E5F7C-2D41-4C3A-9E61-7F2A1B3C4D5E""#), "clientNameRef"),
    ("clientNameRef only in v2", line("InquiryOpened", #"{"caseId":"c1","clientId":"k1","therapistId":"t1","format":"couple","oneOff":false,"clientNameRef":"pd-0b8e5f7c-2d41-4c3a-9e61-7f2a1b3c4d5e"}"#, actor: "client:k1", extra: #""schemaVersion":1,"#), "clientNameRef"),
    // ClientDataErased
    ("fields minItems 1", line("ClientDataErased", #"{"clientId":"k1","fields":[],"records":0}"#), "fields"),
    ("field names are ids", line("ClientDataErased", #"{"clientId":"k1","fields":[""],"records":0}"#), "fields"),
    ("records minimum 0", line("ClientDataErased", #"{"clientId":"k1","fields":["clientName"],"records":-1}"#), "records"),
    ("records maximum 10^9", line("ClientDataErased", #"{"clientId":"k1","fields":["clientName"],"records":1000000001}"#), "records"),
    // conditionals
    ("rematched requires newCaseId", line("RefusalResolved", #"{"caseId":"c1","outcome":"rematched","newTherapistId":"t2"}"#), "newCaseId"),
    ("refunded allows no newTherapistId", line("RefusalResolved", #"{"caseId":"c1","outcome":"refunded","newTherapistId":"t2"}"#), "newTherapistId"),
    ("a therapist's cancellation is never late", line("SessionCancelled", #"{"caseId":"c1","sessionId":"s1","by":"therapist","policyNoticeHours":24,"late":true}"#, actor: "therapist:t1"), "late"),
    // actor
    ("actor pattern: a known kind", line("TherapistJoined", #"{"therapistId":"t1"}"#, actor: "robot:r1"), "actor"),
    ("actor pattern: kind:id", line("TherapistJoined", #"{"therapistId":"t1"}"#, actor: "support"), "actor"),
    ("actor pattern: no white space", line("TherapistJoined", #"{"therapistId":"t1"}"#, actor: "support:agent 7"), "actor"),
    ("actor pattern: not ':' first", line("TherapistJoined", #"{"therapistId":"t1"}"#, actor: "support::a7"), "actor"),
    ("actor pattern: no NBSP", line("TherapistJoined", #"{"therapistId":"t1"}"#, actor: #"support:a\u00A07"#), "actor"),
    ("actor maxLength (its id at most 128)", line("TherapistJoined", #"{"therapistId":"t1"}"#, actor: "support:\(x129)"), "actor"),
    // envelope
    ("eventType enum", line("TherapistHired", #"{"therapistId":"t1"}"#), "TherapistHired"),
    ("schemaVersion minimum 1", line("TherapistJoined", #"{"therapistId":"t1"}"#, extra: #""schemaVersion":0,"#), "schema version 0"),
    ("schemaVersion of the type", line("TherapistJoined", #"{"therapistId":"t1"}"#, extra: #""schemaVersion":2,"#), "schema version 2"),
    ("eventId is a UUID", line("TherapistJoined", #"{"therapistId":"t1"}"#, extra: #""eventId":"e-1","#), "eventId"),
    ("correlationId is a UUID", line("TherapistJoined", #"{"therapistId":"t1"}"#, extra: #""correlationId":"c","#), "correlationId"),
    ("envelope additionalProperties", line("TherapistJoined", #"{"therapistId":"t1"}"#, extra: #""stream":"therapist-t1","#), "stream"),
    ("data additionalProperties", line("TherapistJoined", #"{"therapistId":"t1","therapistID":"t1"}"#), "therapistID"),
    ("data is an object", line("TherapistJoined", #"["t1"]"#), "TherapistJoined"),
    ("data required", line("SessionHeld", #"{\#(c1)}"#, actor: "system:s"), "sessionId"),
    ("envelope required", #"{"type":"TherapistJoined","actor":"support:a7","data":{"therapistId":"t1"}}"#, "occurredAt"),
]

/// Issue 15, defect 3: import enforces every constraint the schemas state,
/// naming the line and the field.
@Suite struct ContractConstraints {
    @Test(arguments: constraintViolations.indices)
    func theImportParserRefusesEachViolationNamingTheField(_ index: Int) {
        let (constraint, text, field) = constraintViolations[index]
        let verdict = LineVerdict(Array(text.utf8))
        guard case .refused(let reason) = verdict else {
            Issue.record("\(constraint): accepted \(text)")
            return
        }
        #expect(reason.contains(field), "\(constraint): \(reason)")
    }

    @Test func anImportRefusesTheViolationsNamingTheLineAndTheField() async throws {
        let scratch = try ImportScratch()
        for (constraint, text, field) in constraintViolations {
            let path = try scratch.write("bad.jsonl", [history[0], text])
            let store = InMemoryEventStore()
            do {
                _ = try await Importer.importFile(path, into: store)
                Issue.record("\(constraint): imported")
            } catch let error as ImportError {
                #expect(error.line == 2, "\(constraint): \(error)")
                #expect(error.description.contains(field), "\(constraint): \(error)")
            }
            #expect(try await store.head().position == 0, "\(constraint): nothing is stored")
        }
    }

    @Test func theIssuesTenMegabyteClientNameIsRefusedNotSealed() async throws {
        let scratch = try ImportScratch()
        let name = String(repeating: "A", count: 10_000_000)
        let bad = history[1].replacingOccurrences(of: #""clientName":"Olena""#, with: #""clientName":"\#(name)""#)
        let path = try scratch.write("big.jsonl", [history[0], bad])
        let store = InMemoryEventStore()
        let error = await #expect(throws: ImportError.self) {
            _ = try await Importer.importFile(path, into: store, maxLineBytes: 16 << 20)
        }
        #expect(error?.line == 2)
        #expect(error?.message.contains("field 'clientName' is 10000000 characters long, more than 200") == true)
    }
}

/// The command path (a backend's `CaseloadService`, and the rules every path
/// runs) enforces the same constraints on values built in code.
@Suite struct ContractConstraintsOnCommands {
    let service = CaseloadService(store: InMemoryEventStore())

    func joined() async throws {
        try await service.execute(
            .joinTherapist(therapistId: "t1"), by: .support("s1"), at: try Timestamp(iso8601: "2024-03-01T08:00:00Z"),
            commandID: UUID())
    }

    @Test(arguments: ["", String(repeating: "n", count: 201), "Anna\u{0}", "Anna\u{85}"])
    func aClientNameOutsideTheContractIsRefused(_ name: String) async throws {
        try await joined()
        let error = await #expect(throws: DomainError.self) {
            try await service.execute(
                .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
                by: .client("k1"), at: try Timestamp(iso8601: "2024-03-01T09:00:00Z"), commandID: UUID(), clientName: name)
        }
        #expect(error?.code == .invalidField)
        #expect(error?.message.contains("clientName") == true)
    }

    @Test func aTimeOutsideTheContractIsRefused() async throws {
        let error = await #expect(throws: DomainError.self) {
            try await service.execute(
                .joinTherapist(therapistId: "t1"), by: .support("s1"),
                at: Timestamp(microsecondsSinceEpoch: .min + 1), commandID: UUID())
        }
        #expect(error?.code == .invalidField)
        #expect(error?.message.contains("occurredAt") == true)
    }

    @Test(arguments: [
        (Int64(1_000_000_000_001), Timestamp(microsecondsSinceEpoch: 1_709_632_800_000_000), "price.amount"),
        (Int64.max, Timestamp(microsecondsSinceEpoch: 1_709_632_800_000_000), "price.amount"),
        (Int64(300_000), Timestamp(microsecondsSinceEpoch: .max), "scheduledStart"),
    ])
    func aBookingOutsideTheContractIsRefused(_ amount: Int64, _ start: Timestamp, _ field: String) throws {
        let event = CaseloadEvent.sessionBooked(
            SessionBooked(caseId: "c1", sessionId: "s1", scheduledStart: start, price: Money(amount: amount, currency: "UAH")))
        let error = #expect(throws: DomainError.self) {
            try Rules.check(event, occurredAt: try Timestamp(iso8601: "2024-03-01T09:00:00Z"), actor: .client("k1"))
        }
        #expect(error?.code == .invalidField)
        #expect(error?.message.contains(field) == true)
    }

    @Test(arguments: ["agent 7", ":a7", "a\u{2028}7"])
    func anActorIdOutsideThePatternIsRefused(_ id: String) {
        let error = #expect(throws: DomainError.self) {
            try Rules.check(
                .therapistJoined(TherapistJoined(therapistId: "t1")),
                occurredAt: try Timestamp(iso8601: "2024-03-01T09:00:00Z"), actor: .support(id))
        }
        #expect(error?.code == .invalidActor)
    }
}

/// The invalid fixtures whose fault is in the envelope's per-type rules
/// (which actor kinds may cause an event; a client's cancellation is by the
/// client; support opens an inquiry only to re-match): the parser reads them,
/// and the rules every import runs refuse them, naming the line.
@Suite struct InvalidFixturesTheRulesRefuse {
    static let joined = #"{"type":"TherapistJoined","occurredAt":"2024-02-26T07:00:00Z","actor":"support:a7","data":{"therapistId":"t-117"}}"#
    static let opened = #"{"type":"InquiryOpened","occurredAt":"2024-03-01T09:00:00Z","actor":"client:cl-8812","data":{"caseId":"c-2024-0042","clientId":"cl-8812","format":"individual","oneOff":false,"therapistId":"t-117"}}"#
    static let booked = #"{"type":"SessionBooked","occurredAt":"2024-03-02T09:00:00Z","actor":"client:cl-8812","data":{"caseId":"c-2024-0042","price":{"amount":300000,"currency":"UAH"},"scheduledStart":"2024-03-11T10:00:00Z","sessionId":"s-0042-2"}}"#

    @Test func theParserAcceptsExactlyTheseFour() throws {
        let accepted = try ContractFixtures.invalid.filter { LineVerdict(try ContractFixtures.bytes($0)).isAccepted }
        #expect(accepted == [
            "invalid/actor-kind-not-allowed.json", "invalid/cancel-actor-does-not-match-by.json",
            "invalid/erase-by-client.json", "invalid/inquiry-by-support-without-rematchedFrom.json",
        ])
    }

    @Test(arguments: [
        ("invalid/actor-kind-not-allowed.json", [String](), "client"),
        ("invalid/erase-by-client.json", [], "client"),
        ("invalid/inquiry-by-support-without-rematchedFrom.json", [joined], "support"),
        ("invalid/cancel-actor-does-not-match-by.json", [joined, opened, booked], "therapist"),
    ])
    func anImportRefusesTheFixtureAfterTheStateItNeeds(_ name: String, _ prelude: [String], _ actorKind: String) async throws {
        let scratch = try ImportScratch()
        let fixture = String(decoding: try ContractFixtures.bytes(name), as: UTF8.self)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined()
        let path = try scratch.write("f.jsonl", prelude + [fixture])
        let store = InMemoryEventStore()
        let error = await #expect(throws: ImportError.self) { _ = try await Importer.importFile(path, into: store) }
        #expect(error?.line == prelude.count + 1, "\(name)")
        let domain = try #require(error?.underlying as? DomainError, "\(name): \(String(describing: error))")
        #expect(domain.code == .actorNotAllowed, "\(name): \(domain.message)")
        #expect(domain.message.contains(actorKind), "\(name): \(domain.message)")
    }
}
