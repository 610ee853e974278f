public import BackstopExtract
public import BackstopModel
public import Foundation
public import Logging
import Synchronization

/// The index stage: image fetching and checking, the local embedding model, similarity, the production
/// vectors' bookkeeping, and (with a production provider) their repair. One library call for `backstop
/// reindex` and the nightly job.
///
/// Scope is the shop being reconciled: products of other shops are never named; an embedding whose product
/// does not exist at all is `embedding.orphan`.
///
/// Resumable: images go in batches (``Options/batchSize``), and each batch's vectors, or while refitting its
/// descriptors, are saved before the next batch starts. A later run skips saved vectors whose image and model
/// are unchanged, and a later refit reuses the saved descriptors of an unfinished one (`backstop.reindex_progress`)
/// whose image bytes still match. The similarity pass is incremental (``IncrementalSimilarity``) when the
/// stored lists were computed with the same model, k and threshold, and a self-join otherwise.
public struct IndexStage {
    /// How much to do.
    public enum Mode: String, Sendable, Hashable {
        /// Embed only products whose image bytes or model changed (fit a model only if none exists yet).
        case incremental
        /// Refit the local model on every image, then embed everything.
        case full
    }

    /// The stage's settings.
    public struct Options: Sendable {
        /// Incremental or full.
        public var mode: Mode = .incremental
        /// The shop reconciled.
        public var shopID: Int64 = 17008
        /// Where image bytes come from; `nil` skips every image check (bookkeeping only).
        public var fetcher: ImageFetcher?
        /// Worker threads for fetching and decoding (default: cores, or the fetcher's concurrency over HTTP).
        public var workers: Int?
        /// The production provider whose vectors go into `product_embeddings`; `nil`: report only.
        public var provider: (any EmbeddingProvider)?
        /// Whether catalog rows may be written (`product_embeddings`; reindex yes, nightly no).
        public var writeCatalog: Bool = false
        /// The production model's label.
        public var productionModel: String = IndexDefaults.productionModel
        /// Near-duplicate candidate threshold (local model cosine): pairs at or above it are verified.
        public var duplicateThreshold: Float = IndexDefaults.duplicateThreshold
        /// How candidate pairs are decided from the pixels (``DuplicateVerifier``).
        public var verifier = DuplicateVerifier.Parameters()
        /// Similar products kept per product.
        public var similarCount: Int = IndexDefaults.similarCount
        /// Where to write the Cloudflare export, if anywhere.
        public var exportDirectory: URL?
        /// Called with (done, total) as images are processed.
        public var progress: (@Sendable (Int, Int) -> Void)?
        /// Images per batch: after each batch its vectors (or, while refitting, its descriptors) are saved, so
        /// a stopped or killed run loses at most one batch, and the stop conditions are checked.
        public var batchSize: Int = 512
        /// Asked between batches; `true` stops the stage with an ``IndexError`` of code `stopped` (`--max-seconds`).
        public var shouldStop: (@Sendable () -> Bool)?
        /// Stops the stage (as ``shouldStop``) after the batch in which this many images were decoded (for tests).
        public var stopAfterImages: Int?

        /// The defaults: incremental, report only, no images.
        public init() {}
    }

    /// What the stage needs from the catalog.
    public struct Input: Sendable {
        /// Every catalog product (all shops: an embedding's product may live elsewhere).
        public var products: [CanonicalProduct]
        /// `product_embeddings` rows of the shop's products and of absent products.
        public var embeddings: [CatalogEmbedding]
        /// The shop's products' colors, occasions and tags, for the Cloudflare export (empty without one).
        public var labels: [Int64: CatalogProductLabels]

        /// Creates the input.
        public init(
            products: [CanonicalProduct], embeddings: [CatalogEmbedding], labels: [Int64: CatalogProductLabels] = [:]
        ) {
            self.products = products
            self.embeddings = embeddings
            self.labels = labels
        }
    }

