/// The column names of a dumped table, shared by all its rows.
///
/// A class, so millions of rows share one list by reference; name look-up is a dictionary probe, which
/// is why hot loops look a position up once and then read by position.
public final class DumpColumns: Sendable {
    /// Column names in table (or INSERT column-list) order.
    public let names: [String]
    /// Name → first position (a name listed twice resolves to its first column).
    private let positions: [String: Int]

    /// A column list in value order; names are case-sensitive, as the dump writes them.
    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (i, name) in names.enumerated() where positions[name] == nil { positions[name] = i }
        self.positions = positions
    }

    /// The position of a column, or `nil`.
    /// - Parameter name: The column name, exactly as in the dump (`ID`, not `id`).
    /// - Returns: Its 0-based position.
    public func index(of name: String) -> Int? { positions[name] }
}

/// One row of one table, as read from a dump.
///
/// Rows from the dump reader keep their decoded values packed in one buffer (one allocation per row);
/// ``DumpValue``s are made only for the values asked for. ``count``, ``isNull(at:)`` and
/// ``withBytes(at:_:)`` read values without making any.
///
/// ```swift
/// guard let price = row.columns.index(of: "PRICE") else { … }   // once per table
/// // per row, without copying the value:
/// let kopecks = row.withBytes(at: price) { bytes in bytes.map { MoneyText.kopecks($0) } }
/// let id = row["ID"]?.int64                                        // convenient; makes a DumpValue
/// ```
public struct DumpRow: Sendable {
    /// Table, database and columns, shared by all rows of an INSERT (one retain per row, not three).
    var source: DumpRowSource
    /// The values: packed for rows from the reader, an array for rows built by hand (tests, `--tab`).
    var storage: Storage

    /// The table name (without database qualifier). Setting it gives this row a source of its own (the
    /// other rows of the INSERT keep theirs).
    public var table: String {
        get { source.table }
        set { source = DumpRowSource(table: newValue, database: source.database, columns: source.columns) }
    }

    /// The database the row belongs to (`USE`), when known.
    public var database: String? {
        get { source.database }
        set { source = DumpRowSource(table: source.table, database: newValue, columns: source.columns) }
    }

    /// The columns the values are in (the table's, or the INSERT's own column list).
    public var columns: DumpColumns {
        get { source.columns }
        set { source = DumpRowSource(table: source.table, database: source.database, columns: newValue) }
    }

    // @unchecked Sendable: safe because a PackedRow is immutable once `PackedRow.make` returns it
    // (ManagedBuffer is not Sendable only because subclasses may mutate).
    enum Storage: @unchecked Sendable {
        /// One ``DumpValue`` per column.
        case values([DumpValue])
        /// The reader's one-allocation layout.
        case packed(PackedRow)
    }

    /// The values, one per column (decoded on each access for rows from the reader; prefer the
    /// subscripts, ``count`` and ``withBytes(at:_:)`` in loops). Setting it replaces the packed storage
    /// with the array.
    public var values: [DumpValue] {
        get {
            switch storage {
            case .values(let values): return values
            case .packed(let packed): return (0..<packed.count).map { packed.value(at: $0) }
            }
        }
        set { storage = .values(newValue) }
    }

    /// A row built from values (tests, readers of other formats); the dump reader packs its rows instead.
    /// - Parameters:
    ///   - table: The table name.
    ///   - database: Its database, when known.
    ///   - columns: The column list, shared with the table's other rows.
    ///   - values: One value per column.
    public init(table: String, database: String? = nil, columns: DumpColumns, values: [DumpValue]) {
        source = DumpRowSource(table: table, database: database, columns: columns)
        storage = .values(values)
    }

    /// A row of values sharing `source`.
    init(source: DumpRowSource, values: [DumpValue]) {
        self.source = source
        storage = .values(values)
    }

    /// A packed row from the reader.
    init(source: DumpRowSource, packed: PackedRow) {
        self.source = source
        storage = .packed(packed)
    }

    /// The number of values.
    public var count: Int {
        switch storage {
        case .values(let values): return values.count
        case .packed(let packed): return packed.count
        }
    }

