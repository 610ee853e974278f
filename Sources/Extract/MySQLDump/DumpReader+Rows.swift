import Logging
#if canImport(Glibc)
    import Glibc
#endif

extension DumpReader {
    /// Reads the next row of the current INSERT, or ends the statement (returns `nil`).
    ///
    /// Per row: the separator (`,` or the delimiter), the tuple decoded into the reused builder, the value
    /// count checked against the table's columns, then ``postprocess(_:_:rowStart:)``. A row larger than
    /// 4 GiB of values is a `limit` error (packed offsets are 32-bit). A row whose key the
    /// ``Options/rowFilter`` does not want is skimmed after its key value, and the next row is read.
    /// - Throws: ``ExtractError`` `truncated` when the input ends inside the INSERT, `syntax` for a
    ///   malformed tuple, `schema` for a wrong value count, `limit`, or `charset` (strict mode).
    /// - Complexity: O(row bytes); one allocation per row (the packed row), none per plain value (hex
    ///   literals and transcoded text allocate their own).
    func nextRow() throws(ExtractError) -> DumpRow? {
        guard let context = unsafe rows else { return nil }
        // Rows with an unwanted key (``Options/rowFilter``) are skimmed by the decoder: read on.
        while true {
            guard try readSeparator(context) else { return nil }
            let rowStart = unsafe pos
            try unsafe decodeRow(context, into: &builder)
            unsafe expectSeparator = true
            if unsafe rowSkimmed {
                unsafe rowSkimmed = false
                options.rowFilter?.noteDropped(1)
                continue
            }
            let count = unsafe builder.count
            if context.columns == nil {
                context.columns = DumpColumns((1...max(count, 1)).map { "c\($0)" })
            }
            let source = context.rowSource
            if count != source.columnCount {
                throw error(
                    .schema, "row has \(count) values but the table has \(source.columnCount) columns", at: rowStart)
            }
            try unsafe postprocess(&builder, context, rowStart: rowStart)
            if unsafe _slowPath(builder.byteCount > Int(UInt32.max)) {
                throw error(.limit, "row holds more than 4 GiB of values", at: rowStart)
            }
            unsafe context.checkedRows += 1
            return unsafe DumpRow(source: source, packed: PackedRow.make(builder))
        }
    }

    /// Reads what comes before a row: nothing before the first, `,` before the others. Returns `false`
    /// (and leaves row mode) at the statement's delimiter, else leaves `pos` at the row's `(`.
    /// - Throws: ``ExtractError`` `truncated` when the input ends, `syntax` for anything else.
    private func readSeparator(_ context: RowContext) throws(ExtractError) -> Bool {
        // currentTable is context.table already (set by statement() before beginRows).
        guard try skipSpace() else {
            throw unsafe error(.truncated, "the input ends inside an INSERT statement (after a row)", at: buffer.end)
        }
        try ensure(delimiter.count)
        var b = unsafe buffer.base[pos]
        if unsafe expectSeparator {
            if b == 0x2C {
                // The next row follows: read it in this call.
                unsafe pos += 1
                unsafe expectSeparator = false
                guard try skipSpace() else {
                    throw unsafe error(
                        .truncated, "the input ends inside an INSERT statement (after a row)", at: buffer.end)
                }
                b = unsafe buffer.base[pos]
            } else if matchesDelimiter() {
                unsafe pos += delimiter.count
                checkedRowsByTable[context.table] = unsafe context.checkedRows
                unsafe rows = nil
                return false
            } else {
                throw error(
                    .syntax,
                    "expected `,` or `\(String(decoding: delimiter, as: UTF8.self))` after a row, found byte 0x\(String(b, radix: 16))",
                    at: unsafe pos)
            }
        }
        guard b == 0x28 else {
            throw error(.syntax, "expected `(` to start a row, found byte 0x\(String(b, radix: 16))", at: unsafe pos)
        }
        return true
    }

