/// Every kind of discrepancy Backstop can report. The raw values are the names used by the ground-truth
/// manifest of the synthetic world, the `backstop.discrepancy` table and every report format.
public enum DiscrepancyKind: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case productMissing = "product.missing"
    case productOrphan = "product.orphan"
    case productField = "product.field"
    case productShop = "product.shop"
    case productIDCollision = "product.id_collision"
    case productImagesMissing = "product.images_missing"
    case orderMissing = "order.missing"
    case orderOrphan = "order.orphan"
    case orderLinkMissing = "order.link_missing"
    case orderLinkDuplicate = "order.link_duplicate"
    case orderStatus = "order.status"
    case orderStatusUnmapped = "order.status_unmapped"
    case orderField = "order.field"
    case orderItemMissing = "order.item_missing"
    case orderItemExtra = "order.item_extra"
    case orderItemField = "order.item_field"
    case orderDanglingProduct = "order.dangling_product"
    case orderDanglingCustomer = "order.dangling_customer"
    case sequenceCollisionRisk = "sequence.collision_risk"
    case embeddingMissing = "embedding.missing"
    case embeddingStale = "embedding.stale"
    case embeddingOrphan = "embedding.orphan"
    case imageUnreachable = "image.unreachable"
    case imageDuplicate = "image.duplicate"

    /// The entity the kind is about (`product`, `order`, `sequence`, `embedding`, `image`).
    public var entity: String { String(rawValue.prefix(while: { $0 != "." })) }

    /// Orders kinds by their names.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
