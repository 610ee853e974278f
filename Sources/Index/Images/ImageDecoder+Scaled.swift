import CImageCodecs

extension ImageDecoder {
    /// Decodes JPEG or PNG bytes at (about) the size a model needs rather than at full size.
    ///
    /// JPEG goes through libjpeg-turbo's DCT scaling: the inverse DCT itself produces 1/2, 1/4 or 1/8 of the
    /// picture, so a 435×545 product photo decodes to 55×69 for a 48×60 model input with an eighth of the
    /// IDCT work and none of the full-size pixels. PNG has no such shortcut: it is decoded in full and
    /// box-filtered down. Either way the result covers at least `minWidth × minHeight` unless the image
    /// itself is smaller.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - minWidth: The smallest useful width (the model input's width).
    ///   - minHeight: The smallest useful height.
    ///   - productID: The product the image belongs to, copied into any error.
    ///   - url: Where the bytes came from, copied into any error.
    ///   - maxByteCount: Inputs larger than this are refused without being parsed.
    /// - Returns: The decoded, reduced image.
    /// - Throws: ``IndexError`` as ``decode(_:productID:url:maxByteCount:)`` does.
    public static func decode(
        _ bytes: [UInt8], minWidth: Int, minHeight: Int, productID: Int64? = nil, url: String? = nil,
        maxByteCount: Int = defaultMaxByteCount
    ) throws(IndexError) -> RGBImage {
        let format = try decodableFormat(of: bytes, maxByteCount: maxByteCount, productID: productID, url: url)
        if format == .png {
            let full = try decode(bytes, productID: productID, url: url, maxByteCount: maxByteCount)
            return full.reduced(toCover: minWidth, minHeight)
        }
        switch ImageCodecCalls.decodeScaledJPEG(bytes, minWidth: minWidth, minHeight: minHeight) {
        case .success(let image): return image
        case .failure(let error):
            throw IndexError(
                error.code, "cannot decode JPEG (\(bytes.count) bytes): \(error.message)", productID: productID,
                url: url)
        }
    }
}

extension RGBImage {
    /// Box-filters down by a whole factor (1, 2, 4 or 8, as DCT scaling would) while both sides stay at least
    /// `minWidth × minHeight`.
    func reduced(toCover minWidth: Int, _ minHeight: Int) -> RGBImage {
        var factor = 8
        while factor > 1 && ((width + factor - 1) / factor < minWidth || (height + factor - 1) / factor < minHeight) {
            factor /= 2
        }
        guard factor > 1 else { return self }
        return resized(width: (width + factor - 1) / factor, height: (height + factor - 1) / factor)
    }
}

extension ImageCodecCalls {
    /// Decodes a JPEG through DCT scaling into a new array.
    ///
    /// The corresponding C function is `CImageCodecs_jpegDecodeScaled`.
    static func decodeScaledJPEG(_ bytes: [UInt8], minWidth: Int, minHeight: Int) -> Result<RGBImage, Failure> {
        guard let minimumWidth = Int32(exactly: minWidth), let minimumHeight = Int32(exactly: minHeight),
            minWidth > 0, minHeight > 0
        else {
            return .failure(Failure(status: CImageCodecs_invalidArgument, message: "minimum \(minWidth)x\(minHeight)"))
        }
        var image = unsafe CImageCodecs_Image(pixels: nil, capacity: 0, width: 0, height: 0)
        let failure = unsafe bytes.withUnsafeBufferPointer { data in
            unsafe check { message, capacity in
                unsafe CImageCodecs_jpegDecodeScaled(
                    data.baseAddress, data.count, 1, minimumWidth, minimumHeight, &image, message, capacity)
            }
        }
        defer { unsafe CImageCodecs_free(image.pixels) }
        if let failure { return .failure(failure) }
        guard let pixels = unsafe image.pixels else {
            return .failure(Failure(status: CImageCodecs_invalidData, message: "no pixels"))
        }
        let width = unsafe Int(image.width)
        let height = unsafe Int(image.height)
        // safe because the decoder wrote width * height * 3 bytes into the buffer it allocated.
        let copy = unsafe Array(UnsafeBufferPointer(start: pixels, count: width * height * 3))
        return .success(RGBImage(width: width, height: height, pixels: copy))
    }
}
