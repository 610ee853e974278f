import Logging

extension DumpReader {
    /// Reads the next row of the current INSERT, or ends the statement (returns `nil`).
    func nextRow() throws(ExtractError) -> DumpRow? {
        guard let context = rows else { return nil }
        currentTable = context.table
        guard try skipSpace() else {
            throw truncated("the input ends inside an INSERT statement (after a row)", at: buffer.end)
        }
        try ensure(delimiter.count)
        let base = buffer.base
        let b = base[pos]
        if expectSeparator {
            if b == 0x2C {
                pos += 1
                expectSeparator = false
                return nil
            }
            if matchesDelimiter() {
                pos += delimiter.count
                checkedRowsByTable[context.table] = context.checkedRows
                rows = nil
                return nil
            }
            throw error("expected `,` or `\(String(decoding: delimiter, as: UTF8.self))` after a row, found byte 0x\(String(b, radix: 16))", at: pos)
        }
        guard b == 0x28 else {
            throw error("expected `(` to start a row, found byte 0x\(String(b, radix: 16))", at: pos)
        }
        let rowStart = pos
        var values = try decodeRow(context)
        expectSeparator = true
        if context.columns == nil {
            context.columns = DumpColumns((1...max(values.count, 1)).map { "c\($0)" })
        }
        let columns = context.columns!  // set just above
        if values.count != columns.names.count {
            throw error("row has \(values.count) values but the table has \(columns.names.count) columns", at: rowStart)
        }
        try postprocess(&values, context, rowStart: rowStart)
        context.checkedRows += 1
        return DumpRow(table: context.table, database: context.database, columns: columns, values: values)
    }

    private func matchesDelimiter() -> Bool {
        guard buffer.end - pos >= delimiter.count else { return false }
        for (k, d) in delimiter.enumerated() where buffer.base[pos + k] != d { return false }
        return true
    }

    /// Decodes the row at `pos` (its `(`), framing it first when it runs past the window.
    private func decodeRow(_ context: RowContext) throws(ExtractError) -> [DumpValue] {
        var values: [DumpValue] = []
        values.reserveCapacity(context.kinds.count)
        if let next = try decodeTuple(from: pos, limit: buffer.end, into: &values) {
            pos = next
            return values
        }
        // Slow path: find the row's end (growing the window up to the limit), then decode it whole.
        var state = ScanState()
        var i = pos + 1
        while true {
            let found = codeTable.row.withUnsafeBufferPointer { table in
                scanToEnd(buffer.base, &i, buffer.end, &state, delimiter: delimiter, table: table.baseAddress!, row: true, eof: buffer.isAtEOF)
            }
            if found { break }
            if buffer.isAtEOF {
                throw truncated("the input ends \(state.whereDescription) in a row", at: buffer.end)
            }
            if buffer.end - pos > options.maxRowBytes {
                throw error(
                    "row longer than the \(options.maxRowBytes)-byte limit (maxRowBytes / --max-row-mb); raise it for dumps made with a larger max_allowed_packet",
                    at: pos)
            }
            let shift = pos
            try buffer.refill(keepingFrom: pos)
            pos = 0
            i -= shift
        }
        if i - pos > options.maxRowBytes {
            throw error("row longer than the \(options.maxRowBytes)-byte limit (maxRowBytes / --max-row-mb)", at: pos)
        }
        values.removeAll(keepingCapacity: true)
        guard let next = try decodeTuple(from: pos, limit: i, into: &values) else {
            throw error("malformed row", at: pos)
        }
        pos = next
        return values
    }

