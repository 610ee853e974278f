import BackstopReconcile
import Foundation

/// Every shop's reconciliation of a fleet run, made on a thread of its own ahead of the shops' runs.
///
/// The reconciler is a pure function of the shared input and the shop's configuration, so the shops'
/// reconciliations can run on the second core while the run thread records, plans and writes the shops:
/// the changes are the same values either way, so every shop's folder is the same byte for byte. When the
/// shops' configurations differ only in their shop (a fleet's always do), one pass over both sides serves
/// every shop (``Reconciler/reconcile(_:eachShop:)``, and the latency samples likewise), where a pass per
/// shop walked the whole catalog and dump model once per shop (51 times on the `m` world); otherwise the
/// thread reconciles shop after shop, in shop order, without waiting for the run thread. It ends at the
/// run's stop switch or at ``cancel()``. The changes it holds ahead are the fleet's findings, which the run
/// holds anyway.
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
            if let rules = Self.sharedRules(work) {
                // One pass over both sides for every shop: the same results as each shop's own.
                guard !condition.withLock({ cancelled }), !stop.isStopped else { return finish() }
                let ids = work.map(\.shop)
                let results = Reconciler(configuration: rules).reconcile(input, eachShop: ids)
                let samples = latency.samples(
                    bitrix: input.bitrix, catalogProducts: input.catalogProducts, catalogOrders: input.catalogOrders,
                    shops: ids)
                condition.withLock {
                    for (k, item) in work.enumerated() {
                        ready[item.shop] = Entry(
                            reconciler: Reconciler(configuration: item.configuration), result: results[k],
                            latency: samples[k])
                    }
                }
                return finish()
            }
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
            finish()
        }
        thread.name = "backstop-fleet-reconcile"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Marks the thread as ended, waking whoever waits for a shop or for the end.
    private func finish() {
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    /// The configuration every shop shares when the shops' configurations differ only in their shop (each
    /// reporting on its own shop alone), so that one pass can stand for every shop's reconciliation; `nil`
    /// otherwise (each shop is then reconciled on its own).
    /// - Parameter shops: The shops with their configurations.
    /// - Returns: The shared configuration (its ``ReconcileConfiguration/shops`` unset), or `nil`.
    static func sharedRules(_ shops: [(shop: Int64, configuration: ReconcileConfiguration)]) -> ReconcileConfiguration?
    {
        guard var rules = shops.first?.configuration, Set(shops.map(\.shop)).count == shops.count else { return nil }
        rules.shops = nil
        for (shop, configuration) in shops {
            var other = configuration
            guard other.shops == [shop] else { return nil }
            other.shops = nil
            guard other == rules else { return nil }
        }
        return rules
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
