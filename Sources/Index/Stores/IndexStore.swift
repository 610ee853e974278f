public import BackstopPostgres
import Foundation

/// Backstop's own index tables (`backstop.embedding_model`, `backstop.image_vector`,
/// `backstop.similar_product`, `backstop.embedding_state`; migrations 0001 and 0003), and the state that
/// makes passes incremental and resumable (`backstop.image_duplicate`, `backstop.similarity_state`,
/// `backstop.image_descriptor`, `backstop.reindex_progress`; migration 0006). All SQL binds its values; rows
/// are bulk-loaded with `COPY` into a temporary table and merged.
///
/// Backstop never writes its local model's vectors into the upstream `product_embeddings` table: these
/// tables are its own, so a wrong vector of the local model can never reach visual search. Every method
/// runs on the one connection it was made with (not thread-safe; the stage calls it between batches, from
/// one thread) and throws the connection's `PGError`.
public struct IndexStore {
    /// The connection (Backstop's schema lives in the catalog database).
    public let connection: PGConnection

    /// The index tables on a connection to the catalog database (migrated to at least 0009).
    /// - Parameter connection: The connection every method uses.
    public init(connection: PGConnection) { self.connection = connection }

    /// A stored local vector (`backstop.image_vector`): the local model's embedding of one product's main
    /// image, with what it was computed from, so an unchanged image is never decoded again.
    public struct StoredVector: Sendable, Hashable {
        /// The product.
        public var productID: Int64
        /// The image URL it was computed from.
        public var sourceURL: String
        /// The image bytes' SHA-256, hex.
        public var imageSHA256: String
        /// The local model's label.
        public var modelVersion: String
        /// The vector.
        public var vector: [Float]
        /// Whether the stored similarity state (lists and pairs) was computed on this vector.
        public var inSimilarity: Bool
        /// The picture's luma perceptual hash (``ImageFingerprint/lumaHash(_:)``); nil on rows written before
        /// it was kept, whose picture the next run decodes again.
        public var lumaHash: UInt64?
        /// Whether the picture is grayscale (``ImageFingerprint/lumaKey(_:)``).
        public var grayscale: Bool

        /// A vector to store, or one read back.
        /// - Parameters:
        ///   - productID: The product.
        ///   - sourceURL: The image URL it was computed from.
        ///   - imageSHA256: The image bytes' SHA-256, hex.
        ///   - modelVersion: The local model's label.
        ///   - vector: The unit vector (the model's dimensions).
        ///   - inSimilarity: Whether the stored similarity state was computed on it (false for a new vector).
        ///   - lumaHash: The picture's luma perceptual hash.
        ///   - grayscale: Whether the picture is grayscale.
        public init(
            productID: Int64, sourceURL: String, imageSHA256: String, modelVersion: String, vector: [Float],
            inSimilarity: Bool = false, lumaHash: UInt64? = nil, grayscale: Bool = false
        ) {
            self.grayscale = grayscale
            self.productID = productID
            self.sourceURL = sourceURL
            self.imageSHA256 = imageSHA256
            self.modelVersion = modelVersion
            self.vector = vector
            self.inSimilarity = inSimilarity
            self.lumaHash = lumaHash
        }
    }

    /// A saved image descriptor (the model's input) of an unfinished refit.
    public struct StoredDescriptor: Sendable, Hashable {
        /// The product.
        public var productID: Int64
        /// The image bytes' SHA-256, hex.
        public var imageSHA256: String
        /// ``ImageDescriptor/describe(_:)``'s output.
        public var descriptor: [Float]
        /// The picture's luma perceptual hash (``ImageFingerprint/lumaHash(_:)``); nil on rows saved before it
        /// was kept, which a resumed refit does not reuse.
        public var lumaHash: UInt64?
        /// Whether the picture is grayscale (``ImageFingerprint/lumaKey(_:)``).
        public var grayscale: Bool

        /// A descriptor to save, or one read back.
        /// - Parameters:
        ///   - productID: The product.
        ///   - imageSHA256: The image bytes' SHA-256, hex (a resumed refit reuses it only for the same bytes).
        ///   - descriptor: ``ImageDescriptor/describe(_:)``'s output.
        ///   - lumaHash: The picture's luma perceptual hash.
        ///   - grayscale: Whether the picture is grayscale.
        public init(
            productID: Int64, imageSHA256: String, descriptor: [Float], lumaHash: UInt64? = nil, grayscale: Bool = false
        ) {
            self.grayscale = grayscale
            self.productID = productID
            self.imageSHA256 = imageSHA256
            self.descriptor = descriptor
            self.lumaHash = lumaHash
        }
    }

