import Foundation

/// The flower shapes: each is a shading function over the bloom's bounding box in polar coordinates.
extension BouquetRenderer {
    /// Draws one bloom.
    static func draw(_ bloom: Bloom, into raster: inout BouquetRaster) {
        switch bloom.flower {
        case .filler: drawFiller(bloom, into: &raster)
        case .rose, .tulip, .peony: drawPetals(bloom, into: &raster)
        }
    }

    /// Roses (a scalloped outline with a spiral of darker rings), peonies (a ruffled, many-petalled outline
    /// with a light heart) and tulips (a cup of three pointed petals with vertical veins).
    static func drawPetals(_ bloom: Bloom, into raster: inout BouquetRaster) {
        let r = bloom.radius
        let reach = r + 1  // every outline below stays within r
        guard r > 1, let box = raster.clip(centerX: bloom.x, centerY: bloom.y, radiusX: reach, radiusY: reach) else {
            return
        }
        let width = raster.width
        let petals = Float(bloom.petals)
        let phase = bloom.phase
        let flower = bloom.flower
        let color = bloom.color
        let dark = color.scaled(0.55)
        let light = color.mixed(with: RGB(255, 255, 255), 0.35)
        raster.pixels.withUnsafeMutableBufferPointer { buffer in
            for y in box.y0...box.y1 {
                let dy = Float(y) + 0.5 - bloom.y
                for x in box.x0...box.x1 {
                    let dx = Float(x) + 0.5 - bloom.x
                    let distance = (dx * dx + dy * dy).squareRoot()
                    guard distance < reach else { continue }
                    let angle = fastAtan2(dy, dx)
                    let edge: Float
                    var shade: Float
                    var tint = color
                    switch flower {
                    case .rose:
                        edge = r * (0.86 + 0.14 * fastCos(petals * angle + phase))
                        let rho = distance / edge
                        // A spiral: rings whose phase turns with the angle.
                        let spiral = fastSin(rho * 14 + angle * 2 + phase)
                        shade = 0.78 + 0.22 * rho + 0.12 * spiral
                        if rho < 0.25 { tint = dark }
                    case .peony:
                        edge = r * (0.82 + 0.1 * abs(fastSin(petals * 1.5 * angle + phase)) + 0.08 * fastCos(3 * angle))
                        let rho = distance / edge
                        let ruffle = fastCos(angle * 11 + rho * 9 + phase)
                        shade = 0.86 + 0.1 * ruffle + 0.1 * rho
                        if rho < 0.35 { tint = light }
                    case .tulip:
                        // A cup: wider at the bottom; three pointed tips at the top.
                        let up = -dy / r
                        let lobes = up > 0 ? 0.2 * up * abs(fastCos(1.5 * (angle + .pi / 2))) : 0
                        edge = r * (0.75 + 0.1 * (-up) + lobes)
                        let vein = fastCos(dx / r * 9 + phase)
                        shade = 0.82 + 0.1 * vein + 0.15 * (dy / r)
                    case .filler:
                        edge = r
                        shade = 1
                    }
                    guard distance < edge + 1 else { continue }
                    let coverage = min(1, edge + 1 - distance)
                    // Darker rim in a thin band just inside the outline.
                    if distance > edge - 2 { shade *= 0.8 }
                    BouquetRaster.blend(buffer, (y * width + x) * 3, tint.scaled(shade), coverage)
                }
            }
        }
    }

    /// Gypsophila-like filler: a sprig of small white dots.
    static func drawFiller(_ bloom: Bloom, into raster: inout BouquetRaster) {
        var random = BouquetRandom(seed: UInt64(bitPattern: Int64(bloom.x * 1000 + bloom.y)) ^ 0xF1_11E4)
        for _ in 0..<12 {
            let angle = random.float(0...(2 * .pi))
            let distance = bloom.radius * random.unit().squareRoot()
            let dot = max(1.5, bloom.radius * random.float(0.12...0.22))
            raster.fillEllipse(
                centerX: bloom.x + cosf(angle) * distance, centerY: bloom.y + sinf(angle) * distance, radiusX: dot,
                radiusY: dot, color: bloom.color.scaled(random.float(0.9...1.0)))
        }
    }
}
