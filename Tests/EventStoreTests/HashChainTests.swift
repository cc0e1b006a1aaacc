import CaseloadCoding
import EventStore
import Foundation
import Testing

@Suite struct HashChainLayout {
    /// The chain's layout is a contract other languages implement; this pins
    /// one link to a digest computed independently with Python's hashlib over
    /// the documented byte layout (see Scripts/hash-vector.py).
    @Test func aKnownEventHashesToTheDocumentedDigest() throws {
        let id = UUID(uuidString: "00000000-0000-4000-8000-000000000001")!
        let hash = HashChain.hash(
            previous: .genesis, position: 1, streamVersion: 1, id: id, stream: "case-1", type: "InquiryOpened",
            schemaVersion: 1, occurredAt: try Timestamp(iso8601: "2024-03-01T09:00:00Z"),
            recordedAt: try Timestamp(iso8601: "2024-03-01T09:00:01Z"), actor: "client:c1",
            correlationID: nil, causationID: nil, payload: Array(#"{"caseId":"1"}"#.utf8))
        #expect(hash.hex == HashChainVector.expected)
    }

    /// A link after the first: a previous hash, both optional ids, a
    /// non-ASCII stream id and an empty object (the second vector of the script).
    @Test func aChainedEventWithEveryFieldHashesToTheDocumentedDigest() throws {
        let hash = Array(0..<32 as Range<UInt8>).withUnsafeBytes { bytes in
            HashChain.hash(
                previous: EventHash(bytes: bytes)!, position: 7, streamVersion: 3,
                id: UUID(uuidString: "01890a5d-ac96-7000-8000-00000000abcd")!, stream: "case-ö-2", type: "ChatExcluded",
                schemaVersion: 2, occurredAt: try! Timestamp(iso8601: "2024-03-02T10:00:00Z"),
                recordedAt: try! Timestamp(iso8601: "2024-03-02T10:00:05Z"), actor: "support:agent-1",
                correlationID: UUID(uuidString: "11111111-2222-4333-8444-555555555555")!,
                causationID: UUID(uuidString: "66666666-7777-4888-9999-aaaaaaaaaaaa")!, payload: Array("{}".utf8))
        }
        #expect(hash.hex == HashChainVector.chained)
    }

    @Test func changingAnyByteOfThePayloadChangesTheHash() throws {
        let id = UUID()
        func link(_ payload: String) -> EventHash {
            HashChain.hash(
                previous: .genesis, position: 1, streamVersion: 1, id: id, stream: "s", type: "T", schemaVersion: 1,
                occurredAt: Timestamp(secondsSinceEpoch: 0), recordedAt: Timestamp(secondsSinceEpoch: 0),
                actor: "system:x", correlationID: nil, causationID: nil, payload: Array(payload.utf8))
        }
        #expect(link(#"{"a":1}"#) != link(#"{"a":2}"#))
    }
}

/// Printed by `python3 Scripts/hash-vector.py`.
enum HashChainVector {
    static let expected = "420a60a521cf7fb9259fb28fbd1798d6fce534d5445e147ffa1c1d051078002b"
    static let chained = "3412321c211ec0cadaba7dc2d8228d2b63e92eaa5f9db0438223277b089e4d37"
}