    /// The marker of a refitting pass that has not finished (`backstop.reindex_progress`).
    public struct ReindexProgress: Sendable, Hashable {
        /// The mode of the run that started it (`full`, or `incremental` for a first fit).
        public var mode: String
        /// ``ImageDescriptor/version`` of its descriptors.
        public var descriptorVersion: Int
        /// The image libraries that decoded them (``ImageCodecVersions``' description).
        public var codecs: String
        /// Images the pass had to describe.
        public var images: Int
        /// The run that started it.
        public var runID: Int64?

        /// A marker for a refit that is starting.
        /// - Parameters:
        ///   - mode: `full`, or `incremental` for a first fit.
        ///   - descriptorVersion: ``ImageDescriptor/version``.
        ///   - codecs: ``ImageCodecVersions``' description; a resumed refit requires the same.
        ///   - images: Images the pass has to describe.
        ///   - runID: The run starting it.
        public init(mode: String, descriptorVersion: Int, codecs: String, images: Int, runID: Int64?) {
            self.mode = mode
            self.descriptorVersion = descriptorVersion
            self.codecs = codecs
            self.images = images
            self.runID = runID
        }
    }

    // MARK: Model

    /// The current local model, if one was ever fitted.
    /// - Returns: The model marked current in `backstop.embedding_model`, or `nil` before the first fit.
    /// - Throws: `PGError`; ``IndexError`` with code `model` when the stored model cannot be read.
    public func currentModel() throws -> LocalEmbeddingModel? {
        try Self.currentModel(on: connection)
    }

    /// The model marked current, read on `connection` (inside ``makeCurrent(_:runID:adoptingConcurrentFit:)``'s
    /// transaction, after its lock).
    /// - Parameter connection: The connection to read on.
    /// - Returns: The current model, or `nil` before the first fit.
    /// - Throws: `PGError`; ``IndexError`` with code `model` when the stored model cannot be read.
    private static func currentModel(on connection: PGConnection) throws -> LocalEmbeddingModel? {
        let result = try connection.execute(
            "SELECT encode(parameters, 'hex'), fitted_on FROM backstop.embedding_model WHERE is_current")
        guard result.rowCount == 1, let hex = result.bytes(row: 0, column: 0) else { return nil }
        return try LocalEmbeddingModel(
            serialized: bytes(fromHex: hex), fittedOn: try result.int(row: 0, column: 1))
    }

    /// Stores `model` (if new) and makes it the current one, or, for a first fit, adopts the model another run
    /// made current while this one was fitting.
    ///
    /// Concurrent callers (the partitions of a fleet run on a catalog with no model yet, each fitting on its own
    /// shops' images) take turns on a transaction-scoped advisory lock ("bsem"). Without adoption each would
    /// make its own model current in turn, leaving the catalog's vectors from several models and the last
    /// writer's model current (the first-night race). With `adoptingConcurrentFit`, the first caller's model
    /// wins: a later caller that finds a current model of another version under the lock leaves it current and
    /// returns it, and the caller embeds with it, so every run of the night uses one model.
    /// - Parameters:
    ///   - model: The fitted model; a model of the same version already stored is reused, not duplicated.
    ///   - runID: The run that fitted it.
    ///   - adoptingConcurrentFit: Whether a model made current by another run since this run began fitting takes
    ///     precedence (true for a first fit, `reindex` without `--full`; false for an explicit refit, whose
    ///     model always becomes current).
    /// - Returns: The model that is current when the call returns: `model`, or the adopted one.
    /// - Throws: `PGError`; ``IndexError`` with code `model` when an adopted model cannot be read.
    @discardableResult
    public func makeCurrent(
        _ model: LocalEmbeddingModel, runID: Int64?, adoptingConcurrentFit: Bool = false
    ) throws -> LocalEmbeddingModel {
        try connection.transaction { connection in
            try connection.execute("SELECT pg_advisory_xact_lock(\(Int64(0x6273_656D)))")
            if adoptingConcurrentFit, let current = try Self.currentModel(on: connection),
                current.version != model.version
            {
                return current
            }
            try connection.execute("UPDATE backstop.embedding_model SET is_current = false WHERE is_current")
            let updated = try connection.execute(
                "UPDATE backstop.embedding_model SET is_current = true WHERE model_version = \(model.version)")
            if updated.affectedRows == 0 {
                try connection.execute(
                    """
                    INSERT INTO backstop.embedding_model \
                    (model_version, dimensions, input_dimensions, fitted_on, parameters, is_current, run_id) \
                    VALUES (\(model.version), \(model.dimensions), \(model.inputDimensions), \(model.fittedOn), \
                    \(PGBytes(model.serialized)), true, \(runID))
                    """)
            }
            return model
        }
    }

