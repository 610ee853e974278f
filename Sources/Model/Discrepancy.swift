/// One difference between Bitrix and the catalog (or the visual index), with both raw values, the
/// parser that read them and the probable upstream cause.
///
/// This is the rendering every report, the run ledger (`backstop.discrepancy`) and the NDJSON output share;
/// reconcilers produce typed `Change`s rendered into this shape, the index stage builds it directly.
/// Values are text so that one record holds a price, a status or an image list alike; a `nil` value
/// means the side has no such row or field.
public struct Discrepancy: Sendable, Hashable, Codable {
    /// How bad a discrepancy is.
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable {
        /// Expected, systematic loss of the webhook path (e.g. type always FLOWERS); reported, not alarming.
        case info
        /// Worth a look; not data loss.
        case warning
        /// Data is wrong or missing on one side.
        case error
    }

    /// The kind (manifest name).
    public var kind: DiscrepancyKind
    /// The entity (`product`, `order`, …).
    public var entity: String
    /// The key of the entity (product id, Bitrix order id, …) as text.
    public var key: String
    /// The field that differs, for `*.field` kinds.
    public var field: String?
    /// The order line's product id, for item-level kinds (`order.item_*`, `order.dangling_product`).
    public var item: String?
    /// The Bitrix-side value as text, `nil` when absent.
    public var bitrixValue: String?
    /// The catalog-side value as text, `nil` when absent.
    public var catalogValue: String?
    /// The Bitrix-side value as compared (normalised), `nil` when absent.
    public var bitrixNormalized: String?
    /// The catalog-side value as compared (normalised), `nil` when absent.
    public var catalogNormalized: String?
    /// Which parser or rule produced the comparison (e.g. `price.kzt-decimal`).
    public var parser: String?
    /// The probable cause as a stable code (`lost_create`, `status_webhook_lost`, …).
    public var cause: String?
    /// The probable upstream cause (upstream.md §2.8), e.g. `webhook lost (no retry)`.
    public var probableCause: String?
    /// What the default policy plans (`insert`, `update`, `soft_delete`, `report`, …).
    public var action: String?
    /// How bad it is: set with the cause (the reconciler's cause table, the index stage's finding table),
    /// so one cause always has one severity.
    public var severity: Severity
    /// Named measurements behind the finding (an `image.duplicate` pair's cosine, hash distances,
    /// alignment scores and the transform found), `nil` for findings that have none.
    public var measures: [String: Double]?

    /// Records a finding; `entity` defaults to the kind's entity and `severity` to ``Severity/error``, so
    /// a producer names only what it knows.
    public init(
        kind: DiscrepancyKind, entity: String? = nil, key: String, field: String? = nil, item: String? = nil,
        bitrixValue: String? = nil, catalogValue: String? = nil, bitrixNormalized: String? = nil,
        catalogNormalized: String? = nil, parser: String? = nil, cause: String? = nil, probableCause: String? = nil,
        action: String? = nil, severity: Severity = .error, measures: [String: Double]? = nil
    ) {
        self.kind = kind
        self.entity = entity ?? kind.entity
        self.key = key
        self.field = field
        self.item = item
        self.bitrixValue = bitrixValue
        self.catalogValue = catalogValue
        self.bitrixNormalized = bitrixNormalized
        self.catalogNormalized = catalogNormalized
        self.parser = parser
        self.cause = cause
        self.probableCause = probableCause
        self.action = action
        self.severity = severity
        self.measures = measures
    }
}
