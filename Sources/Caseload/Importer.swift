import CaseloadCoding
import Dispatch
import CaseloadDomain
import Crypto
public import EventStore
import struct Foundation.UUID

/// What an import did.
public struct ImportSummary: Sendable, Hashable {
    /// Lines read (blank lines included).
    public var lines = 0
    /// Events appended.
    public var appended = 0
    /// Lines whose `eventId` was already in the log (a retried import).
    public var skipped = 0
    /// InquiryOpened lines whose `clientName` went to the personal-data vault
    /// (encrypted, erasable) instead of the log.
    public var clientNamesStored = 0
    /// Positions of the first and last appended event.
    public var firstPosition: Int64?
    public var lastPosition: Int64?
}

/// A line that stopped an import: nothing of the file was stored.
///
/// The error that stopped it is kept as it was thrown (a `DomainError` for a
/// line the rules refuse, an `EventStoreError` for a store that failed under
/// it), so a front end can tell a bad line from a broken database.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    /// 1-based line number in the file.
    public var line: Int
    /// The last line of a range that failed together (the lines being
    /// written or committed when the store failed), nil for one line.
    public var lastLine: Int?
    public var message: String
    /// What stopped the import at this line, if another error did.
    public var underlying: (any Error)?

    public init(line: Int, lastLine: Int? = nil, message: String, underlying: (any Error)? = nil) {
        self.line = line
        self.lastLine = lastLine == line ? nil : lastLine
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        if let lastLine { "lines \(line)–\(lastLine): \(message)" } else { "line \(line): \(message)" }
    }
}

/// Imports JSON Lines of event envelopes through the marketplace's rules.
///
/// The whole file is one transaction: every line passes the same rules as a
/// live command (in file order, against the log's state plus the lines before
/// it), and a file with any bad line is rejected whole — nothing stored.
/// Lines whose `eventId` is already in the log are skipped, so a retried
/// import appends nothing twice; a line without an `eventId` gets one derived
/// from its time, number and bytes, so re-importing the same file is a no-op
/// too.
public enum Importer {
    /// Reports (lines read, bytes read, total bytes if known).
    public typealias Progress = @Sendable (_ lines: Int, _ bytes: Int, _ totalBytes: Int?) -> Void

    public static func importFile(
        _ path: String, into store: any EventStore, batchSize: Int = 4096,
        maxLineBytes: Int = LineReader.defaultMaxLineBytes, progress: Progress? = nil
    ) async throws -> ImportSummary {
        let reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
        let box = ReaderBox(reader: reader)
        let judged = JudgedLines()
        do {
            return try await store.withTransaction { transaction in
                let summary = try run(box.reader, into: &transaction, batchSize: batchSize, progress: progress)
                judged.count = summary.lines
                return summary
            }
        } catch {
            // Every line passed and was written but the commit failed (a
            // full disk, often): it concerns the whole file, not one line.
            guard !(error is ImportError), judged.count > 0 else { throw error }
            throw ImportError(
                line: 1, lastLine: judged.count, message: "committing the import failed: \(error)", underlying: error)
        }
    }

    /// How many lines the transaction judged and wrote before it committed.
    private final class JudgedLines: @unchecked Sendable {
        // Written inside the transaction, read after `withTransaction` returned or threw.
        var count = 0
    }

    /// The reader moves into the transaction's thread and is used only there.
    private struct ReaderBox: @unchecked Sendable {
        let reader: LineReader
    }

