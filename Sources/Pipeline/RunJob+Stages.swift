import BackstopExtract
import BackstopIndex
import BackstopMerge
import BackstopModel
import BackstopPostgres
import BackstopReconcile
import BackstopStore
import Foundation

/// The stages a `nightly` or `diff` run is composed of, in their order; each is a value the job hands to its
/// ``StageRunner``.
extension RunJob {
    /// `extract.catalog`: the catalog's products, orders, versions and links, in one snapshot.
    ///
    /// It runs first because the catalog's links say which Bitrix orders the dump reader keeps. In a fleet
    /// run the snapshot read once for every shop is handed over instead.
    /// - Parameter connection: The run's catalog connection.
    /// - Returns: The stage; it stops at the stop switch between COPY streams.
    func extractCatalog(_ connection: PGConnection) -> Stage<Void, CatalogInput.Snapshot, any Error> {
        Stage("extract.catalog") { _, context in
            if let shared {
                return StageOutput(shared.catalog, summary: "read once for the fleet run: " + shared.catalogSummary)
            }
            let snapshot = try CatalogInput.load(
                connection: connection, shopID: configuration.runShopID, stop: context.stopSwitch,
                progress: context.progress, logger: logger)
            return StageOutput(snapshot, summary: snapshot.summary + " from \(connection.endpoint)")
        }
    }

    /// The dump read that runs beside the catalog's when there is more than one read thread (the catalog's
    /// links, which say which Bitrix orders the reader keeps, are handed over when the catalog is read; the
    /// reader waits for them only at its first order row, so the findings are the same byte for byte).
    ///
    /// - Parameter stop: The run's switch, which stops the read too.
    /// - Returns: The started read, or `nil` when the dump is read in `extract.dump` (one thread, or a fleet
    ///   run's shared read).
    /// - Throws: ``PipelineError`` (`configuration`) when no dump is configured.
    func overlappedRead(_ stop: StopSwitch) throws -> OverlappedDumpRead? {
        guard !configuration.bitrix.dumps.isEmpty else {
            throw PipelineError(
                .configuration, "no Bitrix dump configured: pass --dump FILE or set bitrix.dumps in backstop.toml")
        }
        guard shared == nil, configuration.bitrix.readThreads > 1 else { return nil }
        return OverlappedDumpRead(
            configuration: configuration, allowPartial: allowPartial, stop: stop, progress: progress, logger: logger)
    }

    /// `extract.dump`: every configured dump through the Bitrix model, keeping the orders the catalog links;
    /// the read `overlapped` with the catalog's when one was started (its outcome is awaited here).
    ///
    /// A truncated dump fails the stage unless `allowPartial`; then the stage is `partial` and absence-based
    /// findings are withheld downstream. Seller ids are mapped to catalog shop ids (`[shops]`) here, so the
    /// reconciler sees one id space.
    func extractDump(_ overlapped: OverlappedDumpRead?) -> Stage<CatalogInput.Snapshot, BitrixInput.Snapshot, any Error>
    {
        Stage("extract.dump") { catalog, context in
            if let shared {
                let snapshot = BitrixInput.Snapshot(
                    model: shared.bitrix, summary: "read once for the fleet run: " + shared.bitrixSummary,
                    partial: shared.partial)
                return StageOutput(snapshot, summary: snapshot.summary, partial: snapshot.partial)
            }
            let snapshot = try BitrixInput.snapshot(
                after: overlapped, catalog: catalog, configuration: configuration, allowPartial: allowPartial,
                stop: context.stopSwitch, progress: context.progress, logger: logger)
            let mapped = BitrixInput.Snapshot(
                model: FleetScope.mapped(snapshot.model, configuration.shopMap), summary: snapshot.summary,
                partial: snapshot.partial)
            return StageOutput(mapped, summary: mapped.summary, partial: mapped.partial)
        }
    }

    /// What `reconcile` hands on: the reconciliation, the input it ran on and the rules that name each
    /// finding's cause, with both sides kept for the webhook-health section.
    struct Reconciled {
        /// The reconciliation: typed changes, rows compared, systematic differences.
        var result: ReconcileResult
        /// Both sides as the reconciler saw them.
        var input: ReconcileInput
        /// The catalog snapshot (the plan's row versions, the sync latency's `updated_at`).
        var catalog: CatalogInput.Snapshot
        /// The Bitrix side, seller ids mapped to catalog shop ids.
        var bitrix: BitrixInput.Snapshot
        /// The rules that give each change its probable cause.
        var causes: CauseRules
        /// The shop's sync-latency samples when a fleet run took them already; `nil` takes them for the
        /// report.
        var latency: SyncLatency.Samples?
    }

