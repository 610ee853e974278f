extension DumpReader {
    /// What to read and how strictly.
    public struct Options: Sendable {
        /// The tables whose rows are materialised (`nil`: all). Other tables' data is skipped at scan speed.
        public var tables: Set<String>?
        /// Read a truncated dump (no footer, EOF inside a statement) up to where it breaks and end with
        /// ``DumpCompletion/partial(reason:)`` instead of throwing.
        public var allowPartial: Bool
        /// The largest row or buffered statement (`CREATE TABLE`, …) in bytes. Rows of tables that are
        /// not requested are never buffered and have no limit. The default, 256 MiB, is ten times
        /// mysqldump's default `max_allowed_packet` (24 MiB) and reads a 100 MB single row; raise it
        /// (up to MySQL's 1 GiB packet maximum) for dumps made with a larger packet size.
        public var maxRowBytes: Int
        /// Map zero dates (`'0000-00-00'`, `'0000-00-00 00:00:00[.000000]'`) in DATE, DATETIME and
        /// TIMESTAMP columns to NULL.
        public var zeroDatesAsNull: Bool
        /// Throw instead of warning when a text column holds bytes that are not valid in the dump's
        /// charset (UTF-8 declared but cp1251 bytes found). By default the bytes are kept as they are
        /// and one warning per column is logged.
        public var strictCharset: Bool
        /// Whether a `-- Dump completed` (or Bitrix `-- Finished:`) footer is required.
        public var requireFooter: Bool
        /// Whether ``DumpReader/open(_:options:logger:)`` parses on a thread of its own, a few thousand
        /// events ahead of the caller (``ReadAheadDumpStream``): the same events, the same errors, the parse
        /// overlapped with the caller's work. Off by default: a caller that does little per row gains nothing.
        public var readAhead: Bool
        /// Tables whose rows are handed out after every other event of the input instead of where they
        /// stand: their statements are skipped at scan speed where they are, and their byte range is read
        /// again once the rest of the input is done. Only a plain file opened by path (not a pipe, not gzip
        /// or zstd) can be read again; from any other input the rows come where they stand. Lets a consumer
        /// see a later table first: the Bitrix model reads `b_sale_order` before `b_sale_basket`, so it
        /// keeps the basket lines of the orders it keeps and no others.
        public var deferredTables: Set<String> = []
        /// Rows of some tables handed out only when their integer key is wanted (``DumpRowFilter``): the
        /// others are skimmed at scan speed and never materialised. `nil` (the default) hands out every row.
        public var rowFilter: DumpRowFilter?

        /// Options; the defaults read every table of a complete dump, strictly about truncation and
        /// leniently about charsets.
        ///
        /// ```swift
        /// // The Bitrix model's tables only, a dump that may be cut short, rows up to 1 GiB:
        /// DumpReader.Options(tables: ["b_iblock_element", "b_sale_order"], allowPartial: true,
        ///                    maxRowBytes: 1 << 30)
        /// ```
        public init(
            tables: Set<String>? = nil, allowPartial: Bool = false, maxRowBytes: Int = 256 << 20,
            zeroDatesAsNull: Bool = true, strictCharset: Bool = false, requireFooter: Bool = true,
            readAhead: Bool = false
        ) {
            self.readAhead = readAhead
            self.tables = tables
            self.allowPartial = allowPartial
            self.maxRowBytes = maxRowBytes
            self.zeroDatesAsNull = zeroDatesAsNull
            self.strictCharset = strictCharset
            self.requireFooter = requireFooter
        }

        /// Whether rows of `table` are decoded (every table when ``tables`` is `nil`).
        func wants(_ table: String) -> Bool { tables?.contains(table) ?? true }
    }
}