    /// Decodes `( v, v, … )` starting at `start` (the `(`); returns the index after `)`, or `nil` when
    /// the row continues past `limit`.
    private func decodeTuple(from start: Int, limit: Int, into values: inout [DumpValue]) throws(ExtractError) -> Int? {
        let base = UnsafePointer(buffer.base)
        var i = start + 1
        while true {
            while i < limit && isSpace(base[i]) { i += 1 }
            if i >= limit { return nil }
            let b = base[i]
            let value: DumpValue
            switch b {
            case 0x27, 0x22:
                var out: [UInt8] = []
                guard let next = decodeQuoted(base, i + 1, limit, b, &out) else { return nil }
                i = next
                value = .string(out)
            case 0x4E, 0x6E:  // NULL
                if i + 4 > limit { return nil }
                guard (base[i + 1] | 0x20) == 0x75 && (base[i + 2] | 0x20) == 0x6C && (base[i + 3] | 0x20) == 0x6C else {
                    throw error("unsupported literal in a row", at: i)
                }
                i += 4
                value = .null
            case 0x5C:  // \N
                if i + 2 > limit { return nil }
                guard base[i + 1] == 0x4E else { throw error("unsupported literal in a row", at: i) }
                i += 2
                value = .null
            case 0x30 where i + 1 < limit && (base[i + 1] == 0x78 || base[i + 1] == 0x58):
                var k = i + 2
                while k < limit && isHexDigit(base[k]) { k += 1 }
                if k >= limit { return nil }
                guard let bytes = hexBytes(base, i + 2, k) else { throw error("malformed hex literal", at: i) }
                i = k
                value = .bytes(bytes)
            case 0x58, 0x78, 0x42, 0x62:  // X'…', b'…'
                if i + 1 >= limit { return nil }
                guard base[i + 1] == 0x27 else { throw error("unsupported literal in a row", at: i) }
                let k = findByte(base, i + 2, limit, 0x27)
                if k >= limit { return nil }
                let bytes = (b | 0x20) == 0x78 ? hexBytes(base, i + 2, k) : bitBytes(base, i + 2, k)
                guard let bytes else { throw error("malformed \(Character(Unicode.Scalar(b)))'…' literal", at: i) }
                i = k + 1
                value = .bytes(bytes)
            case 0x5F:  // _binary '…', _utf8mb4 '…'
                var k = i + 1
                while k < limit && SQLLexer.isWordByte(base[k]) { k += 1 }
                let binary = k - i == 7 && String(decoding: UnsafeBufferPointer(start: base + i, count: 7), as: UTF8.self).lowercased() == "_binary"
                while k < limit && isSpace(base[k]) { k += 1 }
                if k >= limit { return nil }
                if base[k] == 0x27 || base[k] == 0x22 {
                    var out: [UInt8] = []
                    guard let next = decodeQuoted(base, k + 1, limit, base[k], &out) else { return nil }
                    i = next
                    value = binary ? .bytes(out) : .string(out)
                } else if base[k] == 0x30 && k + 1 < limit && (base[k + 1] | 0x20) == 0x78 {
                    var e = k + 2
                    while e < limit && isHexDigit(base[e]) { e += 1 }
                    if e >= limit { return nil }
                    guard let bytes = hexBytes(base, k + 2, e) else { throw error("malformed hex literal", at: k) }
                    i = e
                    value = .bytes(bytes)
                } else {
                    throw error("unsupported literal after a charset introducer", at: i)
                }
            case 0x29 where values.isEmpty:
                return i + 1
            default:
                guard isNumberByte(b) else { throw error("unsupported literal in a row (byte 0x\(String(b, radix: 16)))", at: i) }
                var k = i + 1
                while k < limit && isNumberByte(base[k]) { k += 1 }
                if k >= limit { return nil }
                value = .number(Array(UnsafeBufferPointer(start: base + i, count: k - i)))
                i = k
            }
            values.append(value)
            while i < limit && isSpace(base[i]) { i += 1 }
            if i >= limit { return nil }
            if base[i] == 0x2C {
                i += 1
                continue
            }
            if base[i] == 0x29 { return i + 1 }
            throw error("expected `,` or `)` after a value, found byte 0x\(String(base[i], radix: 16))", at: i)
        }
    }

    /// Whether this row's text values are checked for UTF-8: every row with ``Options/strictCharset``,
    /// otherwise the first 10,000 rows of each table (a wrong charset shows in the first rows; checking
    /// every value would cost a third of the materialising time).
    private func checkUTF8(_ context: RowContext) -> Bool {
        if options.strictCharset { return true }
        return context.checkedRows < 10_000
    }

