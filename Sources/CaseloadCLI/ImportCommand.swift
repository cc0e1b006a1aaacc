import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import marketplace events from JSON Lines through the domain's rules, all or nothing.",
        discussion: """
            One envelope per line (EventSchemas/envelope.schema.json); here one over several lines:
              {"type": "SessionBooked", "occurredAt": "2024-03-04T09:00:00Z",
               "actor": "client:k1",
               "data": {"caseId": "c1", "sessionId": "s1",
                        "scheduledStart": "2024-03-05T10:00:00Z",
                        "price": {"amount": 300000, "currency": "UAH"}},
               "eventId": "…optional UUID…"}

            The stream is derived from the type and data. Every line passes the same rules as a live \
            command; a file with any bad line is rejected whole (exit 1, naming the line), nothing stored. \
            Lines whose eventId is already in the log are skipped, so a retried import appends nothing twice.

            A clientName in InquiryOpened is personal data: it is sealed in the vault under the client's own \
            key and the event carries only a reference (clientNameRef); `caseload erase client` destroys it.
            """)

    @OptionGroup var store: AppendOptions
    @OptionGroup var lines: LineOptions
    @Argument(help: "A JSON Lines file, or - for standard input.") var file: String
    @Flag var format: TextOrJSON = .text

    func run() async throws {
        let progress = Progress(label: "imported lines")
        // A failed import says nothing was imported; to a new file, that
        // must mean no file either (an empty log left behind reads as a log
        // to every later command). An import creates no PostgreSQL
        // database, only its tables.
        let newFile: String? = switch CaseloadConfiguration.StoreLocation(parsing: store.db) {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path) ? nil : path
        case .postgres: nil
        }
        var leftEmpty = false
        let summary: ImportSummary
        do {
            summary = try await withApplication(lines.applied(to: store.configuration(create: true))) { app in
                defer { progress.finish() }
                do {
                    return try await app.importLines(from: file) { lines, bytes, total in
                        if let total, total > 0 {
                            progress.update(Int64(bytes), Int64(total), unit: "bytes", extra: "\(lines) lines")
                        } else {
                            progress.update(Int64(lines), 0)
                        }
                    }
                } catch {
                    if newFile != nil { leftEmpty = (try? await app.head().position) == 0 }
                    throw error
                }
            }
        } catch {
            // The store is closed by now; remove what this run created.
            if leftEmpty, let newFile { removeDatabase(at: newFile) }
            throw error
        }
        switch format {
        case .json:
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("lines"); writer.int(summary.lines)
            writer.key("appended"); writer.int(summary.appended)
            writer.key("skipped"); writer.int(summary.skipped)
            writer.key("clientNamesStored"); writer.int(summary.clientNamesStored)
            writer.key("firstPosition"); if let p = summary.firstPosition { writer.int(p) } else { writer.null() }
            writer.key("lastPosition"); if let p = summary.lastPosition { writer.int(p) } else { writer.null() }
            writer.endObject()
            print(writer.text)
        case .text:
            var text = "imported \(summary.appended) events from \(summary.lines) lines"
            if let first = summary.firstPosition, let last = summary.lastPosition { text += " (positions \(first)–\(last))" }
            if summary.skipped > 0 { text += "; skipped \(summary.skipped) already in the log" }
            print(text)
            if summary.clientNamesStored > 0 {
                Console.note("note: \(summary.clientNamesStored) client name\(summary.clientNamesStored == 1 ? "" : "s") went to the personal-data vault (encrypted, erasable), not the log")
            }
        }
    }
}

/// Removes an SQLite file and the files beside it (WAL, shared memory, journal).
func removeDatabase(at path: String) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        try? FileManager.default.removeItem(atPath: path + suffix)
    }
}
