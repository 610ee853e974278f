import BackstopModel

extension BitrixModelBuilder {
    struct Element {
        var id: Int64
        var iblockID: Int64
        var name: String
        var active: Bool
        var activeFrom: String?
        var activeTo: String?
        var previewPicture: Int64?
        var detailPicture: Int64?
        var detailText: String?
        var dateCreate: String?
        /// `TIMESTAMP_X`: the element's last change.
        var timestamp: String?
    }

    struct Price {
        var id: Int64
        var group: Int64
        var currency: String
        var kopecks: Kopecks?
        var quantityFrom: Int64
    }

    struct File {
        var subdir: String
        var name: String
    }

    struct PropertyValue {
        var id: Int64
        var elementID: Int64
        var value: String
    }

    struct Order {
        var id: Int64
        var status: String
        var total: Kopecks?
        var delivery: Kopecks?
        var currency: String
        var userID: Int64?
        var railwayID: Int64?
        var created: String?
        var updated: String?
    }

    /// A basket line; `name` is `nil` when it equals the element's own name (most lines: one string less each).
    struct BasketLine {
        var id: Int64
        var orderID: Int64
        var productID: Int64
        var name: String?
        var price: Kopecks
        var quantity: Int64
    }

    struct OrderProp {
        var id: Int64
        var propsID: Int64?
        var code: String?
        var value: String
    }
}

/// A table's handler with its column positions (`-1` for an absent column), resolved once per INSERT.
enum TableHandler {
    case element(ElementColumns)
    case propertyValue(PropertyValueColumns)
    case property(PropertyColumns)
    case price(PriceColumns)
    case group(GroupColumns)
    case file(FileColumns)
    case order(OrderColumns)
    case basket(BasketColumns)
    case orderPropValue(OrderPropValueColumns)
    case orderProp(OrderPropColumns)
    case user(UserColumns)
    case other

    init(table: String, columns: DumpColumns) {
        func at(_ name: String) -> Int { columns.index(of: name) ?? -1 }
        switch table {
        case "b_iblock_element":
            self = .element(
                ElementColumns(
                    id: at("ID"), iblock: at("IBLOCK_ID"), parent: at("WF_PARENT_ELEMENT_ID"), active: at("ACTIVE"),
                    activeFrom: at("ACTIVE_FROM"), activeTo: at("ACTIVE_TO"), name: at("NAME"),
                    preview: at("PREVIEW_PICTURE"),
                    detail: at("DETAIL_PICTURE"), detailText: at("DETAIL_TEXT"), dateCreate: at("DATE_CREATE"),
                    timestamp: at("TIMESTAMP_X")))
        case "b_iblock_element_property":
            self = .propertyValue(
                PropertyValueColumns(
                    id: at("ID"), property: at("IBLOCK_PROPERTY_ID"), element: at("IBLOCK_ELEMENT_ID"),
                    value: at("VALUE")))
        case "b_iblock_property":
            self = .property(PropertyColumns(id: at("ID"), code: at("CODE"), iblock: at("IBLOCK_ID")))
        case "b_catalog_price":
            self = .price(
                PriceColumns(
                    id: at("ID"), product: at("PRODUCT_ID"), group: at("CATALOG_GROUP_ID"), price: at("PRICE"),
                    currency: at("CURRENCY"), quantityFrom: at("QUANTITY_FROM")))
        case "b_catalog_group":
            self = .group(GroupColumns(id: at("ID"), base: at("BASE")))
        case "b_file":
            self = .file(FileColumns(id: at("ID"), subdir: at("SUBDIR"), name: at("FILE_NAME")))
        case "b_sale_order":
            self = .order(
                OrderColumns(
                    id: at("ID"), site: at("LID"), status: at("STATUS_ID"), price: at("PRICE"),
                    delivery: at("PRICE_DELIVERY"),
                    currency: at("CURRENCY"), user: at("USER_ID"), xmlID: at("XML_ID"), inserted: at("DATE_INSERT"),
                    updated: at("DATE_UPDATE")))
        case "b_sale_basket":
            self = .basket(
                BasketColumns(
                    id: at("ID"), order: at("ORDER_ID"), product: at("PRODUCT_ID"), name: at("NAME"),
                    price: at("PRICE"),
                    quantity: at("QUANTITY")))
        case "b_sale_order_props_value":
            self = .orderPropValue(
                OrderPropValueColumns(
                    id: at("ID"), order: at("ORDER_ID"), props: at("ORDER_PROPS_ID"), code: at("CODE"),
                    value: at("VALUE")))
        case "b_sale_order_props":
            self = .orderProp(OrderPropColumns(id: at("ID"), code: at("CODE")))
        case "b_user":
            self = .user(
                UserColumns(
                    id: at("ID"), login: at("LOGIN"), name: at("NAME"), lastName: at("LAST_NAME"), email: at("EMAIL"),
                    active: at("ACTIVE"), phone: at("PERSONAL_PHONE"), mobile: at("PERSONAL_MOBILE")))
        default:
            self = .other
        }
    }

}

struct ElementColumns {
    var id, iblock, parent, active, activeFrom, activeTo, name, preview, detail, detailText, dateCreate, timestamp: Int
}

struct PropertyValueColumns { var id, property, element, value: Int }
struct PropertyColumns { var id, code, iblock: Int }
struct PriceColumns { var id, product, group, price, currency, quantityFrom: Int }
struct GroupColumns { var id, base: Int }
struct FileColumns { var id, subdir, name: Int }
struct OrderColumns { var id, site, status, price, delivery, currency, user, xmlID, inserted, updated: Int }
struct BasketColumns { var id, order, product, name, price, quantity: Int }
struct OrderPropValueColumns { var id, order, props, code, value: Int }
struct OrderPropColumns { var id, code: Int }
struct UserColumns { var id, login, name, lastName, email, active, phone, mobile: Int }
