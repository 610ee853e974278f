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

    /// Creates a snapshot time.
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
public struct IDSet: Sendable, Hashable {
    /// The ids, ascending, without duplicates.
    public let sorted: [Int64]

    /// Creates the set from ids in any order (already ascending input is not re-sorted).
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

    /// Whether `id` is in the set (binary search).
    public func contains(_ id: Int64) -> Bool {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == id
    }

    /// The number of ids.
    public var count: Int { sorted.count }
    /// The smallest id.
    public var min: Int64? { sorted.first }
    /// The largest id.
    public var max: Int64? { sorted.last }
}
