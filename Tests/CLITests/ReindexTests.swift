import BackstopIndex
import BackstopPostgres
import BackstopTestSupport
import Foundation
import Logging
import Testing

/// `backstop reindex` on the generated `s` world (images through the mirror): every planted `embedding.*`
/// and `image.*` item found and nothing else, none of the world's hard negatives (`negatives.jsonl`, most of
/// them near-duplicate candidates the verifier must reject) reported; an incremental run after 10 image changes re-embeds exactly
/// those 10; production vectors untouched without a provider and repaired with one (a loopback stand-in
/// for the embedding service).
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct ReindexTests {
    func ids(_ connection: PGConnection, _ sql: String) throws -> [Int64] {
        let result = try connection.execute(PGQuery(unsafeSQL: sql))
        return try (0..<result.rowCount).map { Int64(try result.int(row: $0, column: 0)) }
    }

    func text(_ connection: PGConnection, _ sql: String) throws -> String {
        try connection.execute(PGQuery(unsafeSQL: sql)).string(row: 0, column: 0) ?? ""
    }

    /// How many of a world's hard negatives (`negatives.jsonl`) the last similarity pass made candidates
    /// (cosine at or above the threshold, `backstop.image_duplicate`): those the verifier had to reject.
    static func negativeCandidates(_ world: URL, _ connection: PGConnection) throws -> Int {
        var pairs: Set<String> = []
        let result = try connection.execute(
            "SELECT first_product_id || '|' || second_product_id FROM backstop.image_duplicate")
        for row in 0..<result.rowCount { if let key = result.string(row: row, column: 0) { pairs.insert(key) } }
        let lines = try String(contentsOf: world.appendingPathComponent("negatives.jsonl"), encoding: .utf8)
        return lines.split(separator: "\n").filter { line in
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            return pairs.contains(object?["key"] as? String ?? "")
        }.count
    }

    /// The bundled tiny world (another seed and scale than the s world): its images rendered into a scratch
    /// folder, `reindex --full` finds every planted `embedding.*` and `image.*` item and nothing else.
    @Test func reindexIsExactOnTheTinyWorldToo() async throws {
        let world = RepoPaths.data.appendingPathComponent("tiny")
        let images = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-images-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: images) }
        let render = try await worldgen(["render-images", "--world", world.path, "--out", images.path])
        #expect(render.status == 0, "\(render.err)")
        try await TestDatabase.withScratchDatabase(prefix: "reindex_tiny") { conninfo in
            #expect(try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo]).status == 0)
            #expect(try await backstop(["db", "migrate", "--catalog", conninfo]).status == 0)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("reindex-\(UUID().uuidString)")
            let run = try await backstop([
                "reindex", "--full", "--catalog", conninfo, "--shop", "17008", "--mirror",
                "https://cvety.kz/=\(images.path)/", "--out", out.path,
            ])
            #expect(run.status == 2, "\(run.err)")
            let check = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: out.appendingPathComponent("discrepancies.ndjson"),
                excluding: ["product.", "order.", "sequence."],
                negatives: world.appendingPathComponent("negatives.jsonl"))
            #expect(check.planted == 9, "1 missing, 3 orphan, 2 stale, 1 duplicate, 2 unreachable")
            #expect(check.isExact, "\(check.summary)")
            #expect(check.negatives == 8 && check.reportedNegatives.isEmpty, "\(check.reportedNegatives)")
            let connection = try PGConnection(conninfo: conninfo, logger: Logger(label: "test"))
            defer { connection.close() }
            let hard = try Self.negativeCandidates(world, connection)
            #expect(hard >= 5, "only \(hard) of 8 hard negatives reached the verifier as candidates")
        }
    }

    @Test(.enabled(if: TestWorlds.sIsUsable, "needs the s world (make test generates it: scripts/test.d/10-world.sh)"))
    func reindexIsExactIncrementalIsMinimalAndProviderRepairs() async throws {
        let world = TestWorlds.s
        try #require(TestWorlds.sImagesArePresent, "make test generates the s world first (scripts/test.d/10-world.sh)")
        let images = world.appendingPathComponent("images").path + "/"
        try await TestDatabase.withScratchDatabase(prefix: "reindex") { conninfo in
            #expect(try await worldgen(["load-catalog", "--world", world.path, "--conninfo", conninfo]).status == 0)
            #expect(try await backstop(["db", "migrate", "--catalog", conninfo]).status == 0)
            let connection = try PGConnection(conninfo: conninfo, logger: Logger(label: "test"))
            defer { connection.close() }
            let enabledVectors = """
                SELECT md5(string_agg(e.id || ':' || e.embedding::text || e.model_version || coalesce(e.source_url, ''), ',' ORDER BY e.id)) \
                FROM product_embeddings e JOIN product p ON p.id = e.product_id WHERE p.enabled
                """
            let before = try text(connection, enabledVectors)

            // 1. Full reindex, stopped by --max-seconds after its first batch of 512 images and resumed: the
            // resumed run decodes only the rest and is exact both ways on the index stage's kinds.
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("reindex-\(UUID().uuidString)")
            let stopped = try await backstop([
                "reindex", "--full", "--catalog", conninfo, "--shop", "17008", "--mirror",
                "https://cvety.kz/=\(images)", "--max-seconds", "0", "--out", out.path + "-0",
            ])
            #expect(stopped.status == 124, "\(stopped.err)")
            #expect(try text(connection, "SELECT status FROM backstop.run ORDER BY id DESC LIMIT 1") == "timed_out")
            let stoppedReport = try String(contentsOfFile: out.path + "-0/report.json", encoding: .utf8)
            // JSONEncoder's pretty printing writes `"key" : value`; match either spacing.
            #expect(
                stoppedReport.replacingOccurrences(of: "\" : ", with: "\": ").contains("\"status\": \"stopped\""),
                "the stage says it stopped")
            let schemaCheck = try await Executable.runProgram(
                "/usr/bin/python3",
                [
                    "-c",
                    "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
                    RepoPaths.root.appendingPathComponent("schema/report.schema.json").path,
                    out.path + "-0/report.json",
                ])
            #expect(schemaCheck.status == 0, "the stopped run's report is valid: \(schemaCheck.err)")
            let savedDescriptors = try ids(connection, "SELECT count(*) FROM backstop.image_descriptor")[0]
            #expect(savedDescriptors > 400 && savedDescriptors <= 512, "one batch, less its unreadable images")
            #expect(try ids(connection, "SELECT count(*) FROM backstop.reindex_progress") == [1])
            let full = try await backstop([
                "reindex", "--full", "--catalog", conninfo, "--shop", "17008", "--mirror",
                "https://cvety.kz/=\(images)",
                "--out", out.path,
            ])
            #expect(full.status == 2, "\(full.err)")
            let fetched = try ids(
                connection,
                """
                SELECT count(*) FROM product p WHERE shop_id = 17008 AND enabled AND coalesce(image, '') <> '' \
                AND NOT EXISTS (SELECT 1 FROM backstop.discrepancy d WHERE d.run_id = (SELECT max(id) FROM backstop.run) \
                AND d.kind = 'image.unreachable' AND d.field = 'image' AND d.entity_key = p.id::text)
                """)[0]
            let summary = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
            #expect(summary.contains("descriptors reused"), "the resumed run reused the saved descriptors")
            #expect(
                try ids(connection, "SELECT (counts->>'decoded')::bigint FROM backstop.run ORDER BY id DESC LIMIT 1")
                    .first.map { $0 < fetched && $0 >= fetched - 512 } == true,
                "only the images after the first batch decoded (of \(fetched))")
            #expect(try ids(connection, "SELECT count(*) FROM backstop.reindex_progress") == [0])
            #expect(try ids(connection, "SELECT count(*) FROM backstop.image_descriptor") == [0])
            let check = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: out.appendingPathComponent("discrepancies.ndjson"),
                excluding: ["product.", "order.", "sequence."],
                negatives: world.appendingPathComponent("negatives.jsonl"))
            #expect(check.planted == 138)
            #expect(check.isExact, "\(check.summary)")
            #expect(check.negatives >= 60 && check.reportedNegatives.isEmpty, "\(check.reportedNegatives)")
            let hard = try Self.negativeCandidates(world, connection)
            // The model fitted on ~3 700 pictures separates most look-alikes by cosine; 11 of 69 reach the verifier.
            #expect(hard >= 8, "only \(hard) of \(check.negatives) hard negatives were candidates")
            #expect(try text(connection, enabledVectors) == before, "no provider: production vectors untouched")
            #expect(
                try ids(
                    connection,
                    "SELECT count(*) FROM product_embeddings e WHERE NOT EXISTS (SELECT 1 FROM product p WHERE p.id = e.product_id)"
                ) == [0],
                "orphans of absent products removed")

            // 2. Change 10 images (re-encoded: new bytes, same picture), through an overlay of their folders.
            let manifestKeys = try String(contentsOf: world.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
            let candidates = try connection.execute(
                PGQuery(
                    unsafeSQL: """
                        SELECT id, image FROM product WHERE shop_id = 17008 AND enabled AND image LIKE '%.jpg' ORDER BY id
                        """))
            var changed: [Int64] = []
            var folders = Set<String>()
            var mirror = "https://cvety.kz/=\(images)"
            let overlay = FileManager.default.temporaryDirectory.appendingPathComponent("overlay-\(UUID().uuidString)")
            for row in 0..<candidates.rowCount where changed.count < 10 {
                let id = Int64(try candidates.int(row: row, column: 0))
                guard let url = candidates.string(row: row, column: 1), !manifestKeys.contains("\"\(id)\""),
                    !manifestKeys.contains("|\(id)\""), !manifestKeys.contains("\"\(id)|")
                else { continue }
                let relative = String(url.dropFirst("https://cvety.kz/".count))
                let folder = (relative as NSString).deletingLastPathComponent
                guard folders.insert(folder).inserted else { continue }
                let target = overlay.appendingPathComponent(folder)
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                for file in try FileManager.default.contentsOfDirectory(atPath: images + folder) {
                    try FileManager.default.copyItem(
                        atPath: images + folder + "/" + file, toPath: target.path + "/" + file)
                }
                let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: images + relative)))
                let reencoded = try ImageEncoder.jpeg(try ImageDecoder.decode(original), quality: 80)
                try Data(reencoded).write(to: overlay.appendingPathComponent(relative))
                mirror = "https://cvety.kz/\(folder)/=\(target.path)/;" + mirror
                changed.append(id)
            }
            #expect(changed.count == 10)
            let second = try await backstop([
                "reindex", "--catalog", conninfo, "--shop", "17008", "--mirror", mirror, "--out", out.path + "-2",
            ])
            #expect(second.status == 2, "\(second.err)")
            let runID = try ids(connection, "SELECT max(id) FROM backstop.run")[0]
            #expect(
                try ids(
                    connection,
                    "SELECT product_id FROM backstop.image_vector WHERE run_id = \(runID) ORDER BY product_id")
                    == changed.sorted())
            let again = try ManifestCheck.compare(
                manifest: world.appendingPathComponent("manifest.jsonl"),
                ndjson: URL(fileURLWithPath: out.path + "-2/discrepancies.ndjson"),
                excluding: ["product.", "order.", "sequence.", "embedding.orphan"])
            #expect(again.isExact, "the same findings (orphans of absent products already removed): \(again.summary)")
            // The incremental similarity pass stored what a self-join of the current vectors gives.
            let secondReport = try String(
                contentsOf: URL(fileURLWithPath: out.path + "-2/report.json"), encoding: .utf8)
            #expect(secondReport.contains("similarity incremental: 10 changed"))
            let store = IndexStore(connection: connection)
            let vectors = try store.vectors().sorted { $0.key < $1.key }
            var matrix = VectorMatrix(dimensions: 512)
            for (_, vector) in vectors { matrix.append(vector.vector) }
            let selfJoin = IncrementalSimilarity.full(
                ids: vectors.map(\.key), vectors: matrix, k: IndexDefaults.similarCount,
                threshold: IndexDefaults.duplicateThreshold)
            let model = try #require(try store.currentModel()).version
            let stored = try #require(
                try store.similarity(
                    modelVersion: model, k: IndexDefaults.similarCount, threshold: IndexDefaults.duplicateThreshold))
            #expect(stored.pairs.map { [$0.first, $0.second] } == selfJoin.pairs.map { [$0.first, $0.second] })
            let differing = selfJoin.lists.filter { id, list in
                let other = stored.lists[id] ?? []
                return other.count != list.count
                    || zip(other, list).contains { $0.productID != $1.productID && abs($0.score - $1.score) > 1e-5 }
            }
            #expect(differing.isEmpty, "lists that differ from the self-join: \(differing.keys.sorted().prefix(5))")

            // 3. A production provider (loopback embedding service): one current vector per enabled product
            // with a reachable image, none for disabled or absent products.
            let service = try LoopbackHTTPServer.start { request in
                let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
                let urls = (object["image_urls"] as? [String]) ?? [(object["image_url"] as? String) ?? ""]
                let results: [[String: Any]] = urls.map { url in
                    var seed = url.utf8.reduce(UInt64(14_695_981_039_346_656_037)) {
                        ($0 ^ UInt64($1)) &* 1_099_511_628_211
                    }
                    let vector: [Double] = (0..<512).map { _ in
                        seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        return Double(seed >> 40) / Double(1 << 24) - 0.5
                    }
                    return ["image_url": url, "success": true, "embedding": vector]
                }
                let body = request.target == "/embed/batch" ? ["results": results] : results[0]
                return .init(body: [UInt8](try! JSONSerialization.data(withJSONObject: body)))
            }
            defer { service.stop() }
            let third = try await backstop([
                "reindex", "--catalog", conninfo, "--shop", "17008", "--mirror", mirror, "--out", out.path + "-3",
                "--provider", "embedding-service", "--embedding-service", service.baseURL, "--export", out.path + "-cf",
            ])
            #expect(third.status == 2, "\(third.err)")
            let unreachable = try ids(
                connection,
                """
                SELECT DISTINCT entity_key::bigint FROM backstop.discrepancy WHERE run_id = (SELECT max(id) FROM backstop.run) \
                AND kind = 'image.unreachable' AND field = 'image'
                """)
            let reachable = Set(
                try ids(
                    connection, "SELECT id FROM product WHERE shop_id = 17008 AND enabled AND coalesce(image, '') <> ''"
                )
            )
            .subtracting(unreachable)
            let current = try ids(
                connection,
                """
                SELECT e.product_id FROM product_embeddings e JOIN product p ON p.id = e.product_id \
                WHERE p.shop_id = 17008 AND p.enabled AND e.embedding_type = 'image' \
                AND e.model_version = 'vertex-multimodal-001' AND e.source_url = p.image ORDER BY 1
                """)
            #expect(Set(current).isSuperset(of: reachable))
            #expect(
                try ids(
                    connection,
                    """
                    SELECT count(*) FROM (SELECT product_id FROM product_embeddings GROUP BY product_id, embedding_type HAVING count(*) > 1) d
                    """) == [0], "no duplicate rows")
            #expect(
                try ids(
                    connection,
                    """
                    SELECT count(*) FROM product_embeddings e WHERE NOT EXISTS \
                    (SELECT 1 FROM product p WHERE p.id = e.product_id AND (p.enabled OR p.shop_id <> 17008))
                    """) == [0], "none for disabled or absent products")
            let exported = try String(
                contentsOf: URL(fileURLWithPath: out.path + "-cf/vectorize.ndjson"), encoding: .utf8)
            #expect(exported.split(separator: "\n").count >= reachable.count - 5)
        }
    }
}
