import BackstopReconcile
import Foundation

/// Every shop's reconciliation of a fleet run, made on a thread of its own ahead of the shops' runs.
///
/// The reconciler is a pure function of the shared input and the shop's configuration, so the `reconcile`
/// of shop *i + 1* can run on the second core while the run thread plans, records and writes shop *i*
/// (its ledger rows, plan and report folder): the changes are the same values either way, so every shop's
/// folder is the same byte for byte. The thread works in shop order without waiting for the run thread (a
/// hand-off per shop costs a scheduler wake-up each way, which on a busy machine outweighs the work), and
/// ends at the run's stop switch or at ``cancel()``. The changes it holds ahead are the fleet's findings,
/// which the run holds anyway.
final class FleetReconciliations: @unchecked Sendable {  // every mutable field is guarded by `condition`
    /// One shop's reconciliation: its reconciler (for the cause rules) and what it found.
    struct Entry: Sendable {
        /// The reconciler of the shop's configuration.
        var reconciler: Reconciler
        /// Its result on the fleet's input.
        var result: ReconcileResult
        /// Its sync-latency samples (the report's webhook health).
        var latency: SyncLatency.Samples
    }

    private let condition = NSCondition()
    /// Finished reconciliations not yet taken, by shop.
    private var ready: [Int64: Entry] = [:]
    /// The shops the thread reconciles.
    private let shops: Set<Int64>
    /// Set by ``cancel()``: the thread starts no other shop.
    private var cancelled = false
    /// Set when the thread has ended.
    private var finished = false

    /// Starts reconciling `shops` in order on a thread of its own.
    /// - Parameters:
    ///   - shops: The shops with their reconciliation configurations, in the order their runs take them.
    ///   - input: The fleet's input, complete for every shop.
    ///   - latency: The sync latency's clock, which samples each shop's matched rows.
    ///   - stop: The run's switch: once it is thrown no further shop is started.
    init(
        shops: [(shop: Int64, configuration: ReconcileConfiguration)], input: ReconcileInput, latency: SyncLatency,
        stop: StopSwitch
    ) {
        let work = shops
        self.shops = Set(shops.map(\.shop))
        let thread = Thread { [self] in
            // What every shop's reconciliation derives alike is derived once.
            let input = input.prepared()
            for item in work {
                guard !condition.withLock({ cancelled }), !stop.isStopped else { break }
                let reconciler = Reconciler(configuration: item.configuration)
                let entry = Entry(
                    reconciler: reconciler, result: reconciler.reconcile(input),
                    latency: latency.samples(
                        bitrix: input.bitrix, catalogProducts: input.catalogProducts,
                        catalogOrders: input.catalogOrders, shopID: item.shop))
                condition.withLock {
                    ready[item.shop] = entry
                    condition.broadcast()
                }
            }
            condition.withLock {
                finished = true
                condition.broadcast()
            }
        }
        thread.name = "backstop-fleet-reconcile"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The shop's reconciliation, waiting for the thread when it is not done yet; `nil` when the thread
    /// ended without it (stopped or cancelled): the caller then reconciles the shop itself.
    /// - Parameter shop: A shop of the run, taken in the order given to ``init(shops:input:latency:stop:)``.
    /// - Returns: Its reconciler and result, or `nil`.
    func take(_ shop: Int64) -> Entry? {
        condition.withLock {
            guard shops.contains(shop) else { return nil }
            while ready[shop] == nil, !finished { condition.wait() }
            return ready.removeValue(forKey: shop)
        }
    }

    /// Ends the thread (it finishes the shop in progress) and waits for it.
    func cancel() {
        condition.withLock {
            cancelled = true
            condition.broadcast()
            while !finished { condition.wait() }
        }
    }
}
