/// The fixed, hand-built part of the local embedding model: a raw feature vector from a small picture.
///
/// The picture is box-filtered to a 48×60 canvas (the 4:5 shape of the 435×545 resize cache) in an
/// opponent colour space (lightness, red–green, yellow–blue), then four blocks, each scaled to unit length:
/// - a fine colour layout, the canvas averaged over a 12×15 grid (540 values: composition and colour);
/// - a coarse colour layout over a 4×5 grid (60 values; what survives crops and rescaling best);
/// - soft colour histograms, 4×4×4 bins, of the whole picture and of its central half (128 values;
///   colour independent of position), square-rooted (Hellinger);
/// - gradient-orientation histograms, 8 orientations on the 4×5 grid (160 values: edges and texture,
///   the difference between a rose and a tulip of the same colour), square-rooted.
///
/// Every block is averaged over many pixels, so recompression noise, resampling and a few per cent of crop
/// move it little, while another bouquet (palette, layout, flower shapes) moves it a lot. The learned part
/// of the model (``LocalEmbeddingModel``) centres, projects and whitens these 888 values to 512.
public enum ImageDescriptor {
    /// Canvas width.
    public static let width = 48
    /// Canvas height.
    public static let height = 60
    /// Values per descriptor.
    public static let count = 540 + 60 + 128 + 160
    /// The descriptor's layout version; part of every model version.
    public static let version = 1

    /// The smallest decode that still covers the canvas (what ``ImageDecoder/decode(_:minWidth:minHeight:productID:url:maxByteCount:)``
    /// is asked for).
    public static var decodeSize: (width: Int, height: Int) { (width, height) }

