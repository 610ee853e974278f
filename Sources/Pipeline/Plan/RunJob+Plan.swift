import BackstopExtract
public import BackstopMerge
public import BackstopModel
import BackstopPostgres
import BackstopReconcile
import BackstopStore
import Foundation
import Logging

extension RunJob {
    /// `nightly --apply`: the run applies the plan it makes.
    public struct ApplySettings: Sendable, Hashable {
        /// Override the safety valve's thresholds (never the partial-input rule or the fingerprint).
        public var force: Bool
        /// Steps per batch; `nil` takes `merge.batch_size`.
        public var batchSize: Int?
        /// Writing connections; `nil` takes `merge.workers`.
        public var workers: Int?

        /// `nightly --apply`'s settings.
        /// - Parameters:
        ///   - force: Override the share thresholds (never partial input or another catalog).
        ///   - batchSize: Steps per batch; `nil` takes `merge.batch_size`.
        ///   - workers: Writing connections; `nil` takes `merge.workers`.
        public init(force: Bool = false, batchSize: Int? = nil, workers: Int? = nil) {
            self.force = force
            self.batchSize = batchSize
            self.workers = workers
        }
    }

    /// What the merge stages of a run did.
    public struct MergeSummary: Sendable {
        /// The stored plan.
        public var plan: MergePlan
        /// Why the apply was refused (empty when it was not, or not asked for).
        public var refusals: [SafetyValve.Refusal] = []
        /// What the apply did, when it ran.
        public var outcome: ApplyOutcome?
    }

    /// The configured policy, or a ``PipelineError`` naming the bad `merge.policy` key.
    func mergePolicy() throws(PipelineError) -> MergePolicy {
        try Self.mergePolicy(configuration)
    }

    /// Checks `configuration`'s `[merge.policy]` before anything runs.
    ///
    /// - Throws: ``PipelineError`` naming the file and the bad key.
    public static func checkMergePolicy(_ configuration: BackstopConfiguration) throws(PipelineError) {
        _ = try mergePolicy(configuration)
    }

    static func mergePolicy(_ configuration: BackstopConfiguration) throws(PipelineError) -> MergePolicy {
        do {
            return try MergePolicy(overrides: configuration.merge.policy)
        } catch {
            throw PipelineError(.configuration, "\(configuration.file ?? "configuration"): \(error)")
        }
    }

    /// Plans the merge, stores the plan for `run`, and writes `plan.json` and `bitrix_changes.ndjson` into
    /// `directory`.
    func planMerge(
        _ result: ReconcileResult, input: ReconcileInput, catalog: CatalogInput.Snapshot, run: RunRecord,
        connection: PGConnection, directory: URL
    ) throws -> (MergePlanning, MergePlan) {
        let planner = MergePlanner(
            shopID: configuration.runShopID, policy: try mergePolicy(),
            sequenceHeadroom: configuration.merge.sequenceHeadroom)
        let planning = planner.plan(
            result, input: input, catalog: CatalogState(versions: catalog.versions, facts: catalog.facts))
        let stored = try PlanStore(connection: connection).save(planning.plan, runID: run.id)
        try PlanFiles.write(
            planning, plan: stored, causes: CauseRules(configuration: reconcileConfiguration(sellers: [])),
            to: directory)
        return (planning, stored)
    }

    /// Applies the run's stored plan on the run's connection (which holds the run lock), unless the safety
    /// valve refuses it.
    func applyMerge(
        _ plan: MergePlan, settings: ApplySettings, connection: PGConnection, run: RunRecord,
        progress: ProgressReporter = .ignored
    ) throws -> MergeSummary {
        var summary = MergeSummary(plan: plan)
        let valve = SafetyValve(
            maxSoftDeleteShare: configuration.merge.maxSoftDeleteShare,
            maxUpdateShare: configuration.merge.maxUpdateShare)
        let fingerprint = try CatalogReader(connection: connection, logger: logger).fingerprint()
        summary.refusals = valve.check(plan, fingerprint: fingerprint).filter { !(settings.force && $0.isOverridable) }
        guard summary.refusals.isEmpty else {
            for refusal in summary.refusals {
                logger.error(
                    "apply refused",
                    metadata: ["refusal.code": "\(refusal.code.rawValue)", "refusal": "\(refusal.message)"])
            }
            return summary
        }
        guard let planID = plan.planID, let stored = try PlanStore(connection: connection).load(planID: planID) else {
            throw PipelineError(.plan, "plan \(plan.planID.map(String.init) ?? "?") is not in the store")
        }
        var applier = PlanApplier(
            connection: connection, batchSize: settings.batchSize ?? configuration.merge.batchSize,
            workers: settings.workers ?? configuration.merge.workers,
            lockTimeoutSeconds: configuration.merge.lockTimeoutSeconds, logger: logger)
        applier.progress = progress
        summary.outcome = try applier.apply(stored, applyRunID: run.id)
        return summary
    }
}

extension PlanPreview {
    /// `refused: …` or `applied 160 steps (2 conflicts) in 3 batches, 410 rows`.
    public static func summary(_ merge: RunJob.MergeSummary) -> String {
        if !merge.refusals.isEmpty { return "refused: " + merge.refusals.map(\.description).joined(separator: "; ") }
        guard let outcome = merge.outcome else { return "not applied" }
        return summary(outcome)
    }
}
