import BackstopModel
import BackstopPostgres
import Synchronization

extension PlanApplier {
    /// The connections that write a wave's batches: the applier's own, plus sibling connections when there
    /// are several workers (each with its own session settings and staging tables).
    struct WorkerPool {
        /// The workers; the first is the applier itself.
        let workers: [Worker]

        /// How many connections write at once.
        var size: Int { workers.count }

        /// The applier alone, or with `size - 1` sibling connections.
        ///
        /// Each sibling is a new session on the same server and database (`backstop-apply`), with its own
        /// staging tables; it does not hold the run lock, which the applier's own session keeps for all.
        /// - Parameters:
        ///   - applier: The applier whose connection is the first worker.
        ///   - size: The number of workers, at least 1.
        /// - Throws: `PGError` when a sibling cannot connect or prepare its session.
        init(applier: PlanApplier, size: Int) throws {
            var workers = [Worker(applier)]
            for _ in 1..<max(1, size) {
                let sibling = try applier.connection.openSibling(applicationName: "backstop-apply")
                let worker = PlanApplier(
                    connection: sibling, batchSize: applier.batchSize, lockTimeoutSeconds: applier.lockTimeoutSeconds,
                    logger: applier.logger)
                try worker.prepareSession()
                workers.append(Worker(worker))
            }
            self.workers = workers
        }

        /// Runs a wave's batches, several at once when there are several workers, and returns their results
        /// in wave order. After a failure no worker starts another batch; the batches already committed
        /// stay, and the first error is thrown.
        ///
        /// With one worker or one batch the wave runs on the calling thread; otherwise on `WorkLoop`'s
        /// threads, each claiming the next batch. A signal cancels the siblings' statements in flight as well
        /// as the first connection's, so every batch in flight rolls back whole.
        /// - Parameters:
        ///   - wave: Batches of one kind, touching distinct rows.
        ///   - context: What every batch shares.
        /// - Returns: The results in wave order; a prefix of the wave when the run was stopped.
        /// - Throws: The first batch's error (a ``MergeError`` naming it).
        func run(_ wave: [NumberedBatch], context: BatchContext) throws -> [BatchResult] {
            let pool = workers
            let stop = pool[0].applier.stop
            if pool.count == 1 || wave.count == 1 {
                // Stopped (a signal) between batches: the results so far, a prefix of the wave.
                var results: [BatchResult] = []
                for (i, item) in wave.enumerated() {
                    if i > 0, stop?.safePoint("apply.batch") == true { break }
                    results.append(try pool[0].applyBatch(item, context: context))
                }
                return results
            }
            let state = Mutex(WaveState(results: Array(repeating: nil, count: wave.count)))
            // A signal cancels the siblings' batches in flight too (the caller registers the first connection's
            // cancel): each rolls back whole, like a single writer's.
            let cancels = pool.dropFirst().compactMap { $0.applier.connection.canceller() }
            let cancelSiblings: @Sendable () -> Void = { for cancel in cancels { cancel() } }
            func runWave() {
                WorkLoop.run(wave.count, concurrency: pool.count) { w, claims in
                    // A worker that sees a failure or a stop claims nothing more; a batch claimed just before
                    // another worker's failure still runs, as it would have had it been claimed a moment earlier.
                    while state.withLock({ $0.failure == nil }), stop?.isStopped != true, let index = claims.next() {
                        do {
                            let result = try pool[w].applyBatch(wave[index], context: context)
                            state.withLock { $0.results[index] = result }
                        } catch {
                            state.withLock { if $0.failure == nil { $0.failure = error } }
                            return
                        }
                    }
                }
            }
            if let stop { stop.onStop(cancelSiblings) { runWave() } } else { runWave() }
            let (results, failure) = state.withLock { ($0.results, $0.failure) }
            if let failure { throw failure }
            // Stopped between batches: every batch claimed before the stop finished, so the results are a prefix.
            let done = results.prefix { $0 != nil }.compactMap { $0 }
            guard done.count == wave.count || stop?.isStopped == true else {
                throw MergeError(.plan, "a batch of the wave has no result")
            }
            return done
        }
    }

    /// One worker's applier. Its connection is used by one thread at a time: the worker thread of the wave
    /// running, or the calling thread between waves, never two at once.
    /// `@unchecked Sendable` because `PGConnection` is not `Sendable`: the one-thread-at-a-time rule above is
    /// what makes sharing the reference safe.
    final class Worker: @unchecked Sendable {
        /// The worker's applier and, through it, its connection.
        let applier: PlanApplier
        /// Batches staged in this connection's staging tables since they were last emptied.
        var staged = 0

        /// Wraps an applier for the worker threads.
        /// - Parameter applier: The applier.
        init(_ applier: PlanApplier) { self.applier = applier }

        /// Applies one batch on this worker's connection, then empties its staging tables once they hold
        /// ``PlanApplier/stageClearBatches`` batches (after the commit, holding no lock).
        /// - Parameters:
        ///   - item: The numbered batch.
        ///   - context: What every batch of the apply shares.
        /// - Returns: The batch's result.
        /// - Throws: What ``PlanApplier/applyBatch(_:context:)`` or the emptying throws.
        func applyBatch(_ item: NumberedBatch, context: BatchContext) throws -> BatchResult {
            let result = try applier.applyBatch(item, context: context)
            staged += 1
            if staged >= PlanApplier.stageClearBatches {
                try applier.clearStage()
                staged = 0
            }
            return result
        }
    }

    /// The shared state of a running wave (behind a mutex).
    struct WaveState: Sendable {
        /// Each batch's result by its position in the wave; `nil` until it committed.
        var results: [BatchResult?]
        /// The first batch failure; once set, no worker claims another batch.
        var failure: (any Error)?
    }
}