    /// The raw descriptor of `image` (any size; it is resampled to the canvas).
    ///
    /// - Complexity: O(image pixels) for the resampling, then O(canvas) = 2 880 pixels.
    /// - Parameter image: A decoded picture of any size (decode at ``decodeSize`` or larger for speed).
    /// - Returns: ``count`` values, each block scaled to unit length; the same pixels always give the same
    ///   values.
    public static func describe(_ image: RGBImage) -> [Float] {
        let canvas = image.resized(width: width, height: height)
        var out = [Float](repeating: 0, count: count)
        // Opponent channels in 0...1 (lightness) and -1...1 (chroma).
        var l = [Float](repeating: 0, count: width * height)
        var rg = [Float](repeating: 0, count: width * height)
        var yb = [Float](repeating: 0, count: width * height)
        unsafe canvas.pixels.withUnsafeBufferPointer { pixels in
            for index in 0..<(width * height) {
                let r = unsafe Float(pixels[3 * index]) * (1 / 255)
                let g = unsafe Float(pixels[3 * index + 1]) * (1 / 255)
                let b = unsafe Float(pixels[3 * index + 2]) * (1 / 255)
                l[index] = (r + g + b) * (1 / 3)
                rg[index] = r - g
                yb[index] = (r + g) * 0.5 - b
            }
        }
        var offset = 0
        // Blocks A and B: colour layout on two grids.
        for (columns, rows, weight) in [(12, 15, Float(1)), (4, 5, Float(1))] {
            let start = offset
            let cellWidth = width / columns
            let cellHeight = height / rows
            let scale = 1 / Float(cellWidth * cellHeight)
            for row in 0..<rows {
                for column in 0..<columns {
                    var sums: (Float, Float, Float) = (0, 0, 0)
                    for y in (row * cellHeight)..<((row + 1) * cellHeight) {
                        for x in (column * cellWidth)..<((column + 1) * cellWidth) {
                            let index = y * width + x
                            sums.0 += l[index]
                            sums.1 += rg[index]
                            sums.2 += yb[index]
                        }
                    }
                    let taper = edgeTaper(column, columns) * edgeTaper(row, rows) * scale
                    out[offset] = sums.0 * taper
                    out[offset + 1] = sums.1 * taper
                    out[offset + 2] = sums.2 * taper
                    offset += 3
                }
            }
            normalize(&out, start..<offset, weight: weight)
        }
        // Block C: soft 4×4×4 colour histograms, whole picture and central half.
        for central in [false, true] {
            let start = offset
            let x0 = central ? width / 4 : 0
            let x1 = central ? width - width / 4 : width
            let y0 = central ? height / 4 : 0
            let y1 = central ? height - height / 4 : height
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let index = y * width + x
                    // Bin coordinates in 0...3 (lightness 0...1, chroma -0.6...0.6 clamped).
                    let cl = min(max(l[index] * 4 - 0.5, 0), 3)
                    let ca = min(max((rg[index] + 0.6) * (4 / 1.2) - 0.5, 0), 3)
                    let cb = min(max((yb[index] + 0.6) * (4 / 1.2) - 0.5, 0), 3)
                    let il = min(Int(cl), 2)
                    let ia = min(Int(ca), 2)
                    let ib = min(Int(cb), 2)
                    let fl = cl - Float(il)
                    let fa = ca - Float(ia)
                    let fb = cb - Float(ib)
                    for dl in 0...1 {
                        let wl = dl == 0 ? 1 - fl : fl
                        for da in 0...1 {
                            let wa = da == 0 ? 1 - fa : fa
                            for db in 0...1 {
                                let wb = db == 0 ? 1 - fb : fb
                                out[start + ((il + dl) * 4 + ia + da) * 4 + ib + db] += wl * wa * wb
                            }
                        }
                    }
                }
            }
            offset += 64
            for index in start..<offset { out[index] = out[index].squareRoot() }
            normalize(&out, start..<offset, weight: 1)
        }
        // Block D: gradient orientations (8 bins over 0..<2π, magnitude-weighted) on the 4×5 grid.
        do {
            let start = offset
            let cellWidth = width / 4
            let cellHeight = height / 5
            for y in 1..<(height - 1) {
                for x in 1..<(width - 1) {
                    let index = y * width + x
                    let gx = l[index + 1] - l[index - 1]
                    let gy = l[index + width] - l[index - width]
                    let magnitude = (gx * gx + gy * gy).squareRoot()
                    guard magnitude > 1e-4 else { continue }
                    // Orientation bin from the signs and the larger component, no atan2 needed.
                    let bin = orientationBin(gx, gy)
                    let cellRow = min(y / cellHeight, 4)
                    let cellColumn = min(x / cellWidth, 3)
                    out[start + (cellRow * 4 + cellColumn) * 8 + bin] +=
                        magnitude
                        * edgeTaper(x * 12 / width, 12) * edgeTaper(y * 15 / height, 15)
                }
            }
            offset += 160
            for index in start..<offset { out[index] = out[index].squareRoot() }
            normalize(&out, start..<offset, weight: 1)
        }
        precondition(offset == count, "descriptor layout: wrote \(offset) of \(count) values")
        return out
    }

    /// Weight of grid cell `index` of `count` along one axis: 1 inside, falling towards the border, where a
    /// few per cent of crop moves content the most.
    @inline(__always)
    static func edgeTaper(_ index: Int, _ count: Int) -> Float {
        let centre = (Float(index) + 0.5) / Float(count)  // 0...1
        let distance = min(centre, 1 - centre)  // 0 at the border, 0.5 in the middle
        return min(1, 0.35 + distance * 3.25)
    }

    /// One of 8 sectors of 45° for the gradient (gx, gy).
    @inline(__always)
    static func orientationBin(_ gx: Float, _ gy: Float) -> Int {
        let ax = abs(gx)
        let ay = abs(gy)
        // Octant within the quadrant: 0 when |gx| >= |gy|, else 1.
        let steep = ay > ax ? 1 : 0
        switch (gx >= 0, gy >= 0) {
        case (true, true): return steep
        case (false, true): return 3 - steep
        case (false, false): return 4 + steep
        case (true, false): return 7 - steep
        }
    }

    /// Scales `range` of `values` to length `weight` (left as is when it is all zeros).
    static func normalize(_ values: inout [Float], _ range: Range<Int>, weight: Float) {
        var sum: Float = 0
        for index in range { sum += values[index] * values[index] }
        guard sum > 0 else { return }
        let scale = weight / sum.squareRoot()
        for index in range { values[index] *= scale }
    }
}
