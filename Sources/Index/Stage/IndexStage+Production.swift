import BackstopExtract
import BackstopModel
import Logging

extension IndexStage {
    /// What the production bookkeeping found in `product_embeddings` before any image is read: the findings, and
    /// the rows the later passes repair, delete or export.
    struct ProductionAudit {
        /// Missing, stale, malformed, duplicate and orphan rows, in the order found.
        var findings: [IndexFinding] = []
        /// The `image` rows of each product.
        var rowsByProduct: [Int64: [CatalogEmbedding]] = [:]
        /// Rows of disabled or absent products.
        var orphanRows: [CatalogEmbedding] = []
        /// The products of `orphanRows`.
        var orphanProducts = Set<Int64>()
        /// Products whose production vector needs recomputing whatever their image does.
        var stale = Set<Int64>()
    }

    /// The production bookkeeping (no image needed): every `product_embeddings` row checked against the catalog.
    ///
    /// Only `image` rows of this shop's products are judged. Findings, per product:
    /// 1. a row of a disabled product of the shop or of a product the catalog does not have: `orphan`
    ///    (reported once per product; all its rows are deleted when writes are allowed);
    /// 2. more than one row of one type for a target: duplicate rows;
    /// 3. a target without an `image` row: `missing`;
    /// 4. the oldest row's `source_url` differs from the product's image: stale source;
    /// 5. its `model_version` differs from the configured production model: stale model;
    /// 6. its vector is not `dimensions` long (the provider's, else 512) or its norm is not 1 within 1e-3:
    ///    malformed.
    /// Cases 2–6 also mark the product stale, so the production pass re-embeds it whatever its image does.
    ///
    /// - Parameters:
    ///   - input: The stage's input (`product_embeddings` rows among it).
    ///   - productsByID: Every catalog product by id, enabled or not, of any shop.
    ///   - targets: The enabled products of the shop, the ones that should have a vector.
    /// - Returns: The findings and the rows the later passes repair, delete or export.
    func auditProduction(
        input: Input, productsByID: [Int64: CanonicalProduct], targets: [CanonicalProduct]
    ) -> ProductionAudit {
        let shop = options.shopID
        let targetIDs = Set(targets.map(\.id))
        var audit = ProductionAudit()
        for embedding in input.embeddings where embedding.embeddingType == "image" {
            audit.rowsByProduct[embedding.productID, default: []].append(embedding)
        }
        var typeGroups: [String: Int] = [:]
        for embedding in input.embeddings {
            typeGroups["\(embedding.productID)\t\(embedding.embeddingType)", default: 0] += 1
        }
        for embedding in input.embeddings {
            if let product = productsByID[embedding.productID] {
                guard product.shopID == shop, !product.enabled else { continue }
                if audit.orphanProducts.insert(embedding.productID).inserted {
                    audit.findings.append(.orphanDisabled(productID: embedding.productID))
                }
                audit.orphanRows.append(embedding)
            } else {
                if audit.orphanProducts.insert(embedding.productID).inserted {
                    audit.findings.append(.orphanAbsent(productID: embedding.productID))
                }
                audit.orphanRows.append(embedding)
            }
        }
        for (group, count) in typeGroups.sorted(by: { $0.key < $1.key }) where count > 1 {
            let parts = group.split(separator: "\t", maxSplits: 1)
            guard let id = Int64(parts[0]), targetIDs.contains(id) else { continue }
            audit.findings.append(
                .duplicateRows(productID: id, type: parts.count > 1 ? String(parts[1]) : "", rows: count))
        }
        for product in targets {
            let image = product.image ?? ""
            guard let rows = audit.rowsByProduct[product.id], let row = rows.min(by: { $0.id < $1.id }) else {
                audit.findings.append(.missing(productID: product.id, image: image))
                audit.stale.insert(product.id)
                continue
            }
            if rows.count > 1 { audit.stale.insert(product.id) }
            if row.sourceURL != image {
                audit.findings.append(.staleSource(productID: product.id, image: image, stored: row.sourceURL))
                audit.stale.insert(product.id)
            }
            if row.modelVersion != options.productionModel {
                audit.findings.append(
                    .staleModel(productID: product.id, expected: options.productionModel, stored: row.modelVersion))
                audit.stale.insert(product.id)
            }
            var norm: Float = 0
            for value in row.vector { norm += value * value }
            norm = norm.squareRoot()
            if row.vector.count != (options.provider?.dimensions ?? 512) || abs(norm - 1) > 1e-3 {
                audit.findings.append(
                    .malformedVector(productID: product.id, dimensions: row.vector.count, norm: norm))
                audit.stale.insert(product.id)
            }
        }
        return audit
    }

