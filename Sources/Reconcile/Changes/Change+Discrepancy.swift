public import BackstopModel

extension Change {
    /// The discrepancy this change renders as, with its cause resolved through `causes`: code, text and
    /// severity come from the table, the action from ``action``; ``shop`` is not carried over.
    /// - Parameter causes: The cause table of the run's configuration.
    /// - Returns: The finding as reports, the ledger and NDJSON carry it.
    public func discrepancy(causes: CauseRules) -> Discrepancy {
        let cause = causes.cause(for: evidence)
        return Discrepancy(
            kind: kind, key: key, field: field, item: item, bitrixValue: bitrix.raw, catalogValue: catalog.raw,
            bitrixNormalized: bitrix.normalized, catalogNormalized: catalog.normalized, parser: rule, cause: cause.code,
            probableCause: cause.text, action: action.rawValue, severity: cause.severity)
    }
}
