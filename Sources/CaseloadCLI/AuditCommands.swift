import ArgumentParser
import CaseloadApplication
import CaseloadCoding
import CaseloadDomain

/// `caseload audit case|actor|exclusions`: what happened, who did it, and
/// which chats were left out of statistics — each from an index of the log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "What happened in a case, what one actor did, and who excluded which chats.",
        discussion: """
            Each query answers from an index of the log (a stream, an actor, an event type), never from a scan. \
            Times are ISO-8601 (2024-03-10T09:00:00Z) or a date (2024-03-10, meaning midnight UTC at its start).

            Examples:
              caseload audit case --db demo.sqlite c9857
              caseload audit actor --db demo.sqlite support:agent-7 \\
                  --since 2024-03-01 --json
              caseload audit exclusions --db demo.sqlite --therapist t0049 \\
                  --reason spam
            """,
        subcommands: [Case.self, ActorActions.self, Exclusions.self])

    struct Case: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "case",
            abstract: "A case's timeline: every event with its time, actor, what it changed and its position.")

        @OptionGroup var store: ReadOptions
        @Argument(help: "The case id (the stream is case-<id>).") var id: String
        @Flag var format: TableOrJSON = .table

        func run() async throws {
            let timeline = try await withApplication(store.readOnlyConfiguration) { app in try await app.caseTimeline(id) }
            switch format {
            case .json: print(AuditReport.json(timeline))
            case .table: print(AuditReport.table(timeline), terminator: "")
            }
        }
    }

    struct ActorActions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "actor",
            abstract: "Everything one actor did, in position order, from the actor index.")

        @OptionGroup var store: ReadOptions
        @Argument(help: "The actor, kind:id: client:k1, therapist:t7, support:agent-7, system:antifraud.") var actor: String
        @Option(help: ArgumentHelp("Only events that occurred at or after this time.", valueName: "time")) var since: String?
        @Option(help: ArgumentHelp("Only events that occurred at or before this time.", valueName: "time")) var until: String?
        @Flag var format: TableOrJSON = .table

        func validate() throws {
            _ = try parseTime(since, "--since")
            _ = try parseTime(until, "--until")
        }

        func run() async throws {
            let since = try parseTime(since, "--since"), until = try parseTime(until, "--until")
            let json = format == .json
            // Printed batch by batch: an actor such as system:web may have millions of events.
            var table = AuditReport.ActionsTable(actor: actor)
            var document = AuditReport.ActionsJSON(actor: actor, since: since, until: until)
            try await withApplication(store.readOnlyConfiguration) { app in
                try await app.actions(of: actor, since: since, until: until) { entries in
                    print(json ? document.events(entries) : table.rows(entries), terminator: "")
                }
            }
            print(json ? document.closing() : table.footer(), terminator: json ? "\n" : "")
        }
    }

    struct Exclusions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "exclusions",
            abstract: "Exclusion requests, grants, denials and revocations, one row per event, with who decided and why.",
            discussion: """
                A grant or denial names the request it answers; a revocation names the exclusion it ends. \
                --reason matches the category an event concerns: a request's or exclusion's own, the denied \
                request's, the revoked exclusion's.
                """)

        @OptionGroup var store: ReadOptions
        @Option(help: "Only cases of this therapist.") var therapist: String?
        @Option(help: "Only events by this agent: agent-7 (a support agent) or kind:id such as system:antifraud.") var agent: String?
        @Option(help: ArgumentHelp(
            "Only this category: \(ExclusionReason.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "reason"))
        var reason: String?
        @Option(help: ArgumentHelp("Only events that occurred at or after this time.", valueName: "time")) var since: String?
        @Option(help: ArgumentHelp("Only events that occurred at or before this time.", valueName: "time")) var until: String?
        @Flag var format: TableOrJSON = .table

        func validate() throws { _ = try filter() }

        /// The options as a filter; a ValidationError for a bad time or category.
        func filter() throws -> ExclusionFilter {
            var filter = ExclusionFilter(
                therapistId: therapist, actor: agent.map(ExclusionFilter.agentActor),
                since: try parseTime(since, "--since"), until: try parseTime(until, "--until"))
            if let reason {
                guard let parsed = ExclusionReason(rawValue: reason) else {
                    throw ValidationError(
                        "--reason: no category '\(reason)'; choose one of \(ExclusionReason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.reason = parsed
            }
            return filter
        }

        func run() async throws {
            let filter = try filter()
            let rows = try await withApplication(store.readOnlyConfiguration) { app in try await app.exclusions(filter) }
            switch format {
            case .json: print(AuditReport.json(rows))
            case .table: print(AuditReport.table(rows), terminator: "")
            }
        }
    }
}

/// `caseload explain`: one figure of one therapist taken apart, case by case.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Why a therapist's figure is what it is: its value, numerator and denominator, and every case with why it counts or not.",
        discussion: """
            The parts add up to the value: a count's or a sum's case contributions sum to it; a rate's numerator \
            parts sum to its numerator and its denominator parts to its denominator. Profile views are listed per day.

            Then the therapist's clients in ongoing therapy (a converted case, not refused or ended, with a \
            session held or booked in the last --ongoing-days days, as `ratings` and `compare` count them): \
            whom a platform delisting the therapist would tell to leave.

            Figures: \(StatisticsExplainer.metricNames.joined(separator: ", ")).

            Examples:
              caseload explain --db demo.sqlite --therapist t0049 \\
                  --metric conversionToFirstSession --days 90
              caseload explain --db demo.sqlite --therapist t0049 \\
                  --metric returnRate --as-of 2024-06-01 --json
              caseload explain --db demo.sqlite --therapist t0049 \\
                  --metric sessionsPerClient --ongoing-days 60
            """)

    @OptionGroup var store: ReadOptions
    @OptionGroup var time: TimeOptions
    @Option(help: "The therapist.") var therapist: String
    @Option(help: "The figure, as `caseload stats --json` names it (see below).") var metric: String
    @Option(help: "Only the last N days up to the as-of date (default: all history).") var days: Int?
    @Flag(name: .customLong("no-exclusions"), help: "Count excluded chats as ordinary inquiries.") var ignoreExclusions = false
    @Flag(name: .customLong("no-refusals"), help: "Count refused cases in retention.") var ignoreRefusals = false
    @OptionGroup var ongoing: OngoingOptions
    @Flag var format: TableOrJSON = .table

    func validate() throws {
        try validateDays(days)
        _ = try figure()
    }

    /// `--metric` as a figure.
    func figure() throws -> Metric {
        guard let figure = Metric(name: metric) else {
            throw ValidationError(
                "--metric: no figure '\(metric)'; choose one of \(StatisticsExplainer.metricNames.joined(separator: ", "))")
        }
        return figure
    }

    func run() async throws {
        let request = ExplainRequest(
            therapist: therapist, metric: try figure(),
            statistics: StatisticsRequest(
                time: try time.reportTime(), days: days, honourExclusions: !ignoreExclusions, honourRefusals: !ignoreRefusals),
            ongoingWithinDays: ongoing.ongoingDays)
        let progress = Progress(label: "replayed")
        let explanation = try await withApplication(store.configuration) { app in
            defer { progress.finish() }
            return try await app.explain(request) { progress.update($0, $1) }
        }
        switch format {
        case .json: print(AuditReport.json(explanation))
        case .table: print(AuditReport.table(explanation), terminator: "")
        }
    }
}
