#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stream of bytes: a file, or a decompressor over another stream.
///
/// The one input abstraction of the dump readers: they pull fixed-size chunks and never see whether the
/// bytes came from a file, a pipe or a decompressor, so `mariadb-dump … | backstop diff --dump -` and a
/// `.sql.zst` behave alike. A class protocol because a source has identity (a file offset, decompressor
/// state) that must not be copied.
///
/// ```swift
/// let source = try FileByteSource.openDecompressing(path: "bitrix.sql.gz")
/// let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
/// defer { chunk.deallocate() }
/// while case let n = try source.read(into: chunk), n > 0 { … }
/// ```
public protocol ByteSource: AnyObject {
    /// A name for error messages (the file path).
    var name: String { get }
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 only at the end of the stream.
    ///
    /// A short read is not the end: pipes and decompressors return what they have. A source that ends
    /// where its format says it cannot (inside a gzip member or zstd frame) throws `truncated` instead of
    /// returning 0, so truncation is never mistaken for a complete input.
    /// - Parameter buffer: Where the bytes go; only the first returned-count bytes are written.
    /// - Returns: The number of bytes read, 0 at the end.
    /// - Throws: ``ExtractError`` on I/O failure or corrupt compressed data.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int
}

/// Reads a file with read(2), never loading it whole: memory is the caller's buffer, whatever the file's
/// size. Works on pipes and FIFOs too (no seeking), except for ``peek(_:)``.
public final class FileByteSource: ByteSource {
    /// The path, for messages.
    public let name: String
    /// The open descriptor (`O_CLOEXEC`, so child processes never inherit it); closed in `deinit`.
    private let fd: Int32

    /// Opens `path` for reading.
    /// - Parameter path: A file, FIFO or device path.
    /// - Throws: ``ExtractError`` naming the file when it cannot be opened.
    public init(path: String) throws(ExtractError) {
        name = path
        fd = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ExtractError(.io, unsafe "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
    }

    /// Reads standard input (`--dump -`), named `<stdin>` in messages; it is not closed (a duplicate of
    /// the descriptor is read and closed instead).
    public init(standardInput: Void) {
        name = "<stdin>"
        fd = dup(STDIN_FILENO)
    }

    deinit { close(fd) }

    /// Reads the first `count` bytes without moving the read position (for magic-byte detection).
    ///
    /// Uses `pread` at offset 0, so it sees nothing on a pipe (an empty result: treated as uncompressed).
    /// - Parameter count: How many bytes to look at.
    /// - Returns: Up to `count` bytes; fewer for a short file, none when the input cannot be re-read.
    func peek(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = unsafe bytes.withUnsafeMutableBytes { unsafe pread(fd, $0.baseAddress, count, 0) }
        return n > 0 ? Array(bytes[0..<n]) : []
    }

    /// Reads up to `buffer.count` bytes, retrying on EINTR (a signal handler for SIGTERM or SIGINT must not
    /// turn into a read error: the run stops at its next safe point instead).
    /// - Parameter buffer: Where the bytes go.
    /// - Returns: The number of bytes read, 0 at the end of the file.
    /// - Throws: ``ExtractError`` `io` with the system's message.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        while true {
            let n = unsafe Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw ExtractError(.io, unsafe "read failed: \(String(cString: strerror(errno)))", file: name)
        }
    }
}

extension FileByteSource {
    /// Whether `path` is a regular file holding uncompressed bytes (so any part of it can be read again
    /// with ``FileRangeByteSource``).
    static func isPlainFile(path: String) -> Bool {
        var info = stat()
        guard unsafe stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
            let file = try? FileByteSource(path: path)
        else { return false }
        return (try? InputCompression.detect(file.peek(6), file: path)) == InputCompression.none
    }
}

/// The bytes `[from, to)` of a file (`to` `nil`: to its end), read with pread(2): a part of a plain dump
/// read a second time.
final class FileRangeByteSource: ByteSource {
    let name: String
    private let fd: Int32
    private var offset: Int64
    private let end: Int64?

