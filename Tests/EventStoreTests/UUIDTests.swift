import EventStore
import Foundation
import Testing

@Suite struct EventIDText {
    @Test(arguments: [
        "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "6F1C2A3B-4D5E-4F60-8A7B-9C0D1E2F3A4B", "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff", "018cc369-4000-731d-9ed9-607de940901f",
    ])
    func canonicalTextParsesAsFoundationDoes(_ text: String) throws {
        let expected = try #require(UUID(uuidString: text))
        #expect(UUID(canonical: text) == expected)
    }

    @Test(arguments: [
        "", "6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4", "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4bc",
        "6f1c2a3b_4d5e-4f60-8a7b-9c0d1e2f3a4b", "6f1c2a3g-4d5e-4f60-8a7b-9c0d1e2f3a4b", "{6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b}",
        "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4é",
    ])
    func otherTextIsRefusedAsFoundationRefusesIt(_ text: String) {
        #expect(UUID(canonical: text) == nil)
        #expect(UUID(uuidString: text) == nil)
    }

    @Test func byteOrderComparesFromTheFirstByte() throws {
        let low = try #require(UUID(canonical: "00000000-0000-0000-ffff-ffffffffffff"))
        let high = try #require(UUID(canonical: "00000000-0000-0001-0000-000000000000"))
        let last = try #require(UUID(canonical: "00000000-0000-0001-0000-000000000001"))
        #expect(low.bytesPrecede(high) && high.bytesPrecede(last) && low.bytesPrecede(last))
        #expect(!high.bytesPrecede(low) && !high.bytesPrecede(high))
    }
}
