public import BackstopPostgres
import Foundation

/// Backstop's own index tables (`backstop.embedding_model`, `backstop.image_vector`,
/// `backstop.similar_product`, `backstop.embedding_state`; migrations 0001 and 0003). All SQL binds its
/// values; rows are bulk-loaded with `COPY` into a temporary table and merged.
public struct IndexStore {
    /// The connection (Backstop's schema lives in the catalog database).
    public let connection: PGConnection

    /// Creates a store on `connection`.
    public init(connection: PGConnection) { self.connection = connection }

    /// A stored local vector.
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

        /// Creates a stored vector.
        public init(productID: Int64, sourceURL: String, imageSHA256: String, modelVersion: String, vector: [Float]) {
            self.productID = productID
            self.sourceURL = sourceURL
            self.imageSHA256 = imageSHA256
            self.modelVersion = modelVersion
            self.vector = vector
        }
    }

    // MARK: Model

    /// The current local model, if one was ever fitted.
    public func currentModel() throws -> LocalEmbeddingModel? {
        let result = try connection.execute(
            "SELECT encode(parameters, 'hex'), fitted_on FROM backstop.embedding_model WHERE is_current")
        guard result.rowCount == 1, let hex = result.bytes(row: 0, column: 0) else { return nil }
        return try LocalEmbeddingModel(
            serialized: Self.bytes(fromHex: hex), fittedOn: try result.int(row: 0, column: 1))
    }

    /// Stores `model` (if new) and makes it the current one.
    public func makeCurrent(_ model: LocalEmbeddingModel, runID: Int64?) throws {
        try connection.transaction { connection in
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
        }
    }

    // MARK: Vectors

    /// Every stored local vector, by product id.
    public func vectors() throws -> [Int64: StoredVector] {
        var out: [Int64: StoredVector] = [:]
        let result = try connection.execute(
            "SELECT product_id, source_url, image_sha256, model_version, vector::text FROM backstop.image_vector")
        for row in 0..<result.rowCount {
            let id = Int64(try result.int(row: row, column: 0))
            let text = result.string(row: row, column: 4) ?? "{}"
            let values = text.dropFirst().dropLast().split(separator: ",").compactMap { Float($0) }
            out[id] = StoredVector(
                productID: id, sourceURL: result.string(row: row, column: 1) ?? "",
                imageSHA256: result.string(row: row, column: 2) ?? "",
                modelVersion: result.string(row: row, column: 3) ?? "",
                vector: values)
        }
        return out
    }

    /// Inserts or replaces local vectors (one `COPY` and one merge).
    public func upsert(_ vectors: [StoredVector], runID: Int64?) throws {
        guard !vectors.isEmpty else { return }
        try connection.transaction { connection in
            try connection.execute(
                "CREATE TEMP TABLE image_vector_load (LIKE backstop.image_vector INCLUDING DEFAULTS) ON COMMIT DROP")
            var next = 0
            try connection.copyIn(
                "COPY image_vector_load (product_id, source_url, image_sha256, model_version, vector, run_id) FROM STDIN"
            ) { buffer in
                let end = min(vectors.count, next + 256)
                for vector in vectors[next..<end] {
                    CopyText.appendRow(
                        [
                            String(vector.productID), vector.sourceURL, vector.imageSHA256, vector.modelVersion,
                            Self.arrayLiteral(vector.vector), runID.map(String.init),
                        ],
                        to: &buffer)
                }
                next = end
                return next < vectors.count
            }
            try connection.execute(
                """
                INSERT INTO backstop.image_vector AS v \
                (product_id, source_url, image_sha256, model_version, vector, computed_at, run_id) \
                SELECT product_id, source_url, image_sha256, model_version, vector, now(), run_id FROM image_vector_load \
                ON CONFLICT (product_id) DO UPDATE SET source_url = EXCLUDED.source_url, \
                image_sha256 = EXCLUDED.image_sha256, model_version = EXCLUDED.model_version, \
                vector = EXCLUDED.vector, computed_at = EXCLUDED.computed_at, run_id = EXCLUDED.run_id
                """)
        }
    }

    /// Deletes the local vectors of these products.
    public func deleteVectors(productIDs: [Int64]) throws {
        guard !productIDs.isEmpty else { return }
        try connection.execute(
            "DELETE FROM backstop.image_vector WHERE product_id = ANY(\(productIDs)::integer[])")
    }

    // MARK: Similar products

    /// Replaces the similar-product lists of `productIDs` (all lists when `nil`) with `lists`.
    public func replaceSimilar(
        _ lists: [(productID: Int64, neighbors: [(productID: Int64, score: Float)])], modelVersion: String,
        runID: Int64?
    ) throws {
        try connection.transaction { connection in
            try connection.execute("DELETE FROM backstop.similar_product")
            let rows: [[String?]] = lists.flatMap { list in
                list.neighbors.enumerated().map { rank, neighbor -> [String?] in
                    [
                        String(list.productID), String(neighbor.productID), String(rank + 1), "\(neighbor.score)",
                        modelVersion, runID.map(String.init),
                    ]
                }
            }
            var next = 0
            guard !rows.isEmpty else { return }
            try connection.copyIn(
                "COPY backstop.similar_product (product_id, similar_product_id, rank, score, model_version, run_id) FROM STDIN"
            ) { buffer in
                let end = min(rows.count, next + 4096)
                for row in rows[next..<end] { CopyText.appendRow(row, to: &buffer) }
                next = end
                return next < rows.count
            }
        }
    }

    // MARK: Production bookkeeping

    /// What `backstop.embedding_state` says each production vector was computed from (product id → image SHA-256).
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
    public func forgetProduction(productIDs: [Int64]) throws {
        guard !productIDs.isEmpty else { return }
        try connection.execute(
            "DELETE FROM backstop.embedding_state WHERE product_id = ANY(\(productIDs)::integer[])")
    }

    /// Bytes from lower- or upper-case hexadecimal text (what `encode(…, 'hex')` returns).
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

    /// `{v1,v2,…}`: a `real[]` literal with every float written exactly (shortest round-trip form).
    static func arrayLiteral(_ values: [Float]) -> String {
        "{" + values.map { "\($0)" }.joined(separator: ",") + "}"
    }
}
