import CBLAS

/// OpenBLAS's thread count, which is process-wide: code that runs its own workers, each calling BLAS,
/// asks for single-threaded BLAS while it does (two pools on two cores only make them wait for each other).
enum BLASThreads {
    /// Runs `body` with OpenBLAS single-threaded, then restores the previous count.
    static func singleThreaded<R>(_ body: () throws -> R) rethrows -> R {
        let previous = openblas_get_num_threads()
        guard previous > 1 else { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
