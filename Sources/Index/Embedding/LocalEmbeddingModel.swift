import BackstopModel
import CBLAS

/// Backstop's own image embedding: ``ImageDescriptor`` values, centred on the catalog's mean, projected
/// on the catalog's 512 principal directions and partially whitened, then scaled to unit length.
///
/// The learned numbers (mean and projection) are fitted with LAPACK on a full reindex
/// (``fit(descriptors:dimensions:)``) and then frozen: incremental runs load them and embed with exactly
/// the same numbers. ``version`` names them: `backstop-local-1-` plus the first 12 hex digits of the
/// SHA-256 of the descriptor version, every stored number and the near-duplicate method's version
/// (``DuplicateVerifier/Parameters/version``), so any change to the numbers changes the label and every
/// vector made with other numbers is recognisably stale; so does a new near-duplicate method, whose
/// candidate keys (luma hash, grayscale flag) are stored beside each vector and reused with it.
///
/// These vectors drive duplicate detection, similar products and change detection inside Backstop's own
/// schema. They are never written to `product_embeddings`: live search compares those rows with Vertex
/// query vectors, and a vector from another model there would silently break search.
public struct LocalEmbeddingModel: Sendable, Hashable {
    /// Output dimensions (512, as upstream's vectors).
    public let dimensions: Int
    /// Input dimensions (``ImageDescriptor/count``).
    public let inputDimensions: Int
    /// The descriptor mean, `inputDimensions` values.
    public let mean: [Float]
    /// The projection, `dimensions × inputDimensions`, row-major (whitening folded in).
    public let projection: [Float]
    /// How many images it was fitted on.
    public let fittedOn: Int
    /// `backstop-local-1-<12 hex digits>`.
    public let version: String

    /// The label's prefix; the digits after it are a digest of the numbers.
    public static let family = "backstop-local-1"

    /// A model from its numbers (a fit's, or stored ones); its ``version`` is computed from them, so equal
    /// numbers always carry the same label.
    ///
    /// - Precondition: `mean.count == inputDimensions` and `projection.count == dimensions * inputDimensions`.
    /// - Parameters:
    ///   - dimensions: Output dimensions (512 for the index).
    ///   - inputDimensions: The descriptor's length (``ImageDescriptor/count``).
    ///   - mean: The descriptors' mean, subtracted before projecting.
    ///   - projection: `dimensions` rows of `inputDimensions` values, row-major: the whitened principal
    ///     directions.
    ///   - fittedOn: How many images the model was fitted on (bookkeeping; not part of the version).
    ///   - duplicateMethod: The near-duplicate method the stored keys follow, folded into ``version``
    ///     (default: the shipped ``DuplicateVerifier/Parameters/version``).
    public init(
        dimensions: Int, inputDimensions: Int, mean: [Float], projection: [Float], fittedOn: Int,
        duplicateMethod: String = DuplicateVerifier.Parameters().version
    ) {
        precondition(mean.count == inputDimensions, "mean has \(mean.count) values, expected \(inputDimensions)")
        precondition(projection.count == dimensions * inputDimensions, "projection size mismatch")
        self.dimensions = dimensions
        self.inputDimensions = inputDimensions
        self.mean = mean
        self.projection = projection
        self.fittedOn = fittedOn
        let digest = SHA256.hex(
            SHA256.digest(
                Self.encodeNumbers(dimensions, inputDimensions, mean, projection) + [0] + Array(duplicateMethod.utf8)))
        version = "\(Self.family)-\(digest.prefix(12))"
    }

    /// The unit vector for a raw descriptor.
    ///
    /// - Precondition: `descriptor.count == inputDimensions`.
    /// - Complexity: O(dimensions × inputDimensions), one `cblas_sgemv` (the same numbers whatever else runs).
    /// - Parameter descriptor: ``ImageDescriptor/describe(_:)``'s output.
    /// - Returns: `dimensions` values of L2 norm 1, so a dot product of two is their cosine; all zeros only
    ///   for a descriptor equal to the mean.
    public func embed(descriptor: [Float]) -> [Float] {
        precondition(descriptor.count == inputDimensions, "descriptor has \(descriptor.count) values")
        BLASThreads.useSingleThreaded()
        var centred = descriptor
        for index in 0..<inputDimensions { centred[index] -= mean[index] }
        var out = [Float](repeating: 0, count: dimensions)
        unsafe cblas_sgemv(
            CblasRowMajor, CblasNoTrans, Int32(dimensions), Int32(inputDimensions), 1, projection,
            Int32(inputDimensions), centred, 1, 0, &out, 1)
        var norm: Float = 0
        for value in out { norm += value * value }
        guard norm > 0 else { return out }
        let scale = 1 / norm.squareRoot()
        for index in 0..<dimensions { out[index] *= scale }
        return out
    }

    /// The unit vector for a decoded image: ``embed(descriptor:)`` of its descriptor.
    /// - Parameter image: A decoded picture.
    /// - Returns: The unit vector.
    public func embed(_ image: RGBImage) -> [Float] { embed(descriptor: ImageDescriptor.describe(image)) }

    // MARK: Storage

    static let magic: [UInt8] = Array("BSLM".utf8)

    static func encodeNumbers(_ dimensions: Int, _ inputDimensions: Int, _ mean: [Float], _ projection: [Float])
        -> [UInt8]
    {
        var out = magic
        for value in [UInt32(ImageDescriptor.version), UInt32(dimensions), UInt32(inputDimensions)] {
            unsafe withUnsafeBytes(of: value.littleEndian) { unsafe out.append(contentsOf: $0) }
        }
        for array in [mean, projection] {
            for value in array {
                unsafe withUnsafeBytes(of: value.bitPattern.littleEndian) { unsafe out.append(contentsOf: $0) }
            }
        }
        return out
    }

    /// The model's numbers as bytes (little-endian), for `backstop.embedding_model.parameters`.
    public var serialized: [UInt8] { Self.encodeNumbers(dimensions, inputDimensions, mean, projection) }

    /// Reads a model written by ``serialized``.
    ///
    /// - Parameters:
    ///   - bytes: `backstop.embedding_model.parameters`.
    ///   - fittedOn: The stored image count.
    /// - Throws: ``IndexError`` when the bytes are not a model of the current descriptor version.
    public init(serialized bytes: [UInt8], fittedOn: Int) throws(IndexError) {
        func word(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard bytes.count >= 16, Array(bytes[0..<4]) == Self.magic else {
            throw IndexError(.model, "not a Backstop model")
        }
        guard word(4) == UInt32(ImageDescriptor.version) else {
            throw IndexError(
                .model, "model for descriptor version \(word(4)), this build has \(ImageDescriptor.version)")
        }
        let dimensions = Int(word(8))
        let inputDimensions = Int(word(12))
        let floats = inputDimensions + dimensions * inputDimensions
        guard inputDimensions == ImageDescriptor.count, bytes.count == 16 + 4 * floats else {
            throw IndexError(.model, "model parameters have \(bytes.count) bytes, expected \(16 + 4 * floats)")
        }
        var values = [Float](repeating: 0, count: floats)
        for index in 0..<floats { values[index] = Float(bitPattern: word(16 + 4 * index)) }
        self.init(
            dimensions: dimensions, inputDimensions: inputDimensions, mean: Array(values[0..<inputDimensions]),
            projection: Array(values[inputDimensions...]), fittedOn: fittedOn)
    }
}
