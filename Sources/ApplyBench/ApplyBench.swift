import BackstopBenchSupport
import BackstopExtract
import BackstopMerge
import BackstopModel
import BackstopPipeline
import BackstopPostgres
import BackstopStore
import Dispatch
import Foundation
import Glibc
import Logging

/// Times the apply of a large merge plan against a prepared catalog (scripts/bench/40-apply.sh makes it):
/// `ApplyBench <conninfo> <products> <orders> [batch size] [workers]` (either `default`, or left out: the
/// settings of a plain `backstop apply`).
///
/// The catalog holds `products` products (ids 1…n, shop 17008, one image each) and `orders` orders (ids
/// 1…m, status NEW). The plan, planned against the versions read the way a run reads them, holds: 40 % of
/// the products updated (price and name), 5 % soft-deleted, 10 % with their image list replaced by two
/// images (one row updated in place, one inserted), 10 % more inserted new with two images each, 50 % of
/// the orders set to DELIVERED (each with its history row), 20 % back-filled with a Bitrix link. Prints
/// one JSON object: steps, catalog rows written, seconds of reading the versions, saving the plan and
/// loading it back (what `apply --run` does), and of applying it: wall, this process's CPU and, with one
/// worker, the server backend's CPU (the CPU rates are the steadier ones on a shared machine).
@main
struct ApplyBench {
    static func main() throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 4, let products = Int64(arguments[2]), let orders = Int64(arguments[3]) else {
            print("usage: ApplyBench <conninfo> <products> <orders> [batch size] [workers]")
            return
        }
        // Missing or `default`: the settings a plain `backstop apply` uses (merge.batch_size, merge.workers).
        let defaults = BackstopConfiguration.Merge()
        let batchSize = arguments.count >= 5 ? Int(arguments[4]) ?? defaults.batchSize : defaults.batchSize
        let workers = arguments.count >= 6 ? Int(arguments[5]) ?? defaults.workers : defaults.workers
        // BENCH_TRACE=1: every statement's time on stderr (PGConnection logs them at trace).
        let trace = ProcessInfo.processInfo.environment["BENCH_TRACE"] == "1"
        var logger = Logger(label: "backstop.bench") { label in
            trace ? StreamLogHandler.standardError(label: label) as any LogHandler : SwiftLogNoOpLogHandler()
        }
        logger.logLevel = trace ? .trace : .critical
        let connection = try PGConnection(conninfo: arguments[1], logger: logger)
        let shop: Int64 = 17008
        let backend = try connection.execute("SELECT pg_backend_pid()").int(row: 0, column: 0)

        var clock = Clock()
        try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        let versions = try CatalogReader(connection: connection, logger: logger).versions(shopID: shop)
        try connection.execute("COMMIT")
        let facts = try CatalogReader(connection: connection, logger: logger).facts()
        let versionRead = clock.lap()

