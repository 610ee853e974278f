import BackstopModel
import Foundation
import Synchronization
public import Logging

/// Generates a synthetic cvety world into a folder:
///
/// ```
/// world.json                      scale, seed, generator version, counts, planted kinds, file sizes, systematic losses
/// manifest.jsonl                  the ground truth: one planted discrepancy per line (``ManifestEntry``)
/// negatives.jsonl                 hard negatives: look-alike pairs a correct reconciler must NOT report (same shape)
/// bitrix/dump.sql                 mariadb-dump default flavour (real mariadb-dump at tiny/s; the direct writer at m/l)
/// bitrix/dump-complete-insert.sql mariadb-dump --skip-extended-insert --complete-insert   (s; tiny: .sql.gz only)
/// bitrix/dump-hex-blob.sql        mariadb-dump --hex-blob                                 (s; tiny: .sql.gz only)
/// bitrix/dump.sql.gz              gzip of dump.sql                                        (tiny/s)
/// bitrix/dump-direct.sql          the direct writer's output (s, for the equivalence test; m/l: dump.sql)
/// catalog/<table>.copy            PostgreSQL COPY text, loaded by `worldgen load-catalog`
/// catalog/sequences.tsv           sequence values to set after loading (product_id_seq planted)
/// images/specs.jsonl              every ImageSpec (`worldgen render-images` renders them from this file alone)
/// images/upload/iblock/<sub>/<f>  the rendered JPEG/PNG files mirroring the Bitrix URLs (unless --no-images)
/// ```
///
/// Every value derives from the seed (``WorldRandom``); the world is identical across runs and machines,
/// except the generation time in `world.json`.
public struct WorldGenerator {
    /// The generator version, stored in `world.json`; bump it when the output changes.
    public static let version = "1.5.0"

    /// What to generate.
    public var options: WorldOptions
    /// Progress and timings.
    public var logger: Logger

