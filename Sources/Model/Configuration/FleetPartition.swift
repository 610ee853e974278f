/// One of N shares of a fleet (`--partition K/N`): N workers, each with its own K, split the run's shops
/// with no coordination but the catalog (see `FleetScope.share`).
public struct FleetPartition: Sendable, Equatable, CustomStringConvertible {
    /// K, from 1.
    public var index: Int
    /// N, at least 1.
    public var count: Int

    /// The largest N accepted.
    public static let maxCount = 4096

    /// Parses `K/N` (1 ≤ K ≤ N ≤ 4096).
    ///
    /// ```swift
    /// try FleetPartition(parsing: "2/4")   // the second of four workers
    /// try FleetPartition(parsing: "5/4")   // throws: K is past N
    /// ```
    /// - Parameter text: The `--partition` value.
    /// - Throws: ``ShopSelection/Error`` naming the value.
    public init(parsing text: String) throws(ShopSelection.Error) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= Self.maxCount, k >= 1,
            k <= n
        else {
            throw ShopSelection.Error(
                "--partition \(text): expected K/N with 1 ≤ K ≤ N ≤ \(Self.maxCount) (the K-th of N shares), e.g. 2/3")
        }
        index = k
        count = n
    }

    /// `K/N`.
    public var description: String { "\(index)/\(count)" }
}
