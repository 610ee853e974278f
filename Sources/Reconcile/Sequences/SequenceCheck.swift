public import BackstopModel
public import BackstopExtract

/// Whether a catalog sequence will hand out ids that Bitrix already uses.
///
/// Product ids are preserved Bitrix element ids, so a product created in the catalog must take an id
/// Bitrix will never use. Upstream's `setval(MAX(id))` after an import puts the sequence inside the Bitrix
/// range, and the next catalog-created products take ids Bitrix already uses or will use
/// (`product.id_collision` in a later run). The plan advances the sequence past the range plus headroom.
public enum SequenceCheck {
    /// `sequence.collision_risk` when the next value lies within [min, max] of the Bitrix element ids.
    ///
    /// A next value in a gap of the Bitrix ids counts too: the values after it run into ids Bitrix
    /// already uses.
    /// - Parameters:
    ///   - sequence: The catalog's product id sequence as read with the products.
    ///   - bitrixIDs: Every element id of the dump.
    /// - Returns: The finding keyed by the sequence's unqualified name, or `nil` when the next value is
    ///   outside the range or the dump has no elements.
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
