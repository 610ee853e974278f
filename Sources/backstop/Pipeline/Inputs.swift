import BackstopExtract
import BackstopModel
import BackstopPostgres
import Foundation
import Logging

/// Bitrix-side input of a run.
enum BitrixInput {
    struct Snapshot {
        var products: [CanonicalProduct]
        var summary: String
        var partial: Bool
    }

    static func loadProducts(configuration: BackstopConfiguration, allowPartial: Bool, logger: Logger) throws -> Snapshot {
        guard !configuration.bitrix.dumps.isEmpty else {
            throw CLIError("no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
        }
        throw CLIError("the dump reader is not wired in yet")
    }
}

/// Catalog-side input of a run.
enum CatalogInput {
    static func loadProducts(connection: PGConnection, logger: Logger) throws -> [CanonicalProduct] {
        let cursor = try connection.query(
            """
            SELECT id, shop_id, name, price, enabled, type::text, width, height, description, image
              FROM product ORDER BY id
            """)
        var products: [CanonicalProduct] = []
        while let row = try cursor.next() {
            guard let id = row[0].flatMap({ Int64($0) }) else { continue }
            products.append(
                CanonicalProduct(
                    id: id, shopID: row[1].flatMap { Int64($0) }, name: row[2] ?? "",
                    price: row[3].flatMap { Int64($0) }.map { Kopecks($0) }, enabled: row[4] == "t",
                    type: row[5].flatMap(ProductType.init(rawValue:)), width: row[6].flatMap { Int($0) },
                    height: row[7].flatMap { Int($0) }, description: row[8], image: row[9]))
        }
        return products
    }
}
