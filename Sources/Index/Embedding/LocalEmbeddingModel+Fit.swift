import CBLAS
import CLAPACKE
import Foundation

extension LocalEmbeddingModel {
    /// How much of the covariance is replaced by its average variance before the eigen-decomposition
    /// (shrinkage): `inputDimensions / (inputDimensions + n)`, so a small catalog leans on the identity and
    /// a large one on its own statistics.
    /// - Parameters:
    ///   - samples: Descriptors the covariance is estimated from (0 counts as 1).
    ///   - inputDimensions: The descriptor's length.
    /// - Returns: The weight of the identity, in (0, 1).
    static func shrinkage(samples: Int, inputDimensions: Int) -> Double {
        Double(inputDimensions) / Double(inputDimensions + max(samples, 1))
    }

    /// The whitening exponent: each principal direction is divided by `λ^exponent`. Measured on the `s`
    /// world (LocalModelQualityTests, 3 000 bouquets, 1 800 copies): the gap between the worst 5 %-crop copy
    /// and the closest distinct bouquet is -0.03 without whitening (0), 0.10 at 0.25, 0.18 at 0.5 (full
    /// whitening), 0.17 at 0.65 and 0.14 at 0.8; the shrinkage keeps the weakest directions from exploding.
    static let whiteningExponent = 0.5

    /// Fits a model on raw descriptors (one per catalog image) with LAPACK.
    ///
    /// The mean and covariance are accumulated in double precision (`cblas_dsyrk`), the covariance is
    /// shrunk towards its average variance, and `LAPACKE_dsyevd` gives its eigenvectors. The top
    /// `dimensions` directions, each scaled by `1 / √(λ + ε)` and signed so its largest component is
    /// positive (eigenvectors are only defined up to sign), make the projection. The same descriptors always
    /// give the same numbers and the same ``version``.
    ///
    /// - Parameters:
    ///   - descriptors: Raw descriptors, each ``ImageDescriptor/count`` values, in a fixed order (e.g. by product id).
    ///   - dimensions: Output dimensions (at most the descriptor size).
    /// - Returns: The fitted model, its ``version`` derived from its numbers.
    /// - Throws: ``IndexError`` with no descriptors, or when LAPACK reports a failure.
    public static func fit(descriptors: [[Float]], dimensions: Int = 512) throws(IndexError) -> LocalEmbeddingModel {
        BLASThreads.useSingleThreaded()  // the same numbers, so the same version, whatever ran before
        let d = ImageDescriptor.count
        let n = descriptors.count
        guard n > 0 else { throw IndexError(.model, "cannot fit the local embedding model on no images") }
        guard dimensions > 0, dimensions <= d else {
            throw IndexError(.model, "model dimensions \(dimensions) outside 1...\(d)")
        }
        var mean = [Double](repeating: 0, count: d)
        for descriptor in descriptors {
            precondition(descriptor.count == d, "descriptor has \(descriptor.count) values, expected \(d)")
            for index in 0..<d { mean[index] += Double(descriptor[index]) }
        }
        for index in 0..<d { mean[index] /= Double(n) }
        var centred = [Double](repeating: 0, count: n * d)
        for (row, descriptor) in descriptors.enumerated() {
            for index in 0..<d { centred[row * d + index] = Double(descriptor[index]) - mean[index] }
        }
        // Upper triangle of XᵀX / max(n - 1, 1).
        var covariance = [Double](repeating: 0, count: d * d)
        unsafe cblas_dsyrk(
            CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1 / Double(max(n - 1, 1)), centred, Int32(d), 0,
            &covariance, Int32(d))
        var trace = 0.0
        for index in 0..<d { trace += covariance[index * d + index] }
        let average = trace > 0 ? trace / Double(d) : 1
        let shrink = trace > 0 ? shrinkage(samples: n, inputDimensions: d) : 1
        for row in 0..<d {
            for column in row..<d {
                covariance[row * d + column] *= (1 - shrink)
            }
            covariance[row * d + row] += shrink * average
        }
        var eigenvalues = [Double](repeating: 0, count: d)
        let info = unsafe LAPACKE_dsyevd(
            LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(d), &covariance, Int32(d),
            &eigenvalues)
        guard info == 0 else { throw IndexError(.model, "LAPACKE_dsyevd failed (info \(info)) fitting on \(n) images") }
        // Eigenvalues ascend; column j of `covariance` is the eigenvector of eigenvalues[j].
        let largest = max(eigenvalues[d - 1], 1e-12)
        var projection = [Float](repeating: 0, count: dimensions * d)
        for output in 0..<dimensions {
            let column = d - 1 - output
            let lambda = max(eigenvalues[column], 0) + 1e-6 * largest
            let scale = 1 / pow(lambda, whiteningExponent)
            var pivot = 0
            for index in 0..<d where abs(covariance[index * d + column]) > abs(covariance[pivot * d + column]) {
                pivot = index
            }
            let sign: Double = covariance[pivot * d + column] < 0 ? -1 : 1
            for index in 0..<d {
                projection[output * d + index] = Float(sign * scale * covariance[index * d + column])
            }
        }
        return LocalEmbeddingModel(
            dimensions: dimensions, inputDimensions: d, mean: mean.map { Float($0) }, projection: projection,
            fittedOn: n)
    }
}
