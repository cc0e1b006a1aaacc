import CaseloadCoding
import CaseloadDomain
import Foundation
import Testing

/// Measures the replay decoder's rate on a ~200-byte SessionBooked. Runs only
/// when asked (it times nothing by default and asserts no timing):
///
///     CASELOAD_MEASURE_DECODE=1 swift test -c release --filter DecodeRateMeasurement
@Suite(.enabled(if: Environment.measureDecode, "set CASELOAD_MEASURE_DECODE=1 to measure the decode rate"))
struct DecodeRateMeasurement {
    @Test func sessionBookedDecodesPerSecond() throws {
        let payload = Array(
            #"{"caseId":"case-7f9c2ba4-e88f-4b3c-9d1e-2a5b6c7d8e9f","price":{"amount":300000,"currency":"EUR"},"scheduledStart":"2024-03-05T18:00:00Z","sessionId":"session-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-01"}"#
                .utf8)
        print("payload: \(payload.count) bytes")
        let expected = try CaseloadEvent.decode(type: "SessionBooked", schemaVersion: 1, payload: payload)
        let type = "SessionBooked"
        for round in 1...3 {
            let count = 2_000_000
            var checksum = 0
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                for _ in 0..<count {
                    let event = try CaseloadEvent.decode(type: type, schemaVersion: 1, payload: payload)
                    if case .sessionBooked(let booked) = event { checksum &+= booked.sessionId.utf8.count }
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("round \(round): \(Int(Double(count) / seconds)) SessionBooked decodes/s (\(Int(seconds * 1e9 / Double(count))) ns each)")
            #expect(checksum == count * 47)
        }
        #expect(expected.typeName == "SessionBooked")
    }
}

enum Environment {
    static var measureDecode: Bool {
        ProcessInfo.processInfo.environment["CASELOAD_MEASURE_DECODE"] == "1"
    }
}
