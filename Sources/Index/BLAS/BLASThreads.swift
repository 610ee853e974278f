import CBLAS

/// OpenBLAS's thread count, which is process-wide. Every BLAS and LAPACK call of the index stage runs
/// single-threaded: the similarity search runs its own workers, each calling `cblas_sgemm` on its own
/// tiles (two pools on two cores only make each other wait), and OpenBLAS's threaded kernels round some
/// results differently from its single-threaded ones, which would make similarity lists and the fitted
/// model's numbers (so its version) depend on what ran before. Setting the count once and never restoring
/// it keeps concurrent callers (tests running in parallel) from undoing each other's setting mid-call.
enum BLASThreads {
    /// Set on first use, for the rest of the process.
    private static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Makes OpenBLAS single-threaded for the rest of the process (once; later calls do nothing).
    static func useSingleThreaded() { _ = singleThreaded }
}
