import CImageCodecs

/// Every call into CImageCodecs goes through here (the role of swift-system's `Syscalls.swift`): one place
/// that owns the error buffer, the status mapping and the pointer handling.
enum ImageCodecCalls {
    /// A failed C call: its status and the C side's message.
    struct Failure: Error {
        /// The C function's status (`CImageCodecs_tooLarge`, `CImageCodecs_corrupt`, …).
        var status: CImageCodecs_Status
        /// The C side's message (libjpeg's or libpng's own text), or `status N` when it wrote none.
        var message: String

        /// Whether the image was over the size limits (a refusal, not damage).
        var isTooLarge: Bool { status == CImageCodecs_tooLarge }

        /// The ``IndexError`` code of a failed decode: over the size limits, else corrupt data.
        var code: IndexError.Code { isTooLarge ? .limit : .corrupt }
    }

    /// Bytes reserved for a C error message.
    static let errorCapacity = 256

    /// Runs `body` with a zeroed error buffer; turns a non-ok status into a `Failure`.
    /// - Parameter body: The C call, given the message buffer and its capacity.
    /// - Returns: `nil` on `CImageCodecs_ok`, else the failure with the C side's message.
    static func check(
        _ body: (UnsafeMutablePointer<CChar>, Int) -> CImageCodecs_Status
    ) -> Failure? {
        var buffer = [CChar](repeating: 0, count: errorCapacity)
        let status = unsafe buffer.withUnsafeMutableBufferPointer { message in
            // safe because the buffer has errorCapacity > 0 elements and the C side writes at most that many.
            guard let base = message.baseAddress else { preconditionFailure("the error buffer is never empty") }
            return unsafe body(base, message.count)
        }
        guard status != CImageCodecs_ok else { return nil }
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Failure(status: status, message: message.isEmpty ? "status \(status.rawValue)" : message)
    }

    /// Reads a JPEG or PNG header's width and height.
    ///
    /// The corresponding C functions are `CImageCodecs_jpegReadSize` and `CImageCodecs_pngReadSize`.
    /// - Parameters:
    ///   - bytes: The encoded image.
    ///   - isPNG: PNG when true, JPEG when false (the caller detected the format).
    /// - Returns: The size in pixels, or the failure.
    static func size(_ bytes: [UInt8], isPNG: Bool) -> Result<(width: Int, height: Int), Failure> {
        var width: Int32 = 0
        var height: Int32 = 0
        let failure = unsafe bytes.withUnsafeBufferPointer { data in
            unsafe check { message, capacity in
                unsafe isPNG
                    ? CImageCodecs_pngReadSize(data.baseAddress, data.count, &width, &height, message, capacity)
                    : CImageCodecs_jpegReadSize(data.baseAddress, data.count, &width, &height, message, capacity)
            }
        }
        if let failure { return .failure(failure) }
        return .success((Int(width), Int(height)))
    }

    /// Decodes JPEG (`isPNG == false`) or PNG bytes straight into a new array: the header is read first
    /// for the size, then the decoder writes into the array's uninitialized storage.
    ///
    /// The corresponding C functions are `CImageCodecs_jpegReadSize`/`CImageCodecs_jpegDecode` and
    /// `CImageCodecs_pngReadSize`/`CImageCodecs_pngDecode`.
    /// - Parameters:
    ///   - bytes: The encoded image.
    ///   - isPNG: PNG when true, JPEG when false.
    ///   - strict: For JPEG, libjpeg warnings that mean missing or wrong pixels (a premature end of file)
    ///     fail the decode instead of returning a grey-padded picture.
    /// - Returns: The RGB pixels, or the failure.
    static func decode(_ bytes: [UInt8], isPNG: Bool, strict: Bool) -> Result<RGBImage, Failure> {
        unsafe bytes.withUnsafeBufferPointer { data -> Result<RGBImage, Failure> in
            var width: Int32 = 0
            var height: Int32 = 0
            if let failure = unsafe check({ message, capacity in
                unsafe isPNG
                    ? CImageCodecs_pngReadSize(data.baseAddress, data.count, &width, &height, message, capacity)
                    : CImageCodecs_jpegReadSize(data.baseAddress, data.count, &width, &height, message, capacity)
            }) {
                return .failure(failure)
            }
            // safe because the C side refused anything over CImageCodecs_maxPixels, so this cannot overflow.
            let count = Int(width) * Int(height) * 3
            var failure: Failure?
            let pixels = unsafe [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
                failure = unsafe check { message, capacity in
                    var image = unsafe CImageCodecs_Image(
                        pixels: storage.baseAddress, capacity: count, width: 0, height: 0)
                    return unsafe isPNG
                        ? CImageCodecs_pngDecode(data.baseAddress, data.count, &image, message, capacity)
                        : CImageCodecs_jpegDecode(
                            data.baseAddress, data.count, strict ? 1 : 0, &image, message, capacity)
                }
                initialized = failure == nil ? count : 0
            }
            if let failure { return .failure(failure) }
            return .success(RGBImage(width: Int(width), height: Int(height), pixels: pixels))
        }
    }

