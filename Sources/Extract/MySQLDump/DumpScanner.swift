#if canImport(Glibc)
    import Glibc
#endif
#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// The resumable lexical state of the scan that finds where a statement or a row ends without
/// materialising anything. It survives a refill of the window: the scan stops where it needs more
/// bytes and continues there.
struct ScanState {
    /// What the last byte scanned was part of.
    enum Mode: UInt8 {
        /// SQL text outside any quote or comment: the delimiter (or a row's `)`) ends the unit here.
        case code
        /// Inside `'…'` (backslash escapes, doubled quotes).
        case single
        /// Inside `"…"` (a string under MySQL's default `sql_mode`).
        case double
        /// Inside a `` `…` `` identifier (doubled backticks).
        case backtick
        /// After `-- ` or `#`, up to the LF.
        case lineComment
        /// Inside `/* … */` (but not `/*! … */`, whose body is code).
        case blockComment
    }
    /// Where the scan is.
    var mode: Mode = .code
    /// Open parentheses inside a row (row mode), so a `)` inside `POINT(1 2)` does not end it.
    var depth = 0

    /// A short description of where an input ended, for truncation messages: "the input ends inside a
    /// string literal" tells an operator the cut fell inside a value, not between statements.
    var whereDescription: String {
        switch mode {
        case .code: return "inside a statement"
        case .single, .double: return "inside a string literal"
        case .backtick: return "inside a quoted identifier"
        case .lineComment, .blockComment: return "inside a comment"
        }
    }
}

/// The bytes the scan must stop at in the code state (everything else is skipped 32 bytes at a time).
struct CodeBytes {
    /// Bytes that may start a string, comment or the delimiter (statement mode).
    let statement: SIMDByteSet
    /// Quotes and parentheses (row mode).
    let row: SIMDByteSet
    /// What the 64-byte block scan must stop at while skimming a row: parentheses, `"` and backticks
    /// (`'…'` strings and backslashes are its own business).
    let skim: SIMDByteSet

    /// The stop sets for `delimiter` (its first byte; the rest is compared when the scan stops there).
    init(delimiter: [UInt8]) {
        statement = SIMDByteSet(0x27, 0x22, 0x60, 0x23, 0x2D, 0x2F, delimiter[0])
        row = SIMDByteSet(0x27, 0x22, 0x60, 0x28, 0x29, 0x28, 0x28)
        skim = SIMDByteSet(0x22, 0x60, 0x28, 0x29, 0x29, 0x29, 0x29)
    }
}

/// Seven bytes (repeat one to search for fewer) compared against 16 input bytes at a time.
///
/// Seven fixed members rather than a lookup table: seven compares and ORs per 16 bytes need no memory
/// access, and the statement scan needs exactly seven stop bytes (`'`, `"`, `` ` ``, `#`, `-`, `/` and the
/// delimiter's first byte).
struct SIMDByteSet {
    /// The members, each splatted across 16 lanes.
    let a: SIMD16<UInt8>, b: SIMD16<UInt8>, c: SIMD16<UInt8>, d: SIMD16<UInt8>
    /// The members, each splatted across 16 lanes.
    let e: SIMD16<UInt8>, f: SIMD16<UInt8>, g: SIMD16<UInt8>
    /// The members as scalars, for the tail shorter than a vector.
    let scalars: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

    /// The set of the seven bytes given.
    init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8, _ g: UInt8) {
        self.a = SIMD16(repeating: a)
        self.b = SIMD16(repeating: b)
        self.c = SIMD16(repeating: c)
        self.d = SIMD16(repeating: d)
        self.e = SIMD16(repeating: e)
        self.f = SIMD16(repeating: f)
        self.g = SIMD16(repeating: g)
        scalars = (a, b, c, d, e, f, g)
    }

    /// Whether `x` is a member.
    @inline(__always)
    func contains(_ x: UInt8) -> Bool {
        x == scalars.0 || x == scalars.1 || x == scalars.2 || x == scalars.3 || x == scalars.4 || x == scalars.5
            || x == scalars.6
    }

    /// One bit per byte of `v` (bit k for byte k) that is in the set.
    /// - Parameter v: 16 input bytes.
    /// - Returns: The match mask in bits 0…15.
    @inline(__always)
    func mask(_ v: SIMD16<UInt8>) -> UInt32 {
        movemask((v .== a) .| (v .== b) .| (v .== c) .| (v .== d) .| (v .== e) .| (v .== f) .| (v .== g))
    }
}

