import Foundation
import Hummingbird

struct Handlers: Sendable {
    let stats: TherapistStats

    func postCommand(_ request: Request, context: BasicRequestContext) async throws -> CommandAccepted {
        guard let ct = request.headers[.contentType], ct.hasPrefix("application/json") else {
            throw Problem(.unsupportedMediaType, code: "unsupported_media_type", title: "Send application/json")
        }
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let command: CommandRequest
        do {
            command = try JSONDecoder().decode(CommandRequest.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem(decoding: error)
        }
        return CommandAccepted(commandId: command.commandId, accepted: true, position: 42, eventIds: ["evt-\(command.caseId)-1"])
    }

    func getHead(_ request: Request, context: BasicRequestContext) async throws -> Head {
        Head(position: 123_456, hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", recordedAt: "2026-12-07T16:00:00Z")
    }

    func getStats(_ request: Request, context: BasicRequestContext) async throws -> TherapistStats {
        guard let therapist = request.uri.queryParameters["therapist"], !therapist.isEmpty else {
            throw Problem(.badRequest, code: "missing_parameter", title: "A required query parameter is missing", field: "therapist")
        }
        var s = stats
        s.therapistId = String(therapist)
        return s
    }
}

func sampleStats() -> TherapistStats {
    TherapistStats(
        therapistId: "t1", windowFrom: "2026-09-01T00:00:00Z", windowTo: "2026-12-01T00:00:00Z",
        casesOpen: 17, casesEnded: 5, sessionsHeld: 143, sessionsCancelledLate: 4,
        retention4: 0.82, retention8: 0.64, rating: 4.37,
        buckets: (0..<9).map { i in
            WeekBucket(week: "2026-W\(36 + i)", sessionsHeld: 10 + i, sessionsCancelled: i % 3, noShows: i % 2, newCases: i % 4)
        })
}
