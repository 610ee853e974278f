public import BackstopModel

/// One typed difference between Bitrix and the catalog: what differs (entity, key, field, item), both
/// values raw and normalised, the rule that compared them, the evidence behind the probable cause, and
/// the action the default policy plans. Discrepancies, plans and reports are renderings of changes.
///
/// Typed where a `Discrepancy` is text: ``evidence`` is an enum (not a sentence) and ``action`` a
/// ``ChangeAction``, so merge planning can switch over them and the words can change without touching a
/// comparison.
///
/// ```swift
/// Change(
///     kind: .productField, key: "1042", field: "price",
///     bitrix: ChangeValue(raw: "4950.00", normalized: "495000"),
///     catalog: ChangeValue(raw: "0.00", normalized: "0"),
///     rule: "price.kopecks", evidence: .priceParsedToZero, action: .update, shop: 17008)
/// ```
public struct Change: Sendable, Hashable {
    /// The kind (the world manifest's names).
    public var kind: DiscrepancyKind
    /// The key: product id, Bitrix order id (else `catalog:<id>`), or sequence name.
    public var key: String
    /// The field, for field-level kinds.
    public var field: String?
    /// The order line's product id, for item-level kinds.
    public var item: String?
    /// The Bitrix side.
    public var bitrix: ChangeValue
    /// The catalog side.
    public var catalog: ChangeValue
    /// The comparison rule used (`price.kopecks`, `text.nfc-whitespace`, …).
    public var rule: String
    /// What the comparison saw that points to a cause; resolved through ``CauseRules``.
    public var evidence: Evidence
    /// What the default policy would do about it (merge planning resolves it through the configured policy).
    public var action: ChangeAction
    /// The catalog row the change concerns when the key does not name it (an order's `"order".id`).
    public var catalogID: Int64?
    /// The shop whose report holds the change (``ShopScope/owner(bitrix:catalog:)``); `nil` for a change
    /// made outside a reconciliation.
    public var shop: Int64?

    /// Records a change; reconcilers build them, and ``shop`` may be filled in afterwards when the owner
    /// is known only once the whole record is compared.
    public init(
        kind: DiscrepancyKind, key: String, field: String? = nil, item: String? = nil, bitrix: ChangeValue = .absent,
        catalog: ChangeValue = .absent, rule: String, evidence: Evidence, action: ChangeAction, catalogID: Int64? = nil,
        shop: Int64? = nil
    ) {
        self.catalogID = catalogID
        self.shop = shop
        self.kind = kind
        self.key = key
        self.field = field
        self.item = item
        self.bitrix = bitrix
        self.catalog = catalog
        self.rule = rule
        self.evidence = evidence
        self.action = action
    }

    /// The order reports list changes in: kind, key (shorter numeric keys first, so `99` precedes `100`),
    /// field, item. The same order as `Discrepancy.Identity`'s, so a sorted change list
    /// renders as a sorted discrepancy list.
    /// - Parameters:
    ///   - a: A change.
    ///   - b: Another change.
    /// - Returns: Whether `a` is listed before `b`.
    public static func reportOrder(_ a: Change, _ b: Change) -> Bool {
        if a.kind != b.kind { return a.kind < b.kind }
        if a.key != b.key { return a.key.count != b.key.count ? a.key.count < b.key.count : a.key < b.key }
        if a.field != b.field { return (a.field ?? "") < (b.field ?? "") }
        return (a.item ?? "") < (b.item ?? "")
    }
}

/// One side's value of a change: as read and as compared. A price reads `4950.00` and compares as
/// `495000` (kopecks); a name reads with its NBSP and compares normalised.
public struct ChangeValue: Sendable, Hashable {
    /// The value as read (text form), `nil` when the side has none.
    public var raw: String?
    /// The value as compared after normalisation, `nil` when the side has none.
    public var normalized: String?

    /// A value whose raw and normalised forms are the same.
    public init(_ value: String?) {
        raw = value
        normalized = value
    }

    /// A value with a distinct normalised form.
    public init(raw: String?, normalized: String?) {
        self.raw = raw
        self.normalized = normalized
    }

    /// No value on this side.
    public static let absent = ChangeValue(nil)
}

/// What the default conflict policy plans for a change (merge planning reads it; reports show it).
public enum ChangeAction: String, Sendable, Hashable, CaseIterable {
    /// Insert the row with its preserved id.
    case insert
    /// Update the named field in the catalog (Bitrix wins).
    case update
    /// Set `enabled = false` (never a hard delete).
    case softDelete = "soft_delete"
    /// Insert the missing `productimage` rows.
    case insertImages = "insert_images"
    /// Update the order status and append `orderhistory` (`changed_by = 'backstop'`).
    case updateStatus = "update_status"
    /// Back-fill `"order".bitrix_order_id`.
    case backfillLink = "backfill_link"
    /// Advance the sequence past the Bitrix id range.
    case advanceSequence = "advance_sequence"
    /// The catalog wins: a change for the Bitrix side (`bitrix_changes.ndjson`), never a catalog write.
    case bitrixChange = "bitrix_change"
    /// Reported for a person to decide; nothing is written.
    case report
    /// The policy would write it, but it cannot be applied as it stands (the plan step says why); nothing
    /// is written, never a silent truncation.
    case skip
}
