public import BackstopExtract
public import BackstopModel
public import Foundation

/// Files for the Cloudflare side of visual search (upstream.md §3.3), which Backstop cannot reach: the
/// Vectorize upsert file, the D1 `bouquets` upserts, and the ids to delete from both.
///
/// - `vectorize.ndjson`: `{"id":"<product id>","metadata":{…},"values":[…512…]}` per line (``VectorizeLine``
///   through `JSONEncoder`, keys sorted), as the worker writes them (`wrangler vectorize insert bouquet-embeddings --file vectorize.ndjson`): `colors`,
///   `occasions` and `tags` each a JSON-encoded string of the catalog's JSON, absent when the column is NULL
///   or an empty array (what the worker writes when it was given none).
/// - `d1-bouquets.sql`: one `INSERT … ON CONFLICT(product_id) DO UPDATE` per product (SQLite syntax; price in
///   kopecks; `image_key` = the last URL path segment, as the worker stores external images; colors,
///   occasions and tags as JSON text or NULL).
/// - `delete-ids.txt` and `d1-delete.sql`: products whose vectors must go (disabled or absent).
public enum CloudflareExport {
    /// One exported product.
    public struct Record: Sendable, Hashable {
        /// The product.
        public var product: CanonicalProduct
        /// Its production vector.
        public var vector: [Float]
        /// Its colors, occasions and tags (catalog JSON text).
        public var labels: CatalogProductLabels

        /// One product to upsert.
        /// - Parameters:
        ///   - product: The catalog product.
        ///   - vector: Its production vector.
        ///   - labels: Its labels (empty when the catalog has none).
        public init(product: CanonicalProduct, vector: [Float], labels: CatalogProductLabels = .init()) {
            self.product = product
            self.vector = vector
            self.labels = labels
        }
    }

    /// Writes the four files into `directory` and returns their URLs.
    ///
    /// - Parameters:
    ///   - records: The products to upsert, in any order (written in the given order).
    ///   - deleteIDs: Products whose vectors and rows must go; written sorted.
    ///   - directory: The export folder (created if needed).
    /// - Returns: The files written.
    /// - Throws: ``IndexError`` when a file cannot be written.
    @discardableResult
    public static func write(records: [Record], deleteIDs: [Int64], to directory: URL) throws(IndexError) -> [URL] {
        var vectorize = [UInt8]()
        let encoder = JSONFiles.compactEncoder()
        var d1 = Array("-- D1 figma-catalog-db: bouquets upserts written by backstop reindex\n".utf8)
        for record in records.sorted(by: { $0.product.id < $1.product.id }) {
            let product = record.product
            do {
                try JSONFiles.appendLine(VectorizeLine(record), with: encoder, into: &vectorize)
            } catch {
                throw IndexError(.io, "product \(product.id): its vector cannot be exported (\(error))")
            }
            let imageKey = product.image.flatMap { $0.split(separator: "/").last.map(String.init) }
            d1.append(
                contentsOf: """
                    INSERT INTO bouquets (product_id, name, price, image_key, colors, occasions, tags, shop_id, indexed_at, updated_at) \
                    VALUES (\(product.id), \(sqlite(product.name)), \(product.price.map { String($0.value) } ?? "NULL"), \
                    \(imageKey.map(sqlite) ?? "NULL"), \(Self.label(record.labels.colors).map(sqlite) ?? "NULL"), \
                    \(Self.label(record.labels.occasions).map(sqlite) ?? "NULL"), \
                    \(Self.label(record.labels.tags).map(sqlite) ?? "NULL"), \(product.shopID.map(String.init) ?? "NULL"), \
                    datetime('now'), datetime('now')) ON CONFLICT(product_id) DO UPDATE SET name = excluded.name, \
                    price = excluded.price, image_key = excluded.image_key, colors = excluded.colors, \
                    occasions = excluded.occasions, tags = excluded.tags, shop_id = excluded.shop_id, \
                    updated_at = datetime('now');

                    """.utf8)
        }
        let ids = deleteIDs.sorted()
        let deleteText = ids.map(String.init).joined(separator: "\n") + (ids.isEmpty ? "" : "\n")
        let deleteSQL =
            ids.isEmpty
            ? "-- nothing to delete\n"
            : "DELETE FROM bouquets WHERE product_id IN (\(ids.map(String.init).joined(separator: ", ")));\n"
        let files: [(String, [UInt8])] = [
            ("vectorize.ndjson", vectorize), ("d1-bouquets.sql", d1), ("delete-ids.txt", Array(deleteText.utf8)),
            ("d1-delete.sql", Array(deleteSQL.utf8)),
        ]
        var written: [URL] = []
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (name, bytes) in files {
                let url = directory.appendingPathComponent(name)
                try Data(bytes).write(to: url)
                written.append(url)
            }
        } catch {
            throw IndexError(.io, "cannot write the Cloudflare export to \(directory.path): \(error)")
        }
        return written
    }

    /// A label column's JSON text, or `nil` when it is NULL, JSON `null` or an empty array or object.
    static func label(_ json: String?) -> String? {
        guard let json else { return nil }
        let compact = json.filter { !$0.isWhitespace }
        return compact.isEmpty || compact == "null" || compact == "[]" || compact == "{}" ? nil : json
    }

    /// One line of `vectorize.ndjson`: the product id as a string, the vector, and the labels the product
    /// has, each a JSON-encoded string of the catalog's JSON (`{"colors":"[\"red\"]"}`), as the worker writes
    /// them.
    public struct VectorizeLine: Sendable, Hashable, Codable {
        /// The product id, as text (Vectorize ids are strings).
        public var id: String
        /// `colors`, `occasions`, `tags` → the catalog's JSON text; a NULL, `null` or empty label is absent.
        public var metadata: [String: String]
        /// The production vector.
        public var values: [Float]

        /// The line of one exported product.
        /// - Parameter record: The product, its vector and labels.
        public init(_ record: Record) {
            id = String(record.product.id)
            values = record.vector
            let labels = [
                ("colors", record.labels.colors), ("occasions", record.labels.occasions), ("tags", record.labels.tags),
            ]
            metadata = Dictionary(
                uniqueKeysWithValues: labels.compactMap { name, json in label(json).map { (name, $0) } })
        }
    }

    /// A SQLite string literal (`'` doubled).
    static func sqlite(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
