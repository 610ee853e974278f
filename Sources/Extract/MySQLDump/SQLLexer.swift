// @safe: it reads only [position, end) of a window range it is created over, and every lexer lives
// within one reader call, before the window moves.
/// A small SQL tokenizer for the statements the reader interprets (`CREATE TABLE`, `USE`,
/// `SET NAMES`, INSERT headers). Executable-comment markers (`/*!40101`, `/*M!100101`, `*/`) are
/// transparent; plain comments are skipped. It never looks past `end`.
///
/// Tokens copy their bytes out of the window, so they stay valid after the window moves; that costs an
/// allocation per token, which is fine for the few statements interpreted and never used for rows.
///
/// ```swift
/// var lexer = SQLLexer(base, from: start, to: end)   // over "INSERT INTO `b_user` (`ID`) VALUES …"
/// lexer.next().isKeyword("INSERT")                     // true
/// lexer.next()                                         // .word("INTO")
/// lexer.next().identifier                              // "b_user"
/// ```
@safe struct SQLLexer {
    /// One token.
    enum Token: Equatable {
        /// A bare word (keyword, identifier or number), as written.
        case word([UInt8])
        /// A `` `quoted` `` identifier, unescaped.
        case quoted([UInt8])
        /// A `'…'` or `"…"` string, unescaped.
        case string([UInt8])
        /// Any other single byte.
        case punct(UInt8)
        /// The end of the range.
        case end
    }

    /// The window the lexer reads.
    let base: UnsafePointer<UInt8>
    /// The position of the next token (read by the reader to resume row decoding after `VALUES`).
    var i: Int
    /// One past the last byte the lexer may read.
    let end: Int

    /// A lexer over `[from, end)` of the window.
    init(_ base: UnsafePointer<UInt8>, from: Int, to end: Int) {
        unsafe self.base = base
        i = from
        self.end = end
    }

    /// The byte at `k`, or 0 past the end (so look-ahead needs no bounds check at each call site).
    @inline(__always) private func at(_ k: Int) -> UInt8 { unsafe k < end ? base[k] : 0 }

    /// Skips whitespace, comments and executable-comment markers.
    mutating func skipTrivia() {
        while i < end {
            let b = unsafe base[i]
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C {
                i += 1
            } else if b == 0x23 || (b == 0x2D && at(i + 1) == 0x2D && (i + 2 >= end || at(i + 2) <= 0x20)) {
                while unsafe i < end && base[i] != 0x0A { i += 1 }
            } else if b == 0x2F && at(i + 1) == 0x2A {
                if at(i + 2) == 0x21 || (at(i + 2) == 0x4D && at(i + 3) == 0x21) {
                    i += at(i + 2) == 0x21 ? 3 : 4
                    while unsafe i < end && base[i] >= 0x30 && base[i] <= 0x39 { i += 1 }
                } else {
                    i += 2
                    while unsafe i < end && !(base[i] == 0x2A && at(i + 1) == 0x2F) { i += 1 }
                    i = min(i + 2, end)
                }
            } else if b == 0x2A && at(i + 1) == 0x2F {
                i += 2
            } else {
                return
            }
        }
    }

    /// Whether `b` can be part of a bare word: ASCII letters, digits, `_`, `$`, and every byte of a
    /// multi-byte UTF-8 character (MySQL allows non-ASCII unquoted identifiers).
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x24
            || b >= 0x80
    }

    /// The next token, ``Token/end`` at the end of the range. An unterminated string or identifier ends
    /// at the range's end (the reader frames statements before lexing them, so that means the lexer was
    /// given a prefix only).
    mutating func next() -> Token {
        skipTrivia()
        guard i < end else { return .end }
        let b = unsafe base[i]
        if Self.isWordByte(b) {
            let start = i
            while unsafe i < end && Self.isWordByte(base[i]) { i += 1 }
            return unsafe .word(Array(UnsafeBufferPointer(start: base + start, count: i - start)))
        }
        if b == 0x60 {
            var out: [UInt8] = []
            i += 1
            while i < end {
                if unsafe base[i] == 0x60 {
                    if at(i + 1) == 0x60 { out.append(0x60); i += 2; continue }
                    i += 1
                    return .quoted(out)
                }
                unsafe out.append(base[i])
                i += 1
            }
            return .quoted(out)
        }
        if b == 0x27 || b == 0x22 {
            var out: [UInt8] = []
            i += 1
            while i < end {
                let c = unsafe base[i]
                if c == b {
                    if at(i + 1) == b { out.append(b); i += 2; continue }
                    i += 1
                    return .string(out)
                }
                if c == 0x5C && i + 1 < end {
                    let next = unsafe base[i + 1]
                    if MySQLEscape.keepsBackslash(next) { out.append(0x5C) }
                    out.append(MySQLEscape.byte(after: next))
                    i += 2
                    continue
                }
                out.append(c)
                i += 1
            }
            return .string(out)
        }
        i += 1
        return .punct(b)
    }

    /// The next token without consuming it.
    mutating func peek() -> Token {
        let saved = i
        defer { i = saved }
        return next()
    }

    /// The table name that starts with the identifier `first` just read: for `db.name` it consumes the
    /// dot and the second part and returns `("db", "name")`, else `(nil, first)`.
    mutating func qualifiedName(_ first: String) -> (database: String?, name: String) {
        guard peek() == .punct(0x2E) else { return (nil, first) }
        _ = next()
        return (first, next().identifier ?? first)
    }
}

extension SQLLexer.Token {
    /// Whether this is the bare word `keyword` (ASCII, case-insensitive).
    func isKeyword(_ keyword: StaticString) -> Bool {
        guard case .word(let w) = self, w.count == keyword.utf8CodeUnitCount else { return false }
        let k = unsafe keyword.utf8Start
        for (n, c) in w.enumerated() where unsafe (c | 0x20) != (k[n] | 0x20) { return false }
        return true
    }

    /// The name of an identifier token (bare or quoted).
    var identifier: String? {
        switch self {
        case .word(let w), .quoted(let w): return String(decoding: w, as: UTF8.self)
        default: return nil
        }
    }
}

/// MySQL's backslash escapes, one table for the dump scanner, the statement lexer and `--tab` files.
enum MySQLEscape {
    /// The byte `\b` stands for: `\0 \b \n \r \t \Z` are NUL, backspace, LF, CR, TAB and Ctrl-Z; any
    /// other byte stands for itself.
    @inline(__always)
    static func byte(after b: UInt8) -> UInt8 {
        switch b {
        case 0x30: 0x00
        case 0x62: 0x08
        case 0x6E: 0x0A
        case 0x72: 0x0D
        case 0x74: 0x09
        case 0x5A: 0x1A
        default: b
        }
    }

    /// Whether `\b` keeps its backslash in a string literal: `\%` and `\_` are LIKE escapes. (`--tab`
    /// files, read like LOAD DATA, drop it.)
    @inline(__always)
    static func keepsBackslash(_ b: UInt8) -> Bool { b == 0x25 || b == 0x5F }
}
