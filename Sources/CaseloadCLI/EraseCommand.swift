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
            """)

    @OptionGroup var store: AppendOptions
    @Argument(help: "The client id.") var clientId: String
    @Option(help: "Who erases: support:ID or system:NAME.") var actor: String = "system:erasure"
    @Flag var format: TextOrJSON = .text

    func run() async throws {
        let by: Initiator
        do { by = try Initiator(parsing: actor) } catch { throw ValidationError("--actor: \(error)") }
        let erasure = try await withApplication(store.configuration(create: false)) { app in
            try await app.eraseClient(clientId, by: by, at: Timestamp(Date()))
        }
        switch format {
        case .json:
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("clientId"); writer.string(erasure.clientId)
            writer.key("records"); writer.int(erasure.records)
            writer.key("position"); writer.int(erasure.position)
            writer.endObject()
            print(writer.text)
        case .text:
            let records = erasure.records
            print("erased \(records) sealed value\(records == 1 ? "" : "s") of client \(clientId); recorded at position \(erasure.position); file compacted")
        }
    }
}
