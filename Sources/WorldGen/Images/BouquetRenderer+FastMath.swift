/// Cheap, deterministic approximations of the trigonometry the bloom shaders evaluate per pixel (libm's
/// `atan2f`/`sinf`/`cosf` dominated rendering time). Errors are about 0.001, invisible in 8-bit shading;
/// being plain arithmetic, they give the same bits on every machine.
extension BouquetRenderer {
    /// sin(x) for any finite x: range-reduced to [-π, π], then a parabola with one refinement step.
    @inline(__always)
    static func fastSin(_ x: Float) -> Float {
        var turns = x * (1 / (2 * Float.pi))
        turns -= (turns + 0.5).rounded(.down)  // now in [-0.5, 0.5)
        let t = turns * (2 * Float.pi)
        let y = (4 / Float.pi) * t - (4 / (Float.pi * Float.pi)) * t * abs(t)
        return 0.225 * (y * abs(y) - y) + y
    }

    /// cos(x) as sin(x + π/2).
    @inline(__always)
    static func fastCos(_ x: Float) -> Float { fastSin(x + Float.pi / 2) }

    /// atan2(y, x) in [-π, π] by a 7th-order polynomial on [0, 1] and octant folding.
    @inline(__always)
    static func fastAtan2(_ y: Float, _ x: Float) -> Float {
        let ax = abs(x)
        let ay = abs(y)
        let largest = max(ax, ay)
        guard largest > 0 else { return 0 }
        let a = min(ax, ay) / largest
        let s = a * a
        var r = ((-0.046_496_474_9 * s + 0.159_314_22) * s - 0.327_622_764) * s * a + a
        if ay > ax { r = Float.pi / 2 - r }
        if x < 0 { r = Float.pi - r }
        return y < 0 ? -r : r
    }
}
