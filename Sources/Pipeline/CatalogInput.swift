public import BackstopModel
public import BackstopPostgres
import BackstopExtract
public import Logging

/// Catalog-side input of a run: the upstream tables through binary COPY.
public enum CatalogInput {
    /// Opens the configured catalog connection, naming where the connection settings came from on failure.
    public static func connect(_ configuration: BackstopConfiguration, logger: Logger) throws(PipelineError) -> PGConnection {
        do {
            return try PGConnection(conninfo: configuration.catalogConninfo, logger: logger)
        } catch {
            throw PipelineError("cannot connect to the catalog (\(configuration.catalogSource)): \(error.message)")
        }
    }

    /// Reads every catalog product through binary COPY.
    static func loadProducts(connection: PGConnection, logger: Logger) throws -> [CanonicalProduct] {
        let cursor = try CatalogReader(connection: connection, logger: logger).products()
        var products: [CanonicalProduct] = []
        while let product = try cursor.next() { products.append(product) }
        return products
    }
}