    /// Whether the statement delimiter starts at `pos` (the caller ensured enough bytes).
    private func matchesDelimiter() -> Bool {
        guard unsafe buffer.end - pos >= delimiter.count else { return false }
        for (k, d) in delimiter.enumerated() where unsafe buffer.base[pos + k] != d { return false }
        return true
    }

    /// Decodes the row at `pos` (its `(`), framing it first when it runs past the window.
    ///
    /// The fast path decodes straight from the window and gives up (`nil`) at the window's end; the slow
    /// path then finds the row's end with the skip scanner, growing the window up to
    /// ``Options/maxRowBytes``, and decodes again from the start of the row. Only rows that straddle a
    /// refill pay twice.
    private func decodeRow(_ context: RowContext, into out: inout PackedRowBuilder) throws(ExtractError) {
        out.reset()
        let key = context.keyTest
        if let next = try unsafe decodeTuple(from: pos, limit: buffer.end, key: key, into: &out) {
            unsafe pos = next
            return
        }
        // Slow path: find the row's end (growing the window up to the limit), then decode it whole.
        var state = ScanState()
        var i = unsafe pos + 1
        while true {
            let found = unsafe scanToEnd(
                buffer.base, &i, buffer.end, &state, delimiter: delimiter, code: codeBytes, row: true,
                eof: buffer.isAtEOF)
            if found { break }
            if unsafe buffer.isAtEOF {
                throw error(.truncated, "the input ends \(state.whereDescription) in a row", at: unsafe buffer.end)
            }
            if unsafe buffer.end - pos > options.maxRowBytes {
                throw error(
                    .limit,
                    "row longer than the \(options.maxRowBytes)-byte limit (maxRowBytes / --max-row-mb); raise it for dumps made with a larger max_allowed_packet",
                    at: unsafe pos)
            }
            let shift = unsafe pos
            try unsafe buffer.refill(keepingFrom: pos)
            unsafe pos = 0
            i -= shift
        }
        if unsafe i - pos > options.maxRowBytes {
            throw error(
                .limit, "row longer than the \(options.maxRowBytes)-byte limit (maxRowBytes / --max-row-mb)",
                at: unsafe pos)
        }
        out.reset()
        guard let next = try unsafe decodeTuple(from: pos, limit: i, key: key, into: &out) else {
            throw unsafe error(.syntax, "malformed row", at: pos)
        }
        unsafe pos = next
    }

    /// Decodes `( v, v, … )` starting at `start` (the `(`); returns the index after `)`, or `nil` when
    /// the row continues past `limit`. With a `key` test, a row whose key is not wanted is skimmed after
    /// its key value (``rowSkimmed`` is set).
    private func decodeTuple(
        from start: Int, limit: Int, key: RowKeyTest?, into builder: inout PackedRowBuilder
    ) throws(ExtractError) -> Int? {
        // A local (the pointers and counts, moved out of `builder` and back) stays in registers; stores
        // through its byte pointer would otherwise force reloads of the fields from memory.
        var out = builder
        do {
            let next = try decodeFields(from: start, limit: limit, key: key, into: &out)
            builder = out
            return next
        } catch {
            builder = out
            throw error
        }
    }

