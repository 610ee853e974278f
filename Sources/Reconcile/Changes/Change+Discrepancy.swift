public import BackstopModel

extension Change {
    /// The discrepancy this change renders as, with its cause resolved through `causes`.
    public func discrepancy(causes: CauseRules) -> Discrepancy {
        let cause = causes.cause(for: evidence)
        return Discrepancy(
            kind: kind, key: key, field: field, item: item, bitrixValue: bitrix.raw, catalogValue: catalog.raw,
            bitrixNormalized: bitrix.normalized, catalogNormalized: catalog.normalized, parser: rule, cause: cause.code,
            probableCause: cause.text, action: action.rawValue, severity: cause.severity)
    }
}
