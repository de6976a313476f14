import ArgumentParser

@main
struct Handoff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handoff",
        abstract: "Handoff SLAs for lead funnels: routing, alerts and response timers.",
        subcommands: [Serve.self, Worker.self, Migrate.self, Usage.self]
    )
}
