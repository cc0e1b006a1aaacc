import CaseloadCoding
import CaseloadDomain
import Testing

/// Decodes a stored payload and returns the error, or nil when it decodes.
func storedDecodingError(_ type: String, version: Int = 1, _ json: String) -> EventDecodingError? {
    do {
        _ = try CaseloadEvent.decode(type: type, schemaVersion: version, payload: Array(json.utf8))
        return nil
    } catch {
        return error
    }
}

func inputDecodingError(_ type: String, version: Int? = nil, _ json: String) -> EventDecodingError? {
    do {
        _ = try CaseloadEvent.decodeInput(type: type, schemaVersion: version, payload: Array(json.utf8))
        return nil
    } catch {
        return error
    }
}

func text(_ event: CaseloadEvent) -> String { String(decoding: event.encodedPayload(), as: UTF8.self) }

@Suite struct EventCodecTests {
    @Test func everySampleCoversEveryEventType() {
        #expect(Set(sampleEvents.map(\.type)) == Set(EventType.allCases))
    }

    @Test(arguments: sampleEvents)
    func everyEventSurvivesARoundTripThroughItsCanonicalPayload(_ event: CaseloadEvent) throws {
        let payload = event.encodedPayload()
        let stored = try CaseloadEvent.decode(type: event.typeName, schemaVersion: event.schemaVersion, payload: payload)
        #expect(stored == event)
        let input = try CaseloadEvent.decodeInput(type: event.typeName, payload: payload)
        #expect(input.event == event)
        #expect(input.droppedClientName == nil)
        // Canonical: decoding and re-encoding changes no byte.
        #expect(stored.encodedPayload() == payload)
    }

    @Test(arguments: sampleEvents)
    func encodedKeysAreInSortedByteOrderAtEveryLevel(_ event: CaseloadEvent) throws {
        try JSONScanner.withScanner(event.encodedPayload()) { scanner in
            try expectSortedKeys(&scanner)
            try scanner.finish()
        }
    }

    private func expectSortedKeys(_ scanner: inout JSONScanner) throws {
        switch try scanner.peekKind() {
        case .object:
            var object = try scanner.beginObject()
            var previous: [UInt8]?
            while let key = try scanner.nextKey(&object) {
                let bytes = Array(key.utf8)
                if let previous { #expect(previous.lexicographicallyPrecedes(bytes), "\(key) after \(previous)") }
                previous = bytes
                try expectSortedKeys(&scanner)
            }
        case .array:
            var array = try scanner.beginArray()
            while try scanner.nextElement(&array) { try expectSortedKeys(&scanner) }
        default:
            try scanner.skipValue()
        }
    }

    @Test func aSessionBookedIsWrittenCanonicallyByteForByte() throws {
        let line = """
            { "sessionId" : "s1", "scheduledStart": "2024-03-01T11:30:00.000+02:00",
              "price": {"currency": "EUR", "amount": 300000}, "caseId": "c1" }
            """
        let event = try CaseloadEvent.decode(type: "SessionBooked", schemaVersion: 1, payload: Array(line.utf8))
        #expect(
            text(event)
                == #"{"caseId":"c1","price":{"amount":300000,"currency":"EUR"},"scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#
        )
    }

