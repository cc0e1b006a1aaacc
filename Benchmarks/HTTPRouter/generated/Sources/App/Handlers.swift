import OpenAPIRuntime

struct Handlers: APIProtocol {
    let stats: Components.Schemas.TherapistStats

    func postCommand(_ input: Operations.PostCommand.Input) async throws -> Operations.PostCommand.Output {
        guard case .json(let command) = input.body else {
            // Only one content type in the document; kept for symmetry.
            return .badRequest(.init(body: .applicationProblemJson(.init(_type: "https://caseload.example/problems/unsupported_media_type", title: "Send application/json", status: 415, code: "unsupported_media_type"))))
        }
        return .accepted(.init(body: .json(.init(commandId: command.commandId, accepted: true, position: 42, eventIds: ["evt-\(command.caseId)-1"]))))
    }

    func getHead(_ input: Operations.GetHead.Input) async throws -> Operations.GetHead.Output {
        .ok(.init(body: .json(.init(position: 123_456, hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", recordedAt: "2026-12-07T16:00:00Z"))))
    }

    func getStats(_ input: Operations.GetStats.Input) async throws -> Operations.GetStats.Output {
        var s = stats
        s.therapistId = input.query.therapist
        return .ok(.init(body: .json(s)))
    }
}

func sampleStats() -> Components.Schemas.TherapistStats {
    .init(
        therapistId: "t1", windowFrom: "2026-09-01T00:00:00Z", windowTo: "2026-12-01T00:00:00Z",
        casesOpen: 17, casesEnded: 5, sessionsHeld: 143, sessionsCancelledLate: 4,
        retention4: 0.82, retention8: 0.64, rating: 4.37,
        buckets: (0..<9).map { i in
            .init(week: "2026-W\(36 + i)", sessionsHeld: 10 + i, sessionsCancelled: i % 3, noShows: i % 2, newCases: i % 4)
        })
}