    /// The production vectors: the provider embeds every stale or changed image and, when catalog writes are
    /// allowed, the writer repairs `product_embeddings` (orphans deleted too).
    ///
    /// A product is sent to the provider when its image was fetched this run and it is stale (the audit) or
    /// its image's SHA-256 differs from the one its production vector was recorded from. A vector that
    /// differs (cosine distance above ``IndexDefaults/vectorTolerance``) from a row of the same model and
    /// URL means the bytes behind the URL changed: `staleVector`. Writes go through
    /// ``ProductEmbeddingWriter``: the oldest row updated, extra rows deleted, a missing one inserted, each
    /// checked against the row version read, so a row a webhook rewrote meanwhile is skipped, not
    /// overwritten. A provider's failure for one product is logged and leaves its row as it was.
    ///
    /// - Parameters:
    ///   - provider: The production embedding service.
    ///   - targets: The enabled products of the shop, in the image pass's order.
    ///   - images: The image pass's results (bytes are kept for the provider).
    ///   - audit: The production audit.
    ///   - store: Backstop's record of which image each production vector came from.
    ///   - writer: The `product_embeddings` writer; `nil` reports only.
    ///   - runID: The run writing.
    ///   - outcome: Counts the stage reports; the writer's counts are set here.
    /// - Returns: `staleVector` findings, and the vectors written (empty unless ``Options/writeCatalog``).
    /// - Throws: `PGError` from the writer or the store.
    func writeProduction(
        provider: any EmbeddingProvider, targets: [CanonicalProduct], images: ImagePass, audit: ProductionAudit,
        store: IndexStore?, writer: ProductEmbeddingWriter?, runID: Int64?, outcome: inout Outcome
    ) throws -> (findings: [IndexFinding], vectors: [Int64: [Float]]) {
        var findings: [IndexFinding] = []
        var newProduction: [Int64: [Float]] = [:]
        var items: [(product: CanonicalProduct, work: ImageWork)] = []
        for (index, product) in targets.enumerated() {
            let result = images.works[index]
            guard result.failure == nil, let sha = result.sha256, result.bytes != nil else { continue }
            let stateChanged = images.productionSHA[product.id] != sha
            if audit.stale.contains(product.id) || stateChanged { items.append((product, result)) }
        }
        let answers = provider.embed(
            items.map {
                ProviderItem(productID: $0.product.id, url: $0.product.image ?? "", bytes: $0.work.bytes ?? [])
            })
        var steps: [ProductEmbeddingWriter.Step] = []
        var recorded: [(Int64, String, String)] = []
        for (item, answer) in zip(items, answers) {
            let id = item.product.id
            guard case .success(let vector) = answer else {
                if case .failure(let failure) = answer {
                    logger.warning(
                        "provider gave no vector", metadata: ["product.id": "\(id)", "error": "\(failure)"])
                }
                continue
            }
            let rows = (audit.rowsByProduct[id] ?? []).sorted { $0.id < $1.id }
            if let keep = rows.first {
                // Same provider, same image, yet a different vector: the bytes changed behind the URL.
                if keep.modelVersion == provider.modelVersion && keep.sourceURL == item.product.image,
                    keep.vector.count == vector.count
                {
                    var dot: Float = 0
                    for index in 0..<vector.count { dot += keep.vector[index] * vector[index] }
                    if 1 - dot > IndexDefaults.vectorTolerance {
                        findings.append(.staleVector(productID: id, distance: 1 - dot))
                    }
                }
                steps.append(
                    .update(
                        rowID: keep.id, productID: id, vector: vector, sourceURL: item.product.image ?? "",
                        modelVersion: provider.modelVersion, readVersion: keep.rowVersion))
                for extra in rows.dropFirst() {
                    steps.append(.delete(rowID: extra.id, productID: id, readVersion: extra.rowVersion))
                }
            } else {
                steps.append(
                    .insert(
                        productID: id, vector: vector, sourceURL: item.product.image ?? "",
                        modelVersion: provider.modelVersion))
            }
            recorded.append((id, item.product.image ?? "", item.work.sha256 ?? ""))
            if options.writeCatalog { newProduction[id] = vector }
        }
        if options.writeCatalog, let writer {
            for row in audit.orphanRows {
                steps.append(.delete(rowID: row.id, productID: row.productID, readVersion: row.rowVersion))
            }
            outcome.production = try writer.apply(steps)
            for (id, url, sha) in recorded {
                try store?.recordProduction(
                    productID: id, sourceURL: url, imageSHA256: sha,
                    modelVersion: provider.modelVersion, dimensions: provider.dimensions,
                    runID: runID)
            }
            try store?.forgetProduction(productIDs: Array(audit.orphanProducts))
        }
        return (findings, newProduction)
    }
}
