public import BackstopModel

extension BitrixSnapshot {
    /// Creates a model from parts (tests and tools that build a Bitrix side without a dump); the id sets
    /// default to the ids of the given products and orders.
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
