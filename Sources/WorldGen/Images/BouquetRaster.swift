import Foundation

/// An 8-bit RGB canvas (row-major, top row first, 3 bytes per pixel) with the few fill primitives the
/// bouquet renderer needs. Every primitive clips its bounding box to the canvas once, then writes bytes
/// through one unsafe buffer pointer; no closure runs per pixel.
package struct BouquetRaster: Sendable, Hashable {
    /// Width in pixels.
    package var width: Int
    /// Height in pixels.
    package var height: Int
    /// `width * height * 3` bytes of RGB.
    package var pixels: [UInt8]

    /// A canvas of the given size filled with `color`.
    package init(width: Int, height: Int, color: RGB = RGB(0, 0, 0)) {
        precondition(width > 0 && height > 0, "raster needs a positive size, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fillVerticalGradient(top: color, bottom: color)
    }

    /// Wraps existing pixels.
    package init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "raster size mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The mean absolute per-channel difference to a raster of the same size (0...255).
    package func meanAbsoluteDifference(to other: BouquetRaster) -> Double {
        precondition(width == other.width && height == other.height, "cannot compare rasters of different sizes")
        var total: UInt64 = 0
        for index in 0..<pixels.count {
            let a = Int(pixels[index])
            let b = Int(other.pixels[index])
            total &+= UInt64(a > b ? a &- b : b &- a)
        }
        return Double(total) / Double(pixels.count)
    }
}

/// A colour with float channels in 0...255, for blending.
package struct RGB: Sendable, Hashable {
    package var r: Float
    package var g: Float
    package var b: Float

    package init(_ r: Float, _ g: Float, _ b: Float) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `self` scaled by `factor` (1 = unchanged, < 1 darker, > 1 lighter), not clamped.
    func scaled(_ factor: Float) -> RGB { RGB(r * factor, g * factor, b * factor) }

    /// The mix `self * (1 - t) + other * t`.
    func mixed(with other: RGB, _ t: Float) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }
}

extension BouquetRaster {
    /// The clipped pixel bounds of a box around (`x`, `y`) with half-sizes `rx`, `ry`, or nil when off-canvas.
    func clip(centerX x: Float, centerY y: Float, radiusX rx: Float, radiusY ry: Float)
        -> (x0: Int, x1: Int, y0: Int, y1: Int)?
    {
        let x0 = max(0, Int((x - rx).rounded(.down)))
        let x1 = min(width - 1, Int((x + rx).rounded(.up)))
        let y0 = max(0, Int((y - ry).rounded(.down)))
        let y1 = min(height - 1, Int((y + ry).rounded(.up)))
        return x0 <= x1 && y0 <= y1 ? (x0, x1, y0, y1) : nil
    }

