import ArgumentParser

@main
struct Backstop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backstop",
        abstract: "Batch reconciliation and indexing for the cvety.kz catalog.",
        subcommands: [Extract.self])
}
