import Synchronization

/// A pre-filter on the rows a dump reader materialises: for some tables, a row is handed out only when its
/// integer key column holds one of a set of keys that the consumer supplies once that table's rows begin.
///
/// What it is for: `backstop diff` reads 2.5 M basket lines and 9 M order property values of which the
/// Bitrix model keeps the few belonging to the orders the catalog links (2 % on the `m` world). A row
/// whose key is not wanted is recognised after its first values and skimmed to its `)` at scan speed:
/// no packed row, no hand-off, no release, no work in the consumer.
///
/// A pure pre-filter: only rows whose key is an integer outside the set are dropped. A NULL, a
/// non-integer or an absent key column still reaches the consumer, which must keep its own checks (the
/// Bitrix model does); a supplier that answers `nil` (nothing known yet) filters nothing. The skimmed rest
/// of a dropped row is framed (strings, parentheses) but not validated, like a table that is not
/// requested.
///
/// The supplier runs on the thread that consumes the stream (the one calling `next()`): a plain reader
/// calls it where it stands; the read-ahead stream hands over what it parsed, asks its consumer and waits
/// for the answer. It is asked once per table and reader, when that table's first row is about to be
/// decoded, so every row handed out before it has been consumed. With ``DumpReader/Options/readAhead``, a
/// deferred table is also asked early, when a table read in place is asked, for a read ahead that is used
/// only if the answer at its own place is the same: the supplier must answer from what it has consumed.
///
/// ```swift
/// var options = DumpReader.Options(tables: ["b_sale_order", "b_sale_basket"])
/// options.rowFilter = DumpRowFilter(keyColumns: ["b_sale_basket": "ORDER_ID"]) { _ in keptOrderIDs }
/// ```
public final class DumpRowFilter: @unchecked Sendable {
    // @unchecked Sendable: `supply` is called only on the consuming thread (see the type's comment), and
    // the counters are atomics.

    /// Per table, the name of the integer column whose value must be among the supplied keys.
    public let keyColumns: [String: String]
    /// Per table, a column that must also hold an integer for a row to be dropped: a consumer that reports
    /// a row's malformed id before it looks at the key still sees that row. It must come before the key
    /// column (otherwise, or when absent, the table is not filtered: the id is not read yet when the key is).
    public let idColumns: [String: String]
    /// Answers the keys wanted in a table, `nil` to keep every row; called on the consuming thread.
    let supply: (String) -> Set<Int64>?
    /// Rows dropped so far, over every table and reader.
    private let droppedRows = Atomic<Int>(0)

    /// A filter keyed by `keyColumns` (table → integer column), asking `supply` for each table's keys.
    /// - Parameters:
    ///   - keyColumns: The filtered tables and their key columns; other tables are not filtered.
    ///   - idColumns: Per table, a column before the key that must hold an integer for a row to be dropped.
    ///   - supply: The keys wanted in a table (`nil`: keep every row); called on the consuming thread, once
    ///     per table and reader.
    public init(
        keyColumns: [String: String], idColumns: [String: String] = [:], supply: @escaping (String) -> Set<Int64>?
    ) {
        self.keyColumns = keyColumns
        self.idColumns = idColumns
        self.supply = supply
    }

    /// Rows dropped so far (skimmed, never handed out), over every table: a consumer counting the rows it
    /// read adds them.
    public var dropped: Int { droppedRows.load(ordering: .relaxed) }

    /// Counts `n` more dropped rows.
    func noteDropped(_ n: Int) {
        if n > 0 { droppedRows.add(n, ordering: .relaxed) }
    }
}

// @safe: it allocates its buffers in init, writes them only there (inside their capacity) and frees them
// once, in deinit.
/// The keys wanted in a filtered table, in a form the row decoder tests without hashing or reference
/// counting: a bitmap over `[lowest, highest]` when that range is at most 64 bits per key (or 1 Mi bits),
/// else the keys sorted and searched by halves. Owns the memory its ``RowKeyTest``s point into.
///
/// Order ids are nearly dense, so the bitmap is the usual form: 20 000 kept orders among 1 M ids take
/// 122 KiB, and a test is one load and a mask.
@safe final class RowKeySet {
    /// The smallest and largest key (an empty set has `lowest > highest`).
    let lowest: Int64, highest: Int64
    /// One bit per value of `[lowest, highest]`, or `nil` for the sorted form.
    let words: UnsafeMutablePointer<UInt64>?
    /// The keys in ascending order (the sorted form), or `nil` for the bitmap.
    let sorted: UnsafeMutablePointer<Int64>?
    /// The number of keys.
    let count: Int

