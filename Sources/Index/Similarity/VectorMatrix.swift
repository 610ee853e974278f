/// Unit vectors in one row-major `[Float]` (count × dimensions): the shape `cblas_sgemm` consumes without
/// a copy per pair.
public struct VectorMatrix: Sendable, Hashable {
    /// Values per vector.
    public let dimensions: Int
    /// `count × dimensions` values, row-major.
    public private(set) var storage: [Float]

    /// An empty matrix of `dimensions`-value rows.
    /// - Parameter dimensions: Values per vector (positive).
    public init(dimensions: Int) {
        precondition(dimensions > 0, "dimensions must be positive")
        self.dimensions = dimensions
        storage = []
    }

    /// A matrix over existing row-major storage.
    ///
    /// - Precondition: `storage.count` is a multiple of `dimensions`.
    /// - Parameters:
    ///   - dimensions: Values per vector.
    ///   - storage: The rows, one after another.
    public init(dimensions: Int, storage: [Float]) {
        precondition(dimensions > 0 && storage.count % dimensions == 0, "storage is not whole rows")
        self.dimensions = dimensions
        self.storage = storage
    }

    /// Rows.
    public var count: Int { storage.count / dimensions }

    /// Appends one vector.
    ///
    /// - Precondition: `vector.count == dimensions`.
    public mutating func append(_ vector: [Float]) {
        precondition(vector.count == dimensions, "vector has \(vector.count) values, expected \(dimensions)")
        storage.append(contentsOf: vector)
    }

    /// Row `index`.
    public subscript(index: Int) -> ArraySlice<Float> { storage[(index * dimensions)..<((index + 1) * dimensions)] }

    /// Scales every row to unit length (rows of zeros stay zero).
    public mutating func normalizeRows() {
        let d = dimensions
        unsafe storage.withUnsafeMutableBufferPointer { values in
            for row in 0..<(values.count / d) {
                var sum: Float = 0
                for index in (row * d)..<((row + 1) * d) { unsafe sum += values[index] * values[index] }
                guard sum > 0 else { continue }
                let scale = 1 / sum.squareRoot()
                for index in (row * d)..<((row + 1) * d) { unsafe values[index] *= scale }
            }
        }
    }
}
