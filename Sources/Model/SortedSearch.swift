/// Binary search over ids held in ascending order, with the key read by position.
///
/// The key is read by position (`{ items[$0].id }`), not handed an element: passing an element of an array of
/// structs to a closure copies it, retaining every string it holds, once per probe. ``IDSet``, the Bitrix model's
/// look-ups and the order reconciler's catalog positions all search this way.
public enum SortedSearch {
    /// The first position in `0..<count` whose key is not below `id` (`count` when every key is below).
    /// - Parameters:
    ///   - id: The id sought.
    ///   - count: How many keys there are.
    ///   - key: The key at a position; ascending over `0..<count`.
    /// - Returns: The lower bound of `id`.
    /// - Complexity: O(log count) calls of `key`.
    @inlinable
    public static func lowerBound(of id: Int64, count: Int, key: (Int) -> Int64) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if key(mid) < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first position whose key is `id`, or `nil`.
    /// - Parameters:
    ///   - id: The id sought.
    ///   - count: How many keys there are.
    ///   - key: The key at a position; ascending over `0..<count`.
    /// - Returns: The position of the first key equal to `id`.
    @inlinable
    public static func first(_ id: Int64, count: Int, key: (Int) -> Int64) -> Int? {
        let low = lowerBound(of: id, count: count, key: key)
        return low < count && key(low) == id ? low : nil
    }
}
