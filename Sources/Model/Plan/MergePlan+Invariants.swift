extension MergePlan {
    /// Traps when the plan breaks one of its invariants (see ``invariantViolations()``). Compiles to nothing
    /// unless `BACKSTOP_INTERNAL_CHECKS` is defined (CI runs the tests once with it).
    @inline(__always)
    public func _checkInvariants() {
        #if BACKSTOP_INTERNAL_CHECKS
            let violations = invariantViolations()
            precondition(violations.isEmpty, "merge plan invariants: \(violations.prefix(5).joined(separator: "; "))")
        #endif
    }

    /// The plan's broken invariants, empty when it is consistent: `seq` is 1, 2, 3, … in dependency order
    /// (phases never go back); no row is both inserted and soft-deleted; a row has at most one writing
    /// step per phase; a write names its row, a planned row version where the row must exist and none where it
    /// must not; a skip says why and nothing else does.
    ///
    /// - Complexity: O(n) in the number of steps.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var previous: PlanPhase?
        var inserted = Set<Int64>()
        var softDeleted = Set<Int64>()
        var perPhase = Set<String>()
        for (i, step) in steps.enumerated() {
            let name = "step \(step.seq) (\(step.action.rawValue) \(step.entity) \(step.key))"
            if step.seq != i + 1 { problems.append("\(name): seq \(step.seq) at position \(i + 1)") }
            if let previous, step.phase < previous {
                problems.append("\(name): phase \(step.phase.rawValue) after \(previous.rawValue)")
            }
            previous = step.phase
            let row = "\(step.phase.rawValue) \(step.entity) \(step.target.map(String.init) ?? step.key)"
            if step.action != .skip && !perPhase.insert(row).inserted {
                problems.append("\(name): a second step for \(row)")
            }
            if step.entity == "product", let target = step.target {
                if step.action == .insert { inserted.insert(target) }
                if step.action == .softDelete { softDeleted.insert(target) }
            }
            if step.action == .skip {
                if (step.reason ?? "").isEmpty { problems.append("\(name): a skip without a reason") }
                continue
            }
            if step.reason != nil { problems.append("\(name): a reason on a step that writes") }
            if step.entity != "sequence" && step.target == nil { problems.append("\(name): no target row") }
            switch step.action {
            case .insert, .advanceSequence:
                if step.version != nil { problems.append("\(name): a row version on a row that must not exist") }
            default:
                if step.version == nil { problems.append("\(name): no planned row version") }
            }
        }
        for id in inserted.intersection(softDeleted).sorted() {
            problems.append("product \(id) both inserted and soft-deleted")
        }
        return problems
    }
}
