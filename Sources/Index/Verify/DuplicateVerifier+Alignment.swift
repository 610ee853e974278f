extension DuplicateVerifier {
    /// One axis of a resampling: for each of `count` sample positions of the second picture, the two
    /// neighbouring columns (or rows) of the first's plane, the weight of the second, and whether the
    /// position lies on the first picture at all.
    struct Taps {
        var low: [Int]
        var high: [Int]
        var weight: [Float]
        var inside: [Bool]

        /// Taps for `count` positions spread over the second picture's `start…end` span of the first's
        /// frame, on a plane of `side` pixels.
        init(count: Int, start: Float, end: Float, side: Int) {
            low = [Int](repeating: 0, count: count)
            high = [Int](repeating: 0, count: count)
            weight = [Float](repeating: 0, count: count)
            inside = [Bool](repeating: false, count: count)
            let span = end - start
            let size = Float(side)
            for index in 0..<count {
                let position = (start + (Float(index) + 0.5) / Float(count) * span) * size - 0.5
                inside[index] = position >= -0.5 && position <= size - 0.5
                let clamped = min(max(position, 0), size - 1)
                let floor = min(Int(clamped), side - 1)
                low[index] = floor
                high[index] = min(floor + 1, side - 1)
                weight[index] = clamped - Float(floor)
            }
        }
    }

    /// The first picture's plane (`side × side`) sampled at the second picture's `count × count` grid
    /// under `placement`, with whether each sample lies on the first picture.
    static func sample(_ plane: [Float], side: Int, placement: Placement, count: Int) -> (
        values: [Float], inside: [Bool]
    ) {
        let xs = Taps(count: count, start: placement.left, end: placement.right, side: side)
        let ys = Taps(count: count, start: placement.top, end: placement.bottom, side: side)
        var values = [Float](repeating: 0, count: count * count)
        var inside = [Bool](repeating: false, count: count * count)
        for j in 0..<count {
            let top = ys.low[j] * side
            let bottom = ys.high[j] * side
            let wy = ys.weight[j]
            for i in 0..<count {
                let wx = xs.weight[i]
                let upper = plane[top + xs.low[i]] * (1 - wx) + plane[top + xs.high[i]] * wx
                let lower = plane[bottom + xs.low[i]] * (1 - wx) + plane[bottom + xs.high[i]] * wx
                values[j * count + i] = upper * (1 - wy) + lower * wy
                inside[j * count + i] = xs.inside[i] && ys.inside[j]
            }
        }
        return (values, inside)
    }

    /// The first picture's luma resampled into the second's frame (at `level`; outside the first, the
    /// nearest edge pixel), for the aligned perceptual hash.
    static func resampled(_ first: ImageFingerprint, into placement: Placement, level: Int) -> [Float] {
        let side = ImageFingerprint.side >> level
        return sample(first.luma[level], side: side, placement: placement, count: side).values
    }

    /// Agreement of the two luma planes at `level` under `placement`.
    struct Agreement {
        /// Normalised cross-correlation over the overlap.
        var correlation: Float
        /// The worst 4×4 cell's mean squared difference of standardised values.
        var cellError: Float
        /// The common region as a part of the smaller picture.
        var overlap: Float
    }

    /// The common region as a part of the smaller picture, from the part of the second on the first.
    static func shared(_ partOfSecond: Float, _ placement: Placement) -> Float {
        let area = (placement.right - placement.left) * (placement.bottom - placement.top)
        return min(1, partOfSecond * area / min(1, area))
    }

    /// The correlation and overlap alone, in one pass without intermediate planes (the search's inner loop).
    static func correlation(_ first: ImageFingerprint, _ second: ImageFingerprint, _ placement: Placement, level: Int)
        -> (correlation: Float, overlap: Float)
    {
        let side = ImageFingerprint.side >> level
        let plane = first.luma[level]
        let target = second.luma[level]
        let xs = Taps(count: side, start: placement.left, end: placement.right, side: side)
        let ys = Taps(count: side, start: placement.top, end: placement.bottom, side: side)
        var n: Float = 0
        var sumA: Float = 0
        var sumB: Float = 0
        var sumAB: Float = 0
        var sumAA: Float = 0
        var sumBB: Float = 0
        for j in 0..<side where ys.inside[j] {
            let top = ys.low[j] * side
            let bottom = ys.high[j] * side
            let wy = ys.weight[j]
            for i in 0..<side where xs.inside[i] {
                let wx = xs.weight[i]
                let upper = plane[top + xs.low[i]] * (1 - wx) + plane[top + xs.high[i]] * wx
                let lower = plane[bottom + xs.low[i]] * (1 - wx) + plane[bottom + xs.high[i]] * wx
                let a = upper * (1 - wy) + lower * wy
                let b = target[j * side + i]
                n += 1
                sumA += a
                sumB += b
                sumAB += a * b
                sumAA += a * a
                sumBB += b * b
            }
        }
        let overlap = shared(n / Float(side * side), placement)
        guard n >= 16 else { return (-1, overlap) }
        let cov = sumAB - sumA * sumB / n
        let varA = max(0, sumAA - sumA * sumA / n)
        let varB = max(0, sumBB - sumB * sumB / n)
        return (cov / max((varA * varB).squareRoot(), 1e-9), overlap)
    }

    /// How well the second picture matches the first under `placement`, on the luma planes of `level`.
    static func compare(
        _ first: ImageFingerprint, _ second: ImageFingerprint, _ placement: Placement, level: Int,
        cells: Bool = true
    ) -> Agreement {
        let side = ImageFingerprint.side >> level
        let target = second.luma[level]
        let (values, inside) = sample(first.luma[level], side: side, placement: placement, count: side)
        var n: Float = 0
        var sumA: Float = 0
        var sumB: Float = 0
        for index in 0..<values.count where inside[index] {
            n += 1
            sumA += values[index]
            sumB += target[index]
        }
        let overlap = shared(n / Float(values.count), placement)
        guard n >= 16 else { return Agreement(correlation: -1, cellError: .infinity, overlap: overlap) }
        let meanA = sumA / n
        let meanB = sumB / n
        var cov: Float = 0
        var varA: Float = 0
        var varB: Float = 0
        for index in 0..<values.count where inside[index] {
            let a = values[index] - meanA
            let b = target[index] - meanB
            cov += a * b
            varA += a * a
            varB += b * b
        }
        let deviationA = (varA / n).squareRoot()
        let deviationB = (varB / n).squareRoot()
        // Two flat pictures (placeholders, blank cards): the same when their levels are.
        let flat: Float = 0.01
        if deviationA < flat && deviationB < flat {
            let same: Float = abs(meanA - meanB) < 0.05 ? 1 : 0
            return Agreement(correlation: same, cellError: 1 - same, overlap: overlap)
        }
        let correlation = cov / max((varA * varB).squareRoot(), 1e-12)
        guard cells else { return Agreement(correlation: correlation, cellError: 0, overlap: overlap) }
        let scaleA = 1 / max(deviationA, flat)
        let scaleB = 1 / max(deviationB, flat)
        var errors = [Float](repeating: 0, count: 16)
        var counts = [Float](repeating: 0, count: 16)
        for y in 0..<side {
            for x in 0..<side {
                let index = y * side + x
                guard inside[index] else { continue }
                let cell = (y * 4 / side) * 4 + x * 4 / side
                let difference = (values[index] - meanA) * scaleA - (target[index] - meanB) * scaleB
                errors[cell] += difference * difference
                counts[cell] += 1
            }
        }
        let cellPixels = Float(side * side / 16)
        var worst: Float = 0
        for cell in 0..<16 where counts[cell] >= cellPixels * 0.25 {
            worst = max(worst, errors[cell] / counts[cell])
        }
        return Agreement(correlation: correlation, cellError: worst, overlap: overlap)
    }

    /// How the aligned 16×16 chroma planes differ: the mean |Δ red–green| + |Δ yellow–blue| (a colour cast
    /// or noise), and one minus the cosine of the two chroma fields (a hue rotation by θ gives about
    /// 1 − cos θ whatever the saturation; recompression noise leaves it near 0).
    static func colourDifference(_ first: ImageFingerprint, _ second: ImageFingerprint, _ placement: Placement)
        -> (mean: Float, turn: Float)
    {
        let side = ImageFingerprint.chromaSide
        let rg = sample(first.redGreen, side: side, placement: placement, count: side)
        let yb = sample(first.yellowBlue, side: side, placement: placement, count: side).values
        var total: Float = 0
        var n: Float = 0
        var dot: Float = 0
        var normA: Float = 0
        var normB: Float = 0
        for index in 0..<(side * side) where rg.inside[index] {
            let a = (rg.values[index], yb[index])
            let b = (second.redGreen[index], second.yellowBlue[index])
            total += abs(a.0 - b.0) + abs(a.1 - b.1)
            dot += a.0 * b.0 + a.1 * b.1
            normA += a.0 * a.0 + a.1 * a.1
            normB += b.0 * b.0 + b.1 * b.1
            n += 1
        }
        guard n > 0 else { return (.infinity, 1) }
        return (total / n, 1 - dot / max((normA * normB).squareRoot(), 1e-12))
    }

    /// The placement of the second picture on the first that maximises the luma correlation: a trim
    /// (`isValid(_:maxTrim:)`), each edge within `maxTrim` of the first's.
    ///
    /// A coarse grid of trims (four steps per edge, the second inside the first and the first inside the
    /// second) on the 32×32 planes gives the three best starting guesses; each is refined by a coordinate
    /// search on the 32×32, then the 64×64 planes with shrinking steps.
    static func align(_ first: ImageFingerprint, _ second: ImageFingerprint, maxTrim: Float, minOverlap: Float)
        -> Placement
    {
        let steps: [Float] = [0, maxTrim / 3, 2 * maxTrim / 3, maxTrim]
        var coarse: [(score: Float, placement: Placement)] = []
        for sign in [Float(1), -1] {
            for left in steps {
                for top in steps {
                    for right in steps {
                        for bottom in steps {
                            if sign < 0 && left == 0 && top == 0 && right == 0 && bottom == 0 { continue }
                            let placement = Placement(
                                left: sign * left, top: sign * top, right: 1 - sign * right,
                                bottom: 1 - sign * bottom)
                            let agreement = correlation(first, second, placement, level: 1)
                            guard agreement.overlap >= minOverlap else { continue }
                            coarse.append((agreement.correlation, placement))
                        }
                    }
                }
            }
        }
        coarse.sort { $0.score > $1.score }
        var starts = coarse.prefix(3).map(\.placement)
        if starts.isEmpty { starts = [.identity] }
        var best = Placement.identity
        var bestScore = -Float.infinity
        for start in starts {
            var placement = start
            var score = -Float.infinity
            for (level, step) in [(1, Float(0.02)), (1, 0.01), (0, 0.004)] {
                (placement, score) = refine(
                    first, second, placement, level: level, step: step, maxTrim: maxTrim, minOverlap: minOverlap)
            }
            if score > bestScore {
                bestScore = score
                best = placement
            }
        }
        return best
    }

    /// How far a trim may overshoot nesting: an edge of the second this close outside the first (or inside,
    /// when the second is the larger) still counts as on it.
    static let nestingTolerance: Float = 0.015

    /// Whether `p` is a trim: every edge within `maxTrim` of the first picture's, and one picture nested in
    /// the other (the second inside the first, or the first inside the second), as when one is a crop of
    /// the other. A shift (one side cut, the opposite side extended) is not a trim: that is how a
    /// neighbouring region or a repetitive texture lines up.
    static func isValid(_ p: Placement, maxTrim: Float) -> Bool {
        guard abs(p.left) <= maxTrim, abs(p.top) <= maxTrim, abs(1 - p.right) <= maxTrim,
            abs(1 - p.bottom) <= maxTrim
        else { return false }
        let tolerance = nestingTolerance
        let inner = p.left >= -tolerance && p.top >= -tolerance && p.right <= 1 + tolerance && p.bottom <= 1 + tolerance
        let outer = p.left <= tolerance && p.top <= tolerance && p.right >= 1 - tolerance && p.bottom >= 1 - tolerance
        return inner || outer
    }

    /// Coordinate ascent of the correlation from `start`, moving one edge by `step` at a time.
    static func refine(
        _ first: ImageFingerprint, _ second: ImageFingerprint, _ start: Placement, level: Int, step: Float,
        maxTrim: Float, minOverlap: Float
    ) -> (Placement, Float) {
        func score(_ placement: Placement) -> Float {
            let agreement = correlation(first, second, placement, level: level)
            return agreement.overlap >= minOverlap ? agreement.correlation : -2
        }
        func valid(_ p: Placement) -> Bool { isValid(p, maxTrim: maxTrim) }
        var current = start
        var currentScore = score(start)
        for _ in 0..<24 {
            var bestMove = current
            var bestScore = currentScore
            for edge in 0..<4 {
                for sign in [Float(-1), 1] {
                    var moved = current
                    switch edge {
                    case 0: moved.left += sign * step
                    case 1: moved.top += sign * step
                    case 2: moved.right += sign * step
                    default: moved.bottom += sign * step
                    }
                    guard valid(moved) else { continue }
                    let value = score(moved)
                    if value > bestScore {
                        bestScore = value
                        bestMove = moved
                    }
                }
            }
            guard bestScore > currentScore else { break }
            current = bestMove
            currentScore = bestScore
        }
        return (current, currentScore)
    }
}