    /// The loop of ``decodeTuple(from:limit:into:)``, inlined into it so `out` is its local.
    ///
    /// Literals taken, as mysqldump, mariadb-dump and Bitrix backups write them: `'…'` and `"…"` strings
    /// (backslash escapes, doubled quotes), `NULL` in any case, `\N`, numbers (sign, decimals,
    /// exponent), `0x…` and `X'…'` hex, `b'…'` bits, and charset introducers (`_binary '…'`,
    /// `_utf8mb4 '…'`, `_binary 0x…`). Anything else is a `syntax` error naming the byte.
    /// - Returns: The index after `)`, or `nil` when the row continues past `limit`.
    @inline(__always)
    private func decodeFields(
        from start: Int, limit: Int, key: RowKeyTest?, into out: inout PackedRowBuilder
    ) throws(ExtractError) -> Int? {
        let base = unsafe UnsafePointer(buffer.base)
        // The value count at which the key has just been read (0, never reached after a value, without a key).
        let keyCount = key.map { $0.column &+ 1 } ?? 0
        var i = start + 1
        while true {
            while unsafe i < limit && isSpace(base[i]) { i += 1 }
            if i >= limit { return nil }
            let b = unsafe base[i]
            let valueStart = out.byteCount
            let kind: UInt8
            switch b {
            case 0x27, 0x22:
                let j = unsafe findQuoteOrBackslash(base, i &+ 1, limit, b)
                if unsafe j &+ 1 < limit && base[j] == b && base[j &+ 1] != b {
                    // No escape and no doubled closing quote: the bytes are the value.
                    // Safe because: i < j < limit, inside the window.
                    unsafe out.append(window: base + (i &+ 1), j &- i &- 1)
                    i = j &+ 1
                } else {
                    guard let next = unsafe decodeQuoted_slowPath(base, i &+ 1, j, limit, b, &out) else { return nil }
                    i = next
                }
                kind = PackedRow.string
            case 0x4E, 0x6E:  // NULL
                if i + 4 > limit { return nil }
                guard
                    unsafe (base[i + 1] | 0x20) == 0x75 && (base[i + 2] | 0x20) == 0x6C && (base[i + 3] | 0x20) == 0x6C
                else {
                    throw error(.syntax, "unsupported literal in a row", at: i)
                }
                i += 4
                kind = PackedRow.null
            case 0x5C:  // \N
                if i + 2 > limit { return nil }
                guard unsafe base[i + 1] == 0x4E else { throw error(.syntax, "unsupported literal in a row", at: i) }
                i += 2
                kind = PackedRow.null
            case 0x30 where unsafe i + 1 < limit && (base[i + 1] == 0x78 || base[i + 1] == 0x58):
                var k = i + 2
                while unsafe k < limit && isHexDigit(base[k]) { k += 1 }
                if k >= limit { return nil }
                guard let bytes = unsafe hexBytes(base, i + 2, k) else {
                    throw error(.syntax, "malformed hex literal", at: i)
                }
                i = k
                out.append(bytes)
                kind = PackedRow.bytes
            case 0x58, 0x78, 0x42, 0x62:  // X'…', b'…'
                if i + 1 >= limit { return nil }
                guard unsafe base[i + 1] == 0x27 else { throw error(.syntax, "unsupported literal in a row", at: i) }
                let k = unsafe findByte(base, i + 2, limit, 0x27)
                if k >= limit { return nil }
                let bytes = unsafe (b | 0x20) == 0x78 ? hexBytes(base, i + 2, k) : bitBytes(base, i + 2, k)
                guard let bytes else {
                    throw error(.syntax, "malformed \(Character(Unicode.Scalar(b)))'…' literal", at: i)
                }
                i = k + 1
                out.append(bytes)
                kind = PackedRow.bytes
            case 0x5F:  // _binary '…', _utf8mb4 '…'
                var k = i + 1
                while unsafe k < limit && SQLLexer.isWordByte(base[k]) { k += 1 }
                let binary =
                    unsafe k - i == 7
                    && String(decoding: UnsafeBufferPointer(start: base + i, count: 7), as: UTF8.self).lowercased()
                        == "_binary"
                while unsafe k < limit && isSpace(base[k]) { k += 1 }
                if k >= limit { return nil }
                if unsafe base[k] == 0x27 || base[k] == 0x22 {
                    let j = unsafe findQuoteOrBackslash(base, k + 1, limit, base[k])
                    guard let next = unsafe decodeQuoted_slowPath(base, k + 1, j, limit, base[k], &out) else {
                        return nil
                    }
                    i = next
                    kind = binary ? PackedRow.bytes : PackedRow.string
                } else if unsafe base[k] == 0x30 && k + 1 < limit && (base[k + 1] | 0x20) == 0x78 {
                    var e = k + 2
                    while unsafe e < limit && isHexDigit(base[e]) { e += 1 }
                    if e >= limit { return nil }
                    guard let bytes = unsafe hexBytes(base, k + 2, e) else {
                        throw error(.syntax, "malformed hex literal", at: k)
                    }
                    i = e
                    out.append(bytes)
                    kind = PackedRow.bytes
                } else {
                    throw error(.syntax, "unsupported literal after a charset introducer", at: i)
                }
            case 0x29 where out.count == 0:
                return i + 1
            default:
                guard isNumberByte(b) else {
                    throw error(.syntax, "unsupported literal in a row (byte 0x\(String(b, radix: 16)))", at: i)
                }
                let k = unsafe numberEnd(base, i &+ 1, limit)
                if k >= limit { return nil }
                // Safe because: i < k < limit, inside the window.
                unsafe out.append(window: base + i, k &- i)
                i = k
                kind = PackedRow.number
            }
            out.finish(kind: kind, from: valueStart)
            if _slowPath(out.count == keyCount), let key, !Self.wants(key, out) {
                guard let next = unsafe skimRow(base, from: i, limit: limit) else { return nil }
                out.reset()
                unsafe rowSkimmed = true
                return next
            }
            while unsafe i < limit && isSpace(base[i]) { i += 1 }
            if i >= limit { return nil }
            if unsafe base[i] == 0x2C {
                i += 1
                continue
            }
            if unsafe base[i] == 0x29 { return i + 1 }
            throw error(
                .syntax, unsafe "expected `,` or `)` after a value, found byte 0x\(String(base[i], radix: 16))", at: i)
        }
    }

