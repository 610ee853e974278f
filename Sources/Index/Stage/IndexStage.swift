public import BackstopExtract
public import BackstopModel
public import Foundation
public import Logging

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

        /// The stage's input as the catalog reader returns it.
        /// - Parameters:
        ///   - products: Every catalog product, of every shop (orphans are found across shops).
        ///   - embeddings: The shop's `product_embeddings` rows (and those of absent products).
        ///   - labels: Colours, occasions and tags by product, only for the Cloudflare export.
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
        /// Candidate pairs (cosine at or above the threshold, or luma hashes within
        /// ``DuplicateCandidates/maxLumaHashDistance``) before verification.
        public var candidatePairs: Int = 0
        /// Of ``candidatePairs``, those only the luma hashes found (the cosine was below the threshold).
        public var lumaCandidatePairs: Int = 0
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

    /// A stage ready to run with these options.
    /// - Parameters:
    ///   - options: Mode, shop, fetcher, provider, thresholds, batches and stop checks.
    ///   - logger: Where the stage logs (constant messages, data in metadata).
    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs the stage: the production bookkeeping, then (with a fetcher) the image pass, similarity and the
    /// production vectors, then the export; each pass lives in its own `IndexStage+….swift` file.
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
        let productsByID = Dictionary(input.products.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let targets = input.products
            .filter { $0.shopID == shop && $0.enabled && !($0.image ?? "").isEmpty }
            .sorted { $0.id < $1.id }

        let audit = auditProduction(input: input, productsByID: productsByID, targets: targets)
        var findings = audit.findings
        var outcome = Outcome(
            discrepancies: [], summary: "", reembedded: [], modelVersion: nil, imagesFetched: 0, production: nil,
            imageSeconds: 0)
        var newProduction: [Int64: [Float]] = [:]
        if let fetcher = options.fetcher {
            let images = try runImages(
                fetcher: fetcher, targets: targets, productsByID: productsByID, store: store, runID: runID,
                outcome: &outcome)
            findings += images.findings
            findings += try runSimilarity(
                images: images, productsByID: productsByID, fetcher: fetcher, store: store, runID: runID,
                outcome: &outcome)
            if images.refitting { try store?.finishRefit() }
            if let provider = options.provider {
                let written = try writeProduction(
                    provider: provider, targets: targets, images: images, audit: audit, store: store,
                    writer: writer, runID: runID, outcome: &outcome)
                findings += written.findings
                newProduction = written.vectors
            }
        }
        if options.provider == nil, options.writeCatalog, let writer, !audit.orphanRows.isEmpty {
            // Orphans go whatever produces the vectors: they only make deleted products searchable.
            outcome.production = try writer.apply(
                audit.orphanRows.map { .delete(rowID: $0.id, productID: $0.productID, readVersion: $0.rowVersion) })
        }
        if let directory = options.exportDirectory {
            try export(
                to: directory, targets: targets, input: input, findings: findings, audit: audit,
                newProduction: newProduction)
        }

        outcome.discrepancies = findings.map(\.discrepancy).sorted(by: Self.reportOrder)
        outcome.summary = summary(of: outcome, targets: targets.count)
        return outcome
    }

    /// Kind, then key (shorter first, as numbers), then field.
    static func reportOrder(_ a: Discrepancy, _ b: Discrepancy) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        if a.key != b.key { return a.key.count != b.key.count ? a.key.count < b.key.count : a.key < b.key }
        return (a.field ?? "") < (b.field ?? "")
    }
}
