public import BackstopModel
public import BackstopExtract

/// Whether a catalog sequence will hand out ids that Bitrix already uses.
public enum SequenceCheck {
    /// `sequence.collision_risk` when the next value lies within [min, max] of the Bitrix element ids.
    public static func check(_ sequence: CatalogSequence, bitrixIDs: IDSet) -> Change? {
        guard let low = bitrixIDs.min, let high = bitrixIDs.max else { return nil }
        let next = sequence.nextValue
        guard next >= low && next <= high else { return nil }
        return Change(
            kind: .sequenceCollisionRisk,
            key: String(sequence.name.split(separator: ".").last ?? Substring(sequence.name)), field: "last_value",
            bitrix: ChangeValue("\(low)..\(high)"),
            catalog: ChangeValue(raw: String(sequence.lastValue), normalized: "next \(next)"),
            rule: "sequence.next-in-range",
            evidence: .sequenceInBitrixRange, action: .advanceSequence)
    }
}