    /// Zero dates to NULL, charset to UTF-8, UTF-8 validation of text columns.
    private func postprocess(_ values: inout [DumpValue], _ context: RowContext, rowStart: Int) throws(ExtractError) {
        for n in values.indices {
            guard case .string(let bytes) = values[n] else { continue }
            let kind = n < context.kinds.count ? context.kinds[n] : .unknown
            switch kind {
            case .binary, .number:
                continue
            case .date:
                if options.zeroDatesAsNull && isZeroDate(bytes) { values[n] = .null }
            case .text, .unknown:
                // Without a CREATE TABLE the column type is unknown: a string that is exactly a zero
                // date is taken as one.
                if kind == .unknown && options.zeroDatesAsNull && isZeroDate(bytes) {
                    values[n] = .null
                    continue
                }
                if context.charset.needsTranscoding {
                    values[n] = .string(context.charset.transcode(bytes))
                } else if kind == .text && checkUTF8(context) && !isValidUTF8(bytes) {
                    let column = context.columns?.names[n] ?? "c\(n + 1)"
                    if options.strictCharset {
                        throw error("column \(column) holds bytes that are not valid UTF-8 although the dump's charset is UTF-8 (wrong charset?)", at: rowStart)
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
        }
    }
}

/// Decodes a quoted string whose opening quote precedes `from`; appends the unescaped bytes to `out`
/// and returns the index after the closing quote, or `nil` when the string continues past `limit`.
@inline(__always)
func decodeQuoted(_ base: UnsafePointer<UInt8>, _ from: Int, _ limit: Int, _ quote: UInt8, _ out: inout [UInt8]) -> Int? {
    var i = from
    var quoteAt = -1  // the next quote at or after i (memchr once, reused across backslashes)
    while true {
        if quoteAt < i { quoteAt = findByte(base, i, limit, quote) }
        let j = findByte(base, i, quoteAt, 0x5C)
        if j > i { out.append(contentsOf: UnsafeBufferPointer(start: base + i, count: j - i)) }
        if j >= limit { return nil }
        if j + 1 >= limit { return nil }  // need the next byte: escape target or doubled quote
        let next = base[j + 1]
        if base[j] == quote {
            if next == quote {
                out.append(quote)
                i = j + 2
                continue
            }
            return j + 1
        }
        switch next {
        case 0x30: out.append(0x00)
        case 0x62: out.append(0x08)
        case 0x6E: out.append(0x0A)
        case 0x72: out.append(0x0D)
        case 0x74: out.append(0x09)
        case 0x5A: out.append(0x1A)
        case 0x25, 0x5F: out.append(0x5C); out.append(next)
        default: out.append(next)
        }
        i = j + 2
    }
}

@inline(__always)
func isHexDigit(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }

@inline(__always)
func isNumberByte(_ b: UInt8) -> Bool {
    (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2B || b == 0x2E || b == 0x65 || b == 0x45
}

@inline(__always)
func hexValue(_ b: UInt8) -> UInt8 { b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10 }

/// Hex digits `[from, to)` as bytes (an odd count gets a leading zero nibble).
func hexBytes(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity((to - from + 1) / 2)
    var i = from
    if (to - from) % 2 == 1 {
        guard isHexDigit(base[i]) else { return nil }
        out.append(hexValue(base[i]))
        i += 1
    }
    while i < to {
        guard isHexDigit(base[i]), isHexDigit(base[i + 1]) else { return nil }
        out.append(hexValue(base[i]) << 4 | hexValue(base[i + 1]))
        i += 2
    }
    return out
}

/// Binary digits `[from, to)` as big-endian bytes.
func bitBytes(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> [UInt8]? {
    let count = to - from
    var out = [UInt8](repeating: 0, count: max((count + 7) / 8, 1))
    for k in 0..<count {
        let b = base[from + k]
        guard b == 0x30 || b == 0x31 else { return nil }
        let bit = count - 1 - k
        if b == 0x31 { out[out.count - 1 - bit / 8] |= 1 << UInt8(bit % 8) }
    }
    return out
}

/// `0000-00-00`, `0000-00-00 00:00:00`, `0000-00-00 00:00:00.000000`.
func isZeroDate(_ bytes: [UInt8]) -> Bool {
    guard bytes.count >= 10, bytes[4] == 0x2D, bytes[7] == 0x2D else { return false }
    for b in bytes where !(b == 0x30 || b == 0x2D || b == 0x3A || b == 0x20 || b == 0x2E) { return false }
    return true
}
