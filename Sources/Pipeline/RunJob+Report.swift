import BackstopExtract
import BackstopIndex
import BackstopMerge
import BackstopModel
import BackstopReconcile
import BackstopReport
import Foundation
import Logging

/// The end of a `nightly` or `diff` run: its status, the ledger's row, the report and its renderings.
extension RunJob {
    /// Ends a run whose stages completed or stopped early: its status, the ledger, the report.
    ///
    /// The status, first match wins: stopped (124 time limit, 129/130/143 signal), refused by the safety
    /// valve (4), partial input (3), drift (2), clean (0). The Prometheus file is published after the
    /// reports are written.
    /// - Parameters:
    ///   - session: The run's ledger session.
    ///   - runner: The runner, for its stage lines, stop state and stop reason.
    ///   - found: What the stages found.
    /// - Returns: The run's result for the CLI.
    /// - Throws: `PGError` from the ledger, `ReportError` when a report cannot be written.
    func finish(_ session: RunSession, runner: StageRunner, found: Findings) throws -> RunResult {
        let stop = runner.stopSwitch
        let refused = !(found.merge?.refusals.isEmpty ?? true)
        let status: ExitStatus =
            runner.isStopped
            ? stop.stoppedStatus
            : refused ? .refused : found.partial ? .partial : (found.discrepancies.isEmpty ? .clean : .drift)
        let history = try session.finish(
            status, findings: found.discrepancies, partial: found.partial || runner.isStopped,
            error: refused ? found.merge?.refusals.map(\.description).joined(separator: "; ") : runner.stopReason,
            signal: runner.isStopped ? stop.signalNumber : nil)
        let report = RunReport(
            run: session.run, stages: runner.records, discrepancies: found.discrepancies, inputs: session.inputs,
            reconciliation: found.reconciliation, history: history, webhookHealth: found.health,
            similarity: found.similarity, lastSuccessAt: try session.lastSuccess(), stopReason: runner.stopReason,
            generator: "backstop \(version)")
        if let writer = shared?.writer, let directory = session.reportDirectory {
            // A fleet's shop: the folder is written on the fleet's writer thread while the next shop runs.
            try session.saveContext(report)
            let publish = textfilePublisher()
            writer.write(report, formats: formats, to: directory) { try publish($0) }
        } else {
            try publishTextfile(try session.write(report, formats: formats))
        }
        var outcome = RunResult(
            status: status, run: session.run, reportDirectory: session.reportDirectory,
            discrepancyCount: found.discrepancies.count)
        outcome.merge = found.merge
        outcome.kinds = Dictionary(found.discrepancies.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
        outcome.newCount = history.map { $0.counts(found.discrepancies)[.new] ?? 0 } ?? 0
        return outcome
    }

    /// The histogram of each product's best similarity score (20 bins from the lowest score to 1).
    ///
    /// The range starts at the lower of the lowest score and the threshold, rounded down to a whole unit
    /// (so usually 0 or -1), which keeps the bins' edges readable and the threshold on the chart.
    /// - Parameters:
    ///   - outcome: The index stage's outcome (top scores, verifier counts, thumbnails).
    ///   - threshold: The candidate threshold, drawn on the chart.
    /// - Returns: The histogram, or `nil` when no product has a score.
    static func similarityHistogram(_ outcome: IndexStage.Outcome, threshold: Float) -> SimilarityHistogram? {
        guard let lowest = outcome.topScores.min() else { return nil }
        let low = min(Double(lowest), Double(threshold)).rounded(.down)  // whole units keep the bins readable
        let start = max(-1, low == 1 ? 0 : low)
        let width = (1 - start) / 20
        var counts = [Int](repeating: 0, count: 20)
        for score in outcome.topScores {
            counts[min(19, max(0, Int((Double(score) - start) / width)))] += 1
        }
        func round(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
        var histogram = SimilarityHistogram(
            label: "each product's best cosine similarity (local image model)",
            bins: counts.enumerated().map { i, count in
                .init(
                    lower: round(start + Double(i) * width), upper: round(start + Double(i + 1) * width), count: count)
            },
            threshold: round(Double(threshold)))
        histogram.verifier = outcome.verifier
        if outcome.verifier != nil {
            histogram.candidatePairs = outcome.candidatePairs
            histogram.rejectedPairs = outcome.rejectedPairs
        }
        for (id, jpeg) in outcome.thumbnails { histogram.thumbnails[String(id)] = jpeg }
        return histogram
    }

    /// The report of a run that failed: the stages as far as they went and what they had found, so the
    /// report names the failed stage.
    /// - Parameters:
    ///   - run: The failed run's finished row.
    ///   - lastSuccess: The last successful run of this kind, for the header.
    ///   - session: The run's session (its recorded inputs).
    ///   - runner: The runner, for its stage lines and stop reason.
    ///   - found: What the stages had found.
    /// - Returns: The report to write.
    func failedReport(
        _ run: RunRecord, lastSuccess: Date?, session: RunSession, runner: StageRunner, found: Findings
    ) -> RunReport {
        RunReport(
            run: run, stages: runner.records, discrepancies: found.discrepancies, inputs: session.inputs,
            reconciliation: found.reconciliation, webhookHealth: found.health, lastSuccessAt: lastSuccess,
            stopReason: runner.stopReason, generator: "backstop \(version)")
    }

    /// The report's webhook health of a reconciled run (``webhookHealth(_:bitrix:catalog:)`` on both sides
    /// the reconciliation read).
    /// - Parameters:
    ///   - discrepancies: The run's findings (reconcile's and the index stage's).
    ///   - reconciled: The `reconcile` stage's output.
    /// - Returns: The report's webhook health.
    func webhookHealth(_ discrepancies: [Discrepancy], of reconciled: Reconciled) -> WebhookHealth {
        webhookHealth(
            discrepancies, bitrix: reconciled.bitrix.model, catalog: reconciled.catalog, samples: reconciled.latency)
    }

    /// The sync latency's samples of both sides, taken on a thread of their own while the run compares them
    /// and plans (they need neither): the report's webhook health then waits for them, not for their work.
    /// - Parameters:
    ///   - catalog: The catalog snapshot, when it was read.
    ///   - bitrix: The Bitrix side (seller ids mapped), when it was read.
    /// - Returns: The samples to come; `nil` without both sides, or in a fleet run (which takes them on
    ///   its own second thread).
    func latencyAhead(_ catalog: CatalogInput.Snapshot?, _ bitrix: BitrixInput.Snapshot?) -> Ahead<
        SyncLatency.Samples
    >? {
        guard shared == nil, let catalog, let bitrix else { return nil }
        let latency = syncLatency
        let (model, products, orders, shop) = (bitrix.model, catalog.products, catalog.orders, configuration.runShopID)
        return Ahead(name: "backstop-latency") {
            latency.samples(bitrix: model, catalogProducts: products, catalogOrders: orders, shopID: shop)
        }
    }

    /// The sync latency's clock: Bitrix times read in `bitrix.time_zone`, catalog times in
    /// `catalog.time_zone` (default: the same zone).
    var syncLatency: SyncLatency {
        let bitrixZone = TimeZone(identifier: configuration.bitrix.timeZone) ?? .gmt
        let catalogZone = configuration.catalogTimeZone.flatMap(TimeZone.init(identifier:)) ?? bitrixZone
        return SyncLatency(bitrixTimeZone: bitrixZone, catalogTimeZone: catalogZone)
    }

    /// Findings per cause with their attribution, and the sync latency of the matched rows.
    ///
    /// Bitrix times are read in `bitrix.time_zone`, catalog times in `catalog.time_zone` (default: the same
    /// zone): the report states the assumption, since a wrong zone shifts every latency by hours.
    /// - Parameters:
    ///   - discrepancies: The run's findings.
    ///   - bitrix: The Bitrix model (change times).
    ///   - catalog: The catalog snapshot (`updated_at`).
    ///   - samples: The shop's latency samples when taken already (a fleet run's second thread); `nil`
    ///     takes them here.
    /// - Returns: The report's webhook health.
    func webhookHealth(
        _ discrepancies: [Discrepancy], bitrix: BitrixSnapshot, catalog: CatalogInput.Snapshot,
        samples: SyncLatency.Samples? = nil
    ) -> WebhookHealth {
        let latency = syncLatency
        let samples =
            samples
            ?? latency.samples(
                bitrix: bitrix, catalogProducts: catalog.products, catalogOrders: catalog.orders,
                shopID: configuration.runShopID)
        return WebhookHealth(
            discrepancies: discrepancies, attribute: ReportAssembler.attribute,
            latency: [
                .init(entity: "product", samples: samples.products), .init(entity: "order", samples: samples.orders),
            ],
            clock: latency.clock)
    }

    /// Copies the Prometheus file into the textfile-collector folder (atomically), when configured.
    ///
    /// The file is `backstop_<kind>.prom`, or `backstop_<kind>_<shop>.prom` for a run of a chosen shop, so
    /// the runs of a fleet sit beside each other in node_exporter's folder.
    /// - Parameter written: The report files just written; nothing happens without a `.prom` among them.
    /// - Throws: `ReportError` when the copy cannot be written; Foundation's error when the written file
    ///   cannot be read back.
    func publishTextfile(_ written: [URL]) throws { try textfilePublisher()(written) }

    /// ``publishTextfile(_:)`` as a value that can run on another thread (a fleet's writer).
    /// - Returns: The copy, given the report files just written.
    func textfilePublisher() -> @Sendable ([URL]) throws -> Void {
        let folder = configuration.report.textfileDirectory
        // Runs of a chosen shop (`--shop`, each shop of a fleet) publish beside each other, one file per shop.
        let name =
            configuration.shops == nil ? "backstop_\(kind).prom" : "backstop_\(kind)_\(configuration.runShopID).prom"
        return { written in
            guard let folder, let prom = written.first(where: { $0.pathExtension == "prom" }) else { return }
            let target = URL(fileURLWithPath: folder).appendingPathComponent(name)
            try ReportWriter.writeAtomically(Array(try Data(contentsOf: prom)), to: target)
        }
    }
}