    /// Fills the whole canvas with a top-to-bottom gradient.
    mutating func fillVerticalGradient(top: RGB, bottom: RGB) {
        let width = self.width
        let height = self.height
        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in 0..<height {
                let color = top.mixed(with: bottom, height > 1 ? Float(y) / Float(height - 1) : 0)
                let r = UInt8(clamping: Int(color.r.rounded()))
                let g = UInt8(clamping: Int(color.g.rounded()))
                let b = UInt8(clamping: Int(color.b.rounded()))
                var offset = y * width * 3
                for _ in 0..<width {
                    buffer[offset] = r
                    buffer[offset + 1] = g
                    buffer[offset + 2] = b
                    offset &+= 3
                }
            }
        }
    }

    /// Blends `color` with weight `alpha` (0...1) into the pixel at byte `offset`.
    @inline(__always)
    static func blend(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ offset: Int, _ color: RGB, _ alpha: Float) {
        let r = Float(buffer[offset])
        let g = Float(buffer[offset + 1])
        let b = Float(buffer[offset + 2])
        buffer[offset] = UInt8(clamping: Int(r + (color.r - r) * alpha + 0.5))
        buffer[offset + 1] = UInt8(clamping: Int(g + (color.g - g) * alpha + 0.5))
        buffer[offset + 2] = UInt8(clamping: Int(b + (color.b - b) * alpha + 0.5))
    }

    /// Fills an ellipse rotated by `angle` radians, with a one-pixel soft edge.
    mutating func fillEllipse(
        centerX cx: Float, centerY cy: Float, radiusX rx: Float, radiusY ry: Float, angle: Float = 0,
        color: RGB, alpha: Float = 1
    ) {
        let reach = max(rx, ry) + 1
        guard rx > 0, ry > 0, let box = clip(centerX: cx, centerY: cy, radiusX: reach, radiusY: reach) else { return }
        let cosA = cosf(angle)
        let sinA = sinf(angle)
        let width = self.width
        let edge = 1 / min(rx, ry)
        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in box.y0...box.y1 {
                let dy = Float(y) + 0.5 - cy
                for x in box.x0...box.x1 {
                    let dx = Float(x) + 0.5 - cx
                    let u = (dx * cosA + dy * sinA) / rx
                    let v = (dy * cosA - dx * sinA) / ry
                    let d = (u * u + v * v).squareRoot()
                    guard d < 1 + edge else { continue }
                    let coverage = d <= 1 - edge ? 1 : (1 + edge - d) / (2 * edge)
                    Self.blend(buffer, (y * width + x) * 3, color, alpha * min(1, coverage))
                }
            }
        }
    }

    /// Fills the trapezoid between rows `top` and `bottom`, spanning `topLeft...topRight` at the top and
    /// `bottomLeft...bottomRight` at the bottom, shading it with vertical folds.
    mutating func fillTrapezoid(
        top: Float, bottom: Float, topLeft: Float, topRight: Float, bottomLeft: Float, bottomRight: Float,
        color: RGB, folds: Int, foldDepth: Float
    ) {
        let y0 = max(0, Int(top.rounded(.down)))
        let y1 = min(height - 1, Int(bottom.rounded(.up)))
        guard y0 <= y1, bottom > top else { return }
        let width = self.width
        let foldCount = Float(max(1, folds))
        pixels.withUnsafeMutableBufferPointer { buffer in
            for y in y0...y1 {
                let t = (Float(y) + 0.5 - top) / (bottom - top)
                guard t >= 0 && t <= 1 else { continue }
                let left = topLeft + (bottomLeft - topLeft) * t
                let right = topRight + (bottomRight - topRight) * t
                let span = right - left
                guard span > 1 else { continue }
                let x0 = max(0, Int(left.rounded(.down)))
                let x1 = min(width - 1, Int(right.rounded(.up)))
                guard x0 <= x1 else { continue }
                for x in x0...x1 {
                    let px = Float(x) + 0.5
                    let coverage = min(1, px - left + 0.5, right - px + 0.5)
                    guard coverage > 0 else { continue }
                    let s = (px - left) / span
                    // Folds: a triangle wave across the paper, darker in the creases.
                    let folded = s * foldCount
                    let wave = abs(folded - folded.rounded(.down) - 0.5) * 2
                    let shade = 1 - foldDepth * (1 - wave) - 0.08 * (1 - t)
                    Self.blend(buffer, (y * width + x) * 3, color.scaled(shade), min(1, coverage))
                }
            }
        }
    }

    /// Draws a line `thickness` pixels wide as a run of discs.
    mutating func strokeLine(
        fromX x0: Float, fromY y0: Float, toX x1: Float, toY y1: Float, thickness: Float, color: RGB
    ) {
        let length = ((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot()
        let steps = max(1, Int(length / max(1, thickness * 0.5)))
        for step in 0...steps {
            let t = Float(step) / Float(steps)
            fillEllipse(
                centerX: x0 + (x1 - x0) * t, centerY: y0 + (y1 - y0) * t, radiusX: thickness / 2,
                radiusY: thickness / 2, color: color)
        }
    }

    /// Adds per-pixel grain (±`amplitude`, the same on the three channels), fixed by `seed`, and a soft
    /// vignette darkening the corners by up to `vignette`.
    mutating func addGrain(seed: UInt64, amplitude: Int, vignette: Float) {
        let width = self.width
        let height = self.height
        let cx = Float(width) / 2
        let cy = Float(height) / 2
        let scale = vignette / (cx * cx + cy * cy)
        let span = UInt64(2 * amplitude + 1)
        var state = seed | 1
        pixels.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var pixel = base
            for y in 0..<height {
                let dy = Float(y) - cy
                let dy2 = dy * dy
                for x in 0..<width {
                    // xorshift64: cheap and deterministic.
                    state ^= state << 13
                    state ^= state >> 7
                    state ^= state << 17
                    // Multiply-shift maps 32 random bits onto 0...2 * amplitude without a division.
                    let noise = Float(Int(((state >> 32) &* span) >> 32) - amplitude)
                    let dx = Float(x) - cx
                    let darken = 1 - scale * (dx * dx + dy2)
                    pixel[0] = UInt8(clamping: Int(Float(pixel[0]) * darken + noise + 0.5))
                    pixel[1] = UInt8(clamping: Int(Float(pixel[1]) * darken + noise + 0.5))
                    pixel[2] = UInt8(clamping: Int(Float(pixel[2]) * darken + noise + 0.5))
                    pixel += 3
                }
            }
        }
    }

    /// Doubles the resolution with bilinear weights (output pixel centres at ±¼ source pixel, i.e. 9-3-3-1
    /// sixteenths), cropped to `width × height` (at most twice the size; an odd side drops the last column
    /// or row). Integer arithmetic only.
    func upscaledTwice(width outWidth: Int, height outHeight: Int) -> BouquetRaster {
        precondition(outWidth <= 2 * width && outHeight <= 2 * height, "upscale beyond 2x")
        let srcWidth = width
        let srcHeight = height
        // Source column (as a byte offset) of each output column's nearer and farther neighbour.
        var near = [Int](repeating: 0, count: outWidth)
        var far = [Int](repeating: 0, count: outWidth)
        for x in 0..<outWidth {
            let center = x >> 1
            near[x] = center * 3
            far[x] = (x & 1 == 0 ? max(0, center - 1) : min(srcWidth - 1, center + 1)) * 3
        }
        let rowBytes = outWidth * 3
        let count = rowBytes * outHeight
        let result = [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            // Two horizontally upscaled rows (weights x4), reused as the vertical pass walks down.
            var rowA = [UInt16](repeating: 0, count: rowBytes)
            var rowB = [UInt16](repeating: 0, count: rowBytes)
            pixels.withUnsafeBufferPointer { source in
                near.withUnsafeBufferPointer { near in
                    far.withUnsafeBufferPointer { far in
                        rowA.withUnsafeMutableBufferPointer { rowA in
                            rowB.withUnsafeMutableBufferPointer { rowB in
                                // No base address means an empty buffer: a side is 0, nothing to write.
                                guard let src = source.baseAddress, let out = output.baseAddress else { return }
                                func widen(_ y: Int, into row: UnsafeMutableBufferPointer<UInt16>) {
                                    let line = src + y * srcWidth * 3
                                    guard var o = row.baseAddress else { return }  // empty: outWidth is 0
                                    for x in 0..<outWidth {
                                        let c = line + near[x]
                                        let n = line + far[x]
                                        o[0] = UInt16(c[0]) &* 3 &+ UInt16(n[0])
                                        o[1] = UInt16(c[1]) &* 3 &+ UInt16(n[1])
                                        o[2] = UInt16(c[2]) &* 3 &+ UInt16(n[2])
                                        o += 3
                                    }
                                }
                                // Output rows 2k and 2k+1 both centre on source row k; 2k mixes in row k-1,
                                // 2k+1 row k+1. Keep rows k-1 / k / k+1 widened as needed.
                                var previous = rowA
                                var current = rowB
                                widen(0, into: current)
                                widen(0, into: previous)
                                for k in 0..<((outHeight + 1) / 2) {
                                    // Row 2k: 3 * current + previous.
                                    var o = out + 2 * k * rowBytes
                                    for i in 0..<rowBytes {
                                        o[i] = UInt8(truncatingIfNeeded: (current[i] &* 3 &+ previous[i] &+ 8) >> 4)
                                    }
                                    guard 2 * k + 1 < outHeight else { break }
                                    // Row 2k+1: 3 * current + next (row k+1, clamped).
                                    let next = previous  // reuse the older row's storage
                                    widen(min(srcHeight - 1, k + 1), into: next)
                                    o = out + (2 * k + 1) * rowBytes
                                    for i in 0..<rowBytes {
                                        o[i] = UInt8(truncatingIfNeeded: (current[i] &* 3 &+ next[i] &+ 8) >> 4)
                                    }
                                    previous = current
                                    current = next
                                }
                            }
                        }
                    }
                }
            }
            initialized = count
        }
        return BouquetRaster(width: outWidth, height: outHeight, pixels: result)
    }
}

extension BouquetRaster {
    /// The `width × height` rectangle whose top-left pixel is (`x`, `y`).
    package func cropped(x: Int, y: Int, width: Int, height: Int) -> BouquetRaster {
        precondition(
            x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= self.width && y + height <= self.height,
            "crop \(width)x\(height) at (\(x), \(y)) is outside \(self.width)x\(self.height)")
        var result = [UInt8]()
        result.reserveCapacity(width * height * 3)
        for row in y..<(y + height) {
            let start = (row * self.width + x) * 3
            result.append(contentsOf: pixels[start..<(start + width * 3)])
        }
        return BouquetRaster(width: width, height: height, pixels: result)
    }
}
