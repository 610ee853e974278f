import CBLAS

/// OpenBLAS's thread count, which is process-wide. The similarity search runs its own workers, each calling
/// `cblas_sgemm` on its own tiles, so it wants single-threaded BLAS: two pools on two cores only make each
/// other wait, and OpenBLAS's threaded kernels round some edge tiles differently from its single-threaded
/// ones, which would make results depend on the thread count. Setting the count once and never restoring it
/// keeps concurrent callers (tests running in parallel) from undoing each other's setting mid-call.
enum BLASThreads {
    /// Set on first use, for the rest of the process.
    private static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Makes OpenBLAS single-threaded for the rest of the process (once; later calls do nothing).
    static func useSingleThreaded() { _ = singleThreaded }
}
