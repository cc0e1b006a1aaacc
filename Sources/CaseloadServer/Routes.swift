import CaseloadApplication
import CaseloadCoding
import CaseloadDomain
import EventStore
import Foundation
import Hummingbird

/// Every route of the service, each calling one function of the application
/// and formatting its result. `EventSchemas/openapi.yaml` is the contract;
/// `RouteContractTests` checks that both name the same routes.
struct Routes: Sendable {
    let marketplace: Marketplace
    let configuration: ServerConfiguration
    let metrics: ServerMetrics

    /// Who may call what (the matrix `AuthorizationTests` tries cell by cell).
    enum Access {
        static let commands: Set<Role> = [.backend, .support]
        static let appends: Set<Role> = [.backend]
        static let logReads: Set<Role> = [.backend, .analyst]
        static let currentFigures: Set<Role> = [.backend, .analyst]
        static let analysis: Set<Role> = [.analyst]
        static let explain: Set<Role> = [.analyst, .support]
        static let audit: Set<Role> = [.support]
        static let admin: Set<Role> = [.admin]
    }

    /// The route templates, as metrics label them and the contract lists them.
    static let templates: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/health"), (.get, "/metrics"), (.get, "/openapi.yaml"),
        (.post, "/v1/commands"), (.post, "/v1/streams/{stream}"), (.post, "/v1/import"),
        (.get, "/v1/streams/{stream}"), (.get, "/v1/events"), (.get, "/v1/head"), (.get, "/v1/events/feed"),
        (.get, "/v1/stats"), (.get, "/v1/ratings"), (.post, "/v1/ratings"), (.get, "/v1/compare"), (.get, "/v1/explain"),
        (.get, "/v1/audit/cases/{id}"), (.get, "/v1/audit/actors/{actor}"), (.get, "/v1/audit/exclusions"),
        (.post, "/v1/verify"), (.post, "/v1/clients/{id}/erase"),
    ]

    /// The template a concrete path falls under (`/v1/streams/case-1` →
    /// `/v1/streams/{stream}`), so that metrics have one series per route.
    static func template(of path: String) -> String {
        if fixedTemplates.contains(path) { return path }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        for (template, pattern) in parameterizedTemplates where pattern.count == parts.count {
            if zip(pattern, parts).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return template }
        }
        return "other"
    }

    /// The templates without a parameter, looked up whole (every request is labelled).
    private static let fixedTemplates = Set(templates.map(\.path).filter { !$0.contains("{") })
    /// The others with their parts, split once.
    private static let parameterizedTemplates: [(String, [Substring])] = templates.map(\.path).filter { $0.contains("{") }
        .reduce(into: []) { list, path in
            if !list.contains(where: { $0.0 == path }) { list.append((path, path.split(separator: "/", omittingEmptySubsequences: false))) }
        }

    func register(on router: Router<ServerContext>) {
        router.get("/health", use: health)
        router.get("/metrics", use: metricsText)
        router.get("/openapi.yaml", use: openAPI)
        let v1 = router.group("v1")
        v1.post("commands", use: command)
        v1.post("streams/:stream", use: appendToStream)
        v1.post("import", use: importLines)
        v1.get("streams/:stream", use: readStream)
        v1.get("events", use: events)
        v1.get("head", use: head)
        v1.get("events/feed", use: feed)
        v1.get("stats", use: statistics)
        v1.get("ratings", use: ratings)
        v1.post("ratings", use: ratingsUnderPostedRule)
        v1.get("compare", use: compare)
        v1.get("explain", use: explain)
        v1.get("audit/cases/:id", use: caseTimeline)
        v1.get("audit/actors/:actor", use: actorActions)
        v1.get("audit/exclusions", use: exclusions)
        v1.post("verify", use: verify)
        v1.post("clients/:id/erase", use: erase)
    }

    // MARK: Operations

    func health(_ request: Request, context: ServerContext) async throws -> Response {
        do {
            let head = try await marketplace.head()
            var writer = JSONWriter()
            writer.beginObject()
            writer.key("status"); writer.string("ok")
            writer.key("head"); writer.int(head.position)
            writer.endObject()
            return Self.json(writer.bytes)
        } catch {
            var problem = Problem(.serviceUnavailable, code: "storeUnreachable", title: "The log cannot be read", detail: "\(error)")
            problem.headers[.init("Retry-After")!] = "5"
            throw problem
        }
    }

    func metricsText(_ request: Request, context: ServerContext) async throws -> Response {
        if let head = try? await marketplace.head().position {
            metrics.head.set(Double(head))
            if let checkpoint = await marketplace.factsCheckpoint { metrics.projectionLag.set(Double(max(0, head - checkpoint))) }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text())))
    }

    func openAPI(_ request: Request, context: ServerContext) async throws -> Response {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let document = try? Data(contentsOf: url)
        else { throw Problem(.internalServerError, code: "contractMissing", title: "The OpenAPI document is not installed") }
        return Response(
            status: .ok, headers: [.contentType: "application/yaml"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
    }

    // MARK: Backend

    func command(_ request: Request, context: ServerContext) async throws -> Response {
        let principal = try context.require(Access.commands, "run commands")
        let started = ContinuousClock.now
        let document = try CommandDocument(json: try await body(request, json: true).readableBytesView)
        switch principal.role {
        case .support where document.actor != .support(principal.name):
            throw Problem.forbidden(principal, "act as \(document.actor): a support token acts only as support:\(principal.name)")
                .with("field", "actor")
        case .backend where document.actor.kind == .support:
            throw Problem.forbidden(principal, "act as \(document.actor): support's decisions are made by people, not relayed")
                .with("field", "actor")
        default: break
        }
        let outcome = try await marketplace.execute(document)
        metrics.appended(events: outcome.events.count, after: ContinuousClock.now - started)
        var writer = JSONWriter(capacity: 1024)
        writer.beginObject()
        writer.key("commandId"); writer.string(document.commandID.uuidString.lowercased())
        writer.key("outcome"); writer.string(outcome.alreadyAppended ? "alreadyAppended" : "appended")
        writer.key("position"); writer.int(outcome.events.last?.position ?? 0)
        writer.key("events"); writer.beginArray()
        for event in outcome.events { event.writeJSON(into: &writer) }
        writer.endArray()
        writer.endObject()
        return Self.json(writer.bytes, status: outcome.alreadyAppended ? .ok : .created)
    }

    func appendToStream(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.appends, "append raw events")
        let started = ContinuousClock.now
        let stream = try streamParameter(context)
        // The marketplace's own streams take events only through the rules
        // (commands, import): an event the domain cannot read, appended raw
        // to a case or therapist stream, would make every later command on
        // it fail.
        if let name = StreamName(parsing: stream.rawValue) {
            throw Problem(
                .unprocessableContent, code: "marketplaceStream", title: "This stream takes events only through the rules",
                detail: "'\(stream)' is a \(name.category.rawValue) stream of the marketplace: use POST /v1/commands or POST /v1/import; raw appends go to streams of other names"
            ).with("stream", stream.rawValue)
        }
        let body = try await body(request, json: true)
        let line: AppendRequestLine
        do {
            line = try AppendRequestLine(json: Array(body.readableBytesView), stream: stream) { UUID() }
        } catch let error as EventStoreError {
            throw Problem(store: error)
        } catch {
            throw Problem.badRequest("invalidAppend", "\(error)")
        }
        let result = try await marketplace.append([line.append])
        metrics.appended(events: result.positions.count, after: ContinuousClock.now - started)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("stream"); writer.string(stream.rawValue)
        writer.key("outcome"); writer.string(result.outcome.name)
        writer.key("positions"); writer.beginArray()
        for position in result.positions { writer.int(position) }
        writer.endArray()
        writer.endObject()
        return Self.json(writer.bytes, status: result.outcome == .appended ? .created : .ok)
    }

    func importLines(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.appends, "import")
        let body = try await body(request, json: false)
        // The importer reads a file: the body goes to a private temporary one.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caseload-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("body.jsonl")
        try Data(body.readableBytesView).write(to: file)
        let summary = try await marketplace.importLines(from: file.path)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("lines"); writer.int(summary.lines)
        writer.key("appended"); writer.int(summary.appended)
        writer.key("skipped"); writer.int(summary.skipped)
        writer.key("firstPosition"); if let first = summary.firstPosition { writer.int(first) } else { writer.null() }
        writer.key("lastPosition"); if let last = summary.lastPosition { writer.int(last) } else { writer.null() }
        writer.endObject()
        return Self.json(writer.bytes)
    }

    // MARK: Reads

    func readStream(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.logReads, "read the log")
        let stream = try streamParameter(context)
        let fromVersion = try integer(request, "fromVersion", minimum: 1) ?? 1
        let limit = try integer(request, "limit", minimum: 1, maximum: Int64(configuration.maxPage)) ?? Int64(configuration.maxPage)
        let all = try await marketplace.readStream(stream.rawValue)
        let page = all.filter { $0.streamVersion >= fromVersion }.prefix(Int(limit))
        var writer = JSONWriter(capacity: 4096)
        writer.beginObject()
        writer.key("stream"); writer.string(stream.rawValue)
        writer.key("version"); writer.int(all.last?.streamVersion ?? 0)
        writer.key("events"); writer.beginArray()
        for event in page { event.writeJSON(into: &writer) }
        writer.endArray()
        writer.endObject()
        return Self.json(writer.bytes)
    }

    func events(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.logReads, "read the log")
        let from = try integer(request, "from", minimum: 0) ?? 0
        let limit = try integer(request, "limit", minimum: 1, maximum: Int64(configuration.maxPage)) ?? 1000
        let types = request.uri.queryParameters.getAll("type")
        let page = try await marketplace.events(after: from, limit: Int(limit), types: types.isEmpty ? nil : Set(types))
        var writer = JSONWriter(capacity: 4096)
        writer.beginObject()
        writer.key("events"); writer.beginArray()
        for event in page { event.writeJSON(into: &writer) }
        writer.endArray()
        // Where the next page starts: after the last event returned (a
        // short page with a type filter may have skipped further).
        writer.key("next"); writer.int(page.last?.position ?? from)
        writer.endObject()
        return Self.json(writer.bytes)
    }

    func head(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.logReads, "read the log")
        var writer = JSONWriter()
        try await marketplace.head().writeJSON(into: &writer)
        return Self.json(writer.bytes)
    }

    func feed(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.logReads, "read the feed")
        var from = try integer(request, "from", minimum: 0) ?? 0
        let serverSent = request.headers[.accept]?.contains("text/event-stream") ?? false
        if serverSent, let last = request.headers[.init("Last-Event-ID")!], let position = Int64(last), position > from { from = position }
        let types = request.uri.queryParameters.getAll("type")
        let feed = Feed(
            marketplace: marketplace, after: from, types: types.isEmpty ? nil : Set(types),
            format: serverSent ? .serverSentEvents : .ndjson, heartbeat: configuration.heartbeat, metrics: metrics)
        return Response(
            status: .ok,
            headers: [
                .contentType: serverSent ? "text/event-stream" : "application/x-ndjson",
                .cacheControl: "no-store",
            ],
            body: ResponseBody { writer in try await feed.run(into: &writer) })
    }

    // MARK: Analysts

    func statistics(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.currentFigures, "read statistics")
        let statisticsRequest = try statisticsRequest(request)
        let result = try await marketplace.statistics(statisticsRequest)
        var writer = JSONWriter(capacity: 4096)
        writer.beginObject()
        writer.key("asOf"); writer.string(result.asOf.iso8601)
        writer.key("days"); if let days = statisticsRequest.days { writer.int(Int64(days)) } else { writer.null() }
        writer.key("therapists"); writer.raw(Array(StatisticsReport.json(result.therapists).utf8))
        writer.endObject()
        return Self.json(writer.bytes)
    }

    func ratings(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.currentFigures, "read ratings")
        guard let name = request.uri.queryParameters.get("rules") else { throw Problem.missingParameter("rules") }
        let rule = try builtinRule(name)
        let result = try await marketplace.ratings(under: rule, time: try reportTime(request), analysis: try analysis(request))
        return Self.json(Array(result.ratings.json().utf8))
    }

    func ratingsUnderPostedRule(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.analysis, "rate under a rule of one's own")
        let body = try await body(request, json: false)
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let format: RuleFormat? =
            contentType.contains("json") ? .json : contentType.contains("yaml") ? .yaml : contentType.contains("toml") ? .toml : nil
        let rule = try RatingRule.parse(text, format: format, file: "request body")
        let result = try await marketplace.ratings(under: rule, time: try reportTime(request), analysis: try analysis(request))
        return Self.json(Array(result.ratings.json().utf8))
    }

    func compare(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.analysis, "compare rules")
        let names = request.uri.queryParameters.getAll("rules")
        guard names.count >= 2 else {
            throw Problem.invalidParameter("rules", "needs two or more built-in rule names (rules=A&rules=B), \(names.count) given")
        }
        let rules = try names.map(builtinRule)
        let result = try await marketplace.compare(rules, time: try reportTime(request), analysis: try analysis(request))
        if request.headers[.accept]?.contains("text/html") ?? false {
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: result.html(database: marketplace.configuration.store.description))))
        }
        return Self.json(Array(result.comparison.json().utf8))
    }

    func explain(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.explain, "explain a figure")
        guard let therapist = request.uri.queryParameters.get("therapist") else { throw Problem.missingParameter("therapist") }
        guard let name = request.uri.queryParameters.get("metric") else { throw Problem.missingParameter("metric") }
        guard let metric = Metric(name: name) else {
            throw Problem.invalidParameter("metric", "'\(name)' is not a figure; choose one of \(StatisticsExplainer.metricNames.joined(separator: ", "))")
        }
        let explanation = try await marketplace.explain(
            ExplainRequest(
                therapist: therapist, metric: metric, statistics: try statisticsRequest(request),
                ongoingWithinDays: try ongoingDays(request)))
        return Self.json(Array(AuditReport.json(explanation).utf8))
    }

    // MARK: Support and audit

    func caseTimeline(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.audit, "read audits")
        let id = try context.parameters.require("id")
        return Self.json(Array(AuditReport.json(try await marketplace.caseTimeline(id)).utf8))
    }

    func actorActions(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.audit, "read audits")
        let actor = try context.parameters.require("actor")
        do { _ = try Initiator(parsing: actor) } catch { throw Problem.invalidParameter("actor", error.reason) }
        let since = try time(request, "since"), until = try time(request, "until")
        var entries: [AuditEntry] = []
        try await marketplace.actions(of: actor, since: since, until: until) { batch in
            entries += batch
            guard entries.count <= configuration.maxPage * 10 else {
                throw Problem(
                    .unprocessableContent, code: "tooManyEvents", title: "Too many events for one answer",
                    detail: "\(actor) did more than \(configuration.maxPage * 10) things in this span; narrow it with since and until")
            }
        }
        return Self.json(Array(AuditReport.json(actor: actor, since: since, until: until, entries).utf8))
    }

    func exclusions(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.audit, "read audits")
        let query = request.uri.queryParameters
        var filter = ExclusionFilter(
            therapistId: query.get("therapist"), actor: query.get("agent").map(ExclusionFilter.agentActor),
            since: try time(request, "since"), until: try time(request, "until"))
        if let reason = query.get("reason") {
            guard let parsed = ExclusionReason(rawValue: reason) else {
                throw Problem.invalidParameter(
                    "reason", "'\(reason)' is not a category; choose one of \(ExclusionReason.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.reason = parsed
        }
        return Self.json(Array(AuditReport.json(try await marketplace.exclusions(filter)).utf8))
    }

    // MARK: Admin

    func verify(_ request: Request, context: ServerContext) async throws -> Response {
        _ = try context.require(Access.admin, "verify the log")
        let chainOnly = request.uri.queryParameters.get("chainOnly") == "true"
        let result = try await marketplace.verify(rules: !chainOnly)
        var writer = JSONWriter()
        result.writeJSON(into: &writer)
        return Self.json(writer.bytes)
    }

    func erase(_ request: Request, context: ServerContext) async throws -> Response {
        let principal = try context.require(Access.admin, "erase a client's personal data")
        let client = try context.parameters.require("id")
        let erasure = try await marketplace.eraseClient(client, by: .support(principal.name), at: Timestamp(Date()))
        var writer = JSONWriter()
        erasure.writeJSON(into: &writer)
        // Erased but not yet compacted: the same request again finishes it.
        var response = Self.json(writer.bytes, status: erasure.compactionPending ? .accepted : .ok)
        if erasure.compactionPending { response.headers[.init("Retry-After")!] = "10" }
        return response
    }

    // MARK: Helpers

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The body, up to the server's limit (413 past it); `json` requires a JSON content type.
    func body(_ request: Request, json: Bool) async throws -> ByteBuffer {
        if json, let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw Problem(
                .unsupportedMediaType, code: "unsupportedMediaType", title: "Send application/json",
                detail: "this route reads JSON; the request's Content-Type is \(type)")
        }
        return try await request.body.collect(upTo: configuration.maxBodyBytes)
    }

    func streamParameter(_ context: ServerContext) throws -> StreamID {
        let text = try context.parameters.require("stream")
        do { return try StreamID(text) } catch let error as EventStoreError { throw Problem(store: error).with("field", "stream") }
    }

    func integer(_ request: Request, _ name: String, minimum: Int64, maximum: Int64 = .max) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int64(text), value >= minimum, value <= maximum else {
            throw Problem.invalidParameter(
                name, "must be a whole number from \(minimum)\(maximum == .max ? " up" : " to \(maximum)"), not '\(text)'")
        }
        return value
    }

    func time(_ request: Request, _ name: String) throws -> Timestamp? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        do { return try Timestamp(userInput: text) } catch {
            throw Problem.invalidParameter(name, "is not a date (2025-06-30) or an ISO 8601 time: '\(text)'")
        }
    }

    func reportTime(_ request: Request) throws -> ReportTime {
        ReportTime(asOf: try time(request, "asOf"), knownAt: try time(request, "knownAt"))
    }

    /// `ongoingDays`: the window of ongoing therapy (the harm's), as `--ongoing-days`.
    func ongoingDays(_ request: Request) throws -> Int {
        Int(try integer(request, "ongoingDays", minimum: 1, maximum: Int64(StatisticsRequest.validDays.upperBound))
            ?? Int64(OngoingTherapy.defaultWithinDays))
    }

    /// What a rating means for people: `ongoingDays`, and the bootstrap's
    /// `draws` (0 skips it; at most 2,000 on a server) and `seed`.
    func analysis(_ request: Request) throws -> RatingAnalysis {
        RatingAnalysis(
            ongoingWithinDays: try ongoingDays(request),
            draws: Int(try integer(request, "draws", minimum: 0, maximum: 2_000) ?? Int64(BasementBootstrap.defaultDraws)),
            seed: UInt64(try integer(request, "seed", minimum: 0) ?? Int64(BasementBootstrap.defaultSeed)))
    }

    func statisticsRequest(_ request: Request) throws -> StatisticsRequest {
        let days = try integer(request, "days", minimum: 1, maximum: Int64(StatisticsRequest.validDays.upperBound))
        let query = request.uri.queryParameters
        return StatisticsRequest(
            time: try reportTime(request), therapist: query.get("therapist"), days: days.map { Int($0) },
            honourExclusions: query.get("exclusions") != "ignore", honourRefusals: query.get("refusals") != "ignore",
            includePlatform: false)
    }

    /// Only built-in rules are named in a query (a rule of one's own is
    /// POSTed): the server never opens a file a request names.
    func builtinRule(_ name: String) throws -> RatingRule {
        guard let rule = RatingRule.builtin(named: name) else {
            throw Problem(
                .notFound, code: "ruleNotFound", title: "No such built-in rule",
                detail: "no built-in rule '\(name)'; choose one of \(RatingRule.builtinNames.joined(separator: ", ")), or POST a rule document to /v1/ratings"
            ).with("field", "rules")
        }
        return rule
    }
}
