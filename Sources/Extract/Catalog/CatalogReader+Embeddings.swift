import BackstopPostgres

extension CatalogReader {
    /// Detects how `product_embeddings.embedding` is stored.
    ///
    /// Looks the column up in `pg_attribute` (through domains, to the base type) and names it with
    /// `format_type`: `real[]` is read directly, other numeric arrays are cast to `real[]`, pgvector's
    /// `vector` (also a domain named `vector`) is read as text.
    /// Upstream declares `vector(512)` (pgvector); a catalog without pgvector may hold a numeric array
    /// instead. Detecting the type at run time lets one build read either without configuration.
    /// - Returns: How to select the column so each row decodes into `[Float]`.
    /// - Throws: ``ExtractError`` if the table or column is missing or of an unsupported type.
    public func embeddingColumnType() throws -> EmbeddingColumnType {
        let result = try connection.execute(
            """
            SELECT t.typname, format_type(a.atttypid, a.atttypmod), \
            COALESCE(b.typname, t.typname), format_type(COALESCE(b.oid, t.oid), NULL) \
            FROM pg_attribute a \
            JOIN pg_type t ON t.oid = a.atttypid \
            LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype \
            WHERE a.attrelid = to_regclass(\("product_embeddings")) AND a.attname = \("embedding") \
            AND NOT a.attisdropped
            """)
        guard result.rowCount == 1, let typeName = result.string(row: 0, column: 0),
            let formatted = result.string(row: 0, column: 1), let baseName = result.string(row: 0, column: 2)
        else {
            throw ExtractError(.schema, "product_embeddings.embedding not found", table: "product_embeddings")
        }
        if typeName == "vector" || baseName == "vector" { return .vector(formatted) }
        if typeName == "_float4" { return .realArray }
        if ["_float4", "_float8", "_numeric", "_int2", "_int4", "_int8"].contains(baseName) {
            return .castToRealArray(formatted)
        }
        throw ExtractError(
            .schema, "product_embeddings.embedding has unsupported type \(formatted)", table: "product_embeddings")
    }

    /// `product_embeddings` rows ordered by product, type and id, with vectors decoded whatever the
    /// column type (see ``embeddingColumnType()``).
    ///
    /// - Parameter shopID: only embeddings of this shop's products plus orphans (embeddings whose product
    ///   does not exist, which carry no shop); `nil` for all.
    /// - Returns: a cursor over the embeddings.
    /// - Throws: ``ExtractError`` if the embedding column is missing or of an unsupported type, `PGError` if
    ///   the column look-up or the COPY fails.
    public func embeddings(shopID: Int64? = nil) throws -> CatalogCursor<CatalogEmbedding> {
        let columnType = try embeddingColumnType()
        let vector: PGQuery
        switch columnType {
        case .realArray: vector = "e.embedding"
        case .castToRealArray: vector = "e.embedding::real[]"
        case .vector: vector = "e.embedding::text"
        }
        let select: PGQuery = """
            SELECT e.id, e.product_id, \(vector), e.embedding_type, e.model_version, e.source_url, \
            e.created_at, e.updated_at, e.xmin::text::bigint \
            FROM product_embeddings e \
            WHERE \(Self.shopFilter) IS NULL \
            OR NOT EXISTS (SELECT 1 FROM product p WHERE p.id = e.product_id) \
            OR EXISTS (SELECT 1 FROM product p WHERE p.id = e.product_id AND p.shop_id = \(Self.shopFilter)) \
            ORDER BY e.product_id, e.embedding_type, e.id
            """
        let isText = if case .vector = columnType { true } else { false }
        return try copy(select, source: "product_embeddings", fields: 9, shopID: shopID) { row, problems in
            let id = try row.required(0, row.integer)
            var values: [Float] = []
            if isText {
                guard let text = unsafe row.bytes(2) else { throw row.failure(2, "NULL embedding") }
                guard let parsed = unsafe VectorText.parse(text) else {
                    unsafe problems.append(
                        ParseProblem(
                            source: "product_embeddings", key: String(id), field: "embedding",
                            rawValue: String(decoding: text.prefix(80), as: UTF8.self), reason: "not a vector literal"))
                    return CatalogEmbedding(
                        id: id, productID: try row.required(1, row.integer), vector: [],
                        embeddingType: row.string(3) ?? "", modelVersion: row.string(4) ?? "",
                        sourceURL: row.string(5),
                        createdAt: try row.timestampMicros(6).map(CatalogTimestamp.text(micros:)),
                        updatedAt: try row.timestampMicros(7).map(CatalogTimestamp.text(micros:)),
                        rowVersion: try row.integer(8))
                }
                values = parsed
            } else {
                values = try row.floatArray(2) ?? []
            }
            return CatalogEmbedding(
                id: id, productID: try row.required(1, row.integer), vector: values,
                embeddingType: row.string(3) ?? "", modelVersion: row.string(4) ?? "",
                sourceURL: row.string(5), createdAt: try row.timestampMicros(6).map(CatalogTimestamp.text(micros:)),
                updatedAt: try row.timestampMicros(7).map(CatalogTimestamp.text(micros:)),
                rowVersion: try row.integer(8))
        }
    }
}
