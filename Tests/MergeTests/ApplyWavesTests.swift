import BackstopModel
import Testing

@testable import BackstopMerge

/// Which batches of an apply run at once: waves end only where a row the plan writes twice comes back, and
/// at a sequence.
@Suite struct ApplyWavesTests {
    /// Numbered batches of `size` steps over `steps` (plan order), as the applier cuts them.
    func numbered(_ steps: [PlanStep], size: Int) -> [PlanApplier.NumberedBatch] {
        PlanApplier.batches(steps, size: size).enumerated().map { .init(number: $0.offset + 1, batch: $0.element) }
    }

    func step(_ seq: Int, _ phase: PlanPhase, _ action: PlanAction, _ entity: String, _ target: Int64?) -> PlanStep {
        PlanStep(
            seq: seq, phase: phase, action: action, entity: entity, target: target, key: String(target ?? 0),
            resolves: [], set: [:], was: [:])
    }

    /// Products 1-4 updated, 5-8 re-imaged, orders 1-4 given a status, then a sequence.
    func plan(imaging first: Int64) -> [PlanStep] {
        var steps: [PlanStep] = []
        for id in Int64(1)...4 { steps.append(step(steps.count + 1, .products, .update, "product", id)) }
        for id in first...(first + 3) {
            steps.append(step(steps.count + 1, .productImages, .update, "productimage", id))
        }
        for id in Int64(1)...4 { steps.append(step(steps.count + 1, .orders, .updateStatus, "order", id)) }
        steps.append(step(steps.count + 1, .sequences, .advanceSequence, "sequence", nil))
        return steps
    }

    func chained(_ steps: [PlanStep]) -> Set<PlanApplier.RowKey> {
        var count: [PlanApplier.RowKey: Int] = [:]
        for step in steps { count[PlanApplier.RowKey(step), default: 0] += 1 }
        return Set(count.filter { $0.value > 1 }.keys)
    }

    @Test func batchesOfDistinctRowsAreOneWaveAcrossKindsAndASequenceIsAlone() {
        let steps = plan(imaging: 5)
        let waves = PlanApplier.waves(numbered(steps, size: 2), chained: chained(steps))
        #expect(waves.map { $0.map(\.number) } == [[1, 2, 3, 4, 5, 6], [7]])
    }

    @Test func aRowWrittenAgainStartsANewWaveAtTheBatchThatWritesIt() {
        // Product 4 is updated (batch 2) and re-imaged (batch 3): batch 3 waits for batch 2's wave.
        let steps = plan(imaging: 4)
        let waves = PlanApplier.waves(numbered(steps, size: 2), chained: chained(steps))
        #expect(waves.map { $0.map(\.number) } == [[1, 2], [3, 4, 5, 6], [7]])
    }
}