        var steps: [PlanStep] = []
        func product(_ id: Int64) -> RowVersion? { versions.products[id] }
        let updated = products * 4 / 10
        let deleted = products / 20
        let reimaged = products / 10
        for id in 1...updated {
            steps.append(
                PlanStep(
                    phase: .products, action: .update, entity: "product", target: id, key: String(id),
                    resolves: ["product.field price", "product.field name"],
                    set: ["price": .integer(id * 100 + 50), "name": .text("Букет №\(id) (Bitrix)")],
                    was: ["price": .integer(id * 100), "name": .text("Букет №\(id)")], version: product(id)))
        }
        for id in (updated + 1)...(updated + deleted) {
            steps.append(
                PlanStep(
                    phase: .products, action: .softDelete, entity: "product", target: id, key: String(id),
                    resolves: ["product.orphan"], set: ["enabled": .bool(false)], was: ["enabled": .bool(true)],
                    version: product(id)))
        }
        for id in (products + 1)...(products + reimaged) {
            steps.append(
                PlanStep(
                    phase: .products, action: .insert, entity: "product", target: id, key: String(id),
                    resolves: ["product.missing"],
                    set: [
                        "shop_id": .integer(shop), "name": .text("Новый букет №\(id)"), "price": .integer(990_000),
                        "enabled": .bool(true), "type": .text("FLOWERS"), "image": .text(url(id, 0)),
                        "images": .texts([url(id, 0), url(id, 1)]), "width": .null, "height": .null,
                    ]))
        }
        for id in (updated + deleted + 1)...(updated + deleted + reimaged) {
            steps.append(
                PlanStep(
                    phase: .productImages, action: .update, entity: "productimage", target: id, key: String(id),
                    resolves: ["product.field images"], set: ["images": .texts([url(id, 7), url(id, 8)])],
                    was: ["images": .texts([url(id, 0)])], version: product(id)))
        }
        for id in 1...(orders / 2) {
            steps.append(
                PlanStep(
                    phase: .orders, action: .updateStatus, entity: "order", target: id, key: String(100_000 + id),
                    resolves: ["order.status status"], set: ["status": .text("DELIVERED")],
                    was: ["status": .text("NEW")],
                    version: versions.orders[id]))
        }
        for id in (orders / 2 + 1)...(orders / 2 + orders / 5) {
            steps.append(
                PlanStep(
                    phase: .links, action: .backfillLink, entity: "order", target: id, key: String(100_000 + id),
                    resolves: ["order.link_missing bitrix_order_id"], set: ["bitrix_order_id": .integer(100_000 + id)],
                    was: ["bitrix_order_id": .null], version: versions.orders[id]))
        }
        steps.sort { ($0.phase, $0.action, $0.target ?? 0) < ($1.phase, $1.action, $1.target ?? 0) }
        for i in steps.indices { steps[i].seq = i + 1 }
        var plan = MergePlan(
            shopID: shop, fingerprint: facts.fingerprint, endpoint: facts.endpoint, snapshot: "bench", partial: false,
            policy: [:], base: MergePlan.Base(products: Int(products), orders: Int(orders)), steps: steps)
        precondition(plan.invariantViolations().isEmpty, "\(plan.invariantViolations().prefix(3))")
        let planned = clock.lap()

        let ledger = RunLedger(connection: connection)
        var run = try ledger.begin(kind: "apply", arguments: ["bench"], dryRun: false, version: "bench")
        plan = try PlanStore(connection: connection).save(plan, runID: run.id)
        let saved = clock.lap()
        let stored = try PlanStore(connection: connection).load(planID: plan.planID ?? 0)
        let loaded = clock.lap()

        guard let stored else { fatalError("the plan was not stored") }
        let serverBefore = CPUTime.of(pid: backend) ?? 0
        let outcome = try PlanApplier(connection: connection, batchSize: batchSize, workers: workers, logger: logger)
            .apply(stored, applyRunID: run.id)
        let applied = clock.lap()
        let serverCPU = (CPUTime.of(pid: backend) ?? 0) - serverBefore
        try ledger.finish(
            &run, status: .succeeded, exitCode: .clean, counts: ["applied": outcome.applied], reportDirectory: nil)
        precondition(
            outcome.conflicts.isEmpty && outcome.applied == steps.count, "conflicts: \(outcome.conflicts.count)")