    /// What the stage found and did.
    public struct Outcome: Sendable {
        /// Findings, in report order.
        public var discrepancies: [Discrepancy]
        /// One line for the run report.
        public var summary: String
        /// Products whose local vector was (re)computed, ascending.
        public var reembedded: [Int64]
        /// The local model's label (nil when no image was processed).
        public var modelVersion: String?
        /// Images fetched (main images).
        public var imagesFetched: Int
        /// Production rows written: updated, inserted, deleted, skipped.
        public var production: ProductEmbeddingWriter.Applied?
        /// Seconds spent fetching, decoding and embedding.
        public var imageSeconds: Double
        /// Each product's best similarity score (its nearest other product), for the report's histogram.
        public var topScores: [Float] = []
        /// Main images decoded and described this run.
        public var imagesDecoded: Int = 0
        /// Descriptors of an unfinished refit reused instead of decoding their images again.
        public var descriptorsReused: Int = 0
        /// How the similarity pass ran (nil when it did not).
        public var similarity: SimilarityPass?
        /// Candidate pairs (cosine at or above the threshold) before verification.
        public var candidatePairs: Int = 0
        /// Candidate pairs the verifier judged different pictures.
        public var rejectedPairs: Int = 0
        /// The verifier's version and values, when it ran.
        public var verifier: String?
        /// A small JPEG of each picture of a reported `image.duplicate` pair, by product id.
        public var thumbnails: [Int64: [UInt8]] = [:]
    }

    /// How the similarity pass ran.
    public struct SimilarityPass: Sendable, Hashable {
        /// Incremental (changed × all from the stored state) or the full self-join.
        public var incremental: Bool
        /// Products with a vector.
        public var products: Int
        /// Products whose vector the stored state did not reflect (all of them for a self-join).
        public var changed: Int
        /// Products searched against every vector.
        public var searched: Int
        /// Similar-product lists written or removed.
        public var listsWritten: Int
    }

    /// The settings.
    public var options: Options
    /// Where the stage logs.
    public var logger: Logger

    /// Creates a stage.
    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Per-product result of the image pass.
    struct ImageWork: Sendable {
        var sha256: String?
        var failure: ImageFailure?
        var descriptor: [Float]?
        var bytes: [UInt8]?
        var galleryFailures: [(url: String, failure: ImageFailure)] = []
        var reused = false
    }

