import BackstopModel
import BackstopPostgres
import BackstopReport
import BackstopStore
import Foundation
import Logging

/// What every job shares around its stages: the catalog connection with Backstop's schema checked, a
/// runner wired to the run's connection, and the guard that turns any error of the stages into a `failed`
/// run.
extension RunSession {
    /// Connects to the catalog for a job and checks that Backstop's schema there is the one this build
    /// expects (before any lock is taken or any run is recorded).
    ///
    /// - Parameters:
    ///   - configuration: How to connect (libpq's `PG*` variables apply).
    ///   - logger: Where the connection logs.
    /// - Returns: The job's connection.
    /// - Throws: `StoreError` when the schema files are missing or the schema is not current; ``PipelineError``
    ///   (`connection`) when the catalog is unreachable.
    static func connect(_ configuration: BackstopConfiguration, logger: Logger) throws -> PGConnection {
        let schema = try BackstopSchema.locate()
        let connection = try CatalogInput.connect(configuration, logger: logger)
        try schema.requireCurrent(on: connection)
        return connection
    }

    /// The ``StageRunner`` for this run's stages, wired to the run's connection: a signal cancels the
    /// statement in flight (whose error is then a stop, unless the connection itself broke), and a stop rolls
    /// back the transaction a stage left open.
    ///
    /// - Parameters:
    ///   - stop: The run's switch (time limit and signals).
    ///   - progress: Where the stages report progress (the CLI's bar).
    /// - Returns: A runner with no stage run yet.
    func runner(stopping stop: StopSwitch, progress: ProgressReporter) -> StageRunner {
        let runner = StageRunner(stopSwitch: stop, logger: logger)
        let connection = connection
        runner.progress = progress
        runner.cancel = connection.canceller()
        runner.isCancellation = { _ in stop.isSignalled && !connection.isBroken }
        runner.afterStop = { connection.rollbackIfInTransaction() }
        return runner
    }

    /// Runs a job's stages; when they throw, records the run `failed` with what report it can
    /// (``fail(_:report:formats:partial:)``) and throws the error that ends the job.
    ///
    /// ```swift
    /// return try session.guarding(report: { run, last in RunReport(run: run, …) }, formats: formats) {
    ///     let outcome = try runner.run(index, options)
    ///     return try finish(outcome)
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - report: The failed run's report, from its finished row and last success; `nil` for none.
    ///   - formats: The report formats.
    ///   - partial: Whether the run had read partial input when it failed (asked after the failure).
    ///   - published: Receives the report files written for the failed run (the Prometheus file's copy).
    ///   - thrown: Picks what to throw from the root error (a ``StageFailure``'s own error) and the recorded
    ///     run's ``PipelineError``; by default the latter, which keeps the error as its cause.
    ///   - stages: The job's stages and the end of the run.
    /// - Returns: What `stages` returns.
    /// - Throws: What `thrown` picks, after the run is recorded `failed`.
    func guarding<Result>(
        report: (RunRecord, Date?) -> RunReport?, formats: [any ReportFormat], partial: () -> Bool = { false },
        published: ([URL]) -> Void = { _ in },
        thrown: (_ cause: any Error, _ recorded: PipelineError) -> any Error = { $1 },
        _ stages: () throws -> Result
    ) throws -> Result {
        do {
            return try stages()
        } catch {
            let failed = fail(error, report: report, formats: formats, partial: partial())
            published(failed.written)
            throw thrown((error as? StageFailure)?.underlyingError ?? error, failed.error)
        }
    }
}
