import Caseload
import CaseloadCoding
import CaseloadDomain
import EventStore
import EventStoreTesting
import Foundation
import Testing

/// The verdict of the import path's parser on one line: what it read, or
/// why it refused (byte offsets left out: they move with the members).
enum LineVerdict: Equatable, CustomStringConvertible {
    case accepted(DecodedInput, Timestamp, Initiator, UUID?, UUID?, UUID?)
    case refused(String)

    init(_ bytes: [UInt8]) {
        do {
            let line = try ImportLine(json: bytes)
            self = .accepted(line.input, line.occurredAt, line.actor, line.eventID, line.correlationID, line.causationID)
        } catch {
            let text = "\(error)".replacingOccurrences(of: #" \(at byte [0-9]+\)"#, with: "", options: .regularExpression)
            self = .refused(text)
        }
    }

    var isAccepted: Bool { if case .accepted = self { true } else { false } }

    var description: String {
        switch self {
        case .accepted(let input, _, _, _, _, _): "accepted \(input.type.name)"
        case .refused(let reason): "refused: \(reason)"
        }
    }
}

/// `EventSchemas/fixtures`: the valid `<Type>.v<N>.json` and the `invalid/` ones.
enum ContractFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EventSchemas/fixtures", isDirectory: true)

    /// The fixture files of `subfolder` (nil: the folder itself), named relative to the folder.
    static func files(in subfolder: String?) -> [String] {
        let url = subfolder.map { folder.appendingPathComponent($0) } ?? folder
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && $0 != "expected-errors.json" }.sorted()
            .map { name in subfolder.map { "\($0)/\(name)" } ?? name }
    }

    static let valid = files(in: nil)
    static let invalid = files(in: "invalid")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// The top-level members of a JSON object, each as its key and raw value.
    static func members(_ bytes: [UInt8]) throws -> [(key: String, value: [UInt8])] {
        try JSONScanner.withScanner(bytes) { scanner in
            var members: [(key: String, value: [UInt8])] = []
            var object = try scanner.beginObject()
            while let key = try scanner.nextKey(&object) { members.append((key, try scanner.captureValue())) }
            return members
        }
    }

    /// The object written with its members in `order`.
    static func object(_ members: [(key: String, value: [UInt8])], order: [Int]) -> [UInt8] {
        var out = Array("{".utf8)
        for (position, index) in order.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("\"\(members[index].key)\":".utf8) + members[index].value
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Every ordering of 0..<count (Heap's algorithm).
    static func permutations(_ count: Int) -> [[Int]] {
        var result: [[Int]] = []
        var items = Array(0..<count)
        func generate(_ k: Int) {
            if k <= 1 {
                result.append(items)
                return
            }
            for i in 0..<k {
                generate(k - 1)
                items.swapAt(k % 2 == 0 ? i : 0, k - 1)
            }
        }
        generate(count)
        return result
    }
}

/// Issue 15, defect 2: an import line means the same whatever the order of its members.
@Suite struct MemberOrder {
    @Test func theFixturesFolderHoldsValidAndInvalidFixtures() {
        #expect(ContractFixtures.valid.count == 23)
        #expect(ContractFixtures.invalid.count >= 40)
        #expect(Set(ContractFixtures.permutations(4)).count == 24)
        #expect(Set(ContractFixtures.permutations(5)).count == 120)
    }

    @Test(arguments: ContractFixtures.valid + ContractFixtures.invalid)
    func everyOrderOfAFixturesMembersGetsTheSameVerdict(_ name: String) throws {
        let bytes = try ContractFixtures.bytes(name)
        let members = try ContractFixtures.members(bytes)
        let original = LineVerdict(bytes)
        if !name.hasPrefix("invalid/") { #expect(original.isAccepted, "\(name): \(original)") }
        var orders = 0
        for order in ContractFixtures.permutations(members.count) {
            let permuted = ContractFixtures.object(members, order: order)
            let verdict = LineVerdict(permuted)
            orders += 1
            guard verdict == original else {
                Issue.record("\(name) with members \(order.map { members[$0].key }): \(verdict), but as written: \(original)")
                return
            }
        }
        #expect(orders == (1...members.count).reduce(1, *))
    }

    /// The issue's repros.
    @Test func aSchemaVersionAfterDataIsHeard() throws {
        // EventSchemas/fixtures/invalid/unsupported-schema-version.json: TherapistJoined v2 does not exist.
        let unsupported = try ContractFixtures.bytes("invalid/unsupported-schema-version.json")
        #expect(LineVerdict(unsupported) == .refused("TherapistJoined v2: schema version 2 is not supported (supported: 1)"))

        let v1Last = #"{"type":"ExclusionRequested","occurredAt":"2023-11-14T16:02:11Z","actor":"therapist:t-117","data":{"caseId":"c-1","evidence":"screenshot-17","explanation":"spam","reason":"spam"},"schemaVersion":1}"#
        let line = try ImportLine(json: Array(v1Last.utf8))
        #expect(line.input.event == .exclusionRequested(ExclusionRequested(caseId: "c-1", reason: .spam, explanation: "spam", evidence: ["screenshot-17"])))

        for version in ["0", "-1", "3"] {
            let text = #"{"type":"TherapistJoined","occurredAt":"2024-02-26T08:00:00Z","actor":"support:agent-7","data":{"therapistId":"t-117"},"schemaVersion":"# + version + "}"
            #expect(!LineVerdict(Array(text.utf8)).isAccepted, "schemaVersion \(version) after data")
        }
    }

    @Test func aMemberGivenTwiceIsRefused() {
        let text = #"{"type":"TherapistJoined","schemaVersion":1,"occurredAt":"2024-02-26T08:00:00Z","actor":"support:a","data":{"therapistId":"t"},"schemaVersion":2}"#
        #expect(LineVerdict(Array(text.utf8)) == .refused("field 'schemaVersion' appears twice in the import envelope"))
    }

    /// `append`'s lines too: a member given twice would mean whichever came last.
    @Test(arguments: [
        #"{"stream":"x-1","stream":"x-2","events":[]}"#,
        #"{"stream":"x-1","events":[{"type":"Marked","data":{},"actor":"system:t","occurredAt":"2024-01-01T00:00:00Z","type":"Other"}]}"#,
        #"{"stream":"x-1","events":[{"type":"Marked","schemaVersion":1,"data":{},"actor":"system:t","occurredAt":"2024-01-01T00:00:00Z","schemaVersion":2}]}"#,
    ])
    func anAppendLineRefusesAMemberGivenTwice(_ text: String) {
        let error = #expect(throws: JSONError.self) { try AppendRequestLine(json: Array(text.utf8)) { UUID() } }
        #expect(error?.message.contains("appears twice") == true)
    }
}


/// Whatever an import line holds, reading and judging it ends in a verdict,
/// never a trap: every fixture mutated at random (seeded) a few hundred
/// times, with bytes changed, cut, or numbers and times past the ranges put in
/// (issue 15, defect 1: 210,000 such lines were run while it was fixed).
@Suite struct MutatedLines {
    static let inserts: [[UInt8]] = [
        "9999999999999999999", "-1", "0", "1e400", "\"", "\\u0000", "{", "[", "}", "]", ",", ":",
        "\"schemaVersion\":2,", "\"data\":{},", "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-23:59",
        "99999999999999999999999999", "-9223372036854775808", "null", "true",
    ].map { Array($0.utf8) }

    @Test func aMutatedFixtureIsReadOrRefusedNeverTrappedOn() throws {
        var random = SplitMix64(seed: 15)
        var accepted = 0
        var total = 0
        for name in ContractFixtures.valid + ContractFixtures.invalid {
            let original = try ContractFixtures.bytes(name)
            for _ in 0..<400 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    let at = Int.random(in: 0..<bytes.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                    case 1: bytes.remove(at: at)
                    case 2: bytes.insert(contentsOf: Self.inserts.randomElement(using: &random)!, at: at)
                    default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &random)))
                    }
                    if bytes.isEmpty { bytes = Array("{".utf8) }
                }
                total += 1
                guard let line = try? ImportLine(json: bytes) else { continue }
                accepted += 1
                #expect(!line.occurredAt.iso8601.isEmpty)
                if let event = line.input.event {
                    #expect(!event.encodedPayload().isEmpty)
                    _ = try? Rules.check(event, occurredAt: line.occurredAt, actor: line.actor)
                }
            }
        }
        #expect(total == 400 * (ContractFixtures.valid.count + ContractFixtures.invalid.count))
        #expect(accepted > 0, "some mutations still read (a changed letter in an id)")
    }
}
