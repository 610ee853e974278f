/// Pixel-level comparison, for near-duplicate checks and tests.
extension RGBImage {
    /// The mean absolute difference per channel between two images of the same size, in 0...255
    /// (0 = identical). Compare images of different sizes by resizing both to a common size first.
    ///
    /// - Precondition: both images have the same width and height.
    /// - Complexity: O(pixels).
    /// - Parameter other: An image of the same size.
    /// - Returns: The mean of |a − b| over every channel of every pixel.
    public func meanAbsoluteDifference(to other: RGBImage) -> Double {
        precondition(
            width == other.width && height == other.height,
            "cannot compare \(width)x\(height) with \(other.width)x\(other.height)"
        )
        var total: UInt64 = 0
        unsafe pixels.withUnsafeBufferPointer { left in
            unsafe other.pixels.withUnsafeBufferPointer { right in
                // safe because both buffers hold width * height * 3 bytes (checked above and by init).
                for index in 0..<left.count {
                    let a = unsafe Int(left[index])
                    let b = unsafe Int(right[index])
                    total &+= UInt64(a > b ? a &- b : b &- a)
                }
            }
        }
        return Double(total) / Double(pixels.count)
    }
}
