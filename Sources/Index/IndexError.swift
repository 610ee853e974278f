public import BackstopModel

/// An error from the index stage, naming what went wrong as a ``Code`` and, when known, the product and the
/// image URL or path it concerns.
///
/// Scripts and tests match ``code``; ``message`` is for people and may change.
public struct IndexError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as a stable machine-readable code (its raw value is the name).
    public enum Code: String, Sendable, CaseIterable {
        /// Bytes that are not an image at all: empty, or neither JPEG nor PNG magic (an HTML error page
        /// saved as `.jpg`).
        case notAnImage
        /// A recognised image format that is not decoded (WebP, GIF, AVIF, HEIF, TIFF, BMP).
        case unsupportedFormat
        /// A JPEG or PNG the codec rejects: truncated, bad checksum, corrupt entropy data.
        case corrupt
        /// Input over a limit: more bytes than allowed, or dimensions over ``ImageDecoder/maxSide`` or
        /// ``ImageDecoder/maxPixels`` (refused before any pixel buffer is allocated).
        case limit
        /// The local embedding model cannot be fitted (no images, bad dimensions, LAPACK failure) or its
        /// stored parameters cannot be read.
        case model
        /// A setting that cannot be used: an image mirror entry without `PREFIX=FOLDER`, a JPEG quality
        /// outside 1...100.
        case configuration
        /// A catalog table of another shape than upstream's (`product_embeddings.embedding` of an unknown type).
        case schema
        /// A file or folder that cannot be created, written or renamed (image cache, Cloudflare export).
        case io
        /// Not a failure: the stage was stopped between batches on request (time limit, or a test's limit);
        /// what it did is saved and the next run resumes.
        case stopped
    }

    /// What went wrong, for scripts and tests.
    public var code: Code
    /// What went wrong, in one line.
    public var message: String
    /// The product id, when known.
    public var productID: Int64?
    /// The image URL or path, when known.
    public var url: String?

    /// Describes an index failure, with the product and image it concerns when there is one.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: For people; never the image's bytes.
    ///   - productID: The product.
    ///   - url: The image URL or mirror path.
    public init(_ code: Code, _ message: String, productID: Int64? = nil, url: String? = nil) {
        self.code = code
        self.message = message
        self.productID = productID
        self.url = url
    }

    /// `product N (url): message`.
    public var description: String {
        var prefix = productID.map { "product \($0)" } ?? ""
        if let url { prefix += prefix.isEmpty ? url : " (\(url))" }
        return prefix.isEmpty ? message : prefix + ": " + message
    }
}

extension IndexError: BackstopError {
    /// `index`.
    public static var module: String { "index" }
    /// The code's raw value.
    public var codeName: String { code.rawValue }
}
