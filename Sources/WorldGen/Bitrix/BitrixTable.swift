/// The Bitrix tables of the synthetic world, with their real column lists (bitrix-mysqldump.md §A).
public enum BitrixTable: String, Sendable, CaseIterable, Codable {
    case catalogGroup = "b_catalog_group"
    case catalogPrice = "b_catalog_price"
    case catalogProduct = "b_catalog_product"
    case file = "b_file"
    case iblockElement = "b_iblock_element"
    case iblockElementProperty = "b_iblock_element_property"
    case iblockProperty = "b_iblock_property"
    case saleBasket = "b_sale_basket"
    case saleOrder = "b_sale_order"
    case saleOrderPropsValue = "b_sale_order_props_value"
    case saleStatus = "b_sale_status"
    case saleStatusLang = "b_sale_status_lang"
    case user = "b_user"

    /// The table name.
    public var name: String { rawValue }

    /// Whether the first column is an `AUTO_INCREMENT` id (MariaDB then prints `AUTO_INCREMENT=max+1`).
    var hasAutoIncrement: Bool {
        switch self {
        case .catalogProduct, .saleStatus, .saleStatusLang: false
        default: true
        }
    }

    /// Tables in the order mariadb-dump writes them (alphabetical).
    public static var dumpOrder: [BitrixTable] { allCases.sorted { $0.rawValue < $1.rawValue } }
}
