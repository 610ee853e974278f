#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stream that cannot be re-read (standard input, a pipe, a character device): the first bytes are read
/// once to recognise the compression and then served again before the rest.
final class PushbackByteSource: ByteSource {
    /// The stream's name, for messages.
    let name: String
    /// The stream.
    private let inner: any ByteSource
    /// Bytes read ahead and not served yet.
    private var pending: [UInt8]

    /// Serves `pending`, then `inner`.
    init(_ inner: any ByteSource, pending: [UInt8]) {
        self.inner = inner
        self.pending = pending
        name = inner.name
    }

    /// The pending bytes first, then the stream's.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        guard !pending.isEmpty else { return try unsafe inner.read(into: buffer) }
        let n = min(buffer.count, pending.count)
        for i in 0..<n { unsafe buffer[i] = pending[i] }
        pending.removeFirst(n)
        return n
    }
}

extension FileByteSource {
    /// Opens a dump for streaming: `-` is standard input; a regular file is read as
    /// ``openDecompressing(path:)`` reads it; a pipe or character device is read once, its first bytes
    /// recognising the compression. Every dump stream is checked by ``DumpStatementGuard``.
    ///
    /// ```swift
    /// let source = try FileByteSource.openDump(path: "-")   // `mariadb-dump … | backstop diff --dump -`
    /// let reader = DumpReader(source: source, logger: logger)
    /// ```
    /// - Parameter path: A file path, a FIFO or character device, or `-` for standard input.
    /// - Returns: A guarded, decompressing source.
    /// - Throws: ``ExtractError`` when the input cannot be opened or uses an unsupported compression.
    public static func openDump(path: String) throws(ExtractError) -> any ByteSource {
        var info = stat()
        let statted = unsafe stat(path, &info) == 0
        let found = path != "-" && statted
        if found && (info.st_mode & S_IFMT) == S_IFREG { return DumpStatementGuard(try openDecompressing(path: path)) }
        let stream = path == "-" ? FileByteSource(standardInput: ()) : try FileByteSource(path: path)
        var magic: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 6, alignment: 1)
        defer { unsafe chunk.deallocate() }
        while magic.count < 6 {
            let want = 6 - magic.count
            let n = try unsafe stream.read(into: UnsafeMutableRawBufferPointer(rebasing: chunk[0..<want]))
            if n == 0 { break }
            for i in 0..<n { magic.append(unsafe chunk[i]) }
        }
        let source = PushbackByteSource(stream, pending: magic)
        switch try InputCompression.detect(magic, file: stream.name) {
        case .none: return DumpStatementGuard(source)
        case .gzip: return DumpStatementGuard(try GzipByteSource(source))
        case .zstd: return DumpStatementGuard(try ZstdByteSource(source))
        }
    }
}

/// Fails a dump stream fast when its first MiB (after decompression) holds no dump statement: a wrong path
/// such as `/dev/zero` or `/dev/urandom`, or a binary file, would otherwise be scanned for a statement end
/// that never comes. Looks for the words every mysqldump, mariadb-dump, Bitrix backup and mydumper file
/// starts with (`-- MySQL dump`, `CREATE TABLE`, `INSERT INTO`, `/*!40101 SET`, …; five bytes or more, so
/// random bytes match one by chance about once in 10¹² MiB); once one is seen the
/// bytes pass through untouched.
public final class DumpStatementGuard: ByteSource {
    /// How far into the stream a dump statement must appear.
    public static let window = 1 << 20
    /// The words that mark a dump (upper-case ASCII; matched case-insensitively). Version comments
    /// (`/*!40101 SET …`) open nearly every mysqldump and mariadb-dump file; `CREATE TABLE` and
    /// `INSERT INTO` cover headerless and mydumper data files.
    static let markers: [[UInt8]] = [
        "-- MYSQL DUMP", "-- MARIADB DUMP", "CREATE TABLE", "INSERT INTO", "/*!40", "/*!50", "/*!80", "/*!10",
        "SET NAMES", "DROP TABLE",
        "LOCK TABLES", "USE `", "CREATE DATABASE", "REPLACE INTO", "-- SERVER VERSION", "-- HOST:",
    ].map { Array($0.utf8) }

    /// The stream's name.
    public var name: String { inner.name }
    /// The checked stream.
    private let inner: any ByteSource
    /// Bytes seen so far while no marker was found.
    private var seen = 0
    /// Whether a marker was found (or the stream ended early: the reader then reports what it finds).
    private var found = false
    /// The last bytes of the previous read (upper-cased), so a marker split across reads is found.
    private var tail: [UInt8] = []

    /// Checks `inner`.
    public init(_ inner: any ByteSource) { self.inner = inner }

    /// Reads through; throws once the window passes without a dump statement.
    /// - Parameter buffer: Where the bytes go.
    /// - Returns: The inner source's count, unchanged.
    /// - Throws: ``ExtractError`` `syntax` ("not a dump") after 1 MiB without a marker, or the inner error.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        let n = try unsafe inner.read(into: buffer)
        guard !found else { return n }
        if n == 0 {
            found = true
            return 0
        }
        var window = tail
        window.reserveCapacity(tail.count + n)
        for i in 0..<n {
            let byte = unsafe buffer[i]
            window.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
        }
        if Self.markers.contains(where: { Self.contains(window, $0) }) {
            found = true
            return n
        }
        seen += n
        if seen >= Self.window {
            throw ExtractError(
                .syntax,
                "not a dump: no SQL dump statement (CREATE TABLE, INSERT INTO, a mysqldump header, …) in the first "
                    + "\(Self.window >> 20) MiB", file: name, offset: Int64(seen))
        }
        tail = Array(window.suffix(16))
        return n
    }

    /// Whether `haystack` contains `needle`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var i = 0
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