    @Test func optionalFieldsAreOmittedWhenAbsent() {
        #expect(text(.profileViewed(ProfileViewed(therapistId: "t1"))) == #"{"therapistId":"t1"}"#)
        #expect(
            text(.refusalResolved(RefusalResolved(caseId: "c1", outcome: .closed)))
                == #"{"caseId":"c1","outcome":"closed"}"#)
        #expect(
            text(.inquiryOpened(InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .couple, oneOff: true)))
                == #"{"caseId":"c1","clientId":"k1","format":"couple","oneOff":true,"therapistId":"t1"}"#)
    }

    @Test func aSessionCancelledIsWrittenWithItsTerms() {
        let event = CaseloadEvent.sessionCancelled(
            SessionCancelled(caseId: "c1", sessionId: "s1", by: .client, policyNoticeHours: 48, late: true))
        #expect(text(event) == #"{"by":"client","caseId":"c1","late":true,"policyNoticeHours":48,"sessionId":"s1"}"#)
    }

    @Test func stringsAreEscapedInTheCanonicalForm() {
        let event = CaseloadEvent.exclusionDenied(ExclusionDenied(caseId: "c1", explanation: "say \"no\"\\"))
        #expect(text(event) == #"{"caseId":"c1","explanation":"say \"no\"\\"}"#)
    }

    // MARK: Errors

    @Test func anUnknownFieldIsAnErrorNamingTheFieldAndTheType() throws {
        let error = try #require(storedDecodingError("TherapistReplied", #"{"caseID":"c1"}"#))
        #expect(error.code == .unknownField)
        #expect(error.field == "caseID")
        #expect(error.description == "TherapistReplied v1: unknown field 'caseID' in TherapistReplied (at byte 10)")
    }

    @Test func anUnknownFieldInsideThePriceIsNamedWithItsPath() throws {
        let json = #"{"caseId":"c1","price":{"amount":1,"currency":"EUR","vat":0},"scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#
        let error = try #require(storedDecodingError("SessionBooked", json))
        #expect(error.code == .unknownField)
        #expect(error.field == "price.vat")
    }

    @Test func aMissingFieldIsAnErrorNamingTheFieldAndTheType() throws {
        let json = #"{"caseId":"c1","scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#
        let error = try #require(storedDecodingError("SessionBooked", json))
        #expect(error.code == .missingField)
        #expect(error.field == "price")
        #expect(error.description.hasPrefix("SessionBooked v1: missing field 'price'"))
    }

    @Test func aRepeatedFieldIsAnError() throws {
        let error = try #require(storedDecodingError("TherapistReplied", #"{"caseId":"c1","caseId":"c2"}"#))
        #expect(error.code == .duplicateField)
        #expect(error.field == "caseId")
    }

    @Test func aValueOutsideAnEnumIsAnErrorListingTheAllowedValues() throws {
        let error = try #require(storedDecodingError("CaseEnded", #"{"caseId":"c1","reason":"bored"}"#))
        #expect(error.code == .invalidValue)
        #expect(error.field == "reason")
        #expect(
            error.description
                == "CaseEnded v1: field 'reason' 'bored' is not one of clientStopped, oneOffCompleted, goalsReached, other (at byte 24)"
        )
    }

    @Test(arguments: [
        ("ExclusionRequested", 2, #"{"caseId":"c1","evidence":[],"explanation":"x","reason":"rude"}"#, "reason"),
        ("InquiryOpened", 1, #"{"caseId":"c1","clientId":"k1","format":"group","oneOff":false,"therapistId":"t1"}"#, "format"),
        ("SessionCancelled", 1, #"{"by":"support","caseId":"c1","late":false,"policyNoticeHours":24,"sessionId":"s1"}"#, "by"),
        ("RefusalFiled", 1, #"{"caseId":"c1","explanation":"x","reason":"tired"}"#, "reason"),
        ("RefusalResolved", 1, #"{"caseId":"c1","outcome":"forgotten"}"#, "outcome"),
        ("ChatExcluded", 1, #"{"caseId":"c1","reason":"Spam"}"#, "reason"),
    ])
    func everyDomainEnumRejectsAnUnknownValue(_ type: String, _ version: Int, _ json: String, _ field: String) throws {
        let error = try #require(storedDecodingError(type, version: version, json))
        #expect(error.code == .invalidValue)
        #expect(error.field == field)
    }

    @Test(arguments: [
        ("TherapistJoined", #"{"therapistId":""}"#, "therapistId", "field 'therapistId' is empty"),
        ("TherapistJoined", #"{"therapistId":"t\u0001"}"#, "therapistId", "field 'therapistId' contains a control character"),
        ("TherapistJoined", #"{"therapistId":"t\u0085"}"#, "therapistId", "field 'therapistId' contains a control character"),
        ("TherapistJoined", "{\"therapistId\":\"\(String(repeating: "é", count: 129))\"}", "therapistId",
         "field 'therapistId' is longer than 128 characters"),
        ("TherapistJoined", #"{"therapistId":17}"#, "therapistId", "field 'therapistId' must be a string (expected a string)"),
        ("CancellationPolicySet", #"{"noticeHours":0,"therapistId":"t1"}"#, "noticeHours",
         "field 'noticeHours' 0 is outside 1–720 hours"),
        ("CancellationPolicySet", #"{"noticeHours":721,"therapistId":"t1"}"#, "noticeHours",
         "field 'noticeHours' 721 is outside 1–720 hours"),
        ("CancellationPolicySet", #"{"noticeHours":24.5,"therapistId":"t1"}"#, "noticeHours",
         "field 'noticeHours' must be an integer (expected an integer, found a fractional number)"),
        ("SessionBooked",
         #"{"caseId":"c1","price":{"amount":-1,"currency":"EUR"},"scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#,
         "price.amount", "field 'price.amount' is negative (-1)"),
        ("SessionBooked",
         #"{"caseId":"c1","price":{"amount":100,"currency":"eur"},"scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#,
         "price.currency", "field 'price.currency' 'eur' is not 3 upper-case letters (ISO 4217)"),
        ("SessionBooked",
         #"{"caseId":"c1","price":{"amount":100,"currency":"EURO"},"scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#,
         "price.currency", "field 'price.currency' 'EURO' is not 3 upper-case letters (ISO 4217)"),
        ("SessionBooked",
         #"{"caseId":"c1","price":{"amount":100},"scheduledStart":"2024-03-01T09:30:00Z","sessionId":"s1"}"#,
         "price.currency", "missing field 'price.currency'"),
        ("SessionBooked",
         #"{"caseId":"c1","price":{"amount":100,"currency":"EUR"},"scheduledStart":"2024-03-01 09:30","sessionId":"s1"}"#,
         "scheduledStart", "field 'scheduledStart' is not an ISO-8601 time (expected 'T' between date and time)"),
        ("ExclusionDenied", #"{"caseId":"c1","explanation":""}"#, "explanation", "field 'explanation' is empty"),
        ("ExclusionDenied", "{\"caseId\":\"c1\",\"explanation\":\"\(String(repeating: "ж", count: 2001))\"}",
         "explanation", "field 'explanation' is 2001 characters long, more than 2000"),
        ("AntifraudFlagRaised", #"{"caseId":"c1","evidence":["ok",""],"rule":"r"}"#, "evidence[1]",
         "field 'evidence[1]' is empty"),
        ("RefusalResolved", #"{"caseId":"c1","newTherapistId":"t2","outcome":"rematched"}"#, "newCaseId",
         "field 'newCaseId' is required when the outcome is rematched"),
        ("RefusalResolved", #"{"caseId":"c1","newCaseId":"c2","outcome":"rematched"}"#, "newTherapistId",
         "field 'newTherapistId' is required when the outcome is rematched"),
        ("RefusalResolved", #"{"caseId":"c1","newCaseId":"c2","outcome":"refunded"}"#, "newCaseId",
         "field 'newCaseId' is only allowed when the outcome is rematched, not refunded"),
        ("SessionCancelled", #"{"by":"therapist","caseId":"c1","late":true,"policyNoticeHours":24,"sessionId":"s1"}"#,
         "late", "field 'late' is true for a therapist's cancellation, which is never late"),
        ("InquiryOpened", #"{"caseId":"c1","clientId":"k1","format":"couple","oneOff":"yes","therapistId":"t1"}"#,
         "oneOff", "field 'oneOff' must be true or false"),
    ])
    func valuesThatBreakTheContractAreRejectedWithTheFieldNamed(
        _ type: String, _ json: String, _ field: String, _ reason: String
    ) throws {
        let error = try #require(storedDecodingError(type, json))
        #expect(error.field == field)
        #expect(error.reason == reason)
        #expect(error.eventType == type)
    }

    @Test func nullIsNotAnAbsentOptionalField() throws {
        let error = try #require(storedDecodingError("ProfileViewed", #"{"therapistId":"t1","visitorId":null}"#))
        #expect(error.code == .invalidValue)
        #expect(error.field == "visitorId")
    }

    @Test func anUnknownTypeIsATypedError() throws {
        let error = try #require(storedDecodingError("SessionRescheduled", #"{"caseId":"c1"}"#))
        #expect(error.code == .unknownEventType)
        #expect(error.description == "SessionRescheduled v1: unknown event type 'SessionRescheduled'")
    }

    @Test(arguments: [("SessionBooked", 2), ("SessionBooked", 0), ("ExclusionRequested", 3)])
    func anUnsupportedSchemaVersionIsATypedError(_ type: String, _ version: Int) throws {
        let error = try #require(storedDecodingError(type, version: version, #"{}"#))
        #expect(error.code == .unsupportedSchemaVersion)
        #expect(error.schemaVersion == version)
    }

    @Test(arguments: [#"{"caseId":"c1""#, #"{"caseId":"c1"} {}"#, "", #"["c1"]"#])
    func malformedJSONIsATypedError(_ json: String) throws {
        let error = try #require(storedDecodingError("TherapistReplied", json))
        #expect(error.code == .malformedJSON)
    }

    // MARK: Upcasting

    @Test func exclusionRequestedVersion1EvidenceBecomesAOneElementArray() throws {
        let v1 = #"{"caseId":"c1","evidence":"screenshot-17","explanation":"spam bot","reason":"spam"}"#
        let event = try CaseloadEvent.decode(type: "ExclusionRequested", schemaVersion: 1, payload: Array(v1.utf8))
        #expect(
            event
                == .exclusionRequested(
                    ExclusionRequested(caseId: "c1", reason: .spam, explanation: "spam bot", evidence: ["screenshot-17"])))
        #expect(event.schemaVersion == 2)
        #expect(text(event) == #"{"caseId":"c1","evidence":["screenshot-17"],"explanation":"spam bot","reason":"spam"}"#)
    }

    @Test func exclusionRequestedVersion1EmptyEvidenceBecomesAnEmptyArray() throws {
        let v1 = #"{"caseId":"c1","evidence":"","explanation":"spam bot","reason":"spam"}"#
        let event = try CaseloadEvent.decode(type: "ExclusionRequested", schemaVersion: 1, payload: Array(v1.utf8))
        #expect(
            event == .exclusionRequested(ExclusionRequested(caseId: "c1", reason: .spam, explanation: "spam bot", evidence: [])))
    }

    @Test func exclusionRequestedKeepsEachVersionsShapeStrict() throws {
        let arrayInV1 = #"{"caseId":"c1","evidence":["a"],"explanation":"x","reason":"spam"}"#
        #expect(storedDecodingError("ExclusionRequested", version: 1, arrayInV1)?.field == "evidence")
        let stringInV2 = #"{"caseId":"c1","evidence":"a","explanation":"x","reason":"spam"}"#
        #expect(storedDecodingError("ExclusionRequested", version: 2, stringInV2)?.field == "evidence")
    }

    // MARK: Personal data and input completion

    @Test func clientNameIsSetApartOnInputAndNeverEncoded() throws {
        let data = #"{"caseId":"c1","clientId":"k1","clientName":"Анна К.","format":"individual","oneOff":false,"therapistId":"t1"}"#
        let input = try CaseloadEvent.decodeInput(type: "InquiryOpened", payload: Array(data.utf8))
        #expect(input.droppedClientName == "Анна К.")
        let event = try #require(input.event)
        #expect(
            event
                == .inquiryOpened(
                    InquiryOpened(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false)))
        let encoded = text(event)
        #expect(!encoded.contains("clientName"))
        #expect(!encoded.contains("Анна"))
        #expect(encoded == #"{"caseId":"c1","clientId":"k1","format":"individual","oneOff":false,"therapistId":"t1"}"#)
    }

    @Test func clientNameInTheLogIsRefusedAsPersonalData() throws {
        let data = #"{"caseId":"c1","clientId":"k1","clientName":"Anna","format":"individual","oneOff":false,"therapistId":"t1"}"#
        let error = try #require(storedDecodingError("InquiryOpened", data))
        #expect(error.code == .unknownField)
        #expect(error.reason == "field 'clientName' is personal data and is never stored in the log")
    }

    @Test func clientNameIsOnlyKnownToInquiryOpened() throws {
        let error = try #require(inputDecodingError("TherapistReplied", #"{"caseId":"c1","clientName":"Anna"}"#))
        #expect(error.code == .unknownField)
    }

    @Test func aCancellationWithoutTermsIsLeftForTheRulesOnInputButRefusedFromTheLog() throws {
        let data = #"{"by":"client","caseId":"c1","sessionId":"s1"}"#
        let input = try CaseloadEvent.decodeInput(type: "SessionCancelled", payload: Array(data.utf8))
        #expect(input.content == .incompleteCancellation(SessionCancellationInput(caseId: "c1", sessionId: "s1", by: .client)))
        #expect(input.event == nil)
        #expect(input.streamName.description == "case-c1")
        #expect(storedDecodingError("SessionCancelled", data)?.code == .missingField)
        let partial = #"{"by":"client","caseId":"c1","late":true,"sessionId":"s1"}"#
        let partialInput = try CaseloadEvent.decodeInput(type: "SessionCancelled", payload: Array(partial.utf8))
        #expect(
            partialInput.content
                == .incompleteCancellation(SessionCancellationInput(caseId: "c1", sessionId: "s1", by: .client, late: true)))
    }

    @Test func anInputWithoutASchemaVersionIsReadAsTheCurrentOne() throws {
        let v2 = #"{"caseId":"c1","evidence":["a"],"explanation":"x","reason":"spam"}"#
        let input = try CaseloadEvent.decodeInput(type: "ExclusionRequested", payload: Array(v2.utf8))
        #expect(input.event == .exclusionRequested(ExclusionRequested(caseId: "c1", reason: .spam, explanation: "x", evidence: ["a"])))
    }

    @Test func theScannerVariantReadsTheDataObjectOfAnImportLineAndStopsAfterIt() throws {
        let line = #"{"type":"SessionHeld","data":{"caseId":"c1","sessionId":"s1"},"actor":"therapist:t1"}"#
        let (input, actor) = try JSONScanner.withScanner(Array(line.utf8)) { scanner in
            var object = try scanner.beginObject()
            var type: String?
            var input: DecodedInput?
            var actor: String?
            while let key = try scanner.nextKey(&object) {
                switch key {
                case "type": type = try scanner.readString()
                case "data": input = try CaseloadEvent.decodeInput(type: try #require(type), from: &scanner)
                case "actor": actor = try scanner.readString()
                default: try scanner.skipValue()
                }
            }
            try scanner.finish()
            return (input, actor)
        }
        #expect(input?.event == .sessionHeld(SessionHeld(caseId: "c1", sessionId: "s1")))
        #expect(actor == "therapist:t1")
    }

    @Test func theScannerVariantReportsOffsetsInTheWholeLine() throws {
        let line = #"{"type":"TherapistReplied","data":{"caseID":"c1"}}"#
        let error = try JSONScanner.withScanner(Array(line.utf8)) { scanner -> EventDecodingError? in
            var object = try scanner.beginObject()
            _ = try scanner.nextKey(&object)
            _ = try scanner.readString()
            _ = try scanner.nextKey(&object)
            do {
                _ = try CaseloadEvent.decodeInput(type: "TherapistReplied", from: &scanner)
                return nil
            } catch {
                return error as? EventDecodingError
            }
        }
        #expect(error?.offset == 44)  // the unknown field's value, just after `"caseID":`
        #expect(error?.field == "caseID")
    }

    // MARK: Streams

    @Test func aStreamNameIsReadBackIntoItsParts() {
        #expect(StreamName(parsing: "case-c-17") == StreamName(.case, "c-17"))
        #expect(StreamName(parsing: "therapist-t1")?.category == .therapist)
        #expect(StreamName(parsing: "client-k:1") == StreamName(.client, "k:1"))
        #expect(StreamName(parsing: "case-") == nil)
        #expect(StreamName(parsing: "cases-c1") == nil)
        #expect(StreamName(parsing: "c1") == nil)
        #expect(StreamName(.profile, "t9").description == "profile-t9")
    }

    @Test func eachEventKnowsItsStream() {
        #expect(CaseloadEvent.therapistJoined(TherapistJoined(therapistId: "t1")).streamName.description == "therapist-t1")
        #expect(
            CaseloadEvent.cancellationPolicySet(CancellationPolicySet(therapistId: "t1", noticeHours: 12)).streamName.description
                == "therapist-t1")
        #expect(CaseloadEvent.profileViewed(ProfileViewed(therapistId: "t1")).streamName.description == "profile-t1")
        let opening = CaseloadEvent.inquiryOpened(
            InquiryOpened(caseId: "c9", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false))
        #expect(opening.streamName.description == "case-c9")
        #expect(opening.caseId == "c9")
        #expect(opening.therapistId == "t1")
        let held = CaseloadEvent.sessionHeld(SessionHeld(caseId: "c9", sessionId: "s1"))
        #expect(held.streamName.description == "case-c9")
        #expect(held.therapistId == nil)
        #expect(CaseloadEvent.profileViewed(ProfileViewed(therapistId: "t1")).caseId == nil)
    }

    @Test func typeNamesAndVersionsAreTheContracts() {
        #expect(EventType.allCases.count == 21)
        #expect(EventType.allCases.filter { $0.currentSchemaVersion != 1 } == [.inquiryOpened, .exclusionRequested])
        #expect(EventType.inquiryOpened.currentSchemaVersion == 2)
        #expect(EventType.clientDataErased.streamCategory == .client)
        #expect(EventType.exclusionRequested.currentSchemaVersion == 2)
        #expect(CaseloadEvent.sessionHeld(SessionHeld(caseId: "c", sessionId: "s")).typeName == "SessionHeld")
        #expect(EventType.antifraudFlagConfirmed.name == "AntifraudFlagConfirmed")
    }
}