    init(path: String, from: Int64, to end: Int64?) throws(ExtractError) {
        name = path
        offset = from
        self.end = end
        fd = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ExtractError(.io, unsafe "cannot open again: \(String(cString: strerror(errno)))", file: path)
        }
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        let want = end.map { min(Int64(buffer.count), max(0, $0 - offset)) } ?? Int64(buffer.count)
        guard want > 0 else { return 0 }
        while true {
            let n = unsafe pread(fd, buffer.baseAddress, Int(want), off_t(offset))
            if n >= 0 {
                offset += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw ExtractError(
                .io, unsafe "read failed: \(String(cString: strerror(errno)))", file: name, offset: offset)
        }
    }
}

/// The compression of an input, recognised by its magic bytes.
public enum InputCompression: String, Sendable {
    /// Plain bytes.
    case none
    /// gzip (`1f 8b`), possibly several concatenated members (pigz, `cat a.gz b.gz`).
    case gzip
    /// zstd (`28 b5 2f fd`), possibly several frames.
    case zstd

    /// Recognises the compression from the first bytes of a file. The file name's extension is never
    /// consulted: a `.sql` that is really gzip is inflated, a `.gz` that is plain is read as is.
    /// - Parameters:
    ///   - magic: The first bytes (6 suffice for every format checked).
    ///   - file: The path, for the error.
    /// - Returns: The compression, ``none`` for anything unrecognised.
    /// - Throws: ``ExtractError`` for formats that are recognised but not supported (bzip2, xz, zip).
    static func detect(_ magic: [UInt8], file: String) throws(ExtractError) -> InputCompression {
        if magic.starts(with: [0x1F, 0x8B]) { return .gzip }
        if magic.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { return .zstd }
        if magic.starts(with: [0x42, 0x5A, 0x68]) {
            throw ExtractError(
                .compression, "bzip2-compressed input is not supported; decompress it first (bunzip2 -k)", file: file,
                offset: 0)
        }
        if magic.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            throw ExtractError(
                .compression, "xz-compressed input is not supported; decompress it first (unxz -k)", file: file,
                offset: 0)
        }
        if magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw ExtractError(
                .compression, "zip archives are not supported; unzip the dump first", file: file, offset: 0)
        }
        return .none
    }
}

extension FileByteSource {
    /// Opens a file and wraps it in the decompressor its magic bytes ask for.
    /// - Parameter path: The file to read.
    /// - Returns: The file itself, or a ``GzipByteSource``/``ZstdByteSource`` over it.
    /// - Throws: ``ExtractError`` when the file cannot be opened or uses an unsupported compression.
    public static func openDecompressing(path: String) throws(ExtractError) -> any ByteSource {
        let file = try FileByteSource(path: path)
        switch try InputCompression.detect(file.peek(6), file: path) {
        case .none: return file
        case .gzip: return try GzipByteSource(file)
        case .zstd: return try ZstdByteSource(file)
        }
    }
}

/// An in-memory source (tests, fuzzing).
public final class MemoryByteSource: ByteSource {
    /// The name used in messages.
    public let name: String
    /// The whole input.
    private let bytes: [UInt8]
    /// Bytes served so far.
    private var position = 0
    /// The largest read returned.
    private let maxRead: Int

    /// Serves `bytes`, at most `maxRead` per call (small values exercise chunk boundaries).
    /// - Parameters:
    ///   - bytes: The whole input.
    ///   - name: The name errors carry.
    ///   - maxRead: The largest read to return (clamped to at least 1): `1` makes every token straddle a
    ///     chunk boundary, the hardest case for the scanner.
    public init(_ bytes: [UInt8], name: String = "<memory>", maxRead: Int = .max) {
        self.bytes = bytes
        self.name = name
        self.maxRead = max(1, maxRead)
    }

    /// Copies the next bytes out.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        let n = min(buffer.count, bytes.count - position, maxRead)
        guard n > 0 else { return 0 }
        unsafe bytes.withUnsafeBytes { src in
            // Safe because: position + n <= bytes.count and n <= buffer.count (min above).
            guard let target = buffer.baseAddress, let source = src.baseAddress else {
                preconditionFailure("n > 0, so neither buffer is empty")
            }
            unsafe target.copyMemory(from: source + position, byteCount: n)
        }
        position += n
        return n
    }
}