/// The high bit of each of the 16 lanes, as bits 0…15 (`pmovmskb` on x86-64).
@inline(__always)
func movemask(_ m: SIMDMask<SIMD16<Int8>>) -> UInt32 {
    #if arch(x86_64)
        // Safe because: SIMDMask<SIMD16<Int8>> is exactly 16 bytes of 0x00 / 0xFF lanes, the layout of __m128i.
        return unsafe UInt32(truncatingIfNeeded: _mm_movemask_epi8(unsafeBitCast(m, to: __m128i.self)))
    #else
        let weights = SIMD16<UInt8>(1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128)
        let bits = SIMD16<UInt8>(repeating: 0).replacing(with: weights, where: m)
        return UInt32(bits.lowHalf.wrappedSum()) | UInt32(bits.highHalf.wrappedSum()) << 8
    #endif
}

/// Loads 16 bytes at `p` (any alignment).
@inline(__always)
func load16(_ p: UnsafePointer<UInt8>) -> SIMD16<UInt8> {
    unsafe UnsafeRawPointer(p).loadUnaligned(as: SIMD16<UInt8>.self)
}

/// The first index in `[from, end)` holding `quote` or a backslash, or `end`.
///
/// The inner loop of every quoted value: most strings have no escape, so the first hit is usually the
/// closing quote and the value's bytes can be taken as they are.
@inline(__always)
func findQuoteOrBackslash(_ base: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ quote: UInt8) -> Int {
    var i = from
    let q = SIMD16<UInt8>(repeating: quote)
    let bs = SIMD16<UInt8>(repeating: 0x5C)
    // 1. Safe because: each iteration reads [i, i + 32) and requires i + 32 <= end.
    while i &+ 32 <= end {
        let v0 = unsafe load16(base + i)
        let v1 = unsafe load16(base + (i &+ 16))
        let m = movemask((v0 .== q) .| (v0 .== bs)) | movemask((v1 .== q) .| (v1 .== bs)) << 16
        if m != 0 { return i &+ m.trailingZeroBitCount }
        i &+= 32
    }
    return unsafe findQuoteOrBackslash_tail(base, i, end, quote)
}

/// The last (fewer than 32) bytes of ``findQuoteOrBackslash(_:_:_:_:)``.
@inline(never)
func findQuoteOrBackslash_tail(_ base: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ quote: UInt8) -> Int {
    var i = from
    // Safe because: i < end is checked before each read.
    while i < end {
        let b = unsafe base[i]
        if b == quote || b == 0x5C { return i }
        i &+= 1
    }
    return end
}

/// The first index in `[from, end)` holding a byte of `set`, or `end`: the code-mode skip, 32 bytes per
/// iteration.
@inline(__always)
func findAny(_ base: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ set: SIMDByteSet) -> Int {
    var i = from
    // 1. Safe because: each iteration reads [i, i + 32) and requires i + 32 <= end.
    while i &+ 32 <= end {
        let m = unsafe set.mask(load16(base + i)) | set.mask(load16(base + (i &+ 16))) << 16
        if m != 0 { return i &+ m.trailingZeroBitCount }
        i &+= 32
    }
    // 2. Safe because: i < end is checked before each read.
    while i < end {
        if unsafe set.contains(base[i]) { return i }
        i &+= 1
    }
    return end
}

/// The first index in `[from, end)` holding `byte`, or `end` (libc's `memchr`, which glibc vectorises).
@inline(__always)
func findByte(_ base: UnsafePointer<UInt8>, _ from: Int, _ end: Int, _ byte: UInt8) -> Int {
    guard from < end else { return end }
    guard let hit = unsafe memchr(base + from, Int32(byte), end - from) else { return end }
    return unsafe base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
}

