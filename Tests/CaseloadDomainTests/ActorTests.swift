import CaseloadDomain
import Testing

@Suite struct ActorTests {
    @Test(arguments: [
        ("client:c-17", Initiator.Kind.client, "c-17"),
        ("therapist:t1", .therapist, "t1"),
        ("support:agent-7", .support, "agent-7"),
        ("system:antifraud", .system, "antifraud"),
        ("support:agent:7", .support, "agent:7"),
    ])
    func anActorIsReadFromKindColonId(_ text: String, _ kind: Initiator.Kind, _ id: String) throws {
        let actor = try Initiator(parsing: text)
        #expect(actor == Initiator(kind: kind, id: id))
        #expect(actor.description == text)
    }

    @Test(arguments: [
        ("client", "invalid actor 'client': expected 'kind:id', such as 'client:c-17' or 'support:agent-7'"),
        ("robot:r2", "invalid actor 'robot:r2': unknown actor kind 'robot' (expected client, therapist, support or system)"),
        ("Client:c1", "invalid actor 'Client:c1': unknown actor kind 'Client' (expected client, therapist, support or system)"),
        ("client:", "invalid actor 'client:': the id is empty"),
        ("client:c\t1", "invalid actor 'client:c\t1': the id contains a control character"),
        (":c1", "invalid actor ':c1': unknown actor kind '' (expected client, therapist, support or system)"),
    ])
    func aBadActorIsRefusedWithTheReason(_ text: String, _ message: String) {
        do {
            let actor = try Initiator(parsing: text)
            Issue.record("parsed \(actor)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func anActorIdOf128CharactersIsTheLongestAllowed() throws {
        let longest = String(repeating: "ß", count: 128)
        #expect(try Initiator(parsing: "support:" + longest).id == longest)
        #expect(throws: InitiatorParseError.self) { try Initiator(parsing: "support:" + longest + "x") }
    }
}
