import Foundation

/// Draws a procedural bouquet for a seed: a background, wrapping paper, stems, leaves and a cluster of
/// roses, tulips, peonies and filler flowers. The same seed and size always give the same pixels; different
/// seeds differ in palette, layout and texture, so their pictures are far apart pixel-wise, while
/// ``WorldImages`` makes near-duplicates by re-encoding, resizing or cropping one rendering.
package enum BouquetRenderer {
    /// The kinds of bloom the renderer draws.
    enum Flower: CaseIterable {
        case rose, tulip, peony, filler
    }

    /// One bloom's place, size and look.
    struct Bloom {
        var flower: Flower
        var x: Float
        var y: Float
        var radius: Float
        var color: RGB
        var phase: Float
        var petals: Int
    }

    static let rosePalette: [RGB] = [
        RGB(190, 20, 40), RGB(140, 10, 28), RGB(240, 130, 160), RGB(246, 240, 232), RGB(245, 222, 188),
        RGB(250, 178, 140), RGB(250, 212, 80), RGB(238, 118, 50), RGB(188, 158, 210), RGB(112, 20, 42),
    ]
    static let tulipPalette: [RGB] = [
        RGB(220, 30, 40), RGB(252, 210, 40), RGB(248, 246, 240), RGB(246, 150, 180), RGB(128, 56, 150),
        RGB(244, 128, 40),
    ]
    static let peonyPalette: [RGB] = [
        RGB(250, 202, 204), RGB(246, 130, 120), RGB(232, 80, 140), RGB(252, 246, 242), RGB(200, 40, 110),
    ]
    static let paperPalette: [RGB] = [
        RGB(200, 160, 112), RGB(36, 36, 40), RGB(240, 240, 238), RGB(240, 190, 200), RGB(200, 182, 222),
        RGB(180, 222, 202), RGB(40, 52, 92), RGB(150, 150, 156), RGB(232, 220, 190),
    ]
    static let backgroundPalette: [RGB] = [
        RGB(250, 250, 250), RGB(236, 236, 238), RGB(248, 240, 226), RGB(250, 232, 236), RGB(226, 238, 250),
        RGB(232, 246, 236), RGB(70, 70, 76), RGB(200, 190, 180),
    ]
    static let greens: [RGB] = [RGB(52, 110, 48), RGB(78, 138, 60), RGB(36, 86, 52), RGB(104, 150, 92)]

    /// The internal resolution divisor: bouquets are drawn (grain included) at half size and upscaled 2×
    /// (bilinear). Per-pixel work dominates the cost, so a quarter of the pixels makes a world's images
    /// several times cheaper (and their JPEGs smaller); the soft look suits a resized product photo anyway.
    static let internalDivisor = 2

    /// Renders the bouquet for `seed` at `width × height`.
    ///
    /// The composition is drawn at `1 / internalDivisor` of the size (every random draw is the same as at
    /// full size; pixel constants scale with it), given a seeded grain and vignette, then upscaled.
    ///
    /// - Complexity: O(width × height), about a millisecond for 435×545 in a release build.
    package static func render(seed: UInt64, width: Int = 435, height: Int = 545) -> BouquetRaster {
        let divisor = width >= 4 * internalDivisor && height >= 4 * internalDivisor ? internalDivisor : 1
        let lowWidth = (width + divisor - 1) / divisor
        let lowHeight = (height + divisor - 1) / divisor
        var random = BouquetRandom(seed: seed)
        var raster = compose(
            random: &random, width: lowWidth, height: lowHeight, scale: Float(lowWidth) / Float(width))
        raster.addGrain(seed: seed ^ 0x5EED_0F_6A_1A, amplitude: 1, vignette: random.float(0.02...0.12))
        return divisor == 2 ? raster.upscaledTwice(width: width, height: height) : raster
    }

    /// Draws the composition at `width × height`; `scale` converts the full-size pixel constants.
    static func compose(random: inout BouquetRandom, width: Int, height: Int, scale k: Float) -> BouquetRaster {
        let w = Float(width)
        let h = Float(height)

        // Background: a gentle gradient between two shades of one backdrop colour.
        let backdrop = random.pick(backgroundPalette)
        var raster = BouquetRaster(width: width, height: height)
        raster.fillVerticalGradient(
            top: backdrop.scaled(random.float(1.0...1.04)), bottom: backdrop.scaled(random.float(0.82...0.95)))

        // Composition.
        let centerX = w * random.float(0.42...0.58)
        let centerY = h * random.float(0.30...0.42)
        let clusterX = w * random.float(0.26...0.40)
        let clusterY = clusterX * random.float(0.60...0.90)
        let tipX = centerX + w * random.float(-0.06...0.06)
        let tipY = h * random.float(0.84...0.92)
        let paper = random.pick(paperPalette)
        let secondPaper = random.chance(0.4) ? random.pick(paperPalette) : paper
        let folds = random.int(3...7)

        // Back paper, wide behind the blooms.
        raster.fillTrapezoid(
            top: centerY - clusterY * random.float(0.3...0.7), bottom: tipY, topLeft: centerX - clusterX * 1.45,
            topRight: centerX + clusterX * 1.45, bottomLeft: tipX - w * 0.05, bottomRight: tipX + w * 0.05,
            color: secondPaper, folds: folds, foldDepth: 0.18)

        // Stems below the paper's tip.
        let green = random.pick(greens)
        for _ in 0..<random.int(4...9) {
            let endX = tipX + w * random.float(-0.10...0.10)
            raster.strokeLine(
                fromX: tipX + random.float(-6...6) * k, fromY: tipY - 10 * k, toX: endX,
                toY: h * random.float(0.95...1.02),
                thickness: random.float(3...6) * k, color: green.scaled(random.float(0.8...1.1)))
        }

        // Leaves around the cluster.
        for _ in 0..<random.int(4...12) {
            let angle = random.float(0...(2 * .pi))
            raster.fillEllipse(
                centerX: centerX + cosf(angle) * clusterX * random.float(0.8...1.1),
                centerY: centerY + sinf(angle) * clusterY * random.float(0.8...1.1),
                radiusX: w * random.float(0.06...0.11), radiusY: w * random.float(0.02...0.035), angle: angle,
                color: random.pick(greens).scaled(random.float(0.85...1.15)))
        }

        // Blooms, back to front.
        var blooms = makeBlooms(
            random: &random, centerX: centerX, centerY: centerY, clusterX: clusterX, clusterY: clusterY)
        blooms.sort { $0.y < $1.y }
        for bloom in blooms { draw(bloom, into: &raster) }

        // Front paper over the lower part of the cluster, and a ribbon at the neck.
        let frontTop = centerY + clusterY * random.float(0.8...1.05)
        raster.fillTrapezoid(
            top: frontTop, bottom: tipY + 4 * k, topLeft: centerX - clusterX * 1.15,
            topRight: centerX + clusterX * 1.15,
            bottomLeft: tipX - w * 0.045, bottomRight: tipX + w * 0.045, color: paper, folds: folds + 1,
            foldDepth: 0.22)
        let neckY = frontTop + (tipY - frontTop) * random.float(0.55...0.7)
        let ribbon = random.pick(rosePalette + paperPalette)
        raster.fillEllipse(
            centerX: tipX + (centerX - tipX) * 0.3, centerY: neckY, radiusX: w * random.float(0.07...0.11),
            radiusY: random.float(5...9) * k, color: ribbon)

        return raster
    }

    /// Chooses the bouquet's style (one flower and colour, two, or a mix) and places its blooms.
    static func makeBlooms(
        random: inout BouquetRandom, centerX: Float, centerY: Float, clusterX: Float, clusterY: Float
    ) -> [Bloom] {
        let style = random.int(0...2)  // 0 = mono, 1 = duo, 2 = mix
        let kinds: [Flower] =
            switch style {
            case 0: [random.pick([.rose, .tulip, .peony])]
            case 1: [random.pick([.rose, .tulip, .peony]), random.pick([.rose, .tulip, .peony, .filler])]
            default: [.rose, .tulip, .peony, .filler]
            }
        var colors: [Flower: [RGB]] = [:]
        for kind in [Flower.rose, .tulip, .peony] {
            let palette = kind == .rose ? rosePalette : kind == .tulip ? tulipPalette : peonyPalette
            colors[kind] = style == 0 ? [random.pick(palette)] : [random.pick(palette), random.pick(palette)]
        }
        let count = random.int(style == 0 ? 5...25 : 7...30)
        // Blooms share the cluster's area, overlapping a little.
        let baseRadius = (clusterX * clusterY / Float(count)).squareRoot() * random.float(1.15...1.45)
        var blooms: [Bloom] = []
        blooms.reserveCapacity(count + 12)
        for _ in 0..<count {
            var dx: Float = 0
            var dy: Float = 0
            repeat {
                dx = random.float(-1...1)
                dy = random.float(-1...1)
            } while dx * dx + dy * dy > 1
            let kind = random.pick(kinds)
            let radius = baseRadius * random.float(0.8...1.15) * (kind == .peony ? 1.25 : kind == .filler ? 0.5 : 1)
            let color =
                kind == .filler
                ? RGB(250, 250, 250) : random.pick(colors[kind] ?? rosePalette).scaled(random.float(0.9...1.06))
            blooms.append(
                Bloom(
                    flower: kind, x: centerX + dx * clusterX, y: centerY + dy * clusterY, radius: radius, color: color,
                    phase: random.float(0...(2 * .pi)), petals: random.int(5...9)))
        }
        return blooms
    }
}
