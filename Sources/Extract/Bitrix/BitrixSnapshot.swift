public import BackstopModel

/// Everything the Bitrix model made of one dump.
public struct BitrixSnapshot: Sendable {
    /// Catalog products (iblocks 2 and 27, workflow copies skipped) ordered by id.
    public var products: [CanonicalProduct]
    /// Orders of the configured site ordered by id, with their basket lines.
    public var orders: [CanonicalOrder]
    /// Users ordered by id.
    public var users: [CanonicalUser]
    /// Rows or values that could not be interpreted, with table and row id.
    public var problems: [ParseProblem]
    /// Row counts that were read but deliberately left out (workflow copies, other iblocks, carts,
    /// other sites, other sellers), by reason.
    public var skipped: [String: Int]
}
