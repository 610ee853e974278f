/// Decodes image bytes (as downloaded from `product.image`) into an ``RGBImage``.
///
/// The format comes from the magic bytes, never from the URL's extension: JPEG (`FF D8 FF`) and PNG
/// (`89 50 4E 47`) decode; WebP, GIF, BMP, TIFF, HEIF and AVIF are recognised and refused by name; anything
/// else (an HTML error page saved as `.jpg`, garbage) is refused with its first bytes in the message.
public enum ImageDecoder {
    /// The largest input accepted by default: 10 MB, the visual-search worker's own limit.
    public static let defaultMaxByteCount = 10 * 1024 * 1024

    /// The largest width or height decoded (larger images are refused before any pixel is allocated).
    public static let maxSide = 16_384

    /// The largest `width * height` decoded (100 megapixels).
    public static let maxPixels = 100_000_000

    /// Decodes JPEG or PNG bytes to 8-bit RGB.
    ///
    /// JPEG: baseline and progressive; YCbCr, grayscale, CMYK and YCCK. A truncated or corrupt entropy
    /// stream is an error (libjpeg would otherwise pad the picture with gray). PNG: every colour type and
    /// bit depth; alpha and tRNS are composited onto white, 16-bit samples are scaled to 8.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - productID: The product the image belongs to, copied into any error.
    ///   - url: Where the bytes came from, copied into any error.
    ///   - maxByteCount: Inputs larger than this are refused without being parsed.
    /// - Returns: The decoded image.
    /// - Throws: ``IndexError`` whose message names the format and the reason (empty, too large,
    ///   unsupported format, corrupt data, dimensions over ``maxSide``/``maxPixels``).
    public static func decode(
        _ bytes: [UInt8],
        productID: Int64? = nil,
        url: String? = nil,
        maxByteCount: Int = defaultMaxByteCount
    ) throws(IndexError) -> RGBImage {
        let format = try decodableFormat(of: bytes, maxByteCount: maxByteCount, productID: productID, url: url)
        switch ImageCodecCalls.decode(bytes, isPNG: format == .png, strict: true) {
        case .success(let image):
            return image
        case .failure(let error):
            // The C side already says "invalid JPEG: …" / "PNG is 20000x20000, over the limit …".
            throw IndexError(
                error.code, "cannot decode \(format) (\(bytes.count) bytes): \(error.message)", productID: productID,
                url: url)
        }
    }

    /// Reads the width and height from a JPEG or PNG header without decoding the pixels.
    ///
    /// - Parameters:
    ///   - bytes: The encoded image.
    ///   - productID: The product, for the error's context.
    ///   - url: The image's URL, for the error's context.
    /// - Returns: The size in pixels.
    /// - Throws: ``IndexError`` as ``decode(_:productID:url:maxByteCount:)`` does for unrecognised formats
    ///   and corrupt headers.
    public static func size(
        of bytes: [UInt8], productID: Int64? = nil, url: String? = nil
    ) throws(IndexError) -> (width: Int, height: Int) {
        let format = try decodableFormat(of: bytes, maxByteCount: nil, productID: productID, url: url)
        switch ImageCodecCalls.size(bytes, isPNG: format == .png) {
        case .success(let size): return size
        case .failure(let error):
            throw IndexError(
                error.code, "cannot read \(format) header: \(error.message)", productID: productID, url: url)
        }
    }

    /// The format of `bytes` if it is one that decodes; else the error every entry point reports. With a
    /// `maxByteCount` (the decoders), empty input and input over the limit are refused first, unparsed.
    static func decodableFormat(
        of bytes: [UInt8], maxByteCount: Int?, productID: Int64?, url: String?
    ) throws(IndexError) -> ImageFormat {
        func failure(_ code: IndexError.Code, _ message: String) -> IndexError {
            IndexError(code, message, productID: productID, url: url)
        }
        if let maxByteCount {
            guard !bytes.isEmpty else { throw failure(.notAnImage, "image data is empty (0 bytes)") }
            guard bytes.count <= maxByteCount else {
                throw failure(.limit, "image data is \(bytes.count) bytes, over the limit of \(maxByteCount) bytes")
            }
        }
        guard let format = ImageFormat.detect(bytes) else {
            throw failure(.notAnImage, "not a JPEG or PNG image: \(describeStart(of: bytes))")
        }
        guard format.isDecodable else {
            throw failure(.unsupportedFormat, "unsupported image format \(format) (only JPEG and PNG are decoded)")
        }
        return format
    }

    /// `starts with 3C 21 44 4F 43 54 59 50 ("<!DOCTYP")`, or `is 3 bytes: …` for tiny inputs.
    static func describeStart(of bytes: [UInt8]) -> String {
        let head = bytes.prefix(8)
        let hex = head.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
        let text = String(head.map { (0x20..<0x7F).contains($0) ? Character(UnicodeScalar($0)) : "." })
        let lead = bytes.count <= 8 ? "is \(bytes.count) bytes:" : "starts with"
        return "\(lead) \(hex) (\"\(text)\")"
    }
}
