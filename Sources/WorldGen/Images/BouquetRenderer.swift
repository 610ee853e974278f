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
    /// With `restaging`, the backdrop, wrapping paper, stems, leaves, ribbon, grain and vignette are exactly
    /// those of `seed`'s bouquet, but the blooms are another bouquet's: the florist's same table and paper
    /// with other flowers (the world's hard negatives for near-duplicate detection). With `scene`, the canvas
    /// is a wide shot of a table with two bouquets (see ``Scene``).
    ///
    /// - Complexity: O(width × height), about a millisecond for 435×545 in a release build.
    package static func render(
        seed: UInt64, width: Int = 435, height: Int = 545, restaging: Restaging? = nil, scene: Scene? = nil
    ) -> BouquetRaster {
        let divisor = width >= 4 * internalDivisor && height >= 4 * internalDivisor ? internalDivisor : 1
        let lowWidth = (width + divisor - 1) / divisor
        let lowHeight = (height + divisor - 1) / divisor
        var random = BouquetRandom(seed: seed)
        let k = Float(lowWidth) / Float(width)
        var raster = compose(
            random: &random, width: lowWidth, height: lowHeight, scale: k, restaging: restaging,
            scene: scene.map { (Float($0.frameWidth) * k, $0.neighbour) })
        raster.addGrain(seed: seed ^ 0x5EED_0F_6A_1A, amplitude: 1, vignette: random.float(0.02...0.12))
        return divisor == 2 ? raster.upscaledTwice(width: width, height: height) : raster
    }

    /// Other blooms in the same setting (see ``render(seed:width:height:restaging:scene:)``).
    package struct Restaging: Sendable, Hashable {
        /// Seeds the blooms' places (and, unless ``sameFlowers``, their kinds, colours and number).
        package var seed: UInt64
        /// Keep the bouquet's own kinds, colours and number of blooms, only placed otherwise: another
        /// bouquet made to the same recipe.
        package var sameFlowers: Bool

        /// Creates a restaging.
        package init(seed: UInt64, sameFlowers: Bool) {
            self.seed = seed
            self.sameFlowers = sameFlowers
        }
    }

    /// A wide shot of one table: the backdrop spans the canvas, the bouquet stands in the leftmost
    /// `frameWidth` pixels (drawn as it would be on a canvas that wide) and a second one, `neighbour` of it,
    /// in the rightmost `frameWidth`. Two `frameWidth` regions of the scene are then neighbouring or partly
    /// overlapping views of one photograph, never copies of each other.
    package struct Scene: Sendable, Hashable {
        /// The width of each bouquet's frame (a product picture's width).
        package var frameWidth: Int
        /// How the second bouquet differs from the first.
        package var neighbour: Restaging

        /// Creates a scene.
        package init(frameWidth: Int, neighbour: Restaging) {
            self.frameWidth = frameWidth
            self.neighbour = neighbour
        }
    }

    /// Draws the backdrop and the bouquet at `width × height` (`scale` converts the full-size pixel
    /// constants); with `scene`, the bouquet in the leftmost frame of that width and its neighbour in the
    /// rightmost.
    static func compose(
        random: inout BouquetRandom, width: Int, height: Int, scale k: Float, restaging: Restaging? = nil,
        scene: (frameWidth: Float, neighbour: Restaging)? = nil
    ) -> BouquetRaster {
        // Background: a gentle gradient between two shades of one backdrop colour.
        let backdrop = random.pick(backgroundPalette)
        var raster = BouquetRaster(width: width, height: height)
        raster.fillVerticalGradient(
            top: backdrop.scaled(random.float(1.0...1.04)), bottom: backdrop.scaled(random.float(0.82...0.95)))
        if let scene {
            var neighbour = random
            drawBouquet(
                random: &neighbour, into: &raster, originX: Float(width) - scene.frameWidth,
                frameWidth: scene.frameWidth, scale: k, restaging: scene.neighbour)
        }
        drawBouquet(
            random: &random, into: &raster, originX: 0, frameWidth: scene?.frameWidth ?? Float(width), scale: k,
            restaging: restaging)
        return raster
    }

    /// Draws one bouquet (paper, stems, leaves, blooms, ribbon) in the frame of `frameWidth` starting at
    /// column `originX`, over the canvas's full height.
    static func drawBouquet(
        random: inout BouquetRandom, into raster: inout BouquetRaster, originX: Float, frameWidth w: Float,
        scale k: Float, restaging: Restaging?
    ) {
        let h = Float(raster.height)

        // Composition.
        let centerX = originX + w * random.float(0.42...0.58)
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

        // Blooms, back to front. A restaging draws the bouquet's own blooms too (discarded), so that every
        // later draw (front paper, ribbon, vignette) is the same as the original's.
        let recipe = random
        var blooms = makeBlooms(
            random: &random, centerX: centerX, centerY: centerY, clusterX: clusterX, clusterY: clusterY)
        if let restaging {
            var layout = BouquetRandom(seed: restaging.seed)
            if restaging.sameFlowers {
                var style = recipe
                blooms = makeBlooms(
                    random: &style, layoutSeed: restaging.seed, centerX: centerX, centerY: centerY,
                    clusterX: clusterX, clusterY: clusterY)
            } else {
                blooms = makeBlooms(
                    random: &layout, centerX: centerX, centerY: centerY, clusterX: clusterX, clusterY: clusterY)
            }
        }
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
    }

    /// Chooses the bouquet's style (one flower and colour, two, or a mix) and places its blooms.
    ///
    /// With `layoutSeed`, the recipe (style, kinds, colours, number and size of blooms) still comes from
    /// `random`, but every bloom's place, kind, size, shade and petals from a generator of that seed: another
    /// bouquet made to the same recipe.
    static func makeBlooms(
        random: inout BouquetRandom, layoutSeed: UInt64? = nil, centerX: Float, centerY: Float, clusterX: Float,
        clusterY: Float
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
        var layout = layoutSeed.map { BouquetRandom(seed: $0) }
        for _ in 0..<count {
            // The per-bloom draws come from `layout` when there is one: a copy drawn from, then stored back.
            var draw = layout ?? random
            defer { if layout != nil { layout = draw } else { random = draw } }
            var dx: Float = 0
            var dy: Float = 0
            repeat {
                dx = draw.float(-1...1)
                dy = draw.float(-1...1)
            } while dx * dx + dy * dy > 1
            let kind = draw.pick(kinds)
            let radius = baseRadius * draw.float(0.8...1.15) * (kind == .peony ? 1.25 : kind == .filler ? 0.5 : 1)
            let color =
                kind == .filler
                ? RGB(250, 250, 250) : draw.pick(colors[kind] ?? rosePalette).scaled(draw.float(0.9...1.06))
            blooms.append(
                Bloom(
                    flower: kind, x: centerX + dx * clusterX, y: centerY + dy * clusterY, radius: radius, color: color,
                    phase: draw.float(0...(2 * .pi)), petals: draw.int(5...9)))
        }
        return blooms
    }
}
