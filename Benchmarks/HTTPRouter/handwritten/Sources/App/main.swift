import Hummingbird

let port = Int(CommandLine.arguments.dropFirst().first ?? "8081") ?? 8081
let handlers = Handlers(stats: sampleStats())
let router = Router(context: BasicRequestContext.self)
router.post("/v1/commands", use: handlers.postCommand)
router.get("/v1/head", use: handlers.getHead)
router.get("/v1/stats", use: handlers.getStats)

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
