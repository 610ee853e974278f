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
/// decoded, so every row handed out before it has been consumed.
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
    /// Answers the keys wanted in a table, `nil` to keep every row; called on the consuming thread.
    let supply: (String) -> Set<Int64>?
    /// Rows dropped so far, over every table and reader.
    private let droppedRows = Atomic<Int>(0)

    /// A filter keyed by `keyColumns` (table → integer column), asking `supply` for each table's keys.
    /// - Parameters:
    ///   - keyColumns: The filtered tables and their key columns; other tables are not filtered.
    ///   - supply: The keys wanted in a table (`nil`: keep every row); called on the consuming thread, once
    ///     per table and reader.
    public init(keyColumns: [String: String], supply: @escaping (String) -> Set<Int64>?) {
        self.keyColumns = keyColumns
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

/// The key test of one INSERT's rows: the key column's position and the keys wanted.
struct RowKeyTest {
    /// The key column's 0-based position among the row's values.
    let column: Int
    /// The keys whose rows are handed out.
    let keys: Set<Int64>
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
