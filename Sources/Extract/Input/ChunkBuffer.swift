#if canImport(Glibc)
import Glibc
#endif

/// A growable window over a ``ByteSource``: bytes `[0, end)` of `base` are valid; bytes before the
/// window are gone, but their count and line count are kept so any position can be reported exactly.
///
/// Readers keep a position into the window and, when they need bytes beyond `end`, call
/// ``refill(keepingFrom:)`` with the first byte they still need (the start of the row or token being
/// read); the window then slides so that byte is at 0, and grows only when that unit fills it.
final class ChunkBuffer {
    let source: any ByteSource
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    /// One past the last valid byte.
    private(set) var end = 0
    /// Whether the source has reported its end.
    private(set) var isAtEOF = false
    /// The absolute (decompressed) offset of `base[0]`.
    private(set) var offsetOfBase: Int64 = 0
    /// The number of LF bytes before `base[0]`.
    private(set) var linesBeforeBase = 0
    private let readSize: Int

    init(source: any ByteSource, readSize: Int = 4 << 20) {
        self.source = source
        self.readSize = readSize
        capacity = readSize * 2
        base = .allocate(capacity: capacity + 64)
    }

    deinit { base.deallocate() }

    /// Slides the window so `mark` becomes 0 (positions shift down by `mark`, also at the end of the
    /// input), grows it when less than half a read is free, and reads more bytes.
    /// - Returns: whether new bytes arrived (`false` at the end of the input).
    /// - Throws: ``ExtractError`` from the source.
    @discardableResult
    func refill(keepingFrom mark: Int) throws(ExtractError) -> Bool {
        precondition(mark >= 0 && mark <= end)
        lastShift = mark
        if mark > 0 {
            linesBeforeBase &+= countLines(0, mark)
            offsetOfBase &+= Int64(mark)
            // Safe because: [mark, end) lies inside the allocation; memmove handles overlap.
            memmove(base, base + mark, end - mark)
            end -= mark
        }
        if isAtEOF { return false }
        if capacity - end < readSize / 2 {
            let newCapacity = max(capacity * 2, end + readSize)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + 64)
            grown.update(from: base, count: end)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end))
        if n == 0 {
            isAtEOF = true
            return false
        }
        end += n
        return true
    }

    /// The shift applied by the last ``refill(keepingFrom:)``.
    private(set) var lastShift = 0

    /// Counts LF bytes in `[from, to)` of the window.
    func countLines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        var i = from
        // Safe because: callers pass from <= to <= end; memchr stays inside [i, to).
        while i < to, let hit = memchr(base + i, 0x0A, to - i) {
            count &+= 1
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) &+ 1
        }
        return count
    }

    /// The absolute offset and 1-based line of window position `position`.
    func location(of position: Int) -> (offset: Int64, line: Int) {
        let p = min(max(position, 0), end)
        return (offsetOfBase + Int64(p), linesBeforeBase + countLines(0, p) + 1)
    }
}