    /// Whether the row being decoded, whose key value is the last one read, is wanted: its key is not an
    /// integer (NULL, text: the consumer judges those), its id (when the test names one) is not an integer,
    /// or its key is among the keys.
    private static func wants(_ key: RowKeyTest, _ out: borrowing PackedRowBuilder) -> Bool {
        if key.idColumn >= 0 {
            let kind = out.kind(at: key.idColumn)
            guard kind == PackedRow.number || kind == PackedRow.string,
                unsafe out.withBytes(at: key.idColumn, { unsafe DumpNumber.int64($0) }) != nil
            else { return true }
        }
        let kind = out.kind(at: key.column)
        guard kind == PackedRow.number || kind == PackedRow.string else { return true }
        guard let value = unsafe out.withBytes(at: key.column, { unsafe DumpNumber.int64($0) }) else { return true }
        return key.contains(value)
    }

    /// Skims the rest of a row whose key is not wanted, from `from` (just after a value) to just after
    /// its `)`, without decoding: 64 bytes at a time through its `'…'` strings, byte by byte past anything
    /// rarer. Returns that index, or `nil` when the row continues past `limit`.
    ///
    /// The rest is framed, not validated: like a table that is not requested, a skimmed row's malformed
    /// values or wrong value count go unnoticed (a truncation does not: the framing needs the `)`).
    private func skimRow(_ base: UnsafePointer<UInt8>, from: Int, limit: Int) -> Int? {
        var i = from
        var state = ScanState()
        var inString = false
        var escaped = false
        // 1. Safe because: skipQuotedBlocks reads only whole 64-byte blocks below `limit`, and a stop it
        //    reports is an index below `limit` (so `base[i]` is inside the window).
        if unsafe skipQuotedBlocks(base, &i, limit, codeBytes.skim, inString: &inString, escaped: &escaped) {
            // Outside any string at a `(`, `)`, `"`, backtick or backslash: no `(` was passed, so a `)` ends the row.
            if unsafe base[i] == 0x29 { return i &+ 1 }
        } else if i != from {
            state.mode = inString ? .single : .code
            // 2. Safe because: a whole block was consumed, so i - 1 >= from holds the escaping backslash.
            if escaped { i &-= 1 }
        }
        // 3. The rest (a stop other than `)`, or fewer than 64 bytes): the byte-level framing scan.
        let found = unsafe scanToEnd(
            base, &i, limit, &state, delimiter: delimiter, code: codeBytes, row: true, eof: false, blocks: false)
        return found ? i : nil
    }