    // MARK: Vectors

    /// Every stored local vector, by product id, of any model (the image pass compares the version).
    /// - Returns: The vectors.
    /// - Throws: `PGError`.
    public func vectors() throws -> [Int64: StoredVector] {
        var out: [Int64: StoredVector] = [:]
        let result = try connection.execute(
            """
            SELECT product_id, source_url, image_sha256, model_version, vector::text, in_similarity, luma_hash, \
            luma_grayscale \
            FROM backstop.image_vector
            """)
        for row in 0..<result.rowCount {
            let id = Int64(try result.int(row: row, column: 0))
            out[id] = StoredVector(
                productID: id, sourceURL: result.string(row: row, column: 1) ?? "",
                imageSHA256: result.string(row: row, column: 2) ?? "",
                modelVersion: result.string(row: row, column: 3) ?? "",
                vector: Self.floats(fromArrayText: result.string(row: row, column: 4)),
                inSimilarity: result.bool(row: row, column: 5) ?? false,
                lumaHash: Self.hash(result.string(row: row, column: 6)),
                grayscale: result.bool(row: row, column: 7) ?? false)
        }
        return out
    }

    /// Inserts or replaces local vectors (one `COPY` and one merge); a replaced vector is no longer in the
    /// stored similarity state (so the next incremental pass searches it as changed).
    /// - Parameters:
    ///   - vectors: The vectors of one batch; an empty batch does nothing.
    ///   - runID: The run writing them.
    /// - Throws: `PGError`.
    public func upsert(_ vectors: [StoredVector], runID: Int64?) throws {
        guard !vectors.isEmpty else { return }
        try connection.transaction { connection in
            try connection.execute(
                "CREATE TEMP TABLE image_vector_load (LIKE backstop.image_vector INCLUDING DEFAULTS) ON COMMIT DROP")
            try connection.copyIn(
                """
                COPY image_vector_load (product_id, source_url, image_sha256, model_version, vector, run_id, luma_hash, \
                luma_grayscale) FROM STDIN
                """,
                rows: vectors
            ) { vector, buffer in
                CopyText.appendRow(
                    [
                        String(vector.productID), vector.sourceURL, vector.imageSHA256, vector.modelVersion,
                        Self.arrayLiteral(vector.vector), runID.map(String.init),
                        vector.lumaHash.map { String(Int64(bitPattern: $0)) }, vector.grayscale ? "t" : "f",
                    ],
                    to: &buffer)
            }
            try connection.execute(
                """
                INSERT INTO backstop.image_vector AS v \
                (product_id, source_url, image_sha256, model_version, vector, computed_at, run_id, luma_hash, \
                luma_grayscale) \
                SELECT product_id, source_url, image_sha256, model_version, vector, now(), run_id, luma_hash, \
                luma_grayscale \
                FROM image_vector_load \
                ON CONFLICT (product_id) DO UPDATE SET source_url = EXCLUDED.source_url, \
                image_sha256 = EXCLUDED.image_sha256, model_version = EXCLUDED.model_version, \
                vector = EXCLUDED.vector, computed_at = EXCLUDED.computed_at, run_id = EXCLUDED.run_id, \
                luma_hash = EXCLUDED.luma_hash, luma_grayscale = EXCLUDED.luma_grayscale, in_similarity = false
                """)
        }
    }

    /// A stored `bigint` luma hash (the hash's bits as a signed integer), or nil for NULL.
    /// - Parameter text: The column's text, `nil` for NULL.
    /// - Returns: The 64 bits, reinterpreted as unsigned.
    static func hash(_ text: String?) -> UInt64? {
        text.flatMap { Int64($0) }.map { UInt64(bitPattern: $0) }
    }

