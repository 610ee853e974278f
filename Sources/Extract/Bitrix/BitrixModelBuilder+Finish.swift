import BackstopModel
import Logging

extension BitrixModelBuilder {
    /// Assembles the snapshot: joins prices, files and property values to elements, props and basket
    /// lines to orders, and evaluates `ACTIVE_FROM`/`ACTIVE_TO` at the snapshot time. Call once, after
    /// the last row.
    ///
    /// "Now" is decided here, once: the footer's time, else the configured time, else the newest
    /// `TIMESTAMP_X`/`DATE_UPDATE` seen (a lower bound of when the dump was made). The choice is recorded
    /// in ``BitrixSnapshot/snapshot`` so reports can say which rule applied. Basket lines and order
    /// properties are released as the orders are assembled: call it once.
    ///
    /// - Parameter completedAt: the footer time of the dump(s) (``DumpEventStream/completedAt``); when
    ///   `nil`, ``BitrixConfiguration/snapshotTime`` if set, else the newest row time in the dump.
    /// - Returns: the assembled snapshot.
    public func finish(completedAt: String?) -> BitrixSnapshot {
        let snapshot: SnapshotTime
        if let completedAt {
            snapshot = SnapshotTime(text: completedAt, source: .footer)
        } else if let configured = configuration.snapshotTime {
            snapshot = SnapshotTime(text: configured, source: .configured)
        } else {
            snapshot = SnapshotTime(text: newestRowTime ?? "0000-00-00 00:00:00", source: .newestRow)
        }
        let products: [CanonicalProduct]
        if let early = earlyProducts {
            earlyProducts = nil  // the one reference left, so `enabled` is set in place
            products = finishEarlyProducts(early, snapshot: snapshot.text)
        } else {
            products = buildProducts(snapshot: snapshot.text)
        }
        let orders = buildOrders()
        let users = self.users.sorted { $0.id < $1.id }
        logger.info(
            "bitrix model built",
            metadata: [
                "bitrix.products": "\(products.count + productsOutOfScope)", "bitrix.orders": "\(orders.count)",
                "bitrix.users": "\(users.count)", "bitrix.problems": "\(problems.count)",
                "bitrix.snapshot": "\(snapshot.text) (\(snapshot.source.rawValue))",
            ])
        var model = BitrixSnapshot(
            products: products, orders: orders, users: users, problems: problems, skipped: skipped, snapshot: snapshot,
            elementIDs: allElementIDs.finish(), orderIDs: allOrderIDs.finish(), userIDs: allUserIDs.finish(),
            sellerIDs: sellerIDs)
        model.productsOutOfScope = productsOutOfScope
        return model
    }
}