    static func run(
        _ reader: LineReader, into transaction: inout any EventStoreTransaction, batchSize: Int, progress: Progress?
    ) throws -> ImportSummary {
        var summary = ImportSummary()
        var state = MarketplaceState()
        var seen = SeenIDs()
        // Ids above the log's greatest cannot be in it: a file of time-ordered
        // (v7) ids newer than the log needs no lookup per line.
        let greatestInLog = try transaction.greatestEventID()
        var pending: [StreamAppend] = []
        var pendingEvents = 0
        // The lines whose events are pending: a failed write names them all.
        var pendingLines: ClosedRange<Int>?
        let tx = transaction
        let load: MarketplaceState.Loader = { name in
            var events: [(CaseloadEvent, Timestamp)] = []
            for record in try tx.readStream(name.storeStreamID, fromVersion: 1, limit: Int.max) {
                events.append((try record.domainEvent(), record.metadata.occurredAt))
            }
            return events
        }

        func flush(_ transaction: inout any EventStoreTransaction) throws {
            guard !pending.isEmpty, let lines = pendingLines else { return }
            let result: AppendResult
            do {
                result = try transaction.append(pending)
            } catch {
                throw ImportError(
                    line: lines.lowerBound, lastLine: lines.upperBound, message: "writing these lines failed: \(error)",
                    underlying: error)
            }
            pendingLines = nil
            summary.appended += result.events.count
            if summary.firstPosition == nil { summary.firstPosition = result.events.first?.position }
            summary.lastPosition = result.events.last?.position ?? summary.lastPosition
            pending.removeAll(keepingCapacity: true)
            pendingEvents = 0
        }

        // Lines are read and parsed a chunk ahead on another thread while this
        // one judges and appends the current chunk: parsing is pure, judging
        // and appending must follow the file's order.
        let parser = ChunkParser(reader: reader)
        parser.start()
        while let chunk = parser.next() {
          for parsed in chunk {
            summary.lines = parsed.number
            let number = parsed.number
            guard let result = parsed.line else { continue }
            do {
                let line = try result.get()
                let bytes = parsed.bytes
                let id = line.eventID ?? derivedID(line: bytes, number: number, occurredAt: line.occurredAt)
                if let earlier = seen.insert(id, line: number) {
                    throw ImportError(line: number, message: "eventId \(id.uuidString.lowercased()) is already used on line \(earlier)")
                }
                if let greatestInLog, !greatestInLog.bytesPrecede(id), let existing = try transaction.event(id: id) {
                    guard existing.stream == line.input.streamName.storeStreamID, existing.type == line.input.type.name else {
                        throw ImportError(
                            line: number,
                            message: "eventId \(id.uuidString.lowercased()) is already in the log at position \(existing.position) as \(existing.type) in \(existing.stream)")
                    }
                    summary.skipped += 1
                    continue
                }
                try state.prepare(for: line.input, load)
                var event = try state.judgeAndApply(line.input, occurredAt: line.occurredAt, actor: line.actor)
                if let name = line.input.droppedClientName, case .inquiryOpened(let opened) = event {
                    let ref = PersonalDataVault.reference(for: id)
                    try PersonalDataVault.storeClientName(name, clientId: opened.clientId, ref: ref, in: &transaction)
                    event = event.withClientNameRef(ref)
                    summary.clientNamesStored += 1
                }
                let new = event.newEvent(
                    id: id, occurredAt: line.occurredAt, actor: line.actor, correlationID: line.correlationID,
                    causationID: line.causationID)
                let streamName = event.streamName
                if let last = pending.indices.last, pending[last].stream == streamName.storeStreamID {
                    pending[last].events.append(new)
                } else {
                    // The version before this event: the state now counts it.
                    let before = (state.version(of: streamName) ?? 1) - 1
                    pending.append(StreamAppend(
                        stream: event.storeStreamID, expected: before == 0 ? .noStream : .exactly(before),
                        events: [new]))
                }
                pendingEvents += 1
                pendingLines = (pendingLines?.lowerBound ?? number)...number
                if pendingEvents >= batchSize { try flush(&transaction) }
            } catch let error as ImportError {
                throw error
            } catch let error as DomainError {
                throw ImportError(line: number, message: error.message, underlying: error)
            } catch {
                throw ImportError(line: number, message: "\(error)", underlying: error)
            }
            if number % 10_000 == 0 { progress?(number, parser.bytesRead, reader.totalBytes) }
          }
        }
        try flush(&transaction)
        progress?(summary.lines, parser.bytesRead, reader.totalBytes)
        return summary
    }