    /// The value at `index` (`0..<count`); traps outside it, like an array.
    public subscript(position index: Int) -> DumpValue {
        switch storage {
        case .values(let values): return values[index]
        case .packed(let packed):
            precondition(index >= 0 && index < packed.count, "DumpRow index out of range")
            return packed.value(at: index)
        }
    }

    /// The value of a column by name; `nil` when the table has no such column.
    public subscript(_ column: String) -> DumpValue? {
        guard let i = columns.index(of: column), i < count else { return nil }
        return self[position: i]
    }

    /// Whether the value at `index` is NULL (also `\N` and a zero date mapped to NULL), without decoding it.
    public func isNull(at index: Int) -> Bool {
        switch storage {
        case .values(let values): return values[index].isNull
        case .packed(let packed):
            precondition(index >= 0 && index < packed.count, "DumpRow index out of range")
            return packed.kind(at: index) == PackedRow.null
        }
    }

    /// Calls `body` with the raw bytes of the value at `index` (`nil` for NULL), without copying them.
    ///
    /// The bytes are the unescaped value (a string's content without quotes, a number's text, a hex
    /// literal's decoded bytes), in UTF-8 for text columns.
    /// - warning: Do not escape the pointer.
    /// - Parameters:
    ///   - index: The value's position.
    ///   - body: Reads the bytes.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public func withBytes<R, E: Error>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws(E) -> R) throws(E)
        -> R
    {
        switch storage {
        case .values(let values):
            guard let bytes = values[index].rawBytes else { return try body(nil) }
            // Safe because: the pointer is used only inside the array's own closure.
            return try unsafe bytes.withUnsafeBufferPointer { (buffer) throws(E) -> R in try unsafe body(buffer) }
        case .packed(let packed):
            precondition(index >= 0 && index < packed.count, "DumpRow index out of range")
            if packed.kind(at: index) == PackedRow.null { return try body(nil) }
            return try unsafe packed.withBytes(at: index, body)
        }
    }
}

/// What the rows of one INSERT (or `--tab` file) share.
final class DumpRowSource: Sendable {
    /// The table name.
    let table: String
    /// The database, when known.
    let database: String?
    /// The column list.
    let columns: DumpColumns
    /// `columns.names.count`, cached for the per-row count check.
    let columnCount: Int

    /// The shared part of rows of `table`.
    init(table: String, database: String?, columns: DumpColumns) {
        self.table = table
        self.database = database
        self.columns = columns
        columnCount = columns.names.count
    }
}

/// A row's decoded values in one allocation: `count` span records (start, length: UInt32 each), then
/// `count` kind bytes, then the value bytes. Immutable once built.
///
/// For a row `(42, 'Роза', NULL)`: two spans of 8 bytes, three kind bytes (`number`, `string`, `null`),
/// then `42` and the UTF-8 of `Роза`; the NULL has an empty span. Offsets are 32-bit, hence the reader's
/// 4 GiB per-row limit.
final class PackedRow: ManagedBuffer<PackedRowHeader, UInt8> {
    /// Kind byte: SQL NULL (`NULL`, `\N`, a zero date mapped to NULL).
    static let null: UInt8 = 0
    /// Kind byte: an unquoted number, kept as its text.
    static let number: UInt8 = 1
    /// Kind byte: a quoted string, unescaped.
    static let string: UInt8 = 2
    /// Kind byte: binary data (`0x…`, `X'…'`, `b'…'`, `_binary '…'`).
    static let bytes: UInt8 = 3

