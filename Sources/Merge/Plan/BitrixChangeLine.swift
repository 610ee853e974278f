import BackstopModel
public import BackstopReconcile

/// One line of `bitrix_changes.ndjson`: which Bitrix record and field a change is about, its current value
/// in Bitrix, the catalog's value it should take, and why they differ. Written with sorted keys; `field`,
/// `item` and `catalog_id` are left out when the change has none, `bitrix` and `catalog` are `null` when
/// that side has no value.
public struct BitrixChangeLine: Sendable, Hashable, Codable {
    /// The discrepancy kind (`order.field`).
    public var kind: String
    /// The Bitrix entity (`order`, `product`).
    public var entity: String
    /// The Bitrix record's key (product id, Bitrix order id).
    public var key: String
    /// The field, for a field change.
    public var field: String?
    /// The item (an order line's product), for a change of one item.
    public var item: String?
    /// The catalog row's id, when the record has one there.
    public var catalogID: Int64?
    /// The value in Bitrix as dumped, `nil` for none.
    public var bitrix: String?
    /// The catalog's value (what Bitrix should take), `nil` for none.
    public var catalog: String?
    /// The probable cause's code (`delivery_fee_dropped`).
    public var cause: String
    /// The probable cause in words.
    public var probableCause: String

    /// The line of `change`, its cause looked up in `causes`.
    /// - Parameters:
    ///   - change: A change the catalog wins.
    ///   - causes: The cause table.
    public init(_ change: Change, causes: CauseRules) {
        let cause = causes.cause(for: change.evidence)
        kind = change.kind.rawValue
        entity = change.kind.entity
        key = change.key
        field = change.field
        item = change.item
        catalogID = change.catalogID
        bitrix = change.bitrix.raw
        catalog = change.catalog.raw
        self.cause = cause.code
        probableCause = cause.text
    }

    enum CodingKeys: String, CodingKey {
        case kind, entity, key, field, item, catalogID = "catalog_id", bitrix, catalog, cause
        case probableCause = "probable_cause"
    }

    /// Writes every key, with `bitrix` and `catalog` as `null` when absent and the other optionals left out.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(entity, forKey: .entity)
        try container.encode(key, forKey: .key)
        try container.encodeIfPresent(field, forKey: .field)
        try container.encodeIfPresent(item, forKey: .item)
        try container.encodeIfPresent(catalogID, forKey: .catalogID)
        try container.encode(bitrix, forKey: .bitrix)
        try container.encode(catalog, forKey: .catalog)
        try container.encode(cause, forKey: .cause)
        try container.encode(probableCause, forKey: .probableCause)
    }
}
