import ArgumentParser

/// `worldgen`: builds the synthetic cvety world (placeholder until issue 3 lands).
@main
struct WorldGenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worldgen",
        abstract: "Generate the synthetic cvety world: Bitrix dumps, a drifted catalog, images and ground truth.")

    func run() throws {
        throw ValidationError("not implemented yet")
    }
}