    /// Packs `count` spans into `bytes` (the `PackedRowBuilder` layout).
    static func make(_ builder: borrowing PackedRowBuilder) -> PackedRow {
        let count = builder.count
        let bytesStart = count &* 9
        let byteCount = builder.byteCount
        let buffer = create(minimumCapacity: bytesStart &+ byteCount) { _ in
            PackedRowHeader(count: count, bytesStart: bytesStart)
        }
        // Safe because: `create` on PackedRow makes a PackedRow.
        let row = unsafe unsafeDowncast(buffer, to: PackedRow.self)
        unsafe row.withUnsafeMutablePointerToElements { p in
            // Safe because: the allocation holds count * 9 + byteCount bytes; the builder holds count
            // spans, count kinds and byteCount bytes.
            unsafe UnsafeMutableRawPointer(p).copyMemory(from: builder.spans, byteCount: count &* 8)
            unsafe (p + (count &* 8)).update(from: builder.kinds, count: count)
            unsafe (p + bytesStart).update(from: builder.bytes, count: byteCount)
        }
        return row
    }

    /// The number of values.
    var count: Int { header.count }

    /// The kind byte of value `index` (``null``, ``number``, ``string`` or ``bytes``).
    @inline(__always)
    func kind(at index: Int) -> UInt8 {
        let count = header.count
        // Safe because: index < count (the callers check), and the kinds follow the count spans.
        return unsafe withUnsafeMutablePointerToElements { p in unsafe p[count &* 8 &+ index] }
    }

    /// Calls `body` with the bytes of value `index` (`0..<count`), without copying them.
    /// - warning: Do not escape the pointer.
    @inline(__always)
    func withBytes<R, E: Error>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let bytesStart = header.bytesStart
        return try unsafe withUnsafeMutablePointerToElements { (p) throws(E) -> R in
            // Safe because: `make` wrote one span per value, each inside the bytes after bytesStart, and
            // the pointer is used only inside the storage's own closure.
            let span = unsafe UnsafeRawPointer(p + (index &* 8)).loadUnaligned(as: (UInt32, UInt32).self)
            return try unsafe body(UnsafeBufferPointer(start: p + (bytesStart &+ Int(span.0)), count: Int(span.1)))
        }
    }

    /// Value `index` as a ``DumpValue`` (copies its bytes).
    func value(at index: Int) -> DumpValue {
        let kind = kind(at: index)
        if kind == PackedRow.null { return .null }
        let bytes = unsafe withBytes(at: index) { unsafe [UInt8]($0) }
        switch kind {
        case PackedRow.number: return .number(bytes)
        case PackedRow.string: return .string(bytes)
        default: return .bytes(bytes)
        }
    }
}

/// ``PackedRow``'s header: the number of values and where their bytes start.
struct PackedRowHeader {
    /// The number of values.
    var count: Int
    /// Where the value bytes start (after 9 bytes of span and kind per value).
    var bytesStart: Int
}

// @safe: the buffers are private to it, every write is inside the capacity `reserve` made, and they are
// freed once, in deinit.
/// The reader's scratch row: spans, kinds and value bytes in growable buffers that are reused from
/// row to row.
///
/// Noncopyable: it owns the buffers and frees them in its deinit, so no copy can outlive them. The row
/// decoder moves it into a local for the length of a row, which keeps its fields in registers (see
/// `decodeTuple`).
@safe struct PackedRowBuilder: ~Copyable {
    /// (start, length) of each finished value in ``bytes``.
    private(set) var spans: UnsafeMutablePointer<(UInt32, UInt32)>
    /// The kind byte of each finished value.
    private(set) var kinds: UnsafeMutablePointer<UInt8>
    /// The value bytes, back to back.
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    /// Values finished so far.
    private(set) var count = 0
    /// Bytes appended so far (including those of the value being built).
    private(set) var byteCount = 0
    /// Capacity of ``spans`` and ``kinds``; doubles past 64 columns.
    private var spanCapacity = 64
    /// Capacity of ``bytes``; doubles as large values arrive and never shrinks.
    private var byteCapacity = 1 << 16

    /// An empty builder with room for 64 values and 64 KiB.
    init() {
        unsafe spans = .allocate(capacity: 64)
        unsafe kinds = .allocate(capacity: 64)
        unsafe bytes = .allocate(capacity: 1 << 16)
    }

    deinit {
        unsafe spans.deallocate()
        unsafe kinds.deallocate()
        unsafe bytes.deallocate()
    }

    /// Forgets the row, keeping the buffers for the next one.
    mutating func reset() {
        count = 0
        byteCount = 0
    }

