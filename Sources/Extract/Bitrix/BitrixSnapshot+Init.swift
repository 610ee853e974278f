public import BackstopModel

extension BitrixSnapshot {
    /// Assembles a model from parts (tests and tools that build a Bitrix side without a dump); the id sets
    /// default to the ids of the given products, orders and users, with no problems and nothing skipped.
    ///
    /// ```swift
    /// let bitrix = BitrixSnapshot(
    ///     products: [CanonicalProduct(id: 1042, shopID: 17008, name: "Pink roses")],
    ///     snapshot: SnapshotTime(text: "2025-10-25 03:00:00", source: .footer))
    /// ```
    /// - Parameters:
    ///   - products: The catalog products, in id order.
    ///   - orders: The orders in scope.
    ///   - users: The users.
    ///   - snapshot: "Now" for the time rules.
    ///   - elementIDs: Every element id of the site (defaults to the products' ids).
    ///   - orderIDs: Every order id (defaults to the orders' Bitrix ids).
    ///   - userIDs: Every user id (defaults to the users' ids).
    public init(
        products: [CanonicalProduct], orders: [CanonicalOrder] = [], users: [CanonicalUser] = [],
        snapshot: SnapshotTime, elementIDs: IDSet? = nil, orderIDs: IDSet? = nil, userIDs: IDSet? = nil
    ) {
        self.products = products
        self.orders = orders
        self.users = users
        self.problems = []
        self.skipped = [:]
        self.snapshot = snapshot
        self.elementIDs = elementIDs ?? IDSet(products.map(\.id))
        self.orderIDs = orderIDs ?? IDSet(orders.compactMap(\.bitrixID))
        self.userIDs = userIDs ?? IDSet(users.map(\.id))
    }
}
