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

/// A set of ids for the existence checks of a reconciliation (every element, order and user id of a dump,
/// which can be millions): binary-search membership, free min and max. Immutable once built.
///
/// Ids that follow each other (what auto-increment keys are, but for the deleted ones) are held as runs,
/// two ids a run: the `l2` world's ten million order ids are one run instead of 80 MB (and twice that
/// while the array grew). A set with more runs than half its ids is held as one sorted array (8 bytes an
/// id), so no set costs more than that. A `Set<Int64>` would cost several times either.
///
/// ```swift
/// let ids = IDSet([42, 7, 42, 19, 20])
/// ids.sorted          // [7, 19, 20, 42]
/// ids.contains(19)    // true
/// ids.max             // 42
/// ```
public struct IDSet: Sendable, Hashable {
    /// How the ids are held; which one follows from the ids alone, so equal sets are equal values.
    enum Storage: Sendable, Hashable {
        /// Runs of consecutive ids: `starts[k]...ends[k]`, ascending, separated by at least one missing id.
        case runs(starts: [Int64], ends: [Int64])
        /// The ids ascending, without duplicates (more runs than half the ids).
        case sorted([Int64])
    }

    /// The held ids.
    let storage: Storage
    /// The number of ids.
    public let count: Int

    /// Builds the set from ids in any order, dropping duplicates.
    /// - Parameter ids: The ids, in any order, duplicates allowed.
    /// - Complexity: O(n) for strictly ascending input, O(n log n) otherwise.
    public init(_ ids: [Int64]) {
        var builder = Builder()
        for id in ids { builder.append(id) }
        self = builder.finish()
    }

    /// The set of ids held as `storage`, which has `count` ids.
    init(storage: Storage, count: Int) {
        self.storage = storage
        self.count = count
    }

    /// The ids, ascending, without duplicates (an array made on each call).
    public var sorted: [Int64] {
        switch storage {
        case .sorted(let ids): return ids
        case .runs(let starts, let ends):
            var ids: [Int64] = []
            ids.reserveCapacity(count)
            for k in starts.indices { ids.append(contentsOf: starts[k]...ends[k]) }
            return ids
        }
    }

    /// Whether `id` is in the set.
    /// - Parameter id: The id to look up.
    /// - Returns: `true` when the set holds `id`.
    /// - Complexity: O(log n).
    public func contains(_ id: Int64) -> Bool {
        switch storage {
        case .sorted(let ids): return SortedSearch.first(id, count: ids.count) { ids[$0] } != nil
        case .runs(let starts, let ends):
            guard id != .max else { return ends.last == .max }
            // The first run starting after `id`; the run before it is the only one that can hold `id`.
            let next = SortedSearch.lowerBound(of: id + 1, count: starts.count) { starts[$0] }
            return next > 0 && ends[next - 1] >= id
        }
    }

    /// The smallest id, `nil` for an empty set.
    public var min: Int64? {
        switch storage {
        case .sorted(let ids): return ids.first
        case .runs(let starts, _): return starts.first
        }
    }

    /// The largest id, `nil` for an empty set.
    public var max: Int64? {
        switch storage {
        case .sorted(let ids): return ids.last
        case .runs(_, let ends): return ends.last
        }
    }
}

extension IDSet {
    /// Gathers ids one at a time, as they are read, into an ``IDSet``: ascending ids (a dump's primary-key
    /// order) extend runs with no array of every id; other orders and duplicates are sorted out once in
    /// ``finish()``.
    ///
    /// ```swift
    /// var builder = IDSet.Builder()
    /// for id in [1, 2, 3, 7] { builder.append(id) }
    /// builder.finish().contains(2)   // true
    /// ```
    public struct Builder: Sendable {
        /// The runs so far (first ids), in the order appended.
        private var starts: [Int64] = []
        /// The runs' last ids, parallel to ``starts``.
        private var ends: [Int64] = []
        /// Whether an id came that was not above the previous one (a sort and merge is due in ``finish()``).
        private var unordered = false

        /// An empty builder.
        public init() {}

        /// Adds one id.
        /// - Parameter id: The id.
        public mutating func append(_ id: Int64) {
            if let last = ends.last {
                if id > last {
                    if id == last + 1 {
                        ends[ends.count - 1] = id
                        return
                    }
                } else {
                    unordered = true
                }
            }
            starts.append(id)
            ends.append(id)
        }

        /// The set of every id appended.
        /// - Returns: The set.
        public func finish() -> IDSet {
            var starts = starts
            var ends = ends
            if unordered {
                // Runs sorted by start, then merged where they overlap or touch.
                let order = starts.indices.sorted { (starts[$0], ends[$0]) < (starts[$1], ends[$1]) }
                var mergedStarts: [Int64] = []
                var mergedEnds: [Int64] = []
                for k in order {
                    if let last = mergedEnds.last, starts[k] <= last || starts[k] == last &+ 1 && last != .max {
                        mergedEnds[mergedEnds.count - 1] = Swift.max(last, ends[k])
                    } else {
                        mergedStarts.append(starts[k])
                        mergedEnds.append(ends[k])
                    }
                }
                starts = mergedStarts
                ends = mergedEnds
            }
            var count = 0
            for k in starts.indices { count += Int(ends[k] - starts[k]) + 1 }
            guard starts.count * 2 > count else {
                return IDSet(storage: .runs(starts: Self.exact(starts), ends: Self.exact(ends)), count: count)
            }
            var ids: [Int64] = []
            ids.reserveCapacity(count)
            for k in starts.indices { ids.append(contentsOf: starts[k]...ends[k]) }
            return IDSet(storage: .sorted(ids), count: count)
        }

        /// `ids` in a buffer of their count (appending leaves up to twice that).
        private static func exact(_ ids: [Int64]) -> [Int64] {
            guard ids.capacity > ids.count else { return ids }
            return [Int64](unsafeUninitializedCapacity: ids.count) { buffer, initialized in
                initialized = unsafe buffer.initialize(fromContentsOf: ids)
            }
        }
    }
}
