public import BackstopModel

/// Everything the Bitrix model made of one dump: the Bitrix side of a reconciliation.
///
/// Products and orders are complete records; elements, orders and users are also kept as bare id sets
/// covering the whole dump (every iblock, site and scope), because "does Bitrix still have it?" must be
/// answered for records the model never materialised.
public struct BitrixSnapshot: Sendable {
    /// Catalog products (iblocks 2 and 27, workflow copies skipped) ordered by id.
    public var products: [CanonicalProduct]
    /// Orders of the configured site in the builder's scope, ordered by id, with their basket lines.
    public var orders: [CanonicalOrder]
    /// Users ordered by id (empty when the scope leaves them out).
    public var users: [CanonicalUser]
    /// Rows or values that could not be interpreted, with table and row id.
    public var problems: [ParseProblem]
    /// Row counts that were read but deliberately left out (workflow copies, other iblocks, carts,
    /// other sites, other sellers, orders outside the scope), by reason.
    public var skipped: [String: Int]
    /// The instant the dump describes ("now" for every time rule), and where it came from.
    public var snapshot: SnapshotTime
    /// Every `b_iblock_element.ID` in the dump (all iblocks).
    public var elementIDs: IDSet
    /// Every `b_sale_order.ID` in the dump (all sites).
    public var orderIDs: IDSet
    /// Every `b_user.ID` in the dump.
    public var userIDs: IDSet
    /// Catalog elements the builder's product scope left out (no findings possible in the run); the
    /// model's product count before that is `products.count` plus this.
    public var productsOutOfScope = 0
    /// The sellers: ids of the shops iblock's elements (``BitrixConfiguration/sellerIblockID``, 32), the
    /// values property 290 refers to.
    public var sellerIDs: Set<Int64> = []
}
