import CSQLite
import EventStore
import EventStoreSQLite
import EventStoreTesting
import Foundation
import Testing

/// A projection state saved in pieces (a row each) loads as the state whole;
/// a state saved whole afterwards leaves no stale pieces behind.
@Suite struct ProjectionStateInPieces {
    func state(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed } }

    func saveInPieces(_ store: SQLiteEventStore, _ state: [UInt8], pieceSize: Int, checkpoint: Int64 = 2) async throws {
        try await store.saveProjection(named: "facts", checkpoint: checkpoint, size: state.count) { piece in
            var offset = 0
            while offset < state.count {
                let end = min(state.count, offset + pieceSize)
                try state[offset..<end].withUnsafeBytes(piece)
                offset = end
            }
        }
    }

    func rows(_ path: String) throws -> Int {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nil) == SQLITE_OK else { throw CancellationError() }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "SELECT count(*) FROM projections", -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        sqlite3_step(statement)
        return Int(sqlite3_column_int64(statement, 0))
    }

    @Test func piecesLoadAsTheWholeState() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("log.sqlite")
        let store = try openStore(path)
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [sampleEvent(1), sampleEvent(2)])

        let first = state(10_000, seed: 1)
        try await saveInPieces(store, first, pieceSize: 1_000)
        #expect(try await store.loadProjection(named: "facts") == ProjectionState(name: "facts", checkpoint: 2, state: first))
        #expect(try rows(path) == 10)

        // Fewer pieces replace more: no piece of the first state is left.
        let second = state(2_500, seed: 2)
        try await saveInPieces(store, second, pieceSize: 1_000, checkpoint: 1)
        #expect(try await store.loadProjection(named: "facts") == ProjectionState(name: "facts", checkpoint: 1, state: second))
        #expect(try rows(path) == 3)

        // A state saved whole replaces one in pieces.
        let whole = state(777, seed: 3)
        try await store.saveProjection(ProjectionState(name: "facts", checkpoint: 2, state: whole))
        #expect(try await store.loadProjection(named: "facts")?.state == whole)
        #expect(try rows(path) == 1)

        // An empty state, and another projection's state beside it.
        try await saveInPieces(store, [], pieceSize: 1_000)
        try await saveInPieces(store, first, pieceSize: 4_096)

        try await store.saveProjection(ProjectionState(name: "other", checkpoint: 2, state: [9]))
        #expect(try await store.loadProjection(named: "facts")?.state == first)
        #expect(try await store.loadProjection(named: "other")?.state == [9])
        await store.close()

        // And so after reopening.
        let reopened = try openStore(path)
        #expect(try await reopened.loadProjection(named: "facts")?.state == first)
        await reopened.close()
    }

    @Test func piecesThatDoNotAddUpSaveNothing() async throws {
        let directory = try TemporaryDirectory()
        let store = try openStore(directory.path("log.sqlite"))
        _ = try await store.append(to: try StreamID("case-1"), expected: .noStream, [sampleEvent(1)])
        let kept = state(100, seed: 4)
        try await saveInPieces(store, kept, pieceSize: 30, checkpoint: 1)
        let short = try await expectError(EventStoreError.self) {
            try await store.saveProjection(named: "facts", checkpoint: 1, size: 50) { piece in
                try [UInt8](repeating: 0, count: 20).withUnsafeBytes(piece)
            }
        }
        #expect(short.message.contains("is 20 bytes, not the 50 announced"))
        let long = try await expectError(EventStoreError.self) {
            try await store.saveProjection(named: "facts", checkpoint: 1, size: 10) { piece in
                try [UInt8](repeating: 0, count: 20).withUnsafeBytes(piece)
            }
        }
        #expect(long.message.contains("longer than the 10 bytes announced"))
        let pastHead = try await expectError(EventStoreError.self) {
            try await saveInPieces(store, kept, pieceSize: 30, checkpoint: 5)
        }
        #expect(pastHead.message.contains("past the head"))
        #expect(try await store.loadProjection(named: "facts")?.state == kept)
        await store.close()
    }
}