    /// Whether this row's text values are checked for UTF-8: every row with ``Options/strictCharset``,
    /// otherwise the first 10,000 rows of each table (a wrong charset shows in the first rows; checking
    /// every value would cost a third of the materialising time).
    private func checkUTF8(_ context: RowContext) -> Bool {
        if options.strictCharset { return true }
        return unsafe context.checkedRows < 10_000
    }

    /// Zero dates to NULL, charset to UTF-8, UTF-8 validation of text columns.
    ///
    /// Binary and numeric columns are never touched; only string values are. `0000-00-00` becomes NULL
    /// in date columns (with ``Options/zeroDatesAsNull``), and in columns of unknown type when it is the
    /// whole value. Text in cp1251 or latin1 (the connection's charset, or the table's under `SET NAMES
    /// binary`) is transcoded; UTF-8 text that is not valid UTF-8 is kept as bytes and warned about once
    /// per column, or refused in strict mode.
    private func postprocess(_ out: inout PackedRowBuilder, _ context: RowContext, rowStart: Int) throws(ExtractError) {
        let zeroDatesAsNull = options.zeroDatesAsNull
        let transcode = context.charset.needsTranscoding
        let check = checkUTF8(context)
        if !transcode && !check && out.count <= context.kinds.count {
            // The common case after the first rows: only zero dates are left to map.
            guard zeroDatesAsNull else { return }
            for n in context.dateColumns where n < out.count && out.kind(at: n) == PackedRow.string {
                if unsafe out.withBytes(at: n, isZeroDate) { out.setNull(n) }
            }
            return
        }
        let kinds = context.kinds
        for n in 0..<out.count {
            guard out.kind(at: n) == PackedRow.string else { continue }
            let kind = n < kinds.count ? kinds[n] : .unknown
            switch kind {
            case .binary, .number:
                continue
            case .date:
                if unsafe zeroDatesAsNull && out.withBytes(at: n, isZeroDate) { out.setNull(n) }
            case .text, .unknown:
                // Without a CREATE TABLE the column type is unknown: a string that is exactly a zero
                // date is taken as one.
                if unsafe kind == .unknown && zeroDatesAsNull && out.withBytes(at: n, isZeroDate) {
                    out.setNull(n)
                    continue
                }
                if transcode {
                    let transcoded = unsafe context.charset.transcode(out.withBytes(at: n) { unsafe Array($0) })
                    out.replace(n, with: transcoded)
                } else if unsafe kind == .text && check && !out.withBytes(at: n, isValidUTF8) {
                    try invalidUTF8_slowPath(column: n, context, rowStart: rowStart)
                }
            }
        }
    }

    /// Reports invalid UTF-8 in column `n`: a `charset` error in strict mode, else one warning per table and
    /// column (the bytes are kept, so nothing is lost).
    private func invalidUTF8_slowPath(column n: Int, _ context: RowContext, rowStart: Int) throws(ExtractError) {
        let column = context.columns?.names[n] ?? "c\(n + 1)"
        if options.strictCharset {
            throw error(
                .charset,
                "column \(column) holds bytes that are not valid UTF-8 although the dump's charset is UTF-8 (wrong charset?)",
                at: rowStart)
        }
        if warned.insert("utf8.\(context.table).\(column)").inserted {
            let location = buffer.location(of: rowStart)
            logger.warning(
                "text column holds invalid UTF-8 (wrong charset?); bytes kept as they are",
                metadata: [
                    "dump.table": "\(context.table)", "dump.column": "\(column)", "dump.line": "\(location.line)",
                    "dump.offset": "\(location.offset)",
                ])
        }
    }
}

