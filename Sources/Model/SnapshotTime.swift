/// The instant a Bitrix dump describes: "now" for `ACTIVE_FROM`/`ACTIVE_TO` and every age-based rule, so
/// the same dump gives the same answer on any day.
public struct SnapshotTime: Sendable, Hashable, Codable {
    /// Where the time came from, in order of preference.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The dump's footer (`-- Dump completed on …`).
        case footer
        /// Configured (`bitrix.snapshot_time`, `--snapshot-time`) for a dump without a dated footer.
        case configured
        /// Neither: the newest row time in the dump (`TIMESTAMP_X`, `DATE_UPDATE`), a lower bound.
        case newestRow = "newest_row"
    }

    /// `YYYY-MM-DD HH:MM:SS` wall-clock text in the site time zone (text of this shape orders chronologically).
    public var text: String
    /// Where ``text`` came from.
    public var source: Source

    /// Pairs the wall-clock text with how it was chosen; ``explanation`` reports both.
    public init(text: String, source: Source) {
        self.text = text
        self.source = source
    }

    /// One line for reports: the time and how it was chosen.
    public var explanation: String {
        switch source {
        case .footer: "\(text) (the dump's footer)"
        case .configured: "\(text) (configured; the dump has no dated footer)"
        case .newestRow: "\(text) (no dated footer: the newest row time in the dump, a lower bound)"
        }
    }
}

/// A set of ids kept as one sorted array: 8 bytes an id, binary-search membership, free min and max.
///
/// Built for the existence checks of a reconciliation (every element, order and user id of a dump, which
/// can be millions): a `Set<Int64>` would cost several times the memory. Immutable once built.
///
/// ```swift
/// let ids = IDSet([42, 7, 42, 19])
/// ids.sorted          // [7, 19, 42]
/// ids.contains(19)    // true
/// ids.max             // 42
/// ```
public struct IDSet: Sendable, Hashable {
    /// The ids, ascending, without duplicates.
    public let sorted: [Int64]

    /// Builds the set from ids in any order, dropping duplicates; strictly ascending input (what the
    /// dump's primary-key order gives) is kept as it is, with no sort and no copy.
    /// - Parameter ids: The ids, in any order, duplicates allowed.
    /// - Complexity: O(n) for strictly ascending input, O(n log n) otherwise.
    public init(_ ids: [Int64]) {
        var ids = ids
        var ascending = true
        for i in ids.indices.dropFirst() where ids[i - 1] >= ids[i] {
            ascending = false
            break
        }
        if !ascending {
            ids.sort()
            var unique: [Int64] = []
            unique.reserveCapacity(ids.count)
            for id in ids where unique.last != id { unique.append(id) }
            ids = unique
        }
        sorted = ids
    }

    /// Whether `id` is in the set.
    /// - Parameter id: The id to look up.
    /// - Returns: `true` when the set holds `id`.
    /// - Complexity: O(log n).
    public func contains(_ id: Int64) -> Bool {
        SortedSearch.first(id, count: sorted.count) { sorted[$0] } != nil
    }

    /// The number of ids.
    public var count: Int { sorted.count }
    /// The smallest id, `nil` for an empty set.
    public var min: Int64? { sorted.first }
    /// The largest id, `nil` for an empty set.
    public var max: Int64? { sorted.last }
}
