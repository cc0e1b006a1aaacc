import ArgumentParser
import Caseload
import CaseloadCoding
import CaseloadDomain
import EventStoreSQLite
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

    @OptionGroup var store: StoreOptions
    @Argument(help: "The client id.") var clientId: String
    @Option(help: "Who erases: support:ID or system:NAME.") var actor: String = "system:erasure"
    @Flag(help: "Print a JSON object.") var json = false

    func run() async throws {
        let by: CaseloadDomain.Actor
        do { by = try CaseloadDomain.Actor(parsing: actor) } catch { throw ValidationError("--actor: \(error)") }
        let log: SQLiteEventStore
        do { log = try store.open(create: false) } catch { throw failure(error) }
        do {
            var ids = EventIDGenerator.random()
            let now = Timestamp(Date())
            let recorded = try await PersonalDataVault.eraseClient(clientId, by: by, at: now, eventID: ids.next(at: now), in: log)
            await log.close()
            let records = (try? recorded.domainEvent()).flatMap { event -> Int? in
                if case .clientDataErased(let erased) = event { return erased.records } else { return nil }
            } ?? 0
            if json {
                var writer = JSONWriter()
                writer.beginObject()
                writer.key("clientId"); writer.string(clientId)
                writer.key("records"); writer.int(records)
                writer.key("position"); writer.int(recorded.position)
                writer.endObject()
                print(writer.text)
            } else {
                print("erased \(records) sealed value\(records == 1 ? "" : "s") of client \(clientId); recorded at position \(recorded.position); file compacted")
            }
        } catch {
            await log.close()
            throw failure(error)
        }
    }
}
