import BackstopModel
import Logging

extension BitrixModelBuilder {
    /// Assembles the snapshot: joins prices, files and property values to elements, props and basket
    /// lines to orders. Call once, after the last row.
    public func finish() -> BitrixSnapshot {
        let products = buildProducts()
        let orders = buildOrders()
        let users = self.users.sorted { $0.id < $1.id }
        logger.info(
            "bitrix model built",
            metadata: [
                "bitrix.products": "\(products.count)", "bitrix.orders": "\(orders.count)",
                "bitrix.users": "\(users.count)", "bitrix.problems": "\(problems.count)",
            ])
        return BitrixSnapshot(products: products, orders: orders, users: users, problems: problems, skipped: skipped)
    }
}
