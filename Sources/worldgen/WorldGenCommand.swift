public import ArgumentParser
import BackstopModel
import BackstopPostgres
public import BackstopWorldGen
import Foundation
public import Logging

/// `worldgen`: builds the synthetic cvety world (Bitrix dumps, a drifted catalog, image specs and the ground
/// truth) and loads its catalog into PostgreSQL.
@main
struct WorldGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worldgen",
        abstract: "Generate the synthetic cvety world: Bitrix dumps, a drifted catalog, images and ground truth.",
        discussion: """
            A world is a folder. `generate` writes it deterministically from a seed:

              world.json          scale, seed, generator version, row counts, planted kinds, file sizes and the
                                  systematic losses of the webhook path (type, vitrina sizes, description, created_at)
              manifest.jsonl      one planted discrepancy per line: {"kind","entity","key","field","bitrix","catalog",…}
              bitrix/dump.sql     Bitrix tables as mariadb-dump prints them (tiny and s: real MariaDB + mariadb-dump,
                                  plus dump-complete-insert.sql, dump-hex-blob.sql, dump.sql.gz and dump-direct.sql;
                                  m and l: the direct writer)
              catalog/*.copy      the upstream catalog as the webhook path left it (PostgreSQL COPY text)
              images/specs.jsonl  the image files to render; images/upload/iblock/<sub>/<file> the rendered JPEG and
                                  PNG files (mirroring the Bitrix URLs), unless --no-images; `render-images`
                                  renders them later from the specs alone (the bundled data/tiny keeps only specs)

            Examples:
              worldgen generate --scale s --seed 1 --out .backstop/worlds/s-1
              worldgen render-images --world data/tiny
              worldgen load-catalog --world .backstop/worlds/s-1 --conninfo "host=/tmp port=5432 dbname=cvety"
            """,
        subcommands: [Generate.self, RenderImages.self, LoadCatalog.self])

    static func makeLogger(_ level: Logger.Level) -> Logger {
        var logger = Logger(label: "backstop.worldgen") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}

extension WorldScale: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

extension WorldGenCommand {
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a world folder.",
            discussion: """
                Scales: tiny (120 products, 300 orders; the demo), s (10k / 50k; tests), m (100k / 1M), l (1M / 5M).
                tiny and s load the Bitrix tables into MariaDB (a scratch database, dropped afterwards) and dump them
                with the real mariadb-dump; without a socket, or at m and l, the direct writer produces dump.sql.
                Sellers: tiny and s have 17008 and five named sellers, three of them migrated to the catalog;
                m, l and l2 a fleet of 200 sellers with the real skew, 50 of them migrated besides 17008
                (a catalog shop each, with its products, Railway orders and planted drift).
                """)

        @Option(help: "World size: \(WorldScale.allCases.map(\.rawValue).joined(separator: ", ")).")
        var scale: WorldScale = .tiny

        @Option(help: "Seed; the same seed and version give the same world.")
        var seed: UInt64 = 1

        @Option(help: "Output folder (created; generated files inside are replaced).")
        var out: String

        @Option(
            help:
                "MariaDB socket for real mariadb-dump output (default: $BACKSTOP_MARIADB_SOCKET or $BACKSTOP_TEST_MARIADB_SOCKET)."
        )
        var mariadbSocket: String?

        @Flag(inversion: .prefixedNo, help: "Render image files (skipped with a warning if the renderer fails).")
        var images = true

        @Flag(inversion: .prefixedNo, help: "Also write bitrix/dump-direct.sql at tiny/s (the direct writer's output).")
        var directDump = true

        @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
        var logLevel: Logger.Level = .notice

        func run() async throws {
            let env = ProcessInfo.processInfo.environment
            let socket =
                mariadbSocket ?? env["BACKSTOP_MARIADB_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
                ?? env["BACKSTOP_TEST_MARIADB_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
            let options = WorldOptions(
                scale: scale, seed: seed, output: URL(fileURLWithPath: out), mariadbSocket: socket,
                writeImages: images, directDump: directDump)
            let summary = try await WorldGenerator(options: options, logger: WorldGenCommand.makeLogger(logLevel))
                .generate()
            let planted = summary.planted.values.reduce(0, +)
            print(
                "world \(summary.scale.rawValue)/\(summary.seed) in \(out): \(planted) planted discrepancies, "
                    + "\(summary.files.values.reduce(0, +)) bytes, \(String(format: "%.1f", summary.seconds)) s")
        }
    }

    struct RenderImages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render-images",
            abstract: "Render a world's image files from its images/specs.jsonl.",
            discussion: """
                Deterministic: the same specs always give byte-identical files. Writes <out>/upload/iblock/<sub>/<file>
                (default out: <world>/images, git-ignored in data/tiny). Near-duplicates share one rendering; corrupt
                files are written as planted; missing files have no spec and are never written.
                """)

        @Option(help: "The world folder (holding images/specs.jsonl).")
        var world: String

        @Option(help: "Where to write the files (default: <world>/images).")
        var out: String?

        @Option(help: "Render only the first N specs (for timing the renderer).")
        var first: Int?

        func run() throws {
            let worldURL = URL(fileURLWithPath: world)
            var specs = try WorldImages.readSpecs(from: worldURL.appendingPathComponent("images/specs.jsonl"))
            if let first { specs = Array(specs.prefix(max(0, first))) }
            let output = out.map { URL(fileURLWithPath: $0) } ?? worldURL.appendingPathComponent("images")
            let clock = ContinuousClock()
            let start = clock.now
            let written = try WorldImages.write(specs, to: output)
            let seconds = (clock.now - start) / .seconds(1)
            print(
                "\(written) images in \(output.path) in \(String(format: "%.1f", seconds)) s "
                    + "(\(Int(Double(written) / max(seconds, 1e-9))) images/s)")
        }
    }

    struct LoadCatalog: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load-catalog",
            abstract: "Create the upstream catalog schema in an empty PostgreSQL database and load a world's catalog.")

        @Option(help: "The world folder.")
        var world: String

        @Option(help: "libpq conninfo of an empty database.")
        var conninfo: String

        @Option(help: "The sql/catalog folder (default: found from the project root).")
        var schema: String?

        @Option(help: "Log level.")
        var logLevel: Logger.Level = .notice

        func run() throws {
            let logger = WorldGenCommand.makeLogger(logLevel)
            let schemaURL: URL
            if let schema {
                schemaURL = URL(fileURLWithPath: schema)
            } else if let paths = ProjectPaths.locate() {
                schemaURL = paths.catalogSchema
            } else {
                throw ValidationError("cannot find sql/catalog; pass --schema")
            }
            let connection = try PGConnection(conninfo: conninfo, applicationName: "worldgen", logger: logger)
            defer { connection.close() }
            let counts = try CatalogLoader.load(
                world: URL(fileURLWithPath: world), schema: schemaURL, on: connection,
                logger: logger)
            for (table, rows) in counts.sorted(by: { $0.key < $1.key }) { print("\(table)\t\(rows)") }
        }
    }
}