        func rate(_ count: Int, _ seconds: Double) -> Int { seconds > 0 ? Int(Double(count) / seconds) : 0 }
        // One backend's CPU is the apply's only with one writer; with more, the server side is not measured.
        try BenchOutput.print(
            Result(
                steps: steps.count, rowsWritten: outcome.rowsWritten, batches: outcome.batches, batchSize: batchSize,
                workers: workers, catalogProducts: products, catalogOrders: orders,
                versionsSeconds: round(versionRead.wall), planSeconds: round(planned.wall),
                saveSeconds: round(saved.wall), loadSeconds: round(loaded.wall), applySeconds: round(applied.wall),
                applyClientCPUSeconds: round(applied.cpu), applyServerCPUSeconds: workers == 1 ? round(serverCPU) : nil,
                applyRowsPerSecond: rate(outcome.rowsWritten, applied.wall),
                applyRowsPerCPUSecond: workers == 1 ? rate(outcome.rowsWritten, applied.cpu + serverCPU) : nil,
                applyStepsPerSecond: rate(steps.count, applied.wall)))
    }

    /// The line 40-apply.sh reads: the plan's size, each phase's seconds, and the apply's rates.
    struct Result: Encodable {
        /// Steps in the plan.
        var steps: Int
        /// Catalog rows the apply wrote.
        var rowsWritten: Int
        /// Batches committed.
        var batches: Int
        /// Steps per batch.
        var batchSize: Int
        /// Parallel writers.
        var workers: Int
        /// Products in the generated catalog.
        var catalogProducts: Int64
        /// Orders in the generated catalog.
        var catalogOrders: Int64
        /// Reading the row versions.
        var versionsSeconds: Double
        /// Planning.
        var planSeconds: Double
        /// Storing the plan.
        var saveSeconds: Double
        /// Loading it back.
        var loadSeconds: Double
        /// Applying it (wall clock).
        var applySeconds: Double
        /// The apply's client CPU seconds.
        var applyClientCPUSeconds: Double
        /// The backend's CPU seconds during the apply (one writer only; `nil` with more).
        var applyServerCPUSeconds: Double?
        /// Rows written per wall-clock second.
        var applyRowsPerSecond: Int
        /// Rows written per CPU second of client and server (one writer only).
        var applyRowsPerCPUSecond: Int?
        /// Steps per wall-clock second.
        var applyStepsPerSecond: Int

        enum CodingKeys: String, CodingKey {
            case steps, rowsWritten = "rows_written", batches, batchSize = "batch_size", workers
            case catalogProducts = "catalog_products", catalogOrders = "catalog_orders"
            case versionsSeconds = "versions_seconds", planSeconds = "plan_seconds", saveSeconds = "save_seconds"
            case loadSeconds = "load_seconds", applySeconds = "apply_seconds"
            case applyClientCPUSeconds = "apply_client_cpu_seconds", applyServerCPUSeconds = "apply_server_cpu_seconds"
            case applyRowsPerSecond = "apply_rows_per_second", applyRowsPerCPUSecond = "apply_rows_per_cpu_second"
            case applyStepsPerSecond = "apply_steps_per_second"
        }

        /// Writes every key, `null` for the measurements that do not exist with several writers.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(steps, forKey: .steps)
            try c.encode(rowsWritten, forKey: .rowsWritten)
            try c.encode(batches, forKey: .batches)
            try c.encode(batchSize, forKey: .batchSize)
            try c.encode(workers, forKey: .workers)
            try c.encode(catalogProducts, forKey: .catalogProducts)
            try c.encode(catalogOrders, forKey: .catalogOrders)
            try c.encode(versionsSeconds, forKey: .versionsSeconds)
            try c.encode(planSeconds, forKey: .planSeconds)
            try c.encode(saveSeconds, forKey: .saveSeconds)
            try c.encode(loadSeconds, forKey: .loadSeconds)
            try c.encode(applySeconds, forKey: .applySeconds)
            try c.encode(applyClientCPUSeconds, forKey: .applyClientCPUSeconds)
            try c.encode(applyServerCPUSeconds, forKey: .applyServerCPUSeconds)
            try c.encode(applyRowsPerSecond, forKey: .applyRowsPerSecond)
            try c.encode(applyRowsPerCPUSecond, forKey: .applyRowsPerCPUSecond)
            try c.encode(applyStepsPerSecond, forKey: .applyStepsPerSecond)
        }
    }

    /// An image URL of the generated shape.
    static func url(_ id: Int64, _ k: Int) -> String { "https://cvety.kz/upload/iblock/\(id % 4096)/\(id)-\(k).jpg" }

    static func round(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    /// Wall and process CPU time between laps.
    struct Clock {
        var wall = DispatchTime.now().uptimeNanoseconds
        var cpu = CPUTime.process()

        mutating func lap() -> (wall: Double, cpu: Double) {
            let now = DispatchTime.now().uptimeNanoseconds
            let cpuNow = CPUTime.process()
            defer { (wall, cpu) = (now, cpuNow) }
            return (Double(now - wall) / 1e9, cpuNow - cpu)
        }
    }
}
