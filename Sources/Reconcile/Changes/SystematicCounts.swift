/// The webhook path's losses on every product, counted once per field instead of itemised: type always
/// FLOWERS, description never synced, created_at = sync time, vitrina width/height never read.
///
/// Listing them per product would bury the findings someone can act on under thousands of rows that
/// say the same thing; a count per field shows the scale and stays stable from run to run.
public struct SystematicCounts: Sendable, Hashable {
    /// One systematic loss.
    public enum Loss: String, Sendable, Hashable, CaseIterable, Comparable {
        /// `product.type` is FLOWERS whatever Bitrix's IS_READY says.
        case type = "product.type"
        /// `product.description` never carries DETAIL_TEXT.
        case description = "product.description"
        /// `product.created_at` is the sync time, not DATE_CREATE.
        case createdAt = "product.created_at"
        /// Vitrina WIDTH never read.
        case vitrinaWidth = "product.width"
        /// Vitrina HEIGHT never read.
        case vitrinaHeight = "product.height"

        /// What the webhook does, for the report.
        public var explanation: String {
            switch self {
            case .type: "the product webhook writes type FLOWERS for every product (IS_READY/vitrina never mapped)"
            case .description: "DETAIL_TEXT is never synced to description"
            case .createdAt: "created_at is the sync time, not Bitrix DATE_CREATE"
            case .vitrinaWidth: "vitrina WIDTH is never read (catalog width NULL)"
            case .vitrinaHeight: "vitrina HEIGHT is never read (catalog height NULL)"
            }
        }

        /// Orders losses by name.
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// Products affected, per loss.
    public private(set) var counts: [Loss: Int] = [:]

    /// No losses counted.
    public init() {}

    /// Counts one affected product.
    /// - Parameter loss: The field the webhook lost for it.
    public mutating func add(_ loss: Loss) { counts[loss, default: 0] += 1 }
}