    /// Deletes the local vectors of these products (gone from the catalog, disabled, or their image failed).
    /// - Parameter productIDs: The products; an empty list does nothing.
    /// - Throws: `PGError`.
    public func deleteVectors(productIDs: [Int64]) throws {
        guard !productIDs.isEmpty else { return }
        try connection.execute(
            "DELETE FROM backstop.image_vector WHERE product_id = ANY(\(productIDs)::integer[])")
    }

    // MARK: Similar products

    /// The stored similarity state, when it was computed with this model, `k` and `threshold`; `nil` otherwise
    /// (then only a full self-join is exact).
    /// - Parameters:
    ///   - modelVersion: The current local model.
    ///   - k: Neighbours per product.
    ///   - threshold: The near-duplicate candidate threshold.
    /// - Returns: The stored lists and pairs, or `nil` when they were made with other settings or never.
    /// - Throws: `PGError`.
    public func similarity(modelVersion: String, k: Int, threshold: Float) throws -> SimilarityState? {
        let head = try connection.execute(
            """
            SELECT 1 FROM backstop.similarity_state WHERE model_version = \(modelVersion) AND k = \(k) \
            AND duplicate_threshold = \(threshold)::real
            """)
        guard head.rowCount == 1 else { return nil }
        var lists: [Int64: [SimilarProduct]] = [:]
        let rows = try connection.execute(
            "SELECT product_id, similar_product_id, score::text FROM backstop.similar_product ORDER BY product_id, rank"
        )
        for row in 0..<rows.rowCount {
            let id = Int64(try rows.int(row: row, column: 0))
            lists[id, default: []].append(
                SimilarProduct(
                    productID: Int64(try rows.int(row: row, column: 1)),
                    score: Float(rows.string(row: row, column: 2) ?? "") ?? -.infinity))
        }
        let pairRows = try connection.execute(
            """
            SELECT first_product_id, second_product_id, score::text FROM backstop.image_duplicate \
            ORDER BY first_product_id, second_product_id
            """)
        var pairs: [DuplicatePair] = []
        pairs.reserveCapacity(pairRows.rowCount)
        for row in 0..<pairRows.rowCount {
            pairs.append(
                DuplicatePair(
                    first: Int64(try pairRows.int(row: row, column: 0)),
                    second: Int64(try pairRows.int(row: row, column: 1)),
                    score: Float(pairRows.string(row: row, column: 2) ?? "") ?? -.infinity))
        }
        return SimilarityState(lists: lists, pairs: pairs)
    }

    /// Saves a similarity pass in one transaction: its lists and pairs (only what differs from `previous`, or
    /// everything when `previous` is `nil`), what they were computed with, and that every vector of `state`
    /// is now in it.
    ///
    /// - Parameters:
    ///   - state: The lists and pairs after this pass.
    ///   - previous: The state it was computed from, for writing only the difference; `nil` rewrites all.
    ///   - modelVersion: The local model.
    ///   - k: Neighbours per product.
    ///   - threshold: The candidate threshold.
    ///   - runID: The run writing.
    /// - Returns: The number of lists written (replaced or removed).
    /// - Throws: `PGError`; the transaction is rolled back, so the stored state stays the previous one.
    @discardableResult
    public func saveSimilarity(
        _ state: SimilarityState, replacing previous: SimilarityState?, modelVersion: String, k: Int,
        threshold: Float, runID: Int64?
    ) throws -> Int {
        let ids = state.lists.keys.sorted()
        return try connection.transaction { connection in
            var written = ids.count
            if let previous {
                let owners =
                    ids.filter { state.lists[$0] != previous.lists[$0] }
                    + previous.lists.keys.filter { state.lists[$0] == nil }.sorted()
                written = owners.count
                try Self.writeLists(
                    owners.compactMap { id in state.lists[id].map { (id, $0) } }, replacing: owners,
                    modelVersion: modelVersion, runID: runID, on: connection)
                let old = Dictionary(previous.pairs.map { (Key($0), $0.score) }, uniquingKeysWith: { a, _ in a })
                let new = Dictionary(state.pairs.map { (Key($0), $0.score) }, uniquingKeysWith: { a, _ in a })
                let gone = old.filter { new[$0.key] != $0.value }.keys.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
                if !gone.isEmpty {
                    try connection.execute(
                        """
                        DELETE FROM backstop.image_duplicate d USING unnest(\(gone.map(\.a))::integer[], \
                        \(gone.map(\.b))::integer[]) AS g(a, b) WHERE d.first_product_id = g.a AND d.second_product_id = g.b
                        """)
                }
                try Self.insertPairs(
                    state.pairs.filter { old[Key($0)] != $0.score }, modelVersion: modelVersion, runID: runID,
                    on: connection)
            } else {
                try Self.writeLists(
                    ids.map { ($0, state.lists[$0] ?? []) }, replacing: nil, modelVersion: modelVersion, runID: runID,
                    on: connection)
                try connection.execute("DELETE FROM backstop.image_duplicate")
                try Self.insertPairs(state.pairs, modelVersion: modelVersion, runID: runID, on: connection)
            }
            try connection.execute(
                """
                INSERT INTO backstop.similarity_state AS s (singleton, model_version, k, duplicate_threshold, products, run_id) \
                VALUES (true, \(modelVersion), \(k), \(threshold)::real, \(ids.count), \(runID)) \
                ON CONFLICT (singleton) DO UPDATE SET model_version = EXCLUDED.model_version, k = EXCLUDED.k, \
                duplicate_threshold = EXCLUDED.duplicate_threshold, products = EXCLUDED.products, run_id = EXCLUDED.run_id
                """)
            try connection.execute(
                """
                UPDATE backstop.image_vector SET in_similarity = true \
                WHERE NOT in_similarity AND product_id = ANY(\(ids)::integer[])
                """)
            return written
        }
    }

