import ArgumentParser
import CaseloadApplication
import CaseloadServer
import Foundation
import Logging

/// `caseload serve`: the HTTP service over one log.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the log over HTTP: commands, appends, reads, a live feed, statistics, ratings, audits.",
        discussion: """
            Every request but /health, /metrics and /openapi.yaml carries a bearer token from the --tokens \
            file (make one with `caseload token add`); its role decides what it may do. The contract is \
            EventSchemas/openapi.yaml, also served at /openapi.yaml. Errors are application/problem+json \
            with a stable `code`.

            SIGTERM or SIGINT stops it gracefully: no new connections, requests in flight finish, live \
            feeds end, then the log is closed. Logs go to standard error (CASELOAD_LOG_LEVEL, default info).

            Example:
              caseload token add --tokens tokens.txt --role backend --name web
              caseload serve --db demo.sqlite --tokens tokens.txt \\
                  --listen 127.0.0.1:8080
            """)

    @OptionGroup var store: AppendOptions
    @Option(help: ArgumentHelp("The bearer tokens' file (hashes only).", valueName: "path")) var tokens: String
    @Option(help: ArgumentHelp("Where to listen (loopback unless told otherwise).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"
    @Option(name: .customLong("max-body-bytes"), help: ArgumentHelp("Request bodies over this are refused (413).", valueName: "n"))
    var maxBodyBytes = 10 << 20
    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("Close a connection idle this long.", valueName: "seconds"))
    var idleTimeout = 60
    @Option(help: ArgumentHelp("A live feed with nothing new writes a heartbeat this often.", valueName: "seconds"))
    var heartbeat = 15

    func validate() throws {
        _ = try address()
        if maxBodyBytes < 1 { throw ValidationError("--max-body-bytes must be 1 or more") }
        // A day at most: a longer one is no wait a client could mean, and
        // past about 292 years it overflowed the server's nanosecond timer.
        if !(1...86_400).contains(idleTimeout) { throw ValidationError("--idle-timeout is 1 to 86400 seconds, not \(idleTimeout)") }
        if !(1...86_400).contains(heartbeat) { throw ValidationError("--heartbeat is 1 to 86400 seconds, not \(heartbeat)") }
    }

    func address() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port), colon != listen.startIndex
        else { throw ValidationError("--listen: expected host:port, such as 127.0.0.1:8080, not '\(listen)'") }
        return (String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    func run() async throws {
        let tokenFile: TokenFile
        do { tokenFile = try TokenFile(contentsOf: tokens) } catch {
            throw ValidationError("--tokens: \(error)")
        }
        if tokenFile.entries.isEmpty {
            Console.note("\(tokens) holds no token: every request but /health, /metrics and /openapi.yaml will be refused (401)")
        }
        var logger = Logger(label: "caseload.server")
        logger.logLevel =
            ProcessInfo.processInfo.environment["CASELOAD_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        var application = store.configuration(create: true)
        application.keepsFactsWarm = true
        application.logger = logger
        var server = ServerConfiguration(tokens: tokenFile)
        application.onGroupCommit = { [metrics = server.metrics] in metrics.groupCommitted($0) }
        (server.host, server.port) = try address()
        server.maxBodyBytes = maxBodyBytes
        server.idleTimeout = .seconds(idleTimeout)
        server.heartbeat = .seconds(heartbeat)
        server.logger = logger
        let db = store.db
        let (host, announcer) = (server.host, logger)
        server.onListening = { port in
            announcer.info("listening", metadata: ["address": "\(host):\(port)", "db": "\(db)"])
        }
        let listen = listen
        try await withApplication(application) { marketplace in
            try await marketplace.warmUp()
            do {
                try await buildApplication(marketplace, configuration: server).runService()
            } catch where "\(error)".contains("Address already in use") {
                throw ValidationError("--listen: \(listen) is already in use (another server is listening there)")
            }
            logger.info("stopped: requests in flight finished; closing the log")
        }
    }
}

/// `caseload token`: the service's bearer tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Make and list the service's bearer tokens.",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a token to a tokens file and print it, once (the file keeps only its SHA-256).",
            discussion: """
                Roles: backend (commands as clients, therapists and system jobs; appends, import, log reads, \
                the feed, current statistics and ratings), analyst (statistics, ratings, compare, explain, \
                log reads), support (audits, explain, commands as support:NAME only), admin (verify, erase).

                Example:
                  caseload token add --tokens tokens.txt --role support --name agent-7
                """)

        @Option(help: ArgumentHelp("The tokens file (created if missing).", valueName: "path")) var tokens: String
        @Option(help: ArgumentHelp("backend, analyst, support or admin.", valueName: "role")) var role: String
        @Option(help: ArgumentHelp("Who holds it (a support token acts as support:NAME).", valueName: "name")) var name: String

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role: no role '\(role)'; choose one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            var file = TokenFile()
            if FileManager.default.fileExists(atPath: tokens) {
                do { file = try TokenFile(contentsOf: tokens) } catch { throw ValidationError("--tokens: \(error)") }
            }
            let token: String
            do { token = try file.add(name: name, role: Role(rawValue: role)!) } catch { throw ValidationError("--name: \(error)") }
            let temporary = tokens + ".tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(file.text.utf8), attributes: [.posixPermissions: 0o600])
            else { throw ValidationError("--tokens: cannot write \(temporary)") }
            if rename(temporary, tokens) != 0 {
                unlink(temporary)
                throw ValidationError("--tokens: cannot replace \(tokens): \(String(cString: strerror(errno)))")
            }
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a tokens file's names and roles.")

        @Option(help: ArgumentHelp("The tokens file.", valueName: "path")) var tokens: String

        func run() async throws {
            let file: TokenFile
            do { file = try TokenFile(contentsOf: tokens) } catch { throw ValidationError("--tokens: \(error)") }
            for entry in file.entries { print("\(entry.role)\t\(entry.name)") }
        }
    }
}