    /// `reconcile`: both sides matched by preserved ids, every discrepancy classified (it cannot fail).
    ///
    /// The findings are attributed within the fleet: a row of another migrated seller is that shop's (the
    /// fleet's resolved sellers, or this catalog's shops that are Bitrix sellers).
    /// - Returns: The stage: the catalog and the Bitrix side in; `partial` when the Bitrix side is.
    func reconcile() -> Stage<(CatalogInput.Snapshot, BitrixInput.Snapshot), Reconciled, Never> {
        Stage("reconcile") { sides, _ in
            let (catalog, bitrix) = sides
            let sellers =
                shared?.scope.sellers
                ?? FleetScope.resolve(
                    configuration.shops, home: configuration.shopID, shops: catalog.shops,
                    bitrixSellers: bitrix.model.sellerIDs, shopMap: configuration.shopMap
                ).sellers
            let input = ReconcileInput(
                bitrix: bitrix.model, catalogProducts: catalog.products, catalogOrders: catalog.orders,
                productSequence: catalog.productSequence, partial: bitrix.partial)
            // A fleet run's reconciliation of this shop may be made already, on its second thread, from the
            // same input and configuration.
            let ahead = shared?.reconciliations?.take(configuration.runShopID)
            let reconciler = ahead?.reconciler ?? Reconciler(configuration: reconcileConfiguration(sellers: sellers))
            let result = ahead?.result ?? reconciler.reconcile(input)
            var summary =
                "\(result.changes.count) discrepancies; "
                + "\(result.rowsCompared["product.matched"] ?? 0) products and \(result.rowsCompared["order.matched"] ?? 0) orders compared"
            if result.withheld > 0 {
                summary += "; \(result.withheld) orphan or dangling candidates withheld (partial dump)"
            }
            let reconciled = Reconciled(
                result: result, input: input, catalog: catalog, bitrix: bitrix, causes: reconciler.causes,
                latency: ahead?.latency)
            return StageOutput(reconciled, summary: summary, partial: input.partial)
        }
    }

    /// What `plan` hands on: the reconciliation it planned from, the planning (changes in plan order) and the
    /// stored plan.
    struct Planned {
        /// The `reconcile` stage's output.
        var reconciled: Reconciled
        /// The changes in plan order, each with its step.
        var planning: MergePlanning
        /// The plan as stored for the run (with its id).
        var plan: MergePlan
    }

    /// `plan`: the merge plan, stored for the run and written beside its report.
    ///
    /// Every run plans, dry run or not: `plan.json` and `bitrix_changes.ndjson` show what an apply would
    /// write, and `backstop apply --run N` can apply it later.
    /// - Parameter session: The run's session: the plan is stored for its run, in Backstop's tables on its
    ///   connection, and written into its report folder.
    /// - Returns: The stage: the reconciliation in, the planning and the stored plan out.
    func plan(_ session: RunSession) -> Stage<Reconciled, Planned, any Error> {
        Stage("plan") { reconciled, _ in
            let (planning, plan) = try planMerge(
                reconciled.result, input: reconciled.input, catalog: reconciled.catalog, run: session.run,
                connection: session.connection, directory: session.reportDirectory ?? URL(fileURLWithPath: "."))
            let planned = Planned(reconciled: reconciled, planning: planning, plan: plan)
            return StageOutput(planned, summary: PlanPreview.summary(plan), partial: reconciled.input.partial)
        }
    }

    /// `index` (nightly): the incremental index stage, whose `embedding.*` and `image.*` findings join the
    /// run's report; it never writes the catalog.
    /// - Parameter session: The run's session (its connection; its run, recorded beside the stored vectors).
    /// - Returns: The stage: the index options in, the index outcome out.
    func index(_ session: RunSession) -> Stage<IndexStage.Options, IndexStage.Outcome, any Error> {
        IndexInput.stage("index", connection: session.connection, runID: session.run.id)
    }

    /// `apply` (`nightly --apply`): the run's plan applied, unless the safety valve refuses it (the stage
    /// is then `partial`).
    /// - Parameters:
    ///   - settings: Batch size, workers and the safety valve's overrides.
    ///   - session: The run's session: the run applying its own plan, on its connection (which holds the
    ///     run lock).
    /// - Returns: The stage: the stored plan in, what the merge did out.
    func applyStage(_ settings: ApplySettings, _ session: RunSession) -> Stage<MergePlan, MergeSummary, any Error> {
        Stage("apply") { plan, context in
            let summary = try applyMerge(
                plan, settings: settings, connection: session.connection, run: session.run,
                progress: context.progress)
            return StageOutput(summary, summary: PlanPreview.summary(summary), partial: !summary.refusals.isEmpty)
        }
    }
}