    /// A pair's two product ids, for comparing the stored pairs with the new ones.
    struct Key: Hashable {
        /// The lower product id.
        var a: Int64
        /// The higher product id.
        var b: Int64
        init(_ pair: DuplicatePair) {
            a = pair.first
            b = pair.second
        }
    }

    /// Deletes the lists of `owners` (every list when `nil`) and copies in `lists`, ranks from 1.
    /// - Parameters:
    ///   - lists: Each owner's neighbours, best first.
    ///   - owners: The products whose lists are replaced; `nil` replaces every list, `[]` writes nothing.
    ///   - modelVersion: The local model.
    ///   - runID: The run writing.
    ///   - connection: The connection, inside the caller's transaction.
    /// - Throws: `PGError`.
    static func writeLists(
        _ lists: [(Int64, [SimilarProduct])], replacing owners: [Int64]?, modelVersion: String, runID: Int64?,
        on connection: PGConnection
    ) throws {
        if let owners {
            guard !owners.isEmpty else { return }
            try connection.execute("DELETE FROM backstop.similar_product WHERE product_id = ANY(\(owners)::integer[])")
        } else {
            try connection.execute("DELETE FROM backstop.similar_product")
        }
        try connection.copyIn(
            "COPY backstop.similar_product (product_id, similar_product_id, rank, score, model_version, run_id) FROM STDIN",
            rows: lists
        ) { list, buffer in
            for (rank, neighbor) in list.1.enumerated() {
                CopyText.appendRow(
                    [
                        String(list.0), String(neighbor.productID), String(rank + 1), "\(neighbor.score)", modelVersion,
                        runID.map(String.init),
                    ], to: &buffer)
            }
        }
    }

    /// Copies `pairs` into `backstop.image_duplicate`.
    /// - Parameters:
    ///   - pairs: Candidate pairs, first id below second.
    ///   - modelVersion: The local model.
    ///   - runID: The run writing.
    ///   - connection: The connection, inside the caller's transaction.
    /// - Throws: `PGError`.
    static func insertPairs(
        _ pairs: [DuplicatePair], modelVersion: String, runID: Int64?, on connection: PGConnection
    ) throws {
        try connection.copyIn(
            "COPY backstop.image_duplicate (first_product_id, second_product_id, score, model_version, run_id) FROM STDIN",
            rows: pairs
        ) { pair, buffer in
            CopyText.appendRow(
                [String(pair.first), String(pair.second), "\(pair.score)", modelVersion, runID.map(String.init)],
                to: &buffer)
        }
    }

    // MARK: Resumable refits

