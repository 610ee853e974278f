import CBLAS
import CLAPACKE
import Foundation

/// What BLAS and LAPACK the process actually loaded, for `backstop doctor` and the run record. A
/// reference (netlib) BLAS is 17–35× slower than OpenBLAS on this workload; it must never go unnoticed.
public struct BLASRuntime: Sendable, Hashable {
    /// OpenBLAS's core name (`Zen`, `Haswell`, …), or `nil` if OpenBLAS is not what got loaded.
    public var openBLASCore: String?
    /// OpenBLAS's build configuration string.
    public var openBLASConfig: String?
    /// OpenBLAS's thread count.
    public var threads: Int?
    /// The shared library that provides `cblas_sgemm` in this process.
    public var sgemmLibrary: String
    /// The LAPACK version reported by LAPACKE (`3.11.0`).
    public var lapackVersion: String
    /// Measured single-call `cblas_sgemm` rate on a 384³ product (GFLOPS), a quick sanity check.
    public var measuredGFLOPS: Double

    /// Whether the netlib reference BLAS is what `cblas_sgemm` resolves to (or OpenBLAS is absent).
    public var isReferenceBLAS: Bool {
        openBLASCore == nil || !sgemmLibrary.contains("openblas")
    }

    /// Probes the loaded libraries and times one small sgemm (a few milliseconds with OpenBLAS).
    ///
    /// `backstop doctor` prints it and warns loudly when ``isReferenceBLAS`` is true: a preloaded or
    /// substituted library (Debian's netlib `libblas3`) can provide `cblas_sgemm` instead of OpenBLAS, and
    /// every similarity search would then run on it. The CLI test preloads `libblas3` to check the warning.
    /// - Returns: What this process loaded and how fast it multiplies.
    public static func probe() -> BLASRuntime {
        let core = unsafe openblas_get_corename().map { unsafe String(cString: $0) }
        let config = unsafe openblas_get_config().map { unsafe String(cString: $0) }
        let threads = Int(openblas_get_num_threads())
        let library = unsafe CBLAS_libraryProviding("cblas_sgemm").map { unsafe String(cString: $0) } ?? "unknown"
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        unsafe LAPACKE_ilaver(&major, &minor, &patch)
        return BLASRuntime(
            openBLASCore: core, openBLASConfig: config, threads: threads, sgemmLibrary: library,
            lapackVersion: "\(major).\(minor).\(patch)", measuredGFLOPS: measureSGEMM(size: 384))
    }

    /// Times `cblas_sgemm` on n×n matrices (best of three) and returns GFLOPS.
    /// - Parameter n: The matrices' side; 384 is large enough to reach the kernel's rate, small enough to be
    ///   instant.
    /// - Returns: 2n³ floating-point operations over the best time, in 10⁹ per second.
    static func measureSGEMM(size n: Int) -> Double {
        let a = [Float](repeating: 0.5, count: n * n)
        let b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            unsafe cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0,
                &c, Int32(n))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
