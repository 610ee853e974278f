import BackstopExtract
public import BackstopIndex
public import BackstopModel
import BackstopPostgres
import BackstopReport
public import Foundation
import Logging

/// The index stage's inputs and settings, from the catalog and Backstop's configuration.
///
/// The seam between `BackstopIndex` (which knows images, vectors and similarity, not configuration files)
/// and the jobs: `RunJob`'s incremental index stage and `ReindexJob` both build their options here, so
/// `backstop.toml`'s `[images]` keys mean the same in `nightly` and `reindex`.
public enum IndexInput {
    /// Reads every product and the shop's production embeddings (plus those of absent products), and the
    /// shop's labels when the Cloudflare export is written.
    /// - Parameters:
    ///   - connection: The catalog connection.
    ///   - shopID: The run's shop.
    ///   - withLabels: Whether to read colours, occasions and tags (only for `--export`).
    ///   - logger: Where the reader logs.
    /// - Returns: The stage's input; no embeddings when the catalog has no `product_embeddings` table.
    /// - Throws: `PGError` or `ExtractError` from the catalog reader.
    static func load(
        connection: PGConnection, shopID: Int64, withLabels: Bool, logger: Logger
    ) throws -> IndexStage.Input {
        let reader = CatalogReader(connection: connection, logger: logger)
        let products = try reader.products().collect()
        let embeddings =
            try CatalogInput.hasTable("product_embeddings", on: connection)
            ? try reader.embeddings(shopID: shopID).collect() : []
        let labels = withLabels ? try reader.labels(shopID: shopID) : [:]
        return IndexStage.Input(products: products, embeddings: embeddings, labels: labels)
    }

    /// The stage's options: images through the mirror (and the network when `images.network` is on),
    /// the production provider when one is configured.
    ///
    /// - Parameters:
    ///   - configuration: Backstop's configuration (`[images]`, the shop, the Bitrix base URL that a bare
    ///     mirror folder stands in for).
    ///   - mode: `incremental` (nightly, `reindex`) or `full` (`reindex --full`).
    ///   - writeCatalog: Whether production vectors may be written to `product_embeddings`.
    ///   - environment: Where `BACKSTOP_VERTEX_TOKEN` is read.
    /// - Returns: The stage's options; without a mirror and with the network off, no fetcher (images are
    ///   then not checked).
    /// - Throws: ``PipelineError`` for a malformed mirror or an unknown provider.
    public static func options(
        _ configuration: BackstopConfiguration, mode: IndexStage.Mode, writeCatalog: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> IndexStage.Options {
        var options = IndexStage.Options()
        options.mode = mode
        options.shopID = configuration.runShopID
        options.writeCatalog = writeCatalog
        options.productionModel = configuration.images.model
        options.batchSize = max(1, configuration.images.batchSize)
        let images = configuration.images
        if images.mirror != nil || images.network {
            var fetch = ImageFetcher.Options()
            do {
                fetch.mirror = try images.mirror.map {
                    try ImageMirror(parsing: $0, defaultPrefix: configuration.bitrix.baseURL + "/")
                }
            } catch {
                throw PipelineError(.configuration, "images.mirror / BACKSTOP_IMAGE_MIRROR: \(error)")
            }
            fetch.allowNetwork = images.network
            fetch.cacheDirectory = images.network ? images.cache : nil
            fetch.concurrency = max(1, images.concurrency)
            do { options.fetcher = try ImageFetcher(options: fetch) } catch {
                throw PipelineError(.configuration, "\(error)")
            }
        }
        switch images.provider {
        case "none", "":
            break
        case "embedding-service":
            guard let url = images.embeddingService else {
                throw PipelineError(
                    .configuration,
                    "images.provider = \"embedding-service\" needs images.embedding_service (or BACKSTOP_EMBEDDING_SERVICE)"
                )
            }
            options.provider = EmbeddingServiceClient(
                baseURL: url, modelVersion: images.model, dimensions: images.dimensions)
        case "vertex":
            guard let endpoint = images.vertexEndpoint else {
                throw PipelineError(.configuration, "images.provider = \"vertex\" needs images.vertex_endpoint")
            }
            options.provider = VertexEmbeddingClient(
                endpoint: endpoint, accessToken: environment["BACKSTOP_VERTEX_TOKEN"], modelVersion: images.model,
                dimensions: images.dimensions)
        default:
            throw PipelineError(
                .configuration, "unknown images.provider \(images.provider) (none, embedding-service, vertex)")
        }
        return options
    }

    /// The report's warning row when the catalog has no `product_embeddings` (created by a separate upstream
    /// migration, so a real catalog may lack it): the stage then checks images and similarity only.
    /// - Parameter connection: The catalog connection.
    /// - Returns: The warning line, or `nil` when the table exists.
    /// - Throws: `PGError`.
    static func embeddingsWarning(on connection: PGConnection) throws -> RunReport.Stage? {
        guard try !CatalogInput.hasTable("product_embeddings", on: connection) else { return nil }
        return RunReport.Stage(
            name: "index.embeddings", status: "warning",
            summary: "embedding checks skipped: the catalog (\(connection.endpoint)) has no product_embeddings table "
                + "(a separate upstream migration creates it); images and similarity were still checked",
            seconds: 0)
    }

    /// Runs the stage on `connection` and returns its outcome. Without `product_embeddings` in the catalog the
    /// production-vector checks (`embedding.*`) are skipped and nothing is written there.
    /// - Parameters:
    ///   - options: The stage's options.
    ///   - connection: The catalog connection (Backstop's index tables live in the same database).
    ///   - runID: The run, for the index tables' bookkeeping.
    ///   - logger: Where the stage logs.
    /// - Returns: The stage's outcome.
    /// - Throws: ``PipelineError`` naming a missing catalog table, `IndexError` (code `stopped` when
    ///   asked to stop between batches), `PGError`.
    static func run(
        options: IndexStage.Options, connection: PGConnection, runID: Int64?, logger: Logger
    ) throws -> IndexStage.Outcome {
        try CatalogInput.requireTables(
            ["product": "products", "productimage": "product images"], stage: "index", on: connection)
        let embeddingsTable = try CatalogInput.hasTable("product_embeddings", on: connection)
        let input = try load(
            connection: connection, shopID: options.shopID, withLabels: options.exportDirectory != nil, logger: logger)
        let writer =
            options.writeCatalog && embeddingsTable
            ? try ProductEmbeddingWriter(
                connection: connection, reader: CatalogReader(connection: connection, logger: logger))
            : nil
        let stage = IndexStage(options: options, logger: logger)
        var outcome = try stage.run(
            input: input, store: IndexStore(connection: connection), writer: writer, runID: runID)
        if !embeddingsTable {
            logger.warning(
                "embedding checks skipped", metadata: ["reason": "the catalog has no product_embeddings table"])
            outcome.discrepancies.removeAll { $0.kind.rawValue.hasPrefix("embedding.") }
            outcome.summary += "; embedding checks skipped (no product_embeddings table)"
        }
        return outcome
    }
}
