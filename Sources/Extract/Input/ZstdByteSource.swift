import CZstd

// @safe: it owns its ZSTD_DStream and input buffer (released in deinit) and fills only the buffer it is given.
/// Decompresses zstd input (any number of frames, as `zstd -T0` and concatenation produce).
///
/// Input that ends inside a frame is `truncated`, with the offset in decompressed bytes; libzstd's error
/// name is kept in the message of a corrupt stream.
@safe public final class ZstdByteSource: ByteSource {
    /// The underlying file's name.
    public var name: String { inner.name }
    /// The compressed bytes.
    private let inner: any ByteSource
    /// libzstd's streaming decompression context.
    private let dstream: OpaquePointer
    /// libzstd's recommended input size of compressed bytes.
    private let input: UnsafeMutableRawBufferPointer
    /// The next unconsumed byte of `input`.
    private var inPos = 0
    /// One past the last valid byte of `input`.
    private var inEnd = 0
    /// Whether `inner` reported its end.
    private var innerEOF = false
    /// Whether a frame is being decoded (libzstd returned non-zero: more input is needed to finish it).
    private var frameOpen = false
    /// Decompressed bytes produced so far: the offset errors report.
    private var produced: Int64 = 0

    /// Wraps `inner`, whose bytes start with a zstd frame.
    /// - Throws: ``ExtractError`` when libzstd cannot be initialised.
    public init(_ inner: any ByteSource) throws(ExtractError) {
        self.inner = inner
        guard let d = unsafe ZSTD_createDStream() else {
            throw ExtractError(.compression, "zstd initialisation failed", file: inner.name)
        }
        unsafe dstream = d
        unsafe ZSTD_initDStream(d)
        unsafe input = .allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
    }

    deinit {
        unsafe ZSTD_freeDStream(dstream)
        unsafe input.deallocate()
    }

    /// Decompresses up to `buffer.count` bytes; returns 0 only after the last complete frame.
    /// - Parameter buffer: Where the decompressed bytes go.
    /// - Returns: The number of bytes produced.
    /// - Throws: ``ExtractError`` `truncated` when the input ends inside a frame, `compression` for corrupt
    ///   data, or the inner source's error.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ExtractError) -> Int {
        guard buffer.count > 0 else { return 0 }
        var out = unsafe ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while unsafe out.pos == 0 {
            if inPos == inEnd {
                if innerEOF { break }
                let n = try unsafe inner.read(into: input)
                if n == 0 {
                    innerEOF = true
                    if frameOpen {
                        throw ExtractError(
                            .truncated, "truncated zstd stream: the compressed input ends inside a frame", file: name,
                            offset: produced)
                    }
                    break
                }
                inPos = 0
                inEnd = n
            }
            var inb = unsafe ZSTD_inBuffer(src: input.baseAddress, size: inEnd, pos: inPos)
            let ret = unsafe ZSTD_decompressStream(dstream, &out, &inb)
            if ZSTD_isError(ret) != 0 {
                throw ExtractError(
                    .compression, unsafe "corrupt zstd stream (\(String(cString: ZSTD_getErrorName(ret))))", file: name,
                    offset: produced)
            }
            inPos = unsafe inb.pos
            frameOpen = ret != 0
        }
        unsafe produced += Int64(out.pos)
        return unsafe out.pos
    }
}
