import BackstopIndex
import BackstopModel
import BackstopPostgres

extension IndexInput {
    /// The index stage as a value for a ``StageRunner`` (the nightly's `index`, `reindex`'s `index.full`):
    /// the stage's batches are the safe points where the run's switch stops it, and the images embedded so
    /// far are reported to the run's progress as `index.images`.
    ///
    /// - Parameters:
    ///   - name: The stage's name in the report.
    ///   - connection: The run's connection.
    ///   - runID: The ledger's run, recorded beside stored rows.
    /// - Returns: The stage: options in, the stage's outcome out.
    static func stage(_ name: String, connection: PGConnection, runID: Int64)
        -> Stage<IndexStage.Options, IndexStage.Outcome, any Error>
    {
        Stage(name) { options, context in
            var options = options
            options.shouldStop = { context.stopSwitch.safePoint("index.batch") }
            let bar = context.progress.start("index.images", total: nil, unit: .items("images"))
            defer { bar.finish() }
            options.progress = { done, total in bar.update(Int64(done), of: Int64(total)) }
            do {
                let outcome = try run(options: options, connection: connection, runID: runID, logger: context.logger)
                return StageOutput(outcome, summary: outcome.summary)
            } catch let stopped as IndexError where stopped.code == .stopped {
                throw StageStopped(stage: name, progress: stopped.message, reason: context.stopSwitch.reason)
            }
        }
    }
}