/// The 64-byte block scanner behind statement skipping: it follows single-quoted strings (with
/// backslash escapes and doubled quotes) branch-free, simdjson style, and stops at the first byte
/// outside a string that the scalar state machine must judge (`code.statement` bytes, a backslash).
///
/// Enter with `i` in code mode (`inString == false`) or inside a `'…'` string (not on an escaped
/// byte). On return `i` is either at such a byte (code mode, `stopped == true`), or at a block
/// boundary with fewer than 64 bytes left; then `inString` says whether `i` is inside a string and
/// `escaped` whether the byte at `i` is escaped by the backslash at `i - 1`.
///
/// Only single quotes are tracked here: mysqldump quotes every string value with `'`, so a statement of
/// an unwanted table is almost all `'…'` strings and separators. Anything rarer (a `"`, a backtick, a
/// comment) stops the block scan and is handled by the byte-level state machine.
/// - Parameters:
///   - base: The window.
///   - i: The position; advanced by whole 64-byte blocks, or to the stop byte.
///   - end: One past the last valid byte.
///   - specials: The bytes the state machine must see in code mode.
///   - inString: In: whether `i` is inside `'…'`; out: the same at the new `i`.
///   - escaped: In/out: whether the byte at `i` is escaped.
/// - Returns: `true` when it stopped at a byte for the state machine, `false` at a block boundary.
@inline(__always)
func skipQuotedBlocks(
    _ base: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ specials: SIMDByteSet,
    inString: inout Bool, escaped: inout Bool
) -> Bool {
    let quote = SIMD16<UInt8>(repeating: 0x27)
    let backslash = SIMD16<UInt8>(repeating: 0x5C)
    var prevInString: UInt64 = inString ? ~0 : 0
    var prevEscaped: UInt64 = escaped ? 1 : 0
    // 1. Safe because: each iteration reads [i, i + 64) and requires i + 64 <= end.
    while i &+ 64 <= end {
        var q: UInt64 = 0
        var bs: UInt64 = 0
        var sp: UInt64 = 0
        for k in 0..<4 {
            let v = unsafe load16(base + (i &+ 16 &* k))
            let shift = UInt64(16 &* k)
            q |= UInt64(movemask(v .== quote)) << shift
            bs |= UInt64(movemask(v .== backslash)) << shift
            sp |= UInt64(specials.mask(v)) << shift
        }
        // Escaped bytes: those after an odd-length run of backslashes (simdjson find_escaped_branchless).
        var escapedBits: UInt64
        if bs == 0 {
            escapedBits = prevEscaped
            prevEscaped = 0
        } else {
            bs &= ~prevEscaped
            let followsEscape = bs << 1 | prevEscaped
            let evenBits: UInt64 = 0x5555_5555_5555_5555
            let oddStarts = bs & ~evenBits & ~followsEscape
            let (sum, overflow) = oddStarts.addingReportingOverflow(bs)
            prevEscaped = overflow ? 1 : 0
            escapedBits = (evenBits ^ (sum << 1)) & followsEscape
        }
        // In-string bytes: prefix XOR of the unescaped quotes (a doubled quote closes and reopens).
        var s = q & ~escapedBits
        s ^= s << 1
        s ^= s << 2
        s ^= s << 4
        s ^= s << 8
        s ^= s << 16
        s ^= s << 32
        s ^= prevInString
        // Bytes outside strings that need the scalar machine: specials and backslashes.
        let stop = (sp | bs) & ~s & ~q
        if stop != 0 {
            i &+= stop.trailingZeroBitCount
            inString = false
            escaped = false
            return true
        }
        prevInString = UInt64(bitPattern: Int64(bitPattern: s) >> 63)
        i &+= 64
    }
    inString = prevInString != 0
    escaped = prevEscaped != 0
    return false
}

