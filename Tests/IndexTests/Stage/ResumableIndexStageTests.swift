import BackstopIndex
import BackstopModel
import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// A stopped reindex resumes where it stopped: a refit reuses the saved descriptors, an incremental run
/// the saved vectors; both end with the findings of an uninterrupted run, and the stored similarity state
/// equals a self-join of the stored vectors.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct ResumableIndexStageTests {
    /// A folder of blocky JPEGs (`upload/<id>.jpg`), some products sharing a picture re-encoded.
    struct Pictures {
        let folder: URL
        let products: [CanonicalProduct]

        init(count: Int, seed: UInt64) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent("upload"), withIntermediateDirectories: true)
            var random = SplitMix64(seed: seed)
            var pictures: [RGBImage] = []
            var products: [CanonicalProduct] = []
            for index in 0..<count {
                let id = Int64(100 + index * 3)
                let picture: RGBImage
                if index % 7 == 6, let original = pictures.last {
                    picture = original  // a planted duplicate, encoded at another quality below
                } else {
                    var pixels = [UInt8](repeating: 0, count: 96 * 120 * 3)
                    let blocks = (0..<20).map { _ in (0..<3).map { _ in UInt8(truncatingIfNeeded: random.next()) } }
                    for y in 0..<120 {
                        for x in 0..<96 {
                            let block = blocks[(y / 24) * 4 + x / 24]
                            for channel in 0..<3 { pixels[(y * 96 + x) * 3 + channel] = block[channel] }
                        }
                    }
                    picture = RGBImage(width: 96, height: 120, pixels: pixels)
                }
                pictures.append(picture)
                try Self.write(picture, quality: index % 7 == 6 ? 70 : 92, to: folder, id: id)
                products.append(
                    CanonicalProduct(
                        id: id, shopID: 17008, name: "p\(id)", image: "https://cvety.kz/upload/\(id).jpg"))
            }
            self.products = products
        }

        init(folder: URL, products: [CanonicalProduct]) {
            self.folder = folder
            self.products = products
        }

        static func write(_ picture: RGBImage, quality: Int, to folder: URL, id: Int64) throws {
            try Data(try ImageEncoder.jpeg(picture, quality: quality)).write(
                to: folder.appendingPathComponent("upload/\(id).jpg"))
        }

        /// Re-encodes the pictures of `ids` (new bytes, same picture).
        func reencode(_ ids: [Int64]) throws {
            for id in ids {
                let url = folder.appendingPathComponent("upload/\(id).jpg")
                let picture = try ImageDecoder.decode([UInt8](try Data(contentsOf: url)))
                try Self.write(picture, quality: 80, to: folder, id: id)
            }
        }

        func stage(_ mode: IndexStage.Mode, stopAfter: Int? = nil) throws -> IndexStage {
            var options = IndexStage.Options()
            options.mode = mode
            options.fetcher = try ImageFetcher(
                options: .init(mirror: try ImageMirror(parsing: "https://cvety.kz/=\(folder.path)/")))
            options.workers = 2
            options.batchSize = 8
            options.stopAfterImages = stopAfter
            return IndexStage(options: options, logger: TestDatabase.quietLogger)
        }

        func run(_ mode: IndexStage.Mode, store: IndexStore, stopAfter: Int? = nil) throws -> IndexStage.Outcome {
            try stage(mode, stopAfter: stopAfter).run(
                input: .init(products: products, embeddings: []), store: store, writer: nil, runID: nil)
        }
    }

    func migrated(_ connection: PGConnection) throws -> IndexStore {
        try Migrator(directory: RepoPaths.backstopMigrations).migrate(on: connection, logger: TestDatabase.quietLogger)
        return IndexStore(connection: connection)
    }

    func expectStopped(_ body: () throws -> IndexStage.Outcome) {
        do {
            _ = try body()
            Issue.record("the stage was expected to stop")
        } catch let error as IndexError {
            #expect(error.code == .stopped, "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// The stored similarity state is what a self-join of the stored vectors gives.
    func expectSimilarityIsExact(_ store: IndexStore, model: String?) throws {
        let vectors = try store.vectors().sorted { $0.key < $1.key }
        let ids = vectors.map(\.key)
        var matrix = VectorMatrix(dimensions: 512)
        for (_, stored) in vectors { matrix.append(stored.vector) }
        let full = IncrementalSimilarity.full(
            ids: ids, vectors: matrix, k: IndexDefaults.similarCount, threshold: IndexDefaults.duplicateThreshold)
        let version = try #require(model)
        let stored = try #require(
            try store.similarity(
                modelVersion: version, k: IndexDefaults.similarCount, threshold: IndexDefaults.duplicateThreshold))
        #expect(stored.lists.mapValues { $0.map(\.productID) } == full.lists.mapValues { $0.map(\.productID) })
        #expect(stored.pairs.map { [$0.first, $0.second] } == full.pairs.map { [$0.first, $0.second] })
    }

    @Test func aStoppedFullReindexResumesWithoutDecodingAgain() throws {
        let pictures = try Pictures(count: 45, seed: 3)
        defer { try? FileManager.default.removeItem(at: pictures.folder) }
        let uninterrupted = try TestDatabase.withConnection(prefix: "resume_a") { connection in
            try pictures.run(.full, store: try migrated(connection))
        }
        #expect(uninterrupted.imagesDecoded == 45)
        #expect(uninterrupted.discrepancies.contains { $0.kind == .imageDuplicate })
        try TestDatabase.withConnection(prefix: "resume_b") { connection in
            let store = try migrated(connection)
            // Batches of 8: stops after the second batch, the first in which 10 images were decoded.
            expectStopped { try pictures.run(.full, store: store, stopAfter: 10) }
            #expect(try store.reindexProgress()?.mode == "full")
            #expect(try store.descriptors(version: ImageDescriptor.version).count == 16)
            #expect(try store.currentModel() == nil, "nothing fitted yet")
            // Stopped again, after one more batch: descriptors accumulate.
            expectStopped { try pictures.run(.full, store: store, stopAfter: 1) }
            #expect(try store.descriptors(version: ImageDescriptor.version).count == 24)
            let resumed = try pictures.run(.full, store: store)
            #expect(resumed.imagesDecoded == 45 - 24)
            #expect(resumed.descriptorsReused == 24)
            #expect(resumed.summary.contains("21 decoded, 24 descriptors reused"), "\(resumed.summary)")
            #expect(resumed.modelVersion == uninterrupted.modelVersion, "the same model from the same descriptors")
            #expect(resumed.discrepancies == uninterrupted.discrepancies)
            #expect(resumed.topScores == uninterrupted.topScores)
            #expect(try store.reindexProgress() == nil, "a finished refit clears its marker")
            #expect(try store.descriptors(version: ImageDescriptor.version).isEmpty)
            try expectSimilarityIsExact(store, model: resumed.modelVersion)
            // The next full run decodes everything again.
            #expect(try pictures.run(.full, store: store).imagesDecoded == 45)
        }
    }

    @Test func aStoppedIncrementalRunResumesAndSimilarityStaysExact() throws {
        let pictures = try Pictures(count: 45, seed: 8)
        defer { try? FileManager.default.removeItem(at: pictures.folder) }
        try TestDatabase.withConnection(prefix: "resume_c") { connection in
            try TestDatabase.withConnection(prefix: "resume_d") { other in
                let store = try migrated(connection)
                let straightStore = try migrated(other)
                let first = try pictures.run(.full, store: store)
                #expect(first.similarity?.incremental == false)
                #expect(try pictures.run(.full, store: straightStore).discrepancies == first.discrepancies)
                // Unchanged: nothing decoded, nothing searched.
                let quiet = try pictures.run(.incremental, store: store)
                #expect(quiet.imagesDecoded == 0)
                #expect(quiet.similarity?.incremental == true)
                #expect(quiet.similarity?.searched == 0)
                #expect(quiet.discrepancies == first.discrepancies)

                // Re-encode 12 pictures (new bytes, same pictures) and remove 3 products.
                let changed = stride(from: 0, to: 45, by: 4).map { pictures.products[$0].id }
                try pictures.reencode(changed)
                let removed: Set<Int64> = [pictures.products[2].id, pictures.products[23].id, pictures.products[6].id]
                let fewer = Pictures(
                    folder: pictures.folder, products: pictures.products.filter { !removed.contains($0.id) })
                expectStopped { try fewer.run(.incremental, store: store, stopAfter: 1) }
                let saved = try store.vectors().values.filter { !$0.inSimilarity }.map(\.productID)
                #expect(changed.count == 12)
                #expect(!saved.isEmpty && saved.count < 12, "one batch of vectors saved: \(saved)")
                let resumed = try fewer.run(.incremental, store: store)
                #expect(resumed.imagesDecoded == 12 - saved.count, "the saved vectors are not computed again")
                #expect(resumed.similarity?.incremental == true)
                #expect(resumed.similarity?.changed == 12)
                try expectSimilarityIsExact(store, model: resumed.modelVersion)

                // The same findings as a run that was never stopped.
                let straight = try fewer.run(.incremental, store: straightStore)
                #expect(straight.imagesDecoded == 12)
                #expect(straight.modelVersion == resumed.modelVersion)
                #expect(straight.discrepancies == resumed.discrepancies)
                #expect(straight.topScores == resumed.topScores)
            }
        }
    }

    /// Vectors stored under an older near-duplicate method (another verifier version: the same model numbers,
    /// another label) are not reused with their candidate keys: an incremental run decodes every picture
    /// again, rewrites the luma hashes and grayscale flags, and finds what a full run finds.
    @Test func anotherVerifierVersionRecomputesTheStoredKeys() throws {
        let pictures = try Pictures(count: 45, seed: 12)
        defer { try? FileManager.default.removeItem(at: pictures.folder) }
        try TestDatabase.withConnection(prefix: "resume_e") { connection in
            let store = try migrated(connection)
            let full = try pictures.run(.full, store: store)
            let model = try #require(try store.currentModel())
            #expect(full.modelVersion == model.version)
            let older = LocalEmbeddingModel(
                dimensions: model.dimensions, inputDimensions: model.inputDimensions, mean: model.mean,
                projection: model.projection, fittedOn: model.fittedOn, duplicateMethod: "backstop-verify-1"
            ).version
            #expect(older != model.version)
            // What an older build left: its label on every row, and keys this method would not compute.
            try connection.execute(
                "UPDATE backstop.image_vector SET model_version = \(older), luma_grayscale = true, luma_hash = 0")
            let again = try pictures.run(.incremental, store: store)
            #expect(again.imagesDecoded == 45, "every picture decoded again for its keys")
            #expect(again.modelVersion == model.version)
            #expect(again.discrepancies == full.discrepancies)
            let stale = try connection.execute(
                "SELECT count(*) FROM backstop.image_vector WHERE model_version <> \(model.version) OR luma_grayscale OR luma_hash = 0"
            )
            #expect(try stale.int(row: 0, column: 0) == 0)
        }
    }
}
