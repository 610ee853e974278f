import BackstopExtract
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
            let snapshot: BitrixInput.Snapshot
            if let overlapped {
                snapshot = try overlapped.wait()
            } else {
                let scope = BitrixModelBuilder.Scope(
                    orders: .linked(referencedBitrixIDs: catalog.referencedBitrixOrders), users: false)
                snapshot = try BitrixInput.load(
                    configuration: configuration, scope: scope, allowPartial: allowPartial,
                    catalog: { BitrixInput.CatalogSide(catalog) }, stop: context.stopSwitch, progress: context.progress,
                    logger: logger)
            }
            let mapped = BitrixInput.Snapshot(
                model: FleetScope.mapped(snapshot.model, configuration.shopMap), summary: snapshot.summary,
                partial: snapshot.partial)
            return StageOutput(mapped, summary: mapped.summary, partial: mapped.partial)
        }
    }

    /// `reconcile`: both sides matched by preserved ids, every discrepancy classified (it cannot fail).
    /// - Parameter reconciler: The reconciler configured for this run's shop.
    /// - Returns: The stage; `partial` when its input is.
    func reconcile(_ reconciler: Reconciler) -> Stage<ReconcileInput, ReconcileResult, Never> {
        Stage("reconcile") { input, _ in
            let result = reconciler.reconcile(input)
            var summary =
                "\(result.changes.count) discrepancies; "
                + "\(result.rowsCompared["product.matched"] ?? 0) products and \(result.rowsCompared["order.matched"] ?? 0) orders compared"
            if result.withheld > 0 {
                summary += "; \(result.withheld) orphan or dangling candidates withheld (partial dump)"
            }
            return StageOutput(result, summary: summary, partial: input.partial)
        }
    }

    /// What the `plan` stage reads: the reconciliation, its input and the catalog snapshot it ran on.
    typealias PlanInput = (result: ReconcileResult, input: ReconcileInput, catalog: CatalogInput.Snapshot)

    /// `plan`: the merge plan, stored for the run and written beside its report.
    ///
    /// Every run plans, dry run or not: `plan.json` and `bitrix_changes.ndjson` show what an apply would
    /// write, and `backstop apply --run N` can apply it later.
    /// - Parameters:
    ///   - connection: The catalog connection (the plan is stored in Backstop's tables).
    ///   - run: The run the plan belongs to.
    ///   - directory: The run's report folder.
    /// - Returns: The stage; its output is the planning (changes in plan order) and the plan.
    func plan(_ connection: PGConnection, run: RunRecord, directory: URL)
        -> Stage<PlanInput, (MergePlanning, MergePlan), any Error>
    {
        Stage("plan") { planInput, _ in
            let planned = try planMerge(
                planInput.result, input: planInput.input, catalog: planInput.catalog, run: run,
                connection: connection, directory: directory)
            return StageOutput(planned, summary: PlanPreview.summary(planned.1), partial: planInput.input.partial)
        }
    }

    /// `apply` (`nightly --apply`): the run's plan applied, unless the safety valve refuses it (the stage
    /// is then `partial`).
    /// - Parameters:
    ///   - settings: Batch size, workers and the safety valve's overrides.
    ///   - connection: The catalog connection the writes go through.
    ///   - run: The run applying its own plan.
    /// - Returns: The stage.
    func applyStage(_ settings: ApplySettings, connection: PGConnection, run: RunRecord)
        -> Stage<MergePlan, MergeSummary, any Error>
    {
        Stage("apply") { plan, context in
            let summary = try applyMerge(
                plan, settings: settings, connection: connection, run: run, progress: context.progress)
            return StageOutput(summary, summary: PlanPreview.summary(summary), partial: !summary.refusals.isEmpty)
        }
    }
}