    /// The unfinished refitting pass, if any: a refit that stopped (time limit, signal, crash) leaves its
    /// marker and saved descriptors for the next run to resume.
    /// - Returns: The marker, or `nil` when no refit is unfinished.
    /// - Throws: `PGError`.
    public func reindexProgress() throws -> ReindexProgress? {
        let result = try connection.execute(
            "SELECT mode, descriptor_version, codecs, images, run_id FROM backstop.reindex_progress")
        guard result.rowCount == 1 else { return nil }
        return ReindexProgress(
            mode: result.string(row: 0, column: 0) ?? "", descriptorVersion: try result.int(row: 0, column: 1),
            codecs: result.string(row: 0, column: 2) ?? "", images: try result.int(row: 0, column: 3),
            runID: result.isNull(row: 0, column: 4) ? nil : Int64(try result.int(row: 0, column: 4)))
    }

    /// Marks a refitting pass as started, forgetting the descriptors of any earlier one.
    /// - Parameter progress: The new pass's marker.
    /// - Throws: `PGError`.
    public func beginRefit(_ progress: ReindexProgress) throws {
        try connection.transaction { connection in
            try connection.execute("DELETE FROM backstop.image_descriptor")
            try connection.execute("DELETE FROM backstop.reindex_progress")
            try connection.execute(
                """
                INSERT INTO backstop.reindex_progress (singleton, mode, descriptor_version, codecs, images, run_id) \
                VALUES (true, \(progress.mode), \(progress.descriptorVersion), \(progress.codecs), \(progress.images), \
                \(progress.runID))
                """)
        }
    }

    /// The saved descriptors of the unfinished refit with this descriptor version, by product id.
    /// - Parameter version: ``ImageDescriptor/version``; descriptors of another version are not returned.
    /// - Returns: The descriptors.
    /// - Throws: `PGError`.
    public func descriptors(version: Int) throws -> [Int64: StoredDescriptor] {
        var out: [Int64: StoredDescriptor] = [:]
        let result = try connection.execute(
            """
            SELECT product_id, image_sha256, descriptor::text, luma_hash, luma_grayscale \
            FROM backstop.image_descriptor \
            WHERE descriptor_version = \(version)
            """)
        for row in 0..<result.rowCount {
            let id = Int64(try result.int(row: row, column: 0))
            out[id] = StoredDescriptor(
                productID: id, imageSHA256: result.string(row: row, column: 1) ?? "",
                descriptor: Self.floats(fromArrayText: result.string(row: row, column: 2)),
                lumaHash: Self.hash(result.string(row: row, column: 3)),
                grayscale: result.bool(row: row, column: 4) ?? false)
        }
        return out
    }

    /// Saves descriptors of the running refit (one `COPY` and one merge), so a stop after this batch loses
    /// none of its decoding work.
    /// - Parameters:
    ///   - descriptors: The batch's new descriptors; an empty batch does nothing.
    ///   - version: ``ImageDescriptor/version``.
    ///   - runID: The run writing.
    /// - Throws: `PGError`.
    public func saveDescriptors(_ descriptors: [StoredDescriptor], version: Int, runID: Int64?) throws {
        guard !descriptors.isEmpty else { return }
        try connection.transaction { connection in
            try connection.execute(
                "CREATE TEMP TABLE image_descriptor_load (LIKE backstop.image_descriptor) ON COMMIT DROP")
            try connection.copyIn(
                """
                COPY image_descriptor_load (product_id, image_sha256, descriptor_version, descriptor, run_id, luma_hash, \
                luma_grayscale) FROM STDIN
                """,
                rows: descriptors
            ) { descriptor, buffer in
                CopyText.appendRow(
                    [
                        String(descriptor.productID), descriptor.imageSHA256, String(version),
                        Self.arrayLiteral(descriptor.descriptor), runID.map(String.init),
                        descriptor.lumaHash.map { String(Int64(bitPattern: $0)) }, descriptor.grayscale ? "t" : "f",
                    ], to: &buffer)
            }
            try connection.execute(
                """
                INSERT INTO backstop.image_descriptor AS d \
                (product_id, image_sha256, descriptor_version, descriptor, run_id, luma_hash, luma_grayscale) \
                SELECT product_id, image_sha256, descriptor_version, descriptor, run_id, luma_hash, luma_grayscale \
                FROM image_descriptor_load \
                ON CONFLICT (product_id) DO UPDATE SET image_sha256 = EXCLUDED.image_sha256, \
                descriptor_version = EXCLUDED.descriptor_version, descriptor = EXCLUDED.descriptor, \
                run_id = EXCLUDED.run_id, luma_hash = EXCLUDED.luma_hash, luma_grayscale = EXCLUDED.luma_grayscale
                """)
        }
    }

