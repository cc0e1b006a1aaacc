public import CaseloadCoding
public import CaseloadDomain
import Crypto
public import EventStore
public import Foundation

/// Personal data kept apart from the log: each value sealed with AES-GCM under
/// its subject's own 256-bit key, stored in the vault tables, and referenced
/// from the event (`clientNameRef`). Erasing a client destroys the key and the
/// ciphertexts; the log — and its hash chain — never held the data, so they
/// are untouched, and statistics do not change.
public enum PersonalDataVault {
    /// What the vault holds for a reference.
    public enum Value: Sendable, Hashable, CustomStringConvertible {
        case value(String)
        /// No value: erased (or never stored).
        case erased

        public var description: String {
            switch self {
            case .value(let text): text
            case .erased: "(erased)"
            }
        }
    }

    /// The reference for a value derived from the id of the event that
    /// carries it, so a retried command or import derives the same one.
    public static func reference(for eventID: UUID) -> String {
        "pd-" + UUID.derived(from: eventID, index: 0x7064).uuidString.lowercased()
    }

    /// Seals `name` under `clientId`'s key (made now if the client has none)
    /// and stores it as `ref`, inside `transaction`.
    public static func storeClientName(
        _ name: String, clientId: String, ref: String, in transaction: inout any EventStoreTransaction
    ) throws {
        let newKey = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let key = try transaction.personalDataKey(subject: clientId, createWith: newKey)
        let sealed = try seal(name, key: key, ref: ref)
        try transaction.storePersonalData(PersonalDataRecord(ref: ref, subject: clientId, field: "clientName", sealed: sealed))
    }

    /// The value behind `ref`, or `.erased`.
    public static func value(ref: String, in store: any PersonalDataStore) async throws -> Value {
        guard let record = try await store.personalData(ref: ref), let key = record.key else { return .erased }
        return .value(try open(record.sealed, key: key, ref: ref))
    }

    /// What an erasure left behind.
    public struct Erasure: Sendable, Hashable {
        /// The ClientDataErased event: recorded by this run, or (when
        /// ``alreadyErased``) by an earlier one.
        public var event: RecordedEvent
        /// An earlier run erased the client and nothing has been sealed for
        /// them since: this run recorded nothing and only compacted.
        public var alreadyErased: Bool
        public var compaction: Compaction
    }

    /// Whether the file was compacted after an erasure.
    public enum Compaction: Sendable, Hashable {
        /// No byte of the erased data remains in the file or its WAL.
        case compacted
        /// The data is erased (key and values deleted, the erasure recorded)
        /// but older copies of its bytes may remain in the file until a
        /// compaction succeeds; `reason` says what stopped this one. Erasing
        /// the client again finishes it without recording a second erasure.
        case pending(reason: String)
    }

    /// Destroys `clientId`'s key and sealed values and records the erasure as
    /// a ClientDataErased event (by `actor`, at `time`) in the same
    /// transaction; then compacts the file so no byte of the data remains.
    ///
    /// A client whose last ClientDataErased is still the truth (nothing
    /// sealed for them since) is not erased again: the earlier event is
    /// returned and the file compacted, so a rerun finishes a compaction an
    /// earlier run could not. A compaction that fails is reported in the
    /// result, not thrown: the erasure is committed by then, and an error
    /// would read as if it were not.
    @discardableResult
    public static func eraseClient(
        _ clientId: String, by actor: Initiator, at time: Timestamp, eventID: UUID, in store: any EventStore
    ) async throws -> Erasure {
        let (recorded, alreadyErased) = try await store.withTransaction { transaction in
            let records = try transaction.erasePersonalData(subject: clientId)
            let event = CaseloadEvent.clientDataErased(
                ClientDataErased(clientId: clientId, fields: ["clientName"], records: records))
            try Rules.check(event, occurredAt: time, actor: actor)
            let stream = event.storeStreamID
            let version = try transaction.currentVersion(of: stream)
            if records == 0, version > 0,
                let last = try transaction.readStream(stream, fromVersion: version, limit: 1).first,
                last.type == EventType.clientDataErased.rawValue
            {
                return (last, true)
            }
            let result = try transaction.append([
                StreamAppend(
                    stream: stream, expected: version == 0 ? .noStream : .exactly(version),
                    events: [event.newEvent(id: eventID, occurredAt: time, actor: actor)]),
            ])
            return (result.events[0], false)
        }
        let compaction: Compaction
        do {
            try await store.compact()
            compaction = .compacted
        } catch let error as EventStoreError {
            compaction = .pending(reason: error.message)
        } catch {
            compaction = .pending(reason: "\(error)")
        }
        return Erasure(event: recorded, alreadyErased: alreadyErased, compaction: compaction)
    }

    static func seal(_ text: String, key: [UInt8], ref: String) throws -> [UInt8] {
        let box = try AES.GCM.seal(Data(text.utf8), using: SymmetricKey(data: key), authenticating: Data(ref.utf8))
        guard let combined = box.combined else { throw VaultError(reason: "could not seal the value") }
        return Array(combined)
    }

    static func open(_ sealed: [UInt8], key: [UInt8], ref: String) throws -> String {
        let box = try AES.GCM.SealedBox(combined: Data(sealed))
        let plain = try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Data(ref.utf8))
        return String(decoding: plain, as: UTF8.self)
    }
}

/// The vault could not seal or open a value.
public struct VaultError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "personal-data vault: \(reason)" }
}

extension CaseloadEvent {
    /// The same event with its client name reference set (InquiryOpened only).
    func withClientNameRef(_ ref: String) -> CaseloadEvent {
        guard case .inquiryOpened(var opened) = self else { return self }
        opened.clientNameRef = ref
        return .inquiryOpened(opened)
    }
}
