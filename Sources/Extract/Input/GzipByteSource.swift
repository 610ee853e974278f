import CZlib

// @safe: it owns its z_stream and input buffer (released in deinit) and fills only the buffer it is given.
/// Inflates gzip (and zlib) input, continuing across concatenated members.
///
/// `pigz` and `cat a.gz b.gz` produce several members; `gunzip` reads them as one stream, and so does
/// this source. Input ending inside a member is `truncated` (the offset is in decompressed bytes, which
/// is where the dump reader's own offsets point); bad data is `compression`.
@safe public final class GzipByteSource: ByteSource {
    /// The underlying file's name.
    public var name: String { inner.name }
    /// The compressed bytes.
    private let inner: any ByteSource
    /// zlib's state for the current member.
    private var stream = unsafe z_stream()
    /// 256 KiB of compressed input, refilled from `inner`.
    private let input: UnsafeMutableRawBufferPointer
    /// Compressed bytes read so far, for the position in a corruption message.
    private var consumedIn: Int64 = 0
    /// Whether the last inflate ended a member (another may follow).
    private var memberEnded = false
    /// Whether `inner` reported its end.
    private var innerEOF = false
    /// Whether the last member ended with no input after it: every later read returns 0.
    private var finished = false

    /// Wraps `inner`, whose bytes start with a gzip header.
    /// - Throws: ``ExtractError`` when zlib cannot be initialised.
    public init(_ inner: any ByteSource) throws(ExtractError) {
        self.inner = inner
        unsafe input = .allocate(byteCount: 1 << 18, alignment: 16)
        // 15 + 32: maximum window, detect gzip or zlib header automatically.
        guard unsafe CZlib_inflateInit2(&stream, 15 + 32) == Z_OK else {
            unsafe input.deallocate()
            throw ExtractError(.compression, "zlib initialisation failed", file: inner.name)
        }
    }

    deinit {
        unsafe inflateEnd(&stream)
        unsafe input.deallocate()
    }

    /// Inflates up to `buffer.count` bytes; returns 0 only after the last complete member.
    /// - Parameter buffer: Where the decompressed bytes go.
    /// - Returns: The number of bytes produced (at least 1 unless the stream is complete).
    /// - Throws: ``ExtractError`` `truncated` when the input ends inside a member, `compression` for
    ///   corrupt data (naming the compressed byte), or the inner source's error.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        guard !finished, let out = buffer.baseAddress, buffer.count > 0 else { return 0 }
        unsafe stream.next_out = unsafe out.assumingMemoryBound(to: Bytef.self)
        unsafe stream.avail_out = UInt32(clamping: buffer.count)
        let outStart = unsafe stream.avail_out
        while unsafe stream.avail_out == outStart {
            if unsafe stream.avail_in == 0 && !innerEOF {
                let n = try unsafe inner.read(into: input)
                if n == 0 {
                    innerEOF = true
                } else {
                    guard let inputBase = unsafe input.baseAddress else { preconditionFailure("input is 256 KiB") }
                    unsafe stream.next_in = unsafe inputBase.assumingMemoryBound(to: Bytef.self)
                    unsafe stream.avail_in = UInt32(n)
                    consumedIn += Int64(n)
                }
            }
            if memberEnded {
                // Another member follows only if input remains; otherwise the stream is complete.
                if unsafe stream.avail_in == 0 && innerEOF { finished = true; break }
                if unsafe stream.avail_in == 0 { continue }
                unsafe inflateReset(&stream)
                memberEnded = false
            }
            if unsafe stream.avail_in == 0 && innerEOF {
                throw unsafe ExtractError(
                    .truncated, "truncated gzip stream: the compressed input ends inside a member",
                    file: name, offset: Int64(stream.total_out))
            }
            let status = unsafe inflate(&stream, Z_NO_FLUSH)
            switch status {
            case Z_OK, Z_BUF_ERROR: continue
            case Z_STREAM_END: memberEnded = true
            default:
                let reason = unsafe stream.msg.map { unsafe String(cString: $0) } ?? "status \(status)"
                throw ExtractError(
                    .compression,
                    unsafe "corrupt gzip stream (\(reason)) near compressed byte \(consumedIn - Int64(stream.avail_in))",
                    file: name, offset: unsafe Int64(stream.total_out))
            }
        }
        return unsafe Int(outStart - stream.avail_out)
    }
}