/// Decodes a quoted string whose opening quote precedes `from` and that has escapes or doubled quotes;
/// `first` is the first quote or backslash at or after `from` (or `limit`). Appends the unescaped
/// bytes to `out` and returns the index after the closing quote, or `nil` when the string continues
/// past `limit`.
///
/// `'It''s a \"rose\"\n'` decodes to `It's a "rose"` and a LF; `\%` and `\_` keep their backslash
/// (MySQL reads them so: they are LIKE escapes).
func decodeQuoted_slowPath(
    _ base: UnsafePointer<UInt8>, _ from: Int, _ first: Int, _ limit: Int, _ quote: UInt8, _ out: inout PackedRowBuilder
) -> Int? {
    var i = from
    var j = first
    var cursor = QuoteCursor(quote: quote)
    while true {
        if j > i { unsafe out.append(window: base + i, j &- i) }
        if j >= limit { return nil }
        if j &+ 1 >= limit { return nil }  // need the next byte: escape target or doubled quote
        let next = unsafe base[j &+ 1]
        if unsafe base[j] == quote {
            if next == quote {
                out.append(quote)
                i = j &+ 2
                j = unsafe cursor.find(base, i, limit)
                continue
            }
            return j &+ 1
        }
        if MySQLEscape.keepsBackslash(next) { out.append(0x5C) }
        out.append(MySQLEscape.byte(after: next))
        i = j &+ 2
        j = unsafe cursor.find(base, i, limit)
    }
}

/// Finds quotes and backslashes in a string with many escapes: the bitmask of a 64-byte block is
/// computed once and then consumed bit by bit, instead of searching afresh after every escape.
///
/// Pays off on values like serialised PHP or JSON in Bitrix properties, where escapes come every few bytes.
struct QuoteCursor {
    /// The closing quote in every lane.
    let quote: SIMD16<UInt8>
    /// The closing quote (`'` or `"`).
    let quoteByte: UInt8
    /// The mask covers [blockStart, blockStart + 64); blockStart < 0 means no block yet.
    var blockStart = -1
    /// Bit k set: byte blockStart + k is the quote or a backslash.
    var mask: UInt64 = 0

    /// A cursor for strings closed by `quote`.
    init(quote: UInt8) {
        self.quote = SIMD16(repeating: quote)
        quoteByte = quote
    }

    /// The first index in `[from, limit)` holding the quote or a backslash, or `limit`.
    @inline(__always)
    mutating func find(_ base: UnsafePointer<UInt8>, _ from: Int, _ limit: Int) -> Int {
        var start = from
        if blockStart >= 0 && from >= blockStart && from < blockStart &+ 64 {
            let m = mask & (~0 << UInt64(from &- blockStart))
            if m != 0 { return blockStart &+ m.trailingZeroBitCount }
            start = blockStart &+ 64
        }
        let backslash = SIMD16<UInt8>(repeating: 0x5C)
        // 1. Safe because: each block reads [start, start + 64) and requires start + 64 <= limit.
        while start &+ 64 <= limit {
            var m: UInt64 = 0
            for k in 0..<4 {
                let v = unsafe load16(base + (start &+ 16 &* k))
                m |= UInt64(movemask((v .== quote) .| (v .== backslash))) << UInt64(16 &* k)
            }
            blockStart = start
            mask = m
            if m != 0 { return start &+ m.trailingZeroBitCount }
            start &+= 64
        }
        blockStart = -1
        return unsafe findQuoteOrBackslash(base, start, limit, quoteByte)
    }
}

