import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

// usage: App [port] [--problems] [--pretty]
//   --problems installs ProblemMiddleware (RFC 9457 problem+json for runtime errors)
//   --pretty keeps the runtime's default JSON output ([.sortedKeys, .prettyPrinted]);
//   without it the encoder is compact, like Hummingbird's default, so the two variants send comparable bytes.
let args = CommandLine.arguments.dropFirst()
let port = args.first.flatMap { Int($0) } ?? 8082
let router = Router()
let api = Handlers(stats: sampleStats())
let configuration = args.contains("--pretty") ? Configuration() : Configuration(jsonEncodingOptions: [])
try api.registerHandlers(
    on: router,
    configuration: configuration,
    middlewares: args.contains("--problems") ? [ProblemMiddleware()] : [])

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
