import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Generate a sample history, replay it, and show what it says.")

    func run() async throws {
        print("demo: not yet")
    }
}
