public import BackstopExtract
import BackstopModel

extension OrderReconciler {
    /// The catalog's links (`bitrix_order_id` → the positions of the catalog orders carrying it, in catalog
    /// id order): the same for every shop of a run, so a fleet builds it once (``ReconcileInput/prepared()``)
    /// instead of once per shop, where filling a dictionary of arrays over every catalog order was most of
    /// a shop's order comparison.
    public struct Links: Sendable {
        /// Bitrix order id → positions in the catalog orders sorted by catalog id.
        let positions: [Int64: [Int]]

        /// Indexes the catalog orders' links.
        /// - Parameter catalog: Catalog orders of every shop, in the order ``OrderReconciler`` compares them
        ///   (ascending catalog id; sorted here if they are not).
        public init(catalog: [CatalogOrder]) { self.init(ordered: Ordered.byCatalogID(catalog)) }

        /// Indexes orders already in catalog id order.
        /// - Parameter right: The catalog orders, ascending by catalog id.
        init(ordered right: [CatalogOrder]) {
            var positions: [Int64: [Int]] = [:]
            for k in right.indices {
                if let bitrixID = right[k].order.bitrixID { positions[bitrixID, default: []].append(k) }
            }
            self.positions = positions
        }
    }
}