    /// Ends a finished refitting pass: its marker and saved descriptors are deleted (a later refit decodes
    /// every image again, which also picks up a change of image library).
    /// - Throws: `PGError`.
    public func finishRefit() throws {
        try connection.transaction { connection in
            try connection.execute("DELETE FROM backstop.reindex_progress")
            try connection.execute("DELETE FROM backstop.image_descriptor")
        }
    }

    // MARK: Production bookkeeping

    /// What `backstop.embedding_state` says each production vector was computed from (product id → image SHA-256).
    /// A production vector whose image's bytes changed since is re-embedded even when its row looks sound.
    /// - Returns: The image hash per product.
    /// - Throws: `PGError`.
    public func productionState() throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        let result = try connection.execute(
            "SELECT product_id, encode(image_sha256, 'hex') FROM backstop.embedding_state WHERE embedding_type = 'image' AND image_sha256 IS NOT NULL"
        )
        for row in 0..<result.rowCount {
            if let sha = result.string(row: row, column: 1) { out[Int64(try result.int(row: row, column: 0))] = sha }
        }
        return out
    }

    /// Records that the production vector of `productID` was computed from these bytes by `modelVersion`.
    /// - Parameters:
    ///   - productID: The product.
    ///   - sourceURL: The image URL.
    ///   - imageSHA256: The image bytes' SHA-256, hex.
    ///   - modelVersion: The production provider's model.
    ///   - dimensions: The vector's length.
    ///   - runID: The run that wrote it.
    /// - Throws: `PGError`.
    public func recordProduction(
        productID: Int64, sourceURL: String, imageSHA256: String, modelVersion: String, dimensions: Int, runID: Int64?
    ) throws {
        try connection.execute(
            """
            INSERT INTO backstop.embedding_state AS s \
            (product_id, embedding_type, source_url, image_sha256, model_version, dimensions, norm, status, run_id) \
            VALUES (\(Int32(truncatingIfNeeded: productID)), 'image', \(sourceURL), decode(\(imageSHA256), 'hex'), \
            \(modelVersion), \(dimensions), 1, 'current', \(runID)) \
            ON CONFLICT (product_id, embedding_type) DO UPDATE SET source_url = EXCLUDED.source_url, \
            image_sha256 = EXCLUDED.image_sha256, model_version = EXCLUDED.model_version, \
            dimensions = EXCLUDED.dimensions, status = 'current', error = NULL, computed_at = now(), run_id = EXCLUDED.run_id
            """)
    }

    /// Forgets production bookkeeping of products whose vectors were removed.
    /// - Parameter productIDs: The products; an empty list does nothing.
    /// - Throws: `PGError`.
    public func forgetProduction(productIDs: [Int64]) throws {
        guard !productIDs.isEmpty else { return }
        try connection.execute(
            "DELETE FROM backstop.embedding_state WHERE product_id = ANY(\(productIDs)::integer[])")
    }

    /// Bytes from lower- or upper-case hexadecimal text (what `encode(…, 'hex')` returns).
    /// - Parameter text: An even number of hex digits; a trailing odd digit is ignored, a non-hex digit
    ///   reads as 0 (the server writes only hex).
    /// - Returns: The bytes.
    static func bytes(fromHex text: [UInt8]) -> [UInt8] {
        func value(_ digit: UInt8) -> UInt8 {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
            default: 0
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(text.count / 2)
        var index = 0
        while index + 1 < text.count {
            out.append(value(text[index]) << 4 | value(text[index + 1]))
            index += 2
        }
        return out
    }

    /// The numbers of a `real[]` in text form (`{v1,v2,…}`).
    /// - Parameter text: The array's text, `nil` for NULL.
    /// - Returns: The values; empty for NULL or `{}`.
    static func floats(fromArrayText text: String?) -> [Float] {
        guard let text, text.count >= 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").compactMap { Float($0) }
    }

    /// `{v1,v2,…}`: a `real[]` literal with every float written exactly (shortest round-trip form).
    /// - Parameter values: The floats; NaN and infinities are not expected (unit vectors).
    /// - Returns: The literal, for a `COPY` row or a bound parameter, never spliced into SQL.
    static func arrayLiteral(_ values: [Float]) -> String {
        "{" + values.map { "\($0)" }.joined(separator: ",") + "}"
    }
}
