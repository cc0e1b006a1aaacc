import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import Foundation

struct EraseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erase",
        abstract: "Erase personal data kept apart from the log.",
        subcommands: [EraseClientCommand.self])
}

struct EraseClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Destroy a client's key and every value sealed with it (their name as given in inquiries).",
        discussion: """
            Records the erasure as a ClientDataErased event (stream client-<ID>) in the same transaction, \
            then compacts the file (checkpoint, VACUUM) so that no byte of the data remains in it or its WAL. \
            The log never held the data: its hash chain still verifies and statistics do not change.

            When the compaction cannot finish (another process is in a read transaction on the file, or \
            VACUUM fails, as on a full disk) the data is still erased and the erasure recorded, but older \
            copies of its bytes may remain in the file: the command says "compaction pending", names the \
            command that finishes it, and exits 75. Erasing the same client again (nothing sealed for them \
            since) records no second erasure; it only compacts.
            """)

    @OptionGroup var store: AppendOptions
    @Argument(help: "The client id.") var clientId: String
    @Option(help: "Who erases: support:ID or system:NAME.") var actor: String = "system:erasure"
    @Flag var format: TextOrJSON = .text

    /// EX_TEMPFAIL: erased, but the file still needs compacting; a rerun finishes it.
    static let compactionPendingStatus: Int32 = 75

    func run() async throws {
        let by: Initiator
        do { by = try Initiator(parsing: actor) } catch { throw ValidationError("--actor: \(error)") }
        let erasure = try await withApplication(store.configuration(create: false)) { app in
            try await app.eraseClient(clientId, by: by, at: Timestamp(Date()))
        }
        // The location as described: a PostgreSQL URL without its password.
        let location = CaseloadConfiguration.StoreLocation(parsing: store.db).description
        let finish = "caseload erase client \(shellQuoted(clientId)) --db \(shellQuoted(location))"
        switch format {
        case .json:
            var writer = JSONWriter()
            erasure.writeJSON(into: &writer, finishWith: finish)
            print(writer.text)
        case .text:
            let records = erasure.records
            let erased = erasure.alreadyErased
                ? "client \(clientId) was already erased (recorded at position \(erasure.position)); nothing erased now"
                : "erased \(records) sealed value\(records == 1 ? "" : "s") of client \(clientId); recorded at position \(erasure.position)"
            switch erasure.compaction {
            case .compacted:
                print("\(erased); file compacted")
            case .pending(let reason):
                print("\(erased); compaction pending: \(reason)")
                print("to finish it: \(finish)")
            }
        }
        if erasure.compactionPending { throw ExitCode(Self.compactionPendingStatus) }
    }
}

/// `text` as one shell word (single-quoted unless it is plain).
func shellQuoted(_ text: String) -> String {
    let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
        ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_./:=@%+,".unicodeScalars.contains($0)
    }
    return plain ? text : "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
