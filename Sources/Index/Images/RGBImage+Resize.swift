/// Resampling and cropping, the geometry an embedding model's preprocessing needs.
extension RGBImage {
    /// A copy resampled to `width × height`: box (area) averaging on an axis that shrinks, bilinear
    /// interpolation on an axis that grows. The aspect ratio is not preserved; see ``scaledToFill(width:height:)``.
    ///
    /// - Precondition: `width` and `height` are in `1...ImageDecoder.maxSide` and their product at most
    ///   ``ImageDecoder/maxPixels``.
    /// - Complexity: O(source pixels + result pixels × taps); runs in C.
    /// - Parameters:
    ///   - width: The new width, pixels.
    ///   - height: The new height, pixels.
    /// - Returns: The resampled image (`self` when the size is already right).
    public func resized(width: Int, height: Int) -> RGBImage {
        if width == self.width && height == self.height { return self }
        switch ImageCodecCalls.resize(self, width: width, height: height) {
        case .success(let image): return image
        case .failure(let failure): preconditionFailure("resizing \(self.width)x\(self.height): \(failure.message)")
        }
    }

    /// A copy whose longer side is at most `maxSide`, keeping the aspect ratio (no-op when already small).
    /// - Parameter maxSide: The longest side allowed, pixels (positive).
    /// - Returns: The image, sides rounded to the nearest pixel and at least 1.
    public func resized(maxSide: Int) -> RGBImage {
        precondition(maxSide > 0, "maxSide must be positive, got \(maxSide)")
        let longer = Swift.max(width, height)
        guard longer > maxSide else { return self }
        let newWidth = Swift.max(1, (width * maxSide + longer / 2) / longer)
        let newHeight = Swift.max(1, (height * maxSide + longer / 2) / longer)
        return resized(width: newWidth, height: newHeight)
    }

    /// The `width × height` rectangle whose top-left pixel is (`x`, `y`).
    ///
    /// - Precondition: the rectangle is non-empty and lies inside the image.
    /// - Complexity: O(result pixels): one slice copy per row.
    /// - Parameters:
    ///   - x: The left column.
    ///   - y: The top row.
    ///   - width: The rectangle's width.
    ///   - height: The rectangle's height.
    /// - Returns: The rectangle as an image (`self` for the whole image).
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> RGBImage {
        precondition(
            x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= self.width && y + height <= self.height,
            "crop \(width)x\(height) at (\(x), \(y)) is outside \(self.width)x\(self.height)"
        )
        if x == 0 && y == 0 && width == self.width && height == self.height { return self }
        var result = [UInt8]()
        result.reserveCapacity(width * height * 3)
        let rowBytes = width * 3
        for row in y..<(y + height) {
            let start = (row * self.width + x) * 3
            result.append(contentsOf: pixels[start..<(start + rowBytes)])
        }
        return RGBImage(width: width, height: height, pixels: result)
    }

    /// The centred `width × height` rectangle (sizes larger than the image are clamped to it).
    /// - Parameters:
    ///   - width: The wanted width.
    ///   - height: The wanted height.
    /// - Returns: The rectangle; an odd margin leaves the extra pixel on the right or bottom.
    public func centerCropped(width: Int, height: Int) -> RGBImage {
        let cropWidth = Swift.min(Swift.max(1, width), self.width)
        let cropHeight = Swift.min(Swift.max(1, height), self.height)
        return cropped(
            x: (self.width - cropWidth) / 2, y: (self.height - cropHeight) / 2, width: cropWidth, height: cropHeight)
    }

    /// The largest centred rectangle with the aspect ratio `width : height`.
    /// - Parameters:
    ///   - width: The ratio's first term (positive).
    ///   - height: The ratio's second term (positive).
    /// - Returns: The rectangle, computed in integers (no rounding drift).
    public func centerCropped(toAspectRatio width: Int, _ height: Int) -> RGBImage {
        precondition(width > 0 && height > 0, "aspect ratio needs positive terms, got \(width):\(height)")
        // Compare self.width / self.height with width / height in integers.
        if self.width * height > self.height * width {
            return centerCropped(width: Swift.max(1, self.height * width / height), height: self.height)
        } else {
            return centerCropped(width: self.width, height: Swift.max(1, self.width * height / width))
        }
    }

    /// Centre-crops to the aspect ratio of `width × height`, then resizes to exactly that size: the usual
    /// "resize shorter side, centre crop" preprocessing of image embedding models.
    /// - Parameters:
    ///   - width: The result's width.
    ///   - height: The result's height.
    /// - Returns: An image of exactly `width × height`.
    public func scaledToFill(width: Int, height: Int) -> RGBImage {
        centerCropped(toAspectRatio: width, height).resized(width: width, height: height)
    }
}
