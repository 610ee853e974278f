import BackstopIndex
import BackstopPostgres

extension IndexInput {
    /// The index stage as a value for a ``StageRunner`` (the nightly's `index`, `reindex`'s `index.full`):
    /// the stage's batches are the safe points where the run's switch stops it.
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
            do {
                let outcome = try run(options: options, connection: connection, runID: runID, logger: context.logger)
                return StageOutput(outcome, summary: outcome.summary)
            } catch let stopped as IndexError where stopped.code == .stopped {
                throw StageStopped(stage: name, progress: stopped.message, reason: context.stopSwitch.reason)
            }
        }
    }
}
