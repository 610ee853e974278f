#if canImport(Glibc)
    import Glibc
#endif

// @safe: it owns its window allocation (freed in deinit); readers index `base` only below `end`.
/// A growable window over a ``ByteSource``: bytes `[0, end)` of `base` are valid; bytes before the
/// window are gone, but their count and line count are kept so any position can be reported exactly.
///
/// Readers keep a position into the window and, when they need bytes beyond `end`, call
/// ``refill(keepingFrom:)`` with the first byte they still need (the start of the row or token being
/// read); the window then slides so that byte is at 0, and grows only when that unit fills it.
@safe final class ChunkBuffer {
    // Read for every row and token: @exclusivity(unchecked) spares the runtime's dynamic checks.
    // Safe because: only `refill` writes these, never while a caller holds an access to them.
    /// Where the bytes come from.
    let source: any ByteSource
    /// The window's first byte; moves when the window grows, so never keep it across a refill.
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    /// The window's usable size (the allocation has 64 bytes more, so a SIMD load just past `end`
    /// stays inside it).
    @exclusivity(unchecked) private(set) var capacity: Int
    /// One past the last valid byte.
    @exclusivity(unchecked) private(set) var end = 0
    /// Whether the source has reported its end.
    @exclusivity(unchecked) private(set) var isAtEOF = false
    /// The absolute (decompressed) offset of `base[0]`.
    private(set) var offsetOfBase: Int64 = 0
    /// The number of LF bytes before `base[0]`.
    private(set) var linesBeforeBase = 0
    /// Bytes asked of the source per read.
    private let readSize: Int

    /// A window over `source`, empty until the first ``refill(keepingFrom:)``.
    /// - Parameters:
    ///   - source: The input.
    ///   - readSize: Bytes per read (4 MiB); the window starts at twice that and doubles when one row or
    ///     token needs more, so memory is bounded by the largest row, not the file.
    ///   - offset: The absolute offset of the source's first byte in the input, and
    ///   - line: its line: a reader started in the middle of a file reports the file's own positions.
    init(source: any ByteSource, readSize: Int = 4 << 20, offset: Int64 = 0, line: Int = 1) {
        self.source = source
        self.readSize = readSize
        offsetOfBase = offset
        linesBeforeBase = line - 1
        unsafe capacity = readSize * 2
        unsafe base = .allocate(capacity: capacity + 64)
    }

    deinit { unsafe base.deallocate() }

    /// Slides the window so `mark` becomes 0 (positions shift down by `mark`, also at the end of the
    /// input), grows it when less than half a read is free, and reads more bytes.
    ///
    /// A truncated compressed source is not thrown here: the bytes before the cut are valid, so the
    /// window reports the end of input and keeps the source's error for ``truncation(_:)``.
    ///
    /// The window starts at two reads' worth (1 MiB for the dump reader's 512 KiB reads); it doubles only
    /// while one row or token is larger than what is left after sliding, so a dump of ordinary rows never
    /// grows it and a single 100 MB row grows it to about 128 MiB (the row limit, `maxRowBytes`, stops it
    /// before memory does).
    /// - Parameter mark: The first window position still needed (0 keeps everything).
    /// - Complexity: O(end − mark) for the slide (a `memmove` of the unfinished unit, usually a part of
    ///   one row), plus the read.
    /// - Returns: whether new bytes arrived (`false` at the end of the input).
    /// - Throws: ``ExtractError`` from the source.
    @discardableResult
    func refill(keepingFrom mark: Int) throws(ExtractError) -> Bool {
        unsafe precondition(mark >= 0 && mark <= end)
        lastShift = mark
        if mark > 0 {
            linesBeforeBase &+= countLines(0, mark)
            offsetOfBase &+= Int64(mark)
            // Safe because: [mark, end) lies inside the allocation; memmove handles overlap.
            unsafe memmove(base, base + mark, end - mark)
            unsafe end -= mark
        }
        if unsafe isAtEOF { return false }
        // At least one byte free: with a 1-byte read size, half a read is 0, and a full window would be
        // asked for 0 bytes, which a source answers only at its end.
        if unsafe capacity - end < max(1, readSize / 2) {
            let newCapacity = unsafe max(capacity * 2, end + readSize)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + 64)
            unsafe grown.update(from: base, count: end)
            unsafe base.deallocate()
            unsafe base = grown
            unsafe capacity = newCapacity
        }
        let n: Int
        do {
            n = try unsafe source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end))
        } catch  where error.code == .truncated {
            // A cut compressed stream: the bytes before the cut are good, so the reader goes on to the end
            // of the window and reports the cut there (``truncation(_:)``).
            sourceTruncation = error
            unsafe isAtEOF = true
            return false
        }
        if n == 0 {
            unsafe isAtEOF = true
            return false
        }
        unsafe end += n
        return true
    }

    /// The truncation the source reported (a gzip or zstd stream cut inside a member), held until the
    /// reader reaches the end of what was read before it.
    private(set) var sourceTruncation: ExtractError?

    /// The error to report for a truncation the reader found at the end of the input: the source's own
    /// when the source was cut (its message, the reader's location), else `error` itself.
    /// - Parameter error: The reader's own truncation error, with its table and location.
    /// - Returns: The error to throw.
    func truncation(_ error: ExtractError) -> ExtractError {
        guard let cut = sourceTruncation else { return error }
        var merged = error
        merged.message = "\(cut.message) (\(error.message))"
        return merged
    }

    /// The shift applied by the last ``refill(keepingFrom:)``: a caller holding other window positions
    /// subtracts it from each.
    private(set) var lastShift = 0

    /// Counts LF bytes in `[from, to)` of the window (callers pass from <= to <= end), 16 bytes at a
    /// time: line numbers are computed only when a location is reported, never per row.
    /// - Returns: The number of LF bytes in the range.
    func countLines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        var i = from
        let lf = SIMD16<UInt8>(repeating: 0x0A)
        // 1. Safe because: each load reads [i, i + 16) and requires i + 16 <= to. Lanes count LFs
        //    (a match is 0xFF, so subtracting it adds one) for at most 255 loads before they are summed.
        while i &+ 16 <= to {
            var lanes = SIMD16<UInt8>(repeating: 0)
            var loads = 0
            while loads < 255 && i &+ 16 <= to {
                let v = unsafe UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                unsafe lanes &-= unsafeBitCast(v .== lf, to: SIMD16<UInt8>.self)
                i &+= 16
                loads &+= 1
            }
            count &+= Int(SIMD16<UInt16>(truncatingIfNeeded: lanes).wrappedSum())
        }
        // 2. Safe because: i < to is checked before each read.
        while i < to {
            if unsafe base[i] == 0x0A { count &+= 1 }
            i &+= 1
        }
        return count
    }

    /// The absolute offset and 1-based line of window position `position`: what every error of the dump
    /// readers names.
    /// - Parameter position: A window position; clamped to `[0, end]`.
    /// - Returns: The decompressed byte offset from the start of the input and the line it is on.
    /// - Complexity: O(position), for counting the lines in the window before it.
    func location(of position: Int) -> (offset: Int64, line: Int) {
        let p = unsafe min(max(position, 0), end)
        return (offsetOfBase + Int64(p), linesBeforeBase + countLines(0, p) + 1)
    }
}
