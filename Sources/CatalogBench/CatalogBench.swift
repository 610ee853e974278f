import BackstopBenchSupport
import BackstopExtract
import BackstopModel
import BackstopPostgres
import Dispatch
import Glibc
import Logging

/// Times the catalog reader over a prepared database: `CatalogBench <conninfo> [runs] [mode]`.
///
/// Modes: `merge` (default: ``CatalogReader/products(shopID:)`` on an idle connection, two COPY streams
/// merged client-side), `aggregated` (the same call inside a transaction, which takes the one-stream
/// shape with images aggregated server-side), `records` (``CatalogReader/productRecords(shopID:)``),
/// `reference` (``CatalogReader/rows(_:source:fields:decode:)`` over the six-column `reference_product`
/// table of swift-feasibility.md section 3, decoded into the same struct that measurement used).
///
/// Prints one JSON object. Per run it measures wall time, this process's CPU time (`getrusage`: the
/// client: libpq, decoding, building `CanonicalProduct`s) and the CPU time of the server backends
/// serving the COPYs (`/proc/<pid>/stat`; needs the server on this machine). On a shared machine the
/// CPU-time rates are the trustworthy ones: wall time includes waiting for a core.
@main
struct CatalogBench {
    struct Run {
        var wall: Double
        var clientCPU: Double
        var productBackendCPU: Double
        var imageBackendCPU: Double
        var serverCPU: Double { productBackendCPU + imageBackendCPU }
    }

    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2 else {
            print("usage: CatalogBench <conninfo> [runs] [merge|aggregated|records|reference]")
            return
        }
        let conninfo = arguments[1]
        let runCount = arguments.count >= 3 ? Int(arguments[2]) ?? 3 : 3
        let mode = arguments.count >= 4 ? arguments[3] : "merge"
        let logger = Logger(label: "backstop.bench") { _ in SwiftLogNoOpLogHandler() }
        let connection = try PGConnection(conninfo: conninfo, logger: logger)
        let monitor = try PGConnection(conninfo: conninfo, applicationName: "backstop-bench-monitor", logger: logger)
        let backend = try connection.execute("SELECT pg_backend_pid()").int(row: 0, column: 0)
        let database = try connection.execute("SELECT current_database()").string(row: 0, column: 0) ?? ""
        let reader = CatalogReader(connection: connection, logger: logger)
        var runs: [Run] = []
        var rows = 0
        var images = 0
        var checksum: Int64 = 0
        for _ in 0..<runCount {
            if mode == "aggregated" { try connection.execute("BEGIN") }
            let startedWall = DispatchTime.now().uptimeNanoseconds
            let startedCPU = CPUTime.process()
            let startedBackend = CPUTime.of(pid: backend) ?? 0
            var imageBackend: Int?
            var imageBackendStart = 0.0
            var imageBackendLast = 0.0
            rows = 0
            images = 0
            checksum = 0
            // The image backend lives only while the products stream: find it once the read is under way
            // and sample it every 64k rows (its CPU at the last sample is within a sample of its total).
            func sampleImageBackend() throws {
                guard mode != "aggregated" else { return }
                if imageBackend == nil {
                    let found = try monitor.execute(
                        """
                        SELECT pid FROM pg_stat_activity WHERE datname = \(database) \
                        AND application_name = 'backstop-images'
                        """)
                    guard found.rowCount == 1 else { return }
                    imageBackend = try found.int(row: 0, column: 0)
                    imageBackendStart = imageBackend.flatMap(CPUTime.of(pid:)) ?? 0
                    imageBackendLast = imageBackendStart
                }
                if let pid = imageBackend, let now = CPUTime.of(pid: pid) { imageBackendLast = now }
            }
            if mode == "reference" {
                var collected: [ReferenceProduct] = []
                collected.reserveCapacity(1 << 20)
                let cursor = try reader.rows("SELECT * FROM reference_product", source: "reference_product", fields: 6)
                { row, _ in
                    ReferenceProduct(
                        id: try row.required(0, row.int64), shopID: try row.required(1, row.int32),
                        name: row.string(2) ?? "", price: try row.required(3, row.int64),
                        enabled: try row.required(4, row.bool),
                        updatedAtMicros: try row.required(5, row.timestampMicros))
                }
                while let product = try cursor.next() {
                    rows += 1
                    checksum &+= product.id &+ product.price &+ Int64(product.name.utf8.count)
                    collected.append(product)
                }
            } else if mode == "records" {
                let cursor = try reader.productRecords()
                while let record = try cursor.next() {
                    rows += 1
                    images += record.imageRows.count
                    checksum &+=
                        record.product.id &+ (record.product.price?.value ?? 0)
                        &+ Int64(record.product.name.utf8.count) &+ Int64(record.updatedAt?.utf8.count ?? 0)
                    if rows & 0xFFFF == 1 { try sampleImageBackend() }
                }
            } else {
                let cursor = try reader.products()
                while let product = try cursor.next() {
                    rows += 1
                    images += product.images.count
                    checksum &+= product.id &+ (product.price?.value ?? 0) &+ Int64(product.name.utf8.count)
                    if rows & 0xFFFF == 1 { try sampleImageBackend() }
                }
            }
            let wall = Double(DispatchTime.now().uptimeNanoseconds - startedWall) / 1e9
            let clientCPU = CPUTime.process() - startedCPU
            let productBackendCPU = (CPUTime.of(pid: backend) ?? 0) - startedBackend
            if mode == "aggregated" { try connection.execute("COMMIT") }
            runs.append(
                Run(
                    wall: wall, clientCPU: clientCPU, productBackendCPU: productBackendCPU,
                    imageBackendCPU: imageBackendLast - imageBackendStart))
        }
        func best(_ key: (Run) -> Double) -> Double { runs.map(key).min() ?? 0 }
        func rate(_ seconds: Double) -> Int { seconds > 0 ? Int(Double(rows) / seconds) : 0 }
        let wall = best(\.wall)
        let client = best(\.clientCPU)
        let server = best(\.serverCPU)
        func list(_ key: (Run) -> Double) -> [Double] { runs.map(key).map { ($0 * 1000).rounded() / 1000 } }
        try BenchOutput.print(
            Result(
                mode: mode, rows: rows, images: images, checksum: checksum, runs: runCount,
                wallSeconds: list(\.wall), clientCPUSeconds: list(\.clientCPU),
                serverProductBackendCPUSeconds: list(\.productBackendCPU),
                serverImageBackendCPUSeconds: list(\.imageBackendCPU), bestWallSeconds: wall,
                rowsPerSecondWallBest: rate(wall), bestClientCPUSeconds: client, rowsPerClientCPUSecond: rate(client),
                clientCPUNanosecondsPerRow: rows > 0 ? Int(client * 1e9 / Double(rows)) : 0,
                bestServerCPUSeconds: server, rowsPerServerCPUSecond: rate(server)))
    }

    /// The line 30-catalog-copy.sh reads: the rows read, every run's times, and the best run's rates.
    struct Result: Encodable {
        /// `merge`, `aggregated`, `records` or `reference`.
        var mode: String
        /// Products (or reference rows) read in the last run.
        var rows: Int
        /// Image rows read in the last run.
        var images: Int
        /// A sum over the rows, so the reads cannot be optimised away (and two modes can be compared).
        var checksum: Int64
        /// Runs made.
        var runs: Int
        /// Each run's wall-clock seconds (to the millisecond).
        var wallSeconds: [Double]
        /// Each run's client CPU seconds.
        var clientCPUSeconds: [Double]
        /// Each run's CPU seconds of the products backend.
        var serverProductBackendCPUSeconds: [Double]
        /// Each run's CPU seconds of the images backend (0 for the one-stream shapes).
        var serverImageBackendCPUSeconds: [Double]
        /// The fastest run's wall-clock seconds.
        var bestWallSeconds: Double
        /// Rows per wall-clock second of that run.
        var rowsPerSecondWallBest: Int
        /// The least client CPU of any run.
        var bestClientCPUSeconds: Double
        /// Rows per client CPU second.
        var rowsPerClientCPUSecond: Int
        /// Client CPU nanoseconds per row.
        var clientCPUNanosecondsPerRow: Int
        /// The least server CPU of any run.
        var bestServerCPUSeconds: Double
        /// Rows per server CPU second.
        var rowsPerServerCPUSecond: Int

        enum CodingKeys: String, CodingKey {
            case mode, rows, images, checksum, runs, wallSeconds = "wall_seconds"
            case clientCPUSeconds = "client_cpu_seconds"
            case serverProductBackendCPUSeconds = "server_product_backend_cpu_seconds"
            case serverImageBackendCPUSeconds = "server_image_backend_cpu_seconds"
            case bestWallSeconds = "best_wall_seconds", rowsPerSecondWallBest = "rows_per_second_wall_best"
            case bestClientCPUSeconds = "best_client_cpu_seconds", rowsPerClientCPUSecond = "rows_per_client_cpu_second"
            case clientCPUNanosecondsPerRow = "client_cpu_ns_per_row"
            case bestServerCPUSeconds = "best_server_cpu_seconds", rowsPerServerCPUSecond = "rows_per_server_cpu_second"
        }
    }

    /// The row of the feasibility measurement: `{Int64, Int32, String, Int64, Bool, Int64 µs}`.
    struct ReferenceProduct {
        var id: Int64
        var shopID: Int32
        var name: String
        var price: Int64
        var enabled: Bool
        var updatedAtMicros: Int64
    }
}