    /// The set of `keys`, as a bitmap or sorted.
    init(_ keys: Set<Int64>) {
        count = keys.count
        lowest = keys.min() ?? 1
        highest = keys.max() ?? 0
        // The range's size in bits, saturating (a range wider than Int64 is not a bitmap anyway).
        let (span, overflow) = highest.subtractingReportingOverflow(lowest)
        let bits = overflow || lowest > highest ? Int64.max : span &+ 1
        if lowest <= highest && bits <= max(1 << 20, 64 * Int64(count)) {
            let n = Int((bits + 63) / 64)
            let words = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
            unsafe words.initialize(repeating: 0, count: n)
            for key in keys {
                let d = UInt64(bitPattern: key &- lowest)
                // Safe because: lowest <= key <= highest, so d < bits <= 64 * n.
                unsafe words[Int(d >> 6)] |= 1 << (d & 63)
            }
            unsafe self.words = words
            unsafe sorted = nil
        } else {
            let sorted = UnsafeMutablePointer<Int64>.allocate(capacity: max(count, 1))
            for (i, key) in keys.sorted().enumerated() { unsafe (sorted + i).initialize(to: key) }
            unsafe words = nil
            unsafe self.sorted = sorted
        }
    }

    deinit {
        unsafe words?.deallocate()
        unsafe sorted?.deallocate()
    }

    /// The test of the key in value position `column` (with the id that must be an integer at `idColumn`,
    /// `-1` for none), pointing into this set (keep the set alive).
    func test(column: Int, idColumn: Int) -> RowKeyTest {
        unsafe RowKeyTest(
            column: column, idColumn: idColumn, lowest: lowest, highest: highest,
            words: words.map { unsafe UnsafePointer($0) },
            sorted: sorted.map { unsafe UnsafePointer($0) }, count: count)
    }
}

// @safe: its pointers are a RowKeySet's, which the row context holding the test keeps alive.
/// The key test of one INSERT's rows: the key column's position and the wanted keys of a ``RowKeySet``,
/// as plain values (copying it retains nothing).
@safe struct RowKeyTest {
    /// The key column's 0-based position among the row's values.
    let column: Int
    /// The position of a column before the key that must hold an integer for the row to be dropped; `-1`
    /// for none.
    let idColumn: Int
    /// The set's smallest and largest key.
    let lowest: Int64, highest: Int64
    /// The set's bitmap, or `nil`.
    let words: UnsafePointer<UInt64>?
    /// The set's sorted keys, or `nil`.
    let sorted: UnsafePointer<Int64>?
    /// The number of keys.
    let count: Int

    /// Whether `key` is wanted.
    @inline(__always)
    func contains(_ key: Int64) -> Bool {
        guard key >= lowest && key <= highest else { return false }
        let d = UInt64(bitPattern: key &- lowest)
        // 1. Safe because: lowest <= key <= highest, so d indexes the bitmap of highest - lowest + 1 bits.
        if let words = unsafe words { return unsafe words[Int(d >> 6)] & (1 << (d & 63)) != 0 }
        guard let sorted = unsafe sorted else { return false }
        var low = 0
        var high = count
        // 2. Safe because: 0 <= low <= mid < high <= count while searching.
        while low < high {
            let mid = (low &+ high) >> 1
            let value = unsafe sorted[mid]
            if value == key { return true }
            if value < key { low = mid &+ 1 } else { high = mid }
        }
        return false
    }
}

/// A stream whose readers ask the consumer for a ``DumpRowFilter``'s keys through a provider that the
/// read-ahead stream replaces with its round trip to the consuming thread.
protocol KeyAskingStream: AnyObject {
    /// The filter of the stream's options, if any.
    var rowFilter: DumpRowFilter? { get }
    /// Asks for a filtered table's keys; by default the filter's own supplier, called where it stands.
    var keysProvider: ((String) -> Set<Int64>?)? { get set }
}

extension DumpReader: KeyAskingStream {
    /// The filter of the reader's options.
    var rowFilter: DumpRowFilter? { options.rowFilter }
}