/// Advances `i` over bytes of a statement (or, with `row`, of a parenthesised row whose `(` was already
/// consumed) until the delimiter (resp. the matching `)`) has been consumed: returns `true` then.
/// Returns `false` with `i` at the first byte it could not judge without more input (the caller
/// refills and calls again with the same `state`). At `eof`, missing look-ahead counts as no match.
/// `blocks: false` turns off the 64-byte block scanner (the byte-at-a-time reference for tests).
///
/// The scan is what lets the reader skip unwanted tables without parsing them, and frame a row that
/// straddles the window: it knows exactly enough SQL (strings, identifiers, comments, executable
/// comments, the delimiter, parentheses) never to stop at a `;` or `)` inside a value.
///
/// - Parameters:
///   - base: The window.
///   - i: The position; advanced past the unit's end on `true`, to the first undecided byte on `false`.
///   - end: One past the last valid byte.
///   - state: The lexical state, carried across calls for the same unit.
///   - delimiter: The statement delimiter (`;` or a `DELIMITER` value).
///   - code: The stop sets for that delimiter.
///   - row: Scan a row (to its `)`) rather than a statement (to its delimiter).
///   - eof: No more input follows `end`.
///   - blocks: Use the 64-byte block scanner for code and `'…'` runs.
/// - Returns: Whether the unit's end was consumed.
func scanToEnd(
    _ base: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ state: inout ScanState,
    delimiter: [UInt8], code: CodeBytes, row: Bool, eof: Bool, blocks: Bool = true
) -> Bool {
    let d0 = delimiter[0]
    let set = row ? code.row : code.statement
    while i < end {
        if blocks && !row && end &- i >= 64 && (state.mode == .code || state.mode == .single) {
            var inString = state.mode == .single
            var escaped = false
            let start = i
            if unsafe skipQuotedBlocks(base, &i, end, code.statement, inString: &inString, escaped: &escaped) {
                state.mode = .code
            } else if i != start {
                state.mode = inString ? .single : .code
                // Safe because: at least one block was consumed, so i - 1 >= start holds the backslash.
                if escaped { i &-= 1 }
            }
        }
        switch state.mode {
        case .code:
            i = unsafe findAny(base, i, end, set)
            if i == end { return false }
            let b = unsafe base[i]
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
                if unsafe i &+ 2 < end && base[i &+ 1] == 0x2D && base[i &+ 2] <= 0x20 {
                    state.mode = .lineComment
                    i &+= 3
                } else if unsafe i &+ 2 == end && i &+ 1 < end && base[i &+ 1] == 0x2D {
                    state.mode = .lineComment  // `--` right at EOF
                    i &+= 2
                } else {
                    i &+= 1
                }
            case 0x2F where !row:
                if i &+ 2 >= end && !eof { return false }
                if unsafe i &+ 1 < end && base[i &+ 1] == 0x2A {
                    // `/*!` and `/*M!` open executable comments: their body is code.
                    if unsafe i &+ 2 < end && (base[i &+ 2] == 0x21 || base[i &+ 2] == 0x4D) {
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
                    for k in 1..<delimiter.count where unsafe base[i &+ k] != delimiter[k] { match = false; break }
                    i &+= match ? delimiter.count : 1
                    if match { return true }
                } else {
                    i &+= 1
                }
            }
        case .single, .double:
            let quote: UInt8 = state.mode == .single ? 0x27 : 0x22
            let j = unsafe findQuoteOrBackslash(base, i, end, quote)
            if j == end { i = end; return false }
            if unsafe base[j] == 0x5C {
                if j &+ 1 >= end { i = j; return false }
                i = j &+ 2
            } else {
                if j &+ 1 >= end && !eof { i = j; return false }
                if unsafe j &+ 1 < end && base[j &+ 1] == quote {
                    i = j &+ 2  // doubled quote
                } else {
                    state.mode = .code
                    i = j &+ 1
                }
            }
        case .backtick:
            let j = unsafe findByte(base, i, end, 0x60)
            if j == end { i = end; return false }
            if j &+ 1 >= end && !eof { i = j; return false }
            if unsafe j &+ 1 < end && base[j &+ 1] == 0x60 {
                i = j &+ 2
            } else {
                state.mode = .code
                i = j &+ 1
            }
        case .lineComment:
            let j = unsafe findByte(base, i, end, 0x0A)
            if j == end { i = end; return false }
            state.mode = .code
            i = j &+ 1
        case .blockComment:
            let j = unsafe findByte(base, i, end, 0x2A)
            if j == end { i = end; return false }
            if j &+ 1 >= end { i = j; return false }
            if unsafe base[j &+ 1] == 0x2F {
                state.mode = .code
                i = j &+ 2
            } else {
                i = j &+ 1
            }
        }
    }
    return false
}
