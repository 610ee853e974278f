/// The resumable lexical state of the scan that finds where a statement or a row ends without
/// materialising anything. It survives a refill of the window: the scan stops where it needs more
/// bytes and continues there.
struct ScanState {
    enum Mode: UInt8 { case code, single, double, backtick, lineComment, blockComment }
    var mode: Mode = .code
    var depth = 0

    /// A short description of where an input ended, for truncation messages.
    var whereDescription: String {
        switch mode {
        case .code: return "inside a statement"
        case .single, .double: return "inside a string literal"
        case .backtick: return "inside a quoted identifier"
        case .lineComment, .blockComment: return "inside a comment"
        }
    }
}

/// Byte classes for the code state: which bytes the scan must look at.
struct CodeTable {
    /// 1 for bytes that may start a string, comment or the delimiter (statement mode).
    var statement = [UInt8](repeating: 0, count: 256)
    /// 1 for quotes and parentheses (row mode).
    var row = [UInt8](repeating: 0, count: 256)

    init(delimiter: [UInt8]) {
        for b in "'\"`#-/".utf8 { statement[Int(b)] = 1 }
        statement[Int(delimiter[0])] = 1
        for b in "'\"`()".utf8 { row[Int(b)] = 1 }
    }
}

/// The first index in `[from, end)` holding `quote` or a backslash, or `end`.
@inline(__always)
func findQuoteOrBackslash(_ base: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ quote: UInt8) -> Int {
    var i = from
    let q = SIMD16<UInt8>(repeating: quote)
    let bs = SIMD16<UInt8>(repeating: 0x5C)
    // Safe because: each load reads [i, i + 16) and the loop requires i + 16 <= end.
    while i &+ 16 <= end {
        let v = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
        if any((v .== q) .| (v .== bs)) { break }
        i &+= 16
    }
    while i < end {
        let b = base[i]
        if b == quote || b == 0x5C { return i }
        i &+= 1
    }
    return end
}

/// The first index in `[from, end)` holding `byte`, or `end`.
@inline(__always)
func findByte(_ base: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ byte: UInt8) -> Int {
    guard from < end else { return end }
    guard let hit = memchr(base + from, Int32(byte), end - from) else { return end }
    return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
}

#if canImport(Glibc)
import Glibc
#endif

/// Advances `i` over bytes of a statement (or, with `row`, of a parenthesised row whose `(` was already
/// consumed) until the delimiter (resp. the matching `)`) has been consumed: returns `true` then.
/// Returns `false` with `i` at the first byte it could not judge without more input (the caller
/// refills and calls again with the same `state`). At `eof`, missing look-ahead counts as no match.
func scanToEnd(
    _ base: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ state: inout ScanState,
    delimiter: [UInt8], table: UnsafePointer<UInt8>, row: Bool, eof: Bool
) -> Bool {
    let d0 = delimiter[0]
    // The next quote byte at or after i: memchr finds it once per string, backslashes are then searched
    // only up to it (both are glibc's vectorised memchr).
    var quoteAt = -1
    var quoteByte: UInt8 = 0
    while i < end {
        switch state.mode {
        case .code:
            // Safe because: i < end is checked before each read.
            while i < end && table[Int(base[i])] == 0 { i &+= 1 }
            if i == end { return false }
            let b = base[i]
            switch b {
            case 0x27: state.mode = .single; i &+= 1
            case 0x22: state.mode = .double; i &+= 1
            case 0x60: state.mode = .backtick; i &+= 1
            case 0x28 where row: state.depth &+= 1; i &+= 1
            case 0x29 where row:
                i &+= 1
                if state.depth == 0 { return true }
                state.depth &-= 1
            case 0x23 where !row: state.mode = .lineComment; i &+= 1
            case 0x2D where !row:
                if i &+ 2 >= end && !eof { return false }
                if i &+ 2 < end && base[i &+ 1] == 0x2D && base[i &+ 2] <= 0x20 {
                    state.mode = .lineComment
                    i &+= 3
                } else if i &+ 2 == end && i &+ 1 < end && base[i &+ 1] == 0x2D {
                    state.mode = .lineComment  // `--` right at EOF
                    i &+= 2
                } else {
                    i &+= 1
                }
            case 0x2F where !row:
                if i &+ 2 >= end && !eof { return false }
                if i &+ 1 < end && base[i &+ 1] == 0x2A {
                    // `/*!` and `/*M!` open executable comments: their body is code.
                    if i &+ 2 < end && (base[i &+ 2] == 0x21 || base[i &+ 2] == 0x4D) {
                        i &+= 3
                    } else {
                        state.mode = .blockComment
                        i &+= 2
                    }
                } else {
                    i &+= 1
                }
            default:
                if b == d0 {
                    if delimiter.count == 1 { i &+= 1; return true }
                    if i &+ delimiter.count > end {
                        if !eof { return false }
                        i &+= 1
                        continue
                    }
                    var match = true
                    for k in 1..<delimiter.count where base[i &+ k] != delimiter[k] { match = false; break }
                    i &+= match ? delimiter.count : 1
                    if match { return true }
                } else {
                    i &+= 1
                }
            }
        case .single, .double:
            let quote: UInt8 = state.mode == .single ? 0x27 : 0x22
            if quoteAt < i || quoteByte != quote {
                quoteAt = findByte(base, i, end, quote)
                quoteByte = quote
            }
            let j = findByte(base, i, quoteAt, 0x5C)
            if j == end { i = end; return false }
            if base[j] == 0x5C {
                if j &+ 1 >= end { i = j; return eof ? false : false }
                i = j &+ 2
            } else {
                if j &+ 1 >= end && !eof { i = j; return false }
                if j &+ 1 < end && base[j &+ 1] == quote {
                    i = j &+ 2  // doubled quote
                } else {
                    state.mode = .code
                    i = j &+ 1
                }
            }
        case .backtick:
            let j = findByte(base, i, end, 0x60)
            if j == end { i = end; return false }
            if j &+ 1 >= end && !eof { i = j; return false }
            if j &+ 1 < end && base[j &+ 1] == 0x60 {
                i = j &+ 2
            } else {
                state.mode = .code
                i = j &+ 1
            }
        case .lineComment:
            let j = findByte(base, i, end, 0x0A)
            if j == end { i = end; return false }
            state.mode = .code
            i = j &+ 1
        case .blockComment:
            let j = findByte(base, i, end, 0x2A)
            if j == end { i = end; return false }
            if j &+ 1 >= end { i = j; return false }
            if base[j &+ 1] == 0x2F {
                state.mode = .code
                i = j &+ 2
            } else {
                i = j &+ 1
            }
        }
    }
    return false
}
