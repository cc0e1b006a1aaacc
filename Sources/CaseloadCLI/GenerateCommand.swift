import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import Foundation

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a realistic marketplace history: every event checked by the domain's rules.",
        discussion: """
            Therapists of five archetypes (balanced, high-churn, long-term, spam-magnet, selective) join a \
            new platform; their clients write, book weekly sessions, cancel early or late, miss sessions, \
            stop or reach their goals; therapists ask to exclude spam chats and refuse some clients, who \
            are re-matched; anti-fraud raises flags. Rates come from published figures \
            (Sources/CaseloadGenerator/README.md). Every event passes the domain's rules, as in import.

            The same seed gives the same events and ids. Events go in business-time order into an empty \
            log, in transactions of 100,000 events; with --jsonl the same history is written as import \
            JSON Lines for `caseload import` instead.

            Examples:
              caseload generate --db small.sqlite --therapists 20 --months 6 --seed 7
              caseload generate --db views.sqlite --therapists 20 --months 6 \\
                  --seed 1 --views
              caseload generate --jsonl history.jsonl --therapists 20 --months 6 \\
                  --seed 7
            """)

    @Option(help: ArgumentHelp("The event log to create: an SQLite file (it must be new or empty).", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("Write import JSON Lines to this file instead of a log.", valueName: "path"))
    var jsonl: String?

    @Option(
        help: ArgumentHelp(
            "When a transaction counts as done: full (fsync) or normal (survives a crash of the process).",
            valueName: "level"))
    var durability: DurabilityOption = .full

    @Option(help: "Therapists on the platform.") var therapists: Int = 100
    @Option(help: "Calendar months of history.") var months: Int = 12
    @Option(help: "The seed: the same seed gives the same events.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("The platform's launch date, UTC.", valueName: "YYYY-MM-DD")) var start: String = "2024-01-01"
    @Flag(help: "Also generate profile views (then most of the events).") var views = false
    @Flag var format: TextOrJSON = .text

    func validate() throws {
        guard (db == nil) != (jsonl == nil) else { throw ValidationError("give exactly one of --db PATH and --jsonl PATH") }
        _ = try parameters()
    }

    private func parameters() throws -> GeneratorParameters {
        let launch: Timestamp
        do { launch = try Timestamp(userInput: start) } catch { throw ValidationError("--start: \(error)") }
        let parameters = GeneratorParameters(
            therapists: therapists, months: months, seed: seed, profileViews: views, start: launch)
        // The messages begin with the parameter's name, which is the option's.
        do { try parameters.validate() } catch { throw ValidationError("--\(error.message)") }
        return parameters
    }

    func run() async throws {
        let parameters = try parameters()
        let progress = Progress(label: "generated")
        let report: @Sendable (GenerationProgress) -> Void = { state in
            progress.update(
                Int64(state.events), Int64(state.plannedEvents),
                extra: "\(state.events) of ~\(state.plannedEvents) events, business time \(state.businessTime.iso8601.prefix(10))")
        }
        let summary: GenerationSummary
        if let jsonl {
            do { summary = try Marketplace.writeHistory(parameters, toJSONLines: jsonl, progress: report) } catch {
                progress.finish()
                throw failure(error)
            }
        } else {
            var configuration = CaseloadConfiguration(store: .init(parsing: db!))
            configuration.durability = durability.level
            summary = try await withApplication(Edge.configuration(configuration)) { app in
                defer { progress.finish() }
                return try await app.generate(parameters, progress: report)
            }
        }
        progress.finish()
        switch format {
        case .json:
            print(Self.json(summary, plannedEvents: HistoryGenerator(parameters: parameters).plannedEvents, db: db, jsonl: jsonl))
        case .text:
            print(Self.text(summary, destination: db ?? jsonl!))
        }
    }

    // MARK: Printing

    static func text(_ summary: GenerationSummary, destination: String) -> String {
        let parameters = summary.parameters
        var lines: [String] = []
        let rate = summary.eventsPerSecond
        lines.append(
            "generated \(group(summary.events)) events into \(destination) in \(String(format: "%.1f", summary.elapsedSeconds)) s (\(group(Int(rate))) events/s)"
        )
        let span = [summary.firstOccurredAt, summary.lastOccurredAt].map { $0.map { String($0.iso8601.prefix(10)) } ?? "-" }
        lines.append(
            "seed \(parameters.seed) · \(parameters.months) months from \(parameters.start.iso8601.prefix(10)) · events from \(span[0]) to \(span[1])"
        )
        let archetypes = TherapistArchetype.allCases.compactMap { archetype in
            summary.therapistsByArchetype[archetype].map { "\($0) \(archetype.rawValue)" }
        }
        lines.append("therapists \(summary.therapists.count): \(archetypes.joined(separator: ", "))")
        lines.append(
            "cases \(group(summary.cases)) (\(group(summary.rematchedCases)) re-matched, \(group(summary.convertedCases)) with a first session, \(group(summary.openCasesAtEnd)) still open) · clients \(group(summary.clients))"
        )
        if let first = summary.firstPosition, let last = summary.lastPosition {
            lines.append("positions \(first)–\(last) in \(summary.transactions) transactions")
        }
        lines.append("events by type:")
        let width = EventType.allCases.map(\.name.count).max() ?? 0
        for type in EventType.allCases.sorted(by: { (summary.eventsByType[$0] ?? 0) > (summary.eventsByType[$1] ?? 0) }) {
            let count = summary.eventsByType[type] ?? 0
            let name = type.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let number = group(count)
            lines.append("  \(name)  \(String(repeating: " ", count: max(0, 11 - number.count)))\(number)")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ summary: GenerationSummary, plannedEvents: Int, db: String?, jsonl: String?) -> String {
        let parameters = summary.parameters
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("db"); writer.optionalString(db)
        writer.key("jsonl"); writer.optionalString(jsonl)
        writer.key("seed"); writer.string(String(parameters.seed))  // a string: JSON numbers lose 64-bit precision
        writer.key("therapists"); writer.int(parameters.therapists)
        writer.key("months"); writer.int(parameters.months)
        writer.key("start"); writer.string(parameters.start.iso8601)
        writer.key("end"); writer.string(parameters.end.iso8601)
        writer.key("profileViews"); writer.bool(parameters.profileViews)
        writer.key("events"); writer.int(summary.events)
        writer.key("plannedEvents"); writer.int(plannedEvents)
        writer.key("eventsByType")
        writer.beginObject()
        for type in EventType.allCases {
            writer.key(type.name); writer.int(summary.eventsByType[type] ?? 0)
        }
        writer.endObject()
        writer.key("cases"); writer.int(summary.cases)
        writer.key("rematchedCases"); writer.int(summary.rematchedCases)
        writer.key("convertedCases"); writer.int(summary.convertedCases)
        writer.key("openCasesAtEnd"); writer.int(summary.openCasesAtEnd)
        writer.key("clients"); writer.int(summary.clients)
        writer.key("firstOccurredAt"); writer.optionalString(summary.firstOccurredAt?.iso8601)
        writer.key("lastOccurredAt"); writer.optionalString(summary.lastOccurredAt?.iso8601)
        writer.key("firstPosition"); if let p = summary.firstPosition { writer.int(p) } else { writer.null() }
        writer.key("lastPosition"); if let p = summary.lastPosition { writer.int(p) } else { writer.null() }
        writer.key("transactions"); writer.int(summary.transactions)
        writer.key("elapsedSeconds"); writer.double(summary.elapsedSeconds)
        writer.key("eventsPerSecond"); writer.double(summary.eventsPerSecond.rounded())
        writer.key("therapistsByArchetype")
        writer.beginObject()
        for archetype in TherapistArchetype.allCases {
            writer.key(archetype.rawValue); writer.int(summary.therapistsByArchetype[archetype] ?? 0)
        }
        writer.endObject()
        writer.key("therapistList")
        writer.beginArray()
        for therapist in summary.therapists {
            writer.beginObject()
            writer.key("id"); writer.string(therapist.id)
            writer.key("archetype"); writer.string(therapist.archetype.rawValue)
            writer.key("joinedAt"); writer.string(therapist.joinedAt.iso8601)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    /// 1234567 → "1,234,567".
    private static func group(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }
}