/// The first index in `[from, limit)` whose byte cannot be part of an unquoted number, or `limit`.
///
/// Accepts digits, `+`, `-`, `.`, `e` and `E` in any order: the scan only frames the number; its text
/// is validated when a caller reads it as a number (``DumpValue``), so `1e2e3` frames here and fails
/// there.
@inline(__always)
func numberEnd(_ base: UnsafePointer<UInt8>, _ from: Int, _ limit: Int) -> Int {
    var i = from
    let zero = SIMD16<UInt8>(repeating: 0x30)
    let nine = SIMD16<UInt8>(repeating: 9)
    let minus = SIMD16<UInt8>(repeating: 0x2D)
    let plus = SIMD16<UInt8>(repeating: 0x2B)
    let dot = SIMD16<UInt8>(repeating: 0x2E)
    let lowerBit = SIMD16<UInt8>(repeating: 0x20)
    let e = SIMD16<UInt8>(repeating: 0x65)
    // 1. Safe because: each load reads [i, i + 16) and requires i + 16 <= limit.
    while i &+ 16 <= limit {
        let v = unsafe load16(base + i)
        let d = v &- zero
        let digit = pointwiseMin(d, nine) .== d
        let number = digit .| (v .== minus) .| (v .== plus) .| (v .== dot) .| ((v | lowerBit) .== e)
        let stop = ~movemask(number) & 0xFFFF
        if stop != 0 { return i &+ stop.trailingZeroBitCount }
        i &+= 16
    }
    // 2. Safe because: i < limit is checked before each read.
    while unsafe i < limit && isNumberByte(base[i]) { i &+= 1 }
    return i
}

/// Whether `b` is `0-9`, `a-f` or `A-F`.
@inline(__always)
func isHexDigit(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

/// Whether `b` can appear in an unquoted numeric literal (digits, sign, point, exponent).
@inline(__always)
func isNumberByte(_ b: UInt8) -> Bool {
    (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45
}

/// The value of a hex digit (the caller checked ``isHexDigit(_:)``).
@inline(__always)
func hexValue(_ b: UInt8) -> UInt8 { b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10 }

/// Hex digits `[from, to)` as bytes (an odd count gets a leading zero nibble): `0xABC` is `[0x0A, 0xBC]`,
/// as MySQL reads it. `nil` when a byte is not a hex digit.
func hexBytes(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity((to - from + 1) / 2)
    var i = from
    if (to - from) % 2 == 1 {
        guard unsafe isHexDigit(base[i]) else { return nil }
        unsafe out.append(hexValue(base[i]))
        i += 1
    }
    while i < to {
        guard unsafe isHexDigit(base[i]), unsafe isHexDigit(base[i + 1]) else { return nil }
        unsafe out.append(hexValue(base[i]) << 4 | hexValue(base[i + 1]))
        i += 2
    }
    return out
}

/// Binary digits `[from, to)` as big-endian bytes: `b'1000000001'` is `[0x02, 0x01]`; `b''` is one zero
/// byte.
func bitBytes(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> [UInt8]? {
    let count = to - from
    var out = [UInt8](repeating: 0, count: max((count + 7) / 8, 1))
    for k in 0..<count {
        let b = unsafe base[from + k]
        guard b == 0x30 || b == 0x31 else { return nil }
        let bit = count - 1 - k
        if b == 0x31 { out[out.count - 1 - bit / 8] |= 1 << UInt8(bit % 8) }
    }
    return out
}

/// `0000-00-00`, `0000-00-00 00:00:00`, `0000-00-00 00:00:00.000000`: MySQL's "no date", which no
/// calendar or PostgreSQL column can hold.
func isZeroDate(_ bytes: [UInt8]) -> Bool { unsafe bytes.withUnsafeBufferPointer { unsafe isZeroDate($0) } }

/// `0000-00-00`, `0000-00-00 00:00:00`, `0000-00-00 00:00:00.000000`.
func isZeroDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count >= 10, unsafe bytes[4] == 0x2D, unsafe bytes[7] == 0x2D else { return false }
    for i in 0..<bytes.count {
        let b = unsafe bytes[i]
        if !(b == 0x30 || b == 0x2D || b == 0x3A || b == 0x20 || b == 0x2E) { return false }
    }
    return true
}
