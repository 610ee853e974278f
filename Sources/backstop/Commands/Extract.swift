import ArgumentParser

extension Backstop {
    struct Extract: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print rows of a dump table (NDJSON or CSV) for debugging data.")

        func run() async throws {
            throw CLIError("extract is not wired in yet")
        }
    }
}