    /// Makes room for `n` more value bytes.
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if byteCapacity &- byteCount < n { grow_slowPath(n) }
    }

    /// Doubles ``bytes`` until `n` more bytes fit (rare: the buffer keeps its size across rows).
    mutating func grow_slowPath(_ n: Int) {
        var capacity = byteCapacity
        while capacity - byteCount < n { capacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        unsafe grown.update(from: bytes, count: byteCount)
        unsafe bytes.deallocate()
        unsafe bytes = grown
        byteCapacity = capacity
    }

    /// Appends `n` bytes from `source` to the value being built (``reserve(_:)`` not needed).
    @inline(__always)
    mutating func append(_ source: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        // Safe because: reserve made byteCount + n <= byteCapacity.
        unsafe (bytes + byteCount).update(from: source, count: n)
        byteCount &+= n
    }

    /// Appends `n` bytes of the reader's window at `source`; short values are copied as one or two
    /// 16-byte blocks that may read and write past the value.
    /// Safe because: `source` points into a ChunkBuffer window, whose allocation extends 64 bytes past
    /// its capacity (so `source + 32` stays inside it), and reserve(n + 32) keeps the stores inside
    /// this buffer.
    @inline(__always)
    mutating func append(window source: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n &+ 32)
        let dst = unsafe UnsafeMutableRawPointer(bytes + byteCount)
        if n <= 16 {
            unsafe dst.storeBytes(of: load16(source), as: SIMD16<UInt8>.self)
        } else if n <= 32 {
            unsafe dst.storeBytes(of: load16(source), as: SIMD16<UInt8>.self)
            unsafe (dst + 16).storeBytes(of: load16(source + 16), as: SIMD16<UInt8>.self)
        } else {
            unsafe dst.copyMemory(from: source, byteCount: n)
        }
        byteCount &+= n
    }

    /// Appends one byte to the value being built.
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        unsafe bytes[byteCount] = byte
        byteCount &+= 1
    }

    /// Ends a value whose bytes were appended from `start` (a `byteCount` taken before).
    @inline(__always)
    mutating func finish(kind: UInt8, from start: Int) {
        if count == spanCapacity { growSpans_slowPath() }
        unsafe spans[count] = (UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: byteCount &- start))
        unsafe kinds[count] = kind
        count &+= 1
    }

    /// Doubles the span and kind capacity (a table with more than 64 columns, once).
    mutating func growSpans_slowPath() {
        let capacity = spanCapacity * 2
        let grownSpans = UnsafeMutablePointer<(UInt32, UInt32)>.allocate(capacity: capacity)
        unsafe grownSpans.update(from: spans, count: count)
        unsafe spans.deallocate()
        unsafe spans = grownSpans
        let grownKinds = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        unsafe grownKinds.update(from: kinds, count: count)
        unsafe kinds.deallocate()
        unsafe kinds = grownKinds
        spanCapacity = capacity
    }

    /// The kind of value `index`.
    func kind(at index: Int) -> UInt8 { unsafe kinds[index] }

    /// Appends `source` to the value being built.
    mutating func append(_ source: [UInt8]) {
        unsafe source.withUnsafeBufferPointer { if let base = $0.baseAddress { unsafe append(base, $0.count) } }
    }

    /// Turns value `index` into NULL.
    mutating func setNull(_ index: Int) { unsafe kinds[index] = PackedRow.null }

    /// Calls `body` with the bytes of value `index`.
    /// - warning: Do not escape the pointer: the next append may move the bytes.
    func withBytes<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let span = unsafe spans[index]
        // Safe because: finish() recorded a span inside the bytes appended so far.
        return unsafe body(UnsafeBufferPointer(start: bytes + Int(span.0), count: Int(span.1)))
    }

    /// Replaces value `index`'s bytes with `new` (appended at the end; the old bytes stay unused).
    mutating func replace(_ index: Int, with new: [UInt8]) {
        let start = byteCount
        append(new)
        unsafe spans[index] = (UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: new.count))
    }
}
