/// Every kind of discrepancy Backstop can report. The raw values are the names used by the ground-truth
/// manifest of the synthetic world, the `backstop.discrepancy` table and every report format.
///
/// A kind names what differs, never why: the cause is a separate code on the finding. The part before the
/// dot is the entity (``entity``). Product keys are the element id, order keys the Bitrix order id (or
/// `catalog:<id>` for a catalog order with no Bitrix side), embedding and image keys the product id.
/// Adding a kind means a case here, its producer (a reconciler or the index stage) with its evidence in
/// the cause table, its default action in the merge policy and its name in `schema/report.schema.json`'s
/// `kind` enum; the report formats iterate over every case, so the kind gets its CSV file, JUnit case and
/// metric series without further code. The whole path, with tests: <doc:AddingADiscrepancyKind>.
public enum DiscrepancyKind: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// An enabled Bitrix element with no catalog row of that id (the create webhook was lost).
    case productMissing = "product.missing"
    /// An enabled catalog product whose id no Bitrix element has (deleted in Bitrix, delete never synced).
    /// Never reported from a truncated dump.
    case productOrphan = "product.orphan"
    /// A matched product whose `name`, `price`, `enabled`, `image`, `images`, `width` or `height` differs
    /// (the field is in ``Discrepancy/field``).
    case productField = "product.field"
    /// A matched product that sits in another shop than its Bitrix seller (often the webhook's own shop).
    case productShop = "product.shop"
    /// Another product under a Bitrix id: the names differ and the catalog row is older than the element or
    /// in another seller's shop. Nothing else is reported for that key.
    case productIDCollision = "product.id_collision"
    /// A catalog product with no image rows whose Bitrix element has pictures (the create-fallback path).
    case productImagesMissing = "product.images_missing"
    /// A Bitrix order that names its catalog order (`XML_ID = 'railway-N'`) when the catalog has no such order.
    case orderMissing = "order.missing"
    /// A catalog order whose Bitrix order is gone, or that was never pushed to Bitrix (key `catalog:<id>`).
    case orderOrphan = "order.orphan"
    /// A catalog order matched through `XML_ID` whose `bitrix_order_id` was never written.
    case orderLinkMissing = "order.link_missing"
    /// Several catalog orders carry the same `bitrix_order_id` (the order was created twice).
    case orderLinkDuplicate = "order.link_duplicate"
    /// A matched order whose mapped Bitrix status differs from the catalog's.
    case orderStatus = "order.status"
    /// A Bitrix status code the status map has no catalog value for; reported, never guessed.
    case orderStatusUnmapped = "order.status_unmapped"
    /// A matched order whose money, contact, address, delivery date or pickup flag differs.
    case orderField = "order.field"
    /// A Bitrix basket line with no catalog line of that product (``Discrepancy/item`` = product id).
    case orderItemMissing = "order.item_missing"
    /// A catalog line with no Bitrix basket line of that product.
    case orderItemExtra = "order.item_extra"
    /// A matched line whose `quantity`, `price` or `name` differs.
    case orderItemField = "order.item_field"
    /// A Bitrix order line whose product exists on neither side any more.
    case orderDanglingProduct = "order.dangling_product"
    /// A Bitrix order whose `USER_ID` names no user of the dump.
    case orderDanglingCustomer = "order.dangling_customer"
    /// The catalog's product id sequence will next hand out an id inside the Bitrix element id range
    /// (key = the sequence name).
    case sequenceCollisionRisk = "sequence.collision_risk"
    /// An enabled product with an image but no production embedding.
    case embeddingMissing = "embedding.missing"
    /// An embedding computed from another image URL, by another model, from changed bytes, malformed, or
    /// stored twice (``Discrepancy/field`` says which).
    case embeddingStale = "embedding.stale"
    /// An embedding of a disabled or absent product (upstream never deletes vectors).
    case embeddingOrphan = "embedding.orphan"
    /// A product image that could not be fetched or decoded.
    case imageUnreachable = "image.unreachable"
    /// Two products whose images are the same picture, verified from the pixels (key `first|second`).
    case imageDuplicate = "image.duplicate"

    /// The entity the kind is about (`product`, `order`, `sequence`, `embedding`, `image`).
    public var entity: String { String(rawValue.prefix(while: { $0 != "." })) }

    /// Orders kinds by their names, which groups them by entity: the order of every report's sections.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