    /// Runs the stage.
    ///
    /// - Parameters:
    ///   - input: Products and production embeddings from the catalog.
    ///   - store: Backstop's index tables; `nil` runs without memory (everything is new, nothing saved).
    ///   - writer: The `product_embeddings` writer (used only with a provider and `writeCatalog`).
    ///   - runID: The ledger's run, recorded beside stored rows.
    /// - Returns: The findings and what was done.
    /// - Throws: ``IndexError`` (model fit; code `stopped` when ``Options/shouldStop`` or
    ///   ``Options/stopAfterImages`` ended the image pass early), `PGError` from the stores.
    public func run(input: Input, store: IndexStore?, writer: ProductEmbeddingWriter?, runID: Int64?) throws -> Outcome
    {
        let shop = options.shopID
        var findings: [IndexFinding] = []
        let productsByID = Dictionary(input.products.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let targets = input.products
            .filter { $0.shopID == shop && $0.enabled && !($0.image ?? "").isEmpty }
            .sorted { $0.id < $1.id }
        let targetIDs = Set(targets.map(\.id))

        // MARK: Production bookkeeping (no image needed)
        var rowsByProduct: [Int64: [CatalogEmbedding]] = [:]
        for embedding in input.embeddings where embedding.embeddingType == "image" {
            rowsByProduct[embedding.productID, default: []].append(embedding)
        }
        var orphanRows: [CatalogEmbedding] = []
        var typeGroups: [String: Int] = [:]
        for embedding in input.embeddings {
            typeGroups["\(embedding.productID)\t\(embedding.embeddingType)", default: 0] += 1
        }
        var orphanProducts = Set<Int64>()
        for embedding in input.embeddings {
            if let product = productsByID[embedding.productID] {
                guard product.shopID == shop, !product.enabled else { continue }
                if orphanProducts.insert(embedding.productID).inserted {
                    findings.append(.orphanDisabled(productID: embedding.productID))
                }
                orphanRows.append(embedding)
            } else {
                if orphanProducts.insert(embedding.productID).inserted {
                    findings.append(.orphanAbsent(productID: embedding.productID))
                }
                orphanRows.append(embedding)
            }
        }
        for (group, count) in typeGroups.sorted(by: { $0.key < $1.key }) where count > 1 {
            let parts = group.split(separator: "\t", maxSplits: 1)
            guard let id = Int64(parts[0]), targetIDs.contains(id) else { continue }
            findings.append(.duplicateRows(productID: id, type: parts.count > 1 ? String(parts[1]) : "", rows: count))
        }
        var productionStale = Set<Int64>()
        for product in targets {
            let image = product.image ?? ""
            guard let rows = rowsByProduct[product.id], let row = rows.min(by: { $0.id < $1.id }) else {
                findings.append(.missing(productID: product.id, image: image))
                productionStale.insert(product.id)
                continue
            }
            if rows.count > 1 { productionStale.insert(product.id) }
            if row.sourceURL != image {
                findings.append(.staleSource(productID: product.id, image: image, stored: row.sourceURL))
                productionStale.insert(product.id)
            }
            if row.modelVersion != options.productionModel {
                findings.append(
                    .staleModel(productID: product.id, expected: options.productionModel, stored: row.modelVersion))
                productionStale.insert(product.id)
            }
            var norm: Float = 0
            for value in row.vector { norm += value * value }
            norm = norm.squareRoot()
            if row.vector.count != (options.provider?.dimensions ?? 512) || abs(norm - 1) > 1e-3 {
                findings.append(.malformedVector(productID: product.id, dimensions: row.vector.count, norm: norm))
                productionStale.insert(product.id)
            }
        }

        // MARK: Images
        var outcome = Outcome(
            discrepancies: [], summary: "", reembedded: [], modelVersion: nil, imagesFetched: 0, production: nil,
            imageSeconds: 0)
        var vectorsByProduct: [Int64: [Float]] = [:]
        var newProduction: [Int64: [Float]] = [:]
        var works: [ImageWork] = []
        if let fetcher = options.fetcher {
            let started = DispatchTime.now().uptimeNanoseconds
            let stored = try store?.vectors() ?? [:]
            var model = options.mode == .full ? nil : try store?.currentModel()
            if model == nil && options.mode == .incremental {
                logger.notice("no local embedding model yet: fitting one on this run's images")
            }
            // A refit needs every image's descriptor first: they are saved batch by batch, and an unfinished
            // refit's saved descriptors are reused where the image bytes still match.
            let refitting = model == nil
            let saved: [Int64: IndexStore.StoredDescriptor]
            if refitting, let store {
                let marker = IndexStore.ReindexProgress(
                    mode: options.mode.rawValue, descriptorVersion: ImageDescriptor.version,
                    codecs: ImageCodecVersions.current.description, images: targets.count, runID: runID)
                if let unfinished = try store.reindexProgress(),
                    unfinished.descriptorVersion == marker.descriptorVersion,
                    unfinished.codecs == marker.codecs
                {
                    saved = try store.descriptors(version: ImageDescriptor.version)
                    logger.notice(
                        "resuming an unfinished refit",
                        metadata: [
                            "refit.run": "\(unfinished.runID.map(String.init) ?? "-")",
                            "refit.saved": "\(saved.count)",
                        ])
                } else {
                    try store.beginRefit(marker)
                    saved = [:]
                }
            } else {
                saved = [:]
            }
            let productionSHA = options.provider != nil ? (try store?.productionState() ?? [:]) : [:]
            let currentVersion = model?.version
            let provider = options.provider
            let done = Atomic<Int>(0)
            let workers =
                options.workers
                ?? (fetcher.options.mirror != nil && !fetcher.options.allowNetwork
                    ? ProcessInfo.processInfo.activeProcessorCount : fetcher.options.concurrency)
            let progress = options.progress
            let size = ImageDescriptor.decodeSize
            let total = targets.count
            let batchSize = max(1, options.batchSize)
            var descriptors: [Int64: [Float]] = [:]  // a refit's descriptors, by product
            works.reserveCapacity(total)
            for batchStart in stride(from: 0, to: total, by: batchSize) {
                let batch = batchStart..<min(total, batchStart + batchSize)
                let work = ResultSlots<ImageWork>(count: batch.count)
                ImageFetcher.forEach(batch.count, concurrency: workers) { offset in
                    let product = targets[batch.lowerBound + offset]
                    let url = product.image ?? ""
                    var result = ImageWork()
                    switch fetcher.fetch(url) {
                    case .failure(let failure):
                        result.failure = failure
                    case .success(let image):
                        result.sha256 = image.sha256
                        let previous = stored[product.id]
                        let unchanged =
                            previous.map {
                                $0.imageSHA256 == image.sha256 && $0.sourceURL == url
                                    && $0.modelVersion == currentVersion
                            } ?? false
                        if let descriptor = saved[product.id], refitting, descriptor.imageSHA256 == image.sha256 {
                            result.descriptor = descriptor.descriptor
                            result.reused = true
                        } else if refitting || !unchanged {
                            do {
                                let decoded = try ImageDecoder.decode(
                                    image.bytes, minWidth: size.width, minHeight: size.height,
                                    productID: product.id, url: url)
                                result.descriptor = ImageDescriptor.describe(decoded)
                            } catch {
                                result.failure = .corrupt("\(error)")
                            }
                        }
                        if provider != nil && result.failure == nil {
                            result.bytes = image.bytes
                        }
                    }
                    for galleryURL in product.images where galleryURL != url && !galleryURL.isEmpty {
                        switch fetcher.fetch(galleryURL) {
                        case .failure(let failure): result.galleryFailures.append((galleryURL, failure))
                        case .success(let image):
                            do {
                                _ = try ImageDecoder.decode(image.bytes, minWidth: size.width, minHeight: size.height)
                            } catch {
                                result.galleryFailures.append((galleryURL, .corrupt("\(error)")))
                            }
                        }
                    }
                    work.set(offset, result)
                    let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                    progress?(finished, total)
                }

                // Keep what the batch computed: descriptors while refitting, vectors otherwise.
                var batchDescriptors: [IndexStore.StoredDescriptor] = []
                var batchVectors: [IndexStore.StoredVector] = []
                for (offset, slot) in work.values.enumerated() {
                    var result = slot ?? ImageWork(failure: .network("not processed"))
                    let product = targets[batch.lowerBound + offset]
                    if result.failure == nil, let sha = result.sha256 {
                        if let descriptor = result.descriptor {
                            if result.reused {
                                outcome.descriptorsReused += 1
                            } else {
                                outcome.imagesDecoded += 1
                            }
                            if refitting {
                                descriptors[product.id] = descriptor
                                if !result.reused {
                                    batchDescriptors.append(
                                        .init(productID: product.id, imageSHA256: sha, descriptor: descriptor))
                                }
                            } else if let model {
                                let vector = model.embed(descriptor: descriptor)
                                vectorsByProduct[product.id] = vector
                                batchVectors.append(
                                    .init(
                                        productID: product.id, sourceURL: product.image ?? "", imageSHA256: sha,
                                        modelVersion: model.version, vector: vector))
                                outcome.reembedded.append(product.id)
                            }
                        } else if let previous = stored[product.id] {
                            vectorsByProduct[product.id] = previous.vector
                        }
                    }
                    result.descriptor = nil
                    works.append(result)
                }
                try store?.saveDescriptors(batchDescriptors, version: ImageDescriptor.version, runID: runID)
                try store?.upsert(batchVectors, runID: runID)

                if batch.upperBound < total,
                    options.shouldStop?() == true
                        || options.stopAfterImages.map({ outcome.imagesDecoded >= $0 }) == true
                {
                    try? fetcher.saveCache()
                    throw IndexError(
                        .stopped,
                        "stopped after \(batch.upperBound) of \(total) images (\(outcome.imagesDecoded) decoded, "
                            + "\(outcome.descriptorsReused) descriptors reused); "
                            + (refitting ? "their descriptors are saved" : "their vectors are saved")
                            + " and the next run resumes")
                }
            }
            try? fetcher.saveCache()
            outcome.imagesFetched = works.filter { $0.sha256 != nil }.count

            for (index, product) in targets.enumerated() {
                let result = works[index]
                if let failure = result.failure {
                    findings.append(
                        .unreachable(productID: product.id, field: "image", url: product.image ?? "", failure: failure))
                }
                for gallery in result.galleryFailures {
                    findings.append(
                        .unreachable(productID: product.id, field: "images", url: gallery.url, failure: gallery.failure)
                    )
                }
            }

            // Fit (full run, or the first run) on every decoded image, in product-id order; then embed them all.
            if refitting {
                let inputs = targets.compactMap { descriptors[$0.id] }
                if !inputs.isEmpty {
                    let fitted = try LocalEmbeddingModel.fit(descriptors: inputs)
                    try store?.makeCurrent(fitted, runID: runID)
                    logger.info(
                        "local embedding model fitted",
                        metadata: [
                            "model.version": "\(fitted.version)", "model.images": "\(inputs.count)",
                        ])
                    model = fitted
                    var fresh: [IndexStore.StoredVector] = []
                    for (index, product) in targets.enumerated() {
                        guard let descriptor = descriptors[product.id], let sha = works[index].sha256 else { continue }
                        let vector = fitted.embed(descriptor: descriptor)
                        vectorsByProduct[product.id] = vector
                        fresh.append(
                            .init(
                                productID: product.id, sourceURL: product.image ?? "", imageSHA256: sha,
                                modelVersion: fitted.version, vector: vector))
                        outcome.reembedded.append(product.id)
                    }
                    descriptors = [:]
                    for batch in stride(from: 0, to: fresh.count, by: batchSize) {
                        try store?.upsert(Array(fresh[batch..<min(fresh.count, batch + batchSize)]), runID: runID)
                    }
                }
            }
            if let model {
                outcome.modelVersion = model.version
                let gone = stored.keys.filter { vectorsByProduct[$0] == nil }.sorted()
                try store?.deleteVectors(productIDs: gone)
            }
            outcome.imageSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

            // MARK: Similarity
            if let version = outcome.modelVersion, !vectorsByProduct.isEmpty {
                let sorted = vectorsByProduct.sorted { $0.key < $1.key }
                let ids = sorted.map(\.key)
                var matrix = VectorMatrix(dimensions: model?.dimensions ?? 512)
                for (_, vector) in sorted { matrix.append(vector) }
                let k = options.similarCount
                let threshold = options.duplicateThreshold
                // Incremental only from a state of this same model, k and threshold: otherwise the self-join.
                let previous =
                    options.mode == .incremental && !refitting && k > 0
                    ? try store?.similarity(modelVersion: version, k: k, threshold: threshold) : nil
                let state: SimilarityState
                if let previous {
                    var changed = Set(outcome.reembedded)
                    for id in ids where !(stored[id]?.inSimilarity ?? false) { changed.insert(id) }
                    let update = IncrementalSimilarity.update(
                        ids: ids, vectors: matrix, changed: changed, stored: previous, k: k, threshold: threshold)
                    state = update.state
                    let written = try store?.saveSimilarity(
                        state, replacing: previous, modelVersion: version, k: k, threshold: threshold, runID: runID)
                    outcome.similarity = .init(
                        incremental: true, products: ids.count, changed: changed.count, searched: update.searched,
                        listsWritten: written ?? update.changedLists.count + update.removed.count)
                } else {
                    state = IncrementalSimilarity.full(ids: ids, vectors: matrix, k: k, threshold: threshold)
                    try store?.saveSimilarity(
                        state, replacing: nil, modelVersion: version, k: k, threshold: threshold, runID: runID)
                    outcome.similarity = .init(
                        incremental: false, products: ids.count, changed: ids.count, searched: ids.count,
                        listsWritten: ids.count)
                }
                // Candidates, then a decision from the pixels.
                var urls: [Int64: String] = [:]
                for pair in state.pairs {
                    urls[pair.first] = productsByID[pair.first]?.image ?? ""
                    urls[pair.second] = productsByID[pair.second]?.image ?? ""
                }
                let verification = verify(pairs: state.pairs, urls: urls, fetcher: fetcher, workers: workers)
                outcome.candidatePairs = state.pairs.count
                outcome.rejectedPairs = verification.rejected
                outcome.verifier = options.verifier.summary
                outcome.thumbnails = verification.thumbnails
                for verified in verification.verified {
                    let pair = verified.pair
                    findings.append(
                        .duplicateImage(
                            first: pair.first, second: pair.second, score: pair.score,
                            firstURL: productsByID[pair.first]?.image ?? "",
                            secondURL: productsByID[pair.second]?.image ?? "", verdict: verified.verdict,
                            verifier: options.verifier.version))
                }
                outcome.topScores = state.topScores
            }
            if refitting { try store?.finishRefit() }

            // MARK: Production vectors
            if let provider = options.provider {
                var items: [(product: CanonicalProduct, work: ImageWork)] = []
                for (index, product) in targets.enumerated() {
                    let result = works[index]
                    guard result.failure == nil, let sha = result.sha256, result.bytes != nil else { continue }
                    let stateChanged = productionSHA[product.id] != sha
                    if productionStale.contains(product.id) || stateChanged { items.append((product, result)) }
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
                    let rows = (rowsByProduct[id] ?? []).sorted { $0.id < $1.id }
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
                    for row in orphanRows {
                        steps.append(.delete(rowID: row.id, productID: row.productID, readVersion: row.rowVersion))
                    }
                    outcome.production = try writer.apply(steps)
                    for (id, url, sha) in recorded {
                        try store?.recordProduction(
                            productID: id, sourceURL: url, imageSHA256: sha,
                            modelVersion: provider.modelVersion, dimensions: provider.dimensions,
                            runID: runID)
                    }
                    try store?.forgetProduction(productIDs: Array(orphanProducts))
                }
            }
        }
        if options.provider == nil, options.writeCatalog, let writer, !orphanRows.isEmpty {
            // Orphans go whatever produces the vectors: they only make deleted products searchable.
            outcome.production = try writer.apply(
                orphanRows.map { .delete(rowID: $0.id, productID: $0.productID, readVersion: $0.rowVersion) })
        }

        // MARK: Export
        if let directory = options.exportDirectory {
            var records: [CloudflareExport.Record] = []
            let broken = Set(
                findings.compactMap { finding -> Int64? in
                    switch finding {
                    case .missing(let id, _), .staleSource(let id, _, _), .staleModel(let id, _, _),
                        .malformedVector(let id, _, _):
                        return id
                    default: return nil
                    }
                })
            for product in targets {
                if let vector = newProduction[product.id] {
                    records.append(.init(product: product, vector: vector, labels: input.labels[product.id] ?? .init()))
                } else if !broken.contains(product.id), let row = rowsByProduct[product.id]?.min(by: { $0.id < $1.id })
                {
                    records.append(
                        .init(product: product, vector: row.vector, labels: input.labels[product.id] ?? .init()))
                }
            }
            try CloudflareExport.write(records: records, deleteIDs: Array(orphanProducts), to: directory)
        }

        outcome.discrepancies = findings.map(\.discrepancy).sorted(by: Self.reportOrder)
        var counts: [String: Int] = [:]
        for discrepancy in outcome.discrepancies { counts[discrepancy.kind.rawValue, default: 0] += 1 }
        var summary = "\(targets.count) enabled products with an image; "
        if options.fetcher == nil {
            summary += "images not checked (no mirror and network off); "
        } else {
            summary +=
                "\(outcome.imagesFetched) images fetched, \(outcome.imagesDecoded) decoded, "
                + (outcome.descriptorsReused > 0 ? "\(outcome.descriptorsReused) descriptors reused, " : "")
                + "\(outcome.reembedded.count) embedded with \(outcome.modelVersion ?? "no model"); "
            if let pass = outcome.similarity {
                summary +=
                    pass.incremental
                    ? "similarity incremental: \(pass.changed) changed, \(pass.searched) of \(pass.products) searched, \(pass.listsWritten) lists written; "
                    : "similarity self-join of \(pass.products); "
                if outcome.verifier != nil {
                    summary +=
                        "\(outcome.candidatePairs) near-duplicate candidates, \(outcome.rejectedPairs) rejected by "
                        + "\(options.verifier.version); "
                }
            }
        }
        summary += counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        if let production = outcome.production {
            summary +=
                "; product_embeddings: \(production.updated) updated, \(production.inserted) inserted, \(production.deleted) deleted"
            if production.skipped > 0 {
                summary += ", \(production.skipped) skipped (changed since read)"
            }
        }
        outcome.summary = summary
        return outcome
    }

    /// Kind, then key (shorter first, as numbers), then field.
    static func reportOrder(_ a: Discrepancy, _ b: Discrepancy) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        if a.key != b.key { return a.key.count != b.key.count ? a.key.count < b.key.count : a.key < b.key }
        return (a.field ?? "") < (b.field ?? "")
    }
}
