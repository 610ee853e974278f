import BackstopExtract
import BackstopModel
import BackstopPostgres
import Dispatch
import Logging

/// Times the catalog reader over a prepared database: `CatalogBench <conninfo> [runs]`.
/// Prints one JSON object: the best and median wall time of reading every product through
/// ``CatalogReader/products(shopID:)`` (binary COPY + decoding into `CanonicalProduct`), rows/s, and a
/// checksum that proves every row was decoded.
@main
struct CatalogBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            print("usage: CatalogBench <conninfo> [runs]")
            return
        }
        let runs = arguments.count >= 3 ? Int(arguments[2]) ?? 3 : 3
        let logger = Logger(label: "backstop.bench") { _ in SwiftLogNoOpLogHandler() }
        let connection = try PGConnection(conninfo: arguments[1], logger: logger)
        let reader = CatalogReader(connection: connection, logger: logger)
        var times: [Double] = []
        var rows = 0
        var images = 0
        var checksum: Int64 = 0
        for _ in 0..<runs {
            let started = DispatchTime.now().uptimeNanoseconds
            let cursor = try reader.products()
            rows = 0
            images = 0
            checksum = 0
            while let product = try cursor.next() {
                rows += 1
                images += product.images.count
                checksum &+= product.id &+ (product.price?.value ?? 0) &+ Int64(product.name.utf8.count)
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        }
        let sorted = times.sorted()
        let best = sorted[0]
        let median = sorted[sorted.count / 2]
        print(
            """
            {"rows": \(rows), "images": \(images), "checksum": \(checksum), "runs": \(runs), \
            "best_seconds": \(best), "median_seconds": \(median), \
            "rows_per_second_best": \(Int(Double(rows) / best)), "rows_per_second_median": \(Int(Double(rows) / median))}
            """)
    }
}
