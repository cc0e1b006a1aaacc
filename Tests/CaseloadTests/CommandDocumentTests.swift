import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import Foundation
import Testing

/// The wire form of a command (`CommandRequest` in EventSchemas/openapi.yaml):
/// what is read, and what is refused with the field named.
@Suite struct CommandDocumentTests {
    static let id = "0b6c2c1e-5d3f-4a8e-9f00-000000000001"

    static func body(_ type: String, _ data: String, extra: String = "") -> String {
        #"{"commandId": "\#(id)", "type": "\#(type)", "actor": "client:k1", "occurredAt": "2025-03-01T09:00:00Z"\#(extra), "data": \#(data)}"#
    }

    @Test func aDocumentReadsWithEveryMember() throws {
        let text = Self.body(
            "bookSession", #"{"caseId": "c1", "sessionId": "s1", "scheduledStart": "2025-03-04T10:00:00Z", "price": {"amount": 300000, "currency": "RUB"}}"#,
            extra: #", "correlationId": "0b6c2c1e-5d3f-4a8e-9f00-000000000002", "causationId": null"#)
        let document = try CommandDocument(json: Array(text.utf8))
        #expect(document.commandID == UUID(uuidString: Self.id))
        #expect(document.actor == .client("k1"))
        #expect(document.occurredAt == (try Timestamp(iso8601: "2025-03-01T09:00:00Z")))
        #expect(document.correlationID == UUID(uuidString: "0b6c2c1e-5d3f-4a8e-9f00-000000000002"))
        #expect(document.causationID == nil)
        #expect(document.command == .bookSession(
            caseId: "c1", sessionId: "s1", scheduledStart: try Timestamp(iso8601: "2025-03-04T10:00:00Z"),
            price: Money(amount: 300000, currency: "RUB")))
        let inquiry = try CommandDocument(json: Array(Self.body(
            "openInquiry", #"{"caseId": "c1", "clientId": "k1", "therapistId": "t1", "format": "couple", "oneOff": true}"#,
            extra: #", "clientName": "Anna"  "#).utf8))
        #expect(inquiry.command == .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .couple, oneOff: true))
        #expect(inquiry.clientName == "Anna")
        let flag = try CommandDocument(json: Array(Self.body(
            "raiseAntifraudFlag", #"{"caseId": "c1", "rule": "r1", "evidence": ["a", "b"]}"#).utf8))
        #expect(flag.command == .raiseAntifraudFlag(caseId: "c1", rule: "r1", evidence: ["a", "b"]))
        // `data` may be left out where a command has no required field of it.
        let noData = #"{"commandId": "\#(Self.id)", "type": "reply", "actor": "therapist:t1", "occurredAt": "2025-03-01T09:00:00Z"}"#
        #expect(throws: CommandDocumentError(field: "data.caseId", reason: "is required for reply")) {
            try CommandDocument(json: Array(noData.utf8))
        }
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var body: String
        var field: String?
        var reason: String
        var testDescription: String { "\(field ?? "(body)"): \(reason)" }
    }

    static let refusals: [Refusal] = [
        Refusal(body: body("joinTherapist", #"{"therapistId": 7}"#), field: "data.therapistId", reason: "is not a string"),
        Refusal(body: body("joinTherapist", #"{"therapistId": "t1", "therapistId": "t2"}"#), field: "data.therapistId", reason: "appears twice"),
        Refusal(body: body("joinTherapist", #"{"therapistId": "t1", "colour": "red"}"#), field: "data.colour", reason: "is not a member of data"),
        Refusal(body: body("joinTherapist", #"{"therapistId": "t1"}"#, extra: #", "priority": 1"#), field: "priority", reason: "is not a member of a command"),
        Refusal(body: body("joinTherapist", #"{"therapistId": "t1"}"#, extra: #", "actor": "client:k2""#), field: "actor", reason: "appears twice"),
        Refusal(body: body("joinTherapist", "[1]"), field: "data", reason: "is not an object"),
        Refusal(body: body("setCancellationPolicy", #"{"therapistId": "t1", "noticeHours": 1.5}"#), field: "data.noticeHours", reason: "is not an integer"),
        Refusal(body: body("setCancellationPolicy", #"{"therapistId": "t1", "noticeHours": "24"}"#), field: "data.noticeHours", reason: "is not an integer"),
        Refusal(body: body("openInquiry", #"{"caseId": "c1", "clientId": "k1", "therapistId": "t1", "oneOff": "yes"}"#), field: "data.oneOff", reason: "is not a boolean"),
        Refusal(body: body("bookSession", #"{"caseId": "c1", "sessionId": "s1", "scheduledStart": "2025-03-04T10:00:00Z", "price": {"currency": "RUB"}}"#), field: "data.price.amount", reason: "is required"),
        Refusal(body: body("bookSession", #"{"caseId": "c1", "sessionId": "s1", "scheduledStart": "2025-03-04T10:00:00Z", "price": {"amount": 99999999999999999999, "currency": "RUB"}}"#), field: "data.price.amount", reason: "is not an integer that fits in 64 bits"),
        Refusal(body: body("bookSession", #"{"caseId": "c1", "sessionId": "s1", "scheduledStart": "2025-03-04T10:00:00Z", "price": {"amount": 1, "currency": "RUB", "vat": 0}}"#), field: "data.price.vat", reason: "is not a member of data.price"),
        Refusal(body: body("raiseAntifraudFlag", #"{"caseId": "c1", "rule": "r1", "evidence": ["a", 2]}"#), field: "data.evidence.1", reason: "is not a string"),
        Refusal(body: #"{"commandId": null, "type": "reply", "actor": "client:k1", "occurredAt": "2025-03-01T09:00:00Z"}"#, field: "commandId", reason: "is required"),
        Refusal(body: #"{"type": "reply", "actor": "client:k1", "occurredAt": "2025-03-01T09:00:00Z"}"#, field: "commandId", reason: "is required"),
        Refusal(body: body("reply", #"{"caseId": "c1"}"#) + " x", field: nil, reason: "after the JSON value"),
        Refusal(body: "[]", field: nil, reason: "expected '{'"),
        Refusal(body: #"{"commandId": "#, field: nil, reason: "unexpected end of input"),
    ]

    @Test("a member of the wrong type, unknown, repeated or missing is refused by name", arguments: refusals)
    func refusal(_ refusal: Refusal) {
        do {
            _ = try CommandDocument(json: Array(refusal.body.utf8))
            Issue.record("accepted \(refusal.body)")
        } catch {
            #expect(error.field == refusal.field, "\(error)")
            #expect(error.reason.contains(refusal.reason), "\(error)")
        }
    }
}