    /// Encodes as JPEG (`quality` 1...100) or, when `quality` is nil, PNG; copies the C buffer into an array.
    ///
    /// The corresponding C functions are `CImageCodecs_jpegEncode` and `CImageCodecs_pngEncode`.
    /// - Parameters:
    ///   - image: The pixels.
    ///   - quality: JPEG quality 1...100, or `nil` for PNG.
    ///   - jpegOptions: `CImageCodecs_jpegEncode`'s option bits (progressive, grayscale, CMYK).
    ///   - fastPNG: For PNG, no filters and zlib level 3 (the world generator's images).
    /// - Returns: The encoded bytes, or the failure (`tooLarge` for a size beyond 32 bits).
    static func encode(
        _ image: RGBImage, jpegQuality quality: Int?, jpegOptions: Int32 = 0, fastPNG: Bool
    ) -> Result<[UInt8], Failure> {
        guard let width = Int32(exactly: image.width), let height = Int32(exactly: image.height) else {
            return .failure(Failure(status: CImageCodecs_tooLarge, message: "size \(image.width)x\(image.height)"))
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        let failure = unsafe image.pixels.withUnsafeBufferPointer { pixels in
            unsafe check { message, capacity in
                if let quality {
                    unsafe CImageCodecs_jpegEncode(
                        pixels.baseAddress, width, height, Int32(clamping: quality), jpegOptions, &output, &size,
                        message, capacity)
                } else {
                    unsafe CImageCodecs_pngEncode(
                        pixels.baseAddress, width, height, fastPNG ? 1 : 0, &output, &size, message, capacity)
                }
            }
        }
        defer { unsafe CImageCodecs_free(output) }
        if let failure { return .failure(failure) }
        guard let output = unsafe output else {
            return .failure(Failure(status: CImageCodecs_invalidData, message: "no output"))
        }
        return unsafe .success(Array(UnsafeBufferPointer(start: output, count: size)))
    }

    /// Resamples `image` to `width × height` (box filter when shrinking, bilinear when growing).
    ///
    /// The corresponding C function is `CImageCodecs_resize`.
    /// - Parameters:
    ///   - image: The source pixels.
    ///   - width: The new width, pixels.
    ///   - height: The new height, pixels.
    /// - Returns: The resampled image, or the failure.
    static func resize(_ image: RGBImage, width: Int, height: Int) -> Result<RGBImage, Failure> {
        guard let sourceWidth = Int32(exactly: image.width), let sourceHeight = Int32(exactly: image.height),
            let targetWidth = Int32(exactly: width), let targetHeight = Int32(exactly: height),
            width > 0, height > 0, width <= Int(CImageCodecs_maxSide), height <= Int(CImageCodecs_maxSide),
            width * height <= Int(CImageCodecs_maxPixels)
        else {
            let message = "cannot resize to \(width)x\(height)"
            return .failure(Failure(status: CImageCodecs_invalidArgument, message: message))
        }
        let count = width * height * 3
        var failure: Failure?
        let pixels = unsafe image.pixels.withUnsafeBufferPointer { source in
            unsafe [UInt8](unsafeUninitializedCapacity: count) { storage, initialized in
                failure = unsafe check { message, capacity in
                    unsafe CImageCodecs_resize(
                        source.baseAddress, sourceWidth, sourceHeight, storage.baseAddress, targetWidth, targetHeight,
                        message, capacity)
                }
                initialized = failure == nil ? count : 0
            }
        }
        if let failure { return .failure(failure) }
        return .success(RGBImage(width: width, height: height, pixels: pixels))
    }
}
