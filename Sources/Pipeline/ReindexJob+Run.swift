import BackstopIndex
import BackstopModel
import BackstopPostgres
import BackstopReport
import Foundation
import Logging

/// A reindex run's row in the ledger and its end: the status, the counts, the report.
extension ReindexJob {
    /// Begins the `reindex` run in the ledger, with its inputs (catalog, shop, mode, image source, provider)
    /// and its report folder.
    /// - Parameters:
    ///   - connection: The run's connection, holding the lock.
    ///   - dryRun: Whether the run leaves the catalog alone (no production provider to repair
    ///     `product_embeddings` with).
    /// - Returns: The run's session.
    /// - Throws: `PGError` when the ledger cannot be written.
    func begin(on connection: PGConnection, dryRun: Bool) throws -> RunSession {
        let inputs: [String: String] = [
            "catalog": connection.endpoint, "shop_id": String(configuration.shopID), "mode": mode.rawValue,
            "images": configuration.images.mirror.map { "mirror \($0)" }
                ?? (configuration.images.network ? "network" : "none"),
            "provider": configuration.images.provider,
        ]
        return try RunSession(
            kind: "reindex", dryRun: dryRun, inputs: inputs, arguments: arguments, version: version,
            connection: connection, configuration: configuration, logger: logger
        ) { run in
            outputDirectory
                ?? URL(fileURLWithPath: configuration.report.directory).appendingPathComponent(
                    String(format: "%06lld-reindex", run.id))
        }
    }

    /// Ends a reindex whose stage completed or stopped between batches: the status (stopped 124 or
    /// 128 + signal, drift 2, clean 0), the ledger's row with the counts re-embedded and decoded, the report.
    ///
    /// A stopped stage has no findings; its report is partial but valid, and the next run resumes.
    /// - Parameters:
    ///   - outcome: The index stage's outcome; `nil` when it stopped.
    ///   - session: The run's session.
    ///   - runner: The runner, for its stage lines and stop state.
    ///   - threshold: The near-duplicate threshold, drawn on the histogram.
    /// - Returns: The run's result for the CLI.
    /// - Throws: `PGError` from the ledger, `ReportError` when a report cannot be written.
    func finish(_ outcome: IndexStage.Outcome?, session: RunSession, runner: StageRunner, threshold: Float) throws
        -> RunResult
    {
        let stop = runner.stopSwitch
        let discrepancies = outcome?.discrepancies ?? []
        let status: ExitStatus = runner.isStopped ? stop.stoppedStatus : discrepancies.isEmpty ? .clean : .drift
        var counts: [String: Int] = [:]
        if let outcome {
            counts["reembedded"] = outcome.reembedded.count
            counts["decoded"] = outcome.imagesDecoded
        }
        let history = try session.finish(
            status, findings: discrepancies, counts: counts, partial: runner.isStopped, error: runner.stopReason,
            signal: runner.isStopped ? stop.signalNumber : nil)
        let report = RunReport(
            run: session.run,
            stages: runner.records + [try IndexInput.embeddingsWarning(on: session.connection)].compactMap { $0 },
            discrepancies: discrepancies, inputs: session.inputs, history: history,
            webhookHealth: outcome.map { _ in
                WebhookHealth(
                    discrepancies: discrepancies, attribute: ReportAssembler.attribute, latency: [],
                    clock: "sync latency is measured by nightly and diff runs")
            },
            similarity: outcome.flatMap { RunJob.similarityHistogram($0, threshold: threshold) },
            lastSuccessAt: try session.lastSuccess(), stopReason: runner.stopReason,
            generator: "backstop \(version)")
        _ = try session.write(report, formats: formats)
        if let outcome {
            logger.notice(
                "reindex finished",
                metadata: [
                    "run.id": "\(session.run.id)", "index.reembedded": "\(outcome.reembedded.count)",
                    "index.model": "\(outcome.modelVersion ?? "-")", "index.decoded": "\(outcome.imagesDecoded)",
                ])
        }
        return RunResult(
            status: status, run: session.run, reportDirectory: session.reportDirectory,
            discrepancyCount: discrepancies.count)
    }
}