    /// Creates a generator.
    public init(options: WorldOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Generates the world.
    ///
    /// - Throws: ``WorldGenError`` when a file cannot be written or MariaDB / mariadb-dump fails.
    /// - Returns: the summary also written to `world.json`.
    @discardableResult
    public func generate() async throws -> WorldSummary {
        let started = Date()
        let fm = FileManager.default
        let out = options.output
        let bitrixDir = out.appendingPathComponent("bitrix")
        let catalogDir = out.appendingPathComponent("catalog")
        let imagesDir = out.appendingPathComponent("images")
        let work = out.appendingPathComponent(".work")
        // Generated content only: other files in images/ (data/tiny's .gitignore) stay.
        for item in [
            bitrixDir, catalogDir, imagesDir.appendingPathComponent("upload"),
            imagesDir.appendingPathComponent("specs.jsonl"),
        ] {
            try? fm.removeItem(at: item)
        }
        try? fm.removeItem(at: work)
        for dir in [out, bitrixDir, catalogDir, imagesDir, work] {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let scale = options.scale
        let useMariaDB = scale.usesMariaDB && options.mariadbSocket != nil
        logger.notice(
            "generating world", metadata: ["world.scale": "\(scale.rawValue)", "world.seed": "\(options.seed)"])

        let build = try WorldBuild(
            scale: scale, seed: options.seed, work: work, tsv: useMariaDB, catalogDirectory: catalogDir)
        try build.writeStatic()
        try build.writeUsers()
        try build.writeProducts()
        try build.writeOrders()
        logger.info("rows generated", metadata: ["world.seconds": "\(Date().timeIntervalSince(started))"])

        var counts: [String: Int] = [:]
        var bodies: [(table: BitrixTable, body: URL, rows: Int, maxID: Int)] = []
        for table in BitrixTable.allCases {
            let writer = build.b(table)
            try writer.finish()
            counts[table.name] = writer.rowCount
            bodies.append((table, work.appendingPathComponent("\(table.name).body"), writer.rowCount, writer.maxID))
        }
        for table in CatalogTable.allCases {
            let writer = build.c(table)
            _ = try writer.close()
            counts["catalog.\(table.rawValue)"] = writer.rowCount
        }
        try "product_id_seq\t\(build.plantedProductSequence)\n"
            .write(to: catalogDir.appendingPathComponent("sequences.tsv"), atomically: true, encoding: .utf8)
        build.plant(
            .init(
                kind: .sequenceCollisionRisk, key: "product_id_seq", field: "last_value",
                bitrix: String(build.lastElementID), catalog: String(build.plantedProductSequence),
                cause: "setval_max_id"))

        // Images first (in the background): the specs are final once the rows are generated.
        let specs = build.specs
        let specsData =
            try specs.map { spec -> String in
                String(decoding: try JSONEncoder.sorted.encode(spec), as: UTF8.self)
            }.joined(separator: "\n") + "\n"
        try specsData.write(to: imagesDir.appendingPathComponent("specs.jsonl"), atomically: true, encoding: .utf8)
        let imageCounts = Mutex(WorldSummary.ImageCounts(specs: specs.count, written: 0, skipped: nil))
        let rendering = DispatchGroup()
        defer { rendering.wait() }  // never return (or throw) while files are still being written
        if options.writeImages {
            let logger = self.logger
            DispatchQueue.global().async(group: rendering) {
                let imagesStarted = Date()
                do {
                    let written = try WorldImages.write(specs, to: imagesDir)
                    let seconds = Date().timeIntervalSince(imagesStarted)
                    imageCounts.withLock {
                        $0.written = written
                        $0.seconds = seconds
                    }
                    logger.info(
                        "images rendered",
                        metadata: [
                            "world.images": "\(written)", "world.seconds": "\(seconds)",
                        ])
                } catch {
                    imageCounts.withLock { $0.skipped = "\(error)" }
                    logger.warning("images skipped", metadata: ["world.error": "\(error)"])
                }
            }
        } else {
            imageCounts.withLock {
                $0.skipped = "disabled (--no-images); `worldgen render-images --world DIR` renders them"
            }
        }

        // Dumps.
        let assembler = DumpAssembler(database: "dbcvety", completedAt: WorldClock.snapshot)
        if useMariaDB, let socket = options.mariadbSocket {
            let db = MariaDB(socket: socket)
            let name = try await db.createScratchDatabase(prefix: "worldgen")
            do {
                try await db.loadBitrix(database: name, tsvDirectory: work, logger: logger)
                let flavours: [(String, [String])] = [
                    ("dump.sql", []),
                    ("dump-complete-insert.sql", ["--skip-extended-insert", "--complete-insert"]),
                    ("dump-hex-blob.sql", ["--hex-blob"]),
                ]
                for (file, args) in flavours {
                    try await db.dump(
                        database: name, arguments: args, to: bitrixDir.appendingPathComponent(file),
                        completedAt: WorldClock.snapshot)
                }
            } catch {
                await db.drop(database: name)
                throw error
            }
            await db.drop(database: name)
            try await MariaDB.run("gzip", ["-k", "-n", "-f", bitrixDir.appendingPathComponent("dump.sql").path])
            if scale == .tiny {
                // The bundled world stays small: the secondary flavours are kept gzipped only.
                for file in ["dump-complete-insert.sql", "dump-hex-blob.sql"] {
                    try await MariaDB.run("gzip", ["-n", "-f", bitrixDir.appendingPathComponent(file).path])
                }
            }
            logger.info(
                "mariadb-dump flavours written", metadata: ["world.seconds": "\(Date().timeIntervalSince(started))"])
            if options.directDump && scale != .tiny {
                var a = assembler
                a.database = name
                _ = try a.write(
                    to: bitrixDir.appendingPathComponent("dump-direct.sql"), bodies: bodies,
                    consumeBodies: true)
            }
        } else {
            if scale.usesMariaDB {
                logger.warning("no MariaDB socket: writing only the direct dump")
            }
            _ = try assembler.write(
                to: bitrixDir.appendingPathComponent("dump.sql"), bodies: bodies,
                consumeBodies: true)
        }
        try? fm.removeItem(at: work)

        // Images: rendered on a background thread while the dumps are written (MariaDB and mariadb-dump
        // are other processes, so the two overlap well); joined here.
        rendering.wait()
        let images = imageCounts.withLock { $0 }

        // Manifest.
        let manifest = build.manifest
        var lines = [UInt8]()
        let encoder = JSONEncoder.sorted
        for entry in manifest {
            lines.append(contentsOf: try encoder.encode(entry))
            lines.append(10)
        }
        try Data(lines).write(to: out.appendingPathComponent("manifest.jsonl"))
        var planted: [String: Int] = [:]
        for entry in manifest { planted[entry.kind.rawValue, default: 0] += 1 }
        // Hard negatives, in the manifest's shape: pairs that look alike but must not be reported.
        var negativeLines = [UInt8]()
        var negatives: [String: Int] = [:]
        for entry in build.hardNegatives {
            negativeLines.append(contentsOf: try encoder.encode(entry))
            negativeLines.append(10)
            negatives[entry.kind.rawValue, default: 0] += 1
        }
        try Data(negativeLines).write(to: out.appendingPathComponent("negatives.jsonl"))

        var summary = WorldSummary(
            generatorVersion: Self.version, scale: scale, seed: options.seed,
            snapshot: String(
                decoding: {
                    var b = [UInt8](); b.append(dateTime: WorldClock.snapshot); return b
                }(), as: UTF8.self),
            counts: counts, planted: planted, negatives: negatives, files: [:], images: images,
            systematic: SystematicLoss.all, seconds: Date().timeIntervalSince(started))
        summary.files = Self.fileSizes(in: out)
        let json = try JSONEncoder.pretty.encode(summary)
        try json.write(to: out.appendingPathComponent("world.json"))
        logger.notice(
            "world generated",
            metadata: [
                "world.seconds": "\(summary.seconds)", "world.manifest": "\(manifest.count)",
            ])
        return summary
    }

    static func fileSizes(in root: URL) -> [String: Int] {
        var sizes: [String: Int] = [:]
        let base = root.standardizedFileURL.path
        guard
            let e = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        else {
            return sizes
        }
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base), !path.contains("/images/upload/"), !url.lastPathComponent.hasPrefix("."),
                url.lastPathComponent != "world.json"
            else { continue }
            sizes[String(path.dropFirst(base.count + 1))] =
                (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        }
        return sizes
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var pretty: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
