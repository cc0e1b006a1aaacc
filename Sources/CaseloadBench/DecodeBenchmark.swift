import CaseloadCoding
import CaseloadDomain
import Foundation

extension Harness {
    /// The replay decoder alone, on payloads held in memory: no store, no
    /// fold. `scan-decode` and `replay` include reading the file; this shows
    /// what a change to the domain's decoder costs by itself. A SessionBooked
    /// of 199 bytes (the largest common event), then a mix of the common
    /// events, profile views most (as in a generated history).
    func decodeBenchmark() throws {
        let booked = Array(
            #"{"caseId":"case-7f9c2ba4-e88f-4b3c-9d1e-2a5b6c7d8e9f","price":{"amount":300000,"currency":"EUR"},"scheduledStart":"2024-03-05T18:00:00Z","sessionId":"session-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-01"}"#
                .utf8)
        let mix: [(type: String, payload: [UInt8])] = [
            ("ProfileViewed", Array(#"{"therapistId":"t0042","visitorId":"v123456"}"#.utf8)),
            ("ProfileViewed", Array(#"{"therapistId":"t0007"}"#.utf8)),
            ("ProfileViewed", Array(#"{"therapistId":"t0013","visitorId":"v98"}"#.utf8)),
            ("SessionBooked", booked),
            ("SessionHeld", Array(#"{"caseId":"c11354","sessionId":"c11354-s3"}"#.utf8)),
            ("InquiryOpened", Array(#"{"caseId":"c11354","clientId":"k11323","therapistId":"t0023","format":"individual","oneOff":false}"#.utf8)),
            ("TherapistReplied", Array(#"{"caseId":"c11354"}"#.utf8)),
        ]
        let count = 1_000_000
        func rate(_ items: [(type: String, payload: [UInt8])]) throws -> Double {
            var checksum = 0
            let start = ContinuousClock.now
            for index in 0..<count {
                let item = items[index % items.count]
                let event = try item.payload.withUnsafeBufferPointer { bytes in
                    var scanner = JSONScanner(base: bytes.baseAddress!, count: bytes.count)
                    return try CaseloadEvent.decode(type: item.type, schemaVersion: 1, from: &scanner)
                }
                checksum &+= event.typeName.utf8.count
            }
            // The checksum keeps the loop from being optimised away.
            guard checksum > 0 else { throw BenchError("nothing decoded") }
            return Double(count) / (ContinuousClock.now - start).seconds
        }
        var bookedRates: [Double] = []
        var mixRates: [Double] = []
        for _ in 0..<options.runs {
            bookedRates.append(try rate([("SessionBooked", booked)]))
            mixRates.append(try rate(mix))
        }
        record(Figure(
            name: "decode SessionBooked (199 B) from memory", unit: "events/s", runs: bookedRates,
            target: "(for comparison)", met: nil, note: "\(count) decodes a run"))
        record(Figure(
            name: "decode a mix of common events from memory", unit: "events/s", runs: mixRates,
            target: "(for comparison)", met: nil, note: "\(count) decodes a run, 3 of 7 profile views"))
    }
}
