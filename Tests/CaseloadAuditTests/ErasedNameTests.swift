import Caseload
import CaseloadAudit
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreTesting
import Testing

@Suite struct ErasedNamesInTimelines {
    @Test func aTimelineShowsTheClientsNameUntilItIsErasedAndTheErasureItself() async throws {
        let store = InMemoryEventStore()
        let service = CaseloadService(store: store)
        let at = { (text: String) in try! Timestamp(iso8601: text) }
        try await service.execute(.joinTherapist(therapistId: "t1"), by: .support("s1"), at: at("2024-03-01T08:00:00Z"), commandID: testUUID(1))
        try await service.execute(
            .openInquiry(caseId: "c1", clientId: "k1", therapistId: "t1", format: .individual, oneOff: false),
            by: .client("k1"), at: at("2024-03-01T09:00:00Z"), commandID: testUUID(2), clientName: "Mariia")
        let audit = Audit(store: store)
        let before = try await audit.timeline(ofCase: "c1")
        #expect(before.entries[0].description == "inquiry opened: client k1 wrote to therapist t1 (individual); client name: Mariia")
        try await PersonalDataVault.eraseClient("k1", by: .support("agent-7"), at: at("2024-06-01T00:00:00Z"), eventID: testUUID(3), in: store)
        let after = try await audit.timeline(ofCase: "c1")
        #expect(after.entries[0].description == "inquiry opened: client k1 wrote to therapist t1 (individual); client name: (erased)")
        let actions = try await audit.actions(of: "support:agent-7")
        #expect(actions.map(\.description) == ["personal data of client k1 erased by support:agent-7 (clientName): 1 sealed value destroyed"])
    }
}
