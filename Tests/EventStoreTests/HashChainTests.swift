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
}