    /// The ids of the lines so far, to name the line an id repeats. Ids
    /// that rise in byte order (v7 ids of a history in time order) are kept
    /// in a sorted list, which costs no hashing; the few that arrive out of
    /// order (same millisecond) are looked up there by binary search and
    /// kept in a dictionary.
    struct SeenIDs {
        private var rising: [(id: UUID, line: Int)] = []
        private var others: [UUID: Int] = [:]

        /// Records `id` at `line`; returns the earlier line if it was seen.
        mutating func insert(_ id: UUID, line: Int) -> Int? {
            guard let last = rising.last, !last.id.bytesPrecede(id) else {
                // Above every listed id, and so above every other one too
                // (each was below the list's last when it came).
                rising.append((id, line))
                return nil
            }
            var low = 0
            var high = rising.count
            while low < high {
                let middle = (low + high) / 2
                if rising[middle].id.bytesPrecede(id) { low = middle + 1 } else { high = middle }
            }
            if low < rising.count, rising[low].id == id { return rising[low].line }
            if let earlier = others[id] { return earlier }
            others[id] = line
            return nil
        }
    }

    /// One line as the parsing thread leaves it: its number, its bytes and the
    /// parsed envelope (nil for a blank line).
    struct ParsedLine: @unchecked Sendable {
        // @unchecked: `line` holds an error that is only read on the importing thread.
        var number: Int
        var bytes: [UInt8]
        var line: Result<ImportLine, any Error>?
    }

    /// Reads and parses the next chunk of lines on a background thread while
    /// the caller works on the current one. Only one chunk is in flight, so
    /// the reader is used by one thread at a time (handed over through the
    /// semaphores, which order the accesses).
    final class ChunkParser: @unchecked Sendable {
        private let reader: LineReader
        private let ready = DispatchSemaphore(value: 0)
        private var pending: [ParsedLine]?
        private var number = 0
        private(set) var bytesRead = 0
        static let chunkSize = 4096

        init(reader: LineReader) { self.reader = reader }

        func start() { schedule() }

        private func schedule() {
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                var chunk: [ParsedLine] = []
                chunk.reserveCapacity(Self.chunkSize)
                while chunk.count < Self.chunkSize {
                    let bytes: [UInt8]
                    do throws(LineTooLongError) {
                        guard let next = try reader.next() else { break }
                        bytes = next
                    } catch {
                        // The import stops at this line (nothing is imported).
                        chunk.append(ParsedLine(number: error.line, bytes: [], line: .failure(error)))
                        break
                    }
                    number += 1
                    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                        chunk.append(ParsedLine(number: number, bytes: [], line: nil))
                    } else {
                        chunk.append(ParsedLine(number: number, bytes: bytes, line: Result { try ImportLine(json: bytes) }))
                    }
                }
                pending = chunk
                bytesRead = reader.bytesRead
                ready.signal()
            }
        }

        /// The next parsed chunk, or nil at the end of the file.
        func next() -> [ParsedLine]? {
            ready.wait()
            guard let chunk = pending, !chunk.isEmpty else { return nil }
            pending = nil
            schedule()
            return chunk
        }
    }

    /// A stable id for a line without an `eventId`: the event's time in
    /// milliseconds first (as a UUIDv7, so ids of a history in time order
    /// keep the id index local), then SHA-256 of the line's number and bytes;
    /// marked version 8.
    static func derivedID(line: [UInt8], number: Int, occurredAt: Timestamp) -> UUID {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt64(number).bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(data: line)
        var bytes = Array(hasher.finalize().prefix(16))
        let milliseconds = UInt64(max(0, occurredAt.microsecondsSinceEpoch / 1000))
        withUnsafeBytes(of: milliseconds.bigEndian) { time in
            for index in 0..<6 { bytes[index] = time[index + 2] }
        }
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        return UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
