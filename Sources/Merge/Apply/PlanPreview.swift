public import BackstopModel
import BackstopReconcile
public import BackstopStore

/// Plans and applies as text for people: one-line summaries for stage tables and logs, and the listing
/// `backstop apply` prints before (and instead of) writing.
public enum PlanPreview {
    /// `42 steps: 19 insert, 20 soft_delete, …; 1 skip; 129 Bitrix-side changes; 45 reported`.
    ///
    /// The `plan` stage's line and `backstop nightly`'s `plan N:` line.
    /// - Parameter plan: A plan.
    /// - Returns: One line, actions in a fixed order.
    public static func summary(_ plan: MergePlan) -> String {
        let counts = plan.countsByAction.filter { $0.key != .skip }.sorted { $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.value) \($0.key.rawValue)" }
        var text = "\(plan.writeCount) steps" + (counts.isEmpty ? "" : ": " + counts.joined(separator: ", "))
        let skips = plan.countsByAction[.skip] ?? 0
        if skips > 0 { text += "; \(skips) skip" }
        text += "; \(plan.bitrixChanges) Bitrix-side changes; \(plan.reported) reported"
        if plan.partial { text += "; partial input: never applied" }
        return text
    }

    /// `applied 160 steps (2 conflicts, 3 skipped by the plan, 10 done before) in 3 batches, 410 rows`.
    /// - Parameter outcome: What an apply did.
    /// - Returns: One line for the `apply` stage and the CLI.
    public static func summary(_ outcome: ApplyOutcome) -> String {
        var notes: [String] = ["\(outcome.conflicts.count) conflicts"]
        if outcome.skipped > 0 { notes.append("\(outcome.skipped) skipped by the plan") }
        if outcome.alreadyDone > 0 { notes.append("\(outcome.alreadyDone) done before") }
        return "applied \(outcome.applied) steps (\(notes.joined(separator: ", "))) in \(outcome.batches) batches, "
            + "\(outcome.rowsWritten) rows"
    }

    /// The listing of a plan: header, safety-valve verdict, then the steps by phase and action (at most
    /// `limit` per action; `plan.json` has them all), with what each sets and found.
    /// - Parameters:
    ///   - plan: The plan.
    ///   - outcomes: Outcomes recorded by earlier applies, by step `seq` (shown beside the steps).
    ///   - refusals: Why the safety valve refuses the plan, if it does.
    ///   - forced: Refusals `--force` overrides (listed as overridden).
    ///   - limit: Steps shown per phase and action.
    /// - Returns: The listing, lines joined with `\n`.
    public static func listing(
        _ plan: MergePlan, outcomes: [Int: StoredPlan.StepState] = [:], refusals: [SafetyValve.Refusal] = [],
        forced: [SafetyValve.Refusal] = [], limit: Int = 20
    ) -> String {
        var lines: [String] = []
        lines.append(
            "plan \(plan.planID.map(String.init) ?? "-") of run \(plan.runID.map(String.init) ?? "-"): shop \(plan.shopID), "
                + "catalog \(plan.endpoint) (\(plan.fingerprint)), snapshot \(plan.snapshot)")
        lines.append(summary(plan))
        let done = outcomes.values.count { $0.outcome != .skipped }
        if done > 0 { lines.append("\(done) steps already done by an earlier apply (not repeated)") }
        for refusal in refusals { lines.append("REFUSED \(refusal.description)") }
        for refusal in forced { lines.append("forced past \(refusal.description)") }
        var shown: [String: Int] = [:]
        var hidden: [String: Int] = [:]
        var lastGroup = ""
        for step in plan.steps where outcomes[step.seq] == nil || step.action == .skip {
            let group = "\(step.phase.rawValue) \(step.action.rawValue)"
            if shown[group, default: 0] >= limit {
                hidden[group, default: 0] += 1
                continue
            }
            shown[group, default: 0] += 1
            if group != lastGroup {
                lines.append("")
                lines.append("\(step.phase.rawValue) · \(step.action.rawValue)")
                lastGroup = group
            }
            lines.append("  " + line(step))
        }
        for (group, count) in hidden.sorted(by: { $0.key < $1.key }) {
            lines.append("… and \(count) more \(group) steps (see plan.json)")
        }
        return lines.joined(separator: "\n")
    }

    /// One step: `#12 product 668901 price 0 → 4950000; enabled true → false`; controls and bidi overrides
    /// in the values shown as `⟨U+202E⟩` (`SafeText`), since this goes to a terminal.
    /// - Parameter step: A plan step.
    /// - Returns: One line.
    package static func line(_ step: PlanStep) -> String {
        func show(_ value: PlanValue) -> String {
            guard let urls = value.texts, !urls.isEmpty, urls.count <= 3 else { return value.description }
            return "[" + urls.joined(separator: " ") + "]"
        }
        let columns = step.set.keys.sorted().map { column -> String in
            let new = show(step.set[column] ?? .null)
            guard let old = step.was[column] else { return "\(column) = \(new)" }
            return "\(column) \(show(old)) → \(new)"
        }
        var text = "#\(step.seq) \(step.entity) \(step.target.map(String.init) ?? step.key)"
        if step.entity == "order", step.key != step.target.map(String.init) { text += " (Bitrix \(step.key))" }
        if !columns.isEmpty { text += " " + columns.joined(separator: "; ") }
        if let reason = step.reason { text += " — skip: \(reason)" }
        return SafeText.visible(text)
    }
}
