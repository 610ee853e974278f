import BackstopModel

/// The builder's intermediate records: what is kept of each table's row until
/// ``BitrixModelBuilder/finish(completedAt:)`` joins them. Only the columns the model needs, already parsed.
extension BitrixModelBuilder {
    /// A catalog element (`b_iblock_element` of a catalog iblock, not a workflow copy): ids and flags, its
    /// text columns kept as bytes in ``BitrixModelBuilder/elementText`` until the products are built.
    ///
    /// Five strings per element (name, description, three times) were ~400 bytes of heap an element; as
    /// bytes they are the text itself, and the product later shares its catalog twin's strings where they
    /// are equal byte for byte.
    struct Element {
        /// `ID`: the product id preserved in the catalog.
        var id: Int64
        /// `IBLOCK_ID`.
        var iblockID: Int64
        /// `ACTIVE = 'Y'` (NULL counts as active; a value other than `Y` or `N` is reported and read as
        /// inactive).
        var active: Bool
        /// `PREVIEW_PICTURE`: a `b_file.ID`, the first image.
        var previewPicture: Int64?
        /// `DETAIL_PICTURE`: a `b_file.ID`.
        var detailPicture: Int64?
        /// Where `NAME`, `DETAIL_TEXT`, `ACTIVE_FROM`, `ACTIVE_TO`, `DATE_CREATE` and `TIMESTAMP_X` sit.
        var text: ElementText
    }

    /// An element's text columns in ``BitrixModelBuilder/elementText``: back to back from `start`, in the
    /// order of the fields below, each a byte count or `-1` for none (NULL, or a zero date). Dates are
    /// wall-clock text (`ACTIVE_FROM`, `ACTIVE_TO`: not live before / after; `DATE_CREATE`;
    /// `TIMESTAMP_X`, the element's last change).
    struct ElementText {
        /// Where `NAME` starts.
        var start: Int
        /// The byte counts: `NAME` (NULL is empty), `DETAIL_TEXT`, `ACTIVE_FROM`, `ACTIVE_TO`,
        /// `DATE_CREATE`, `TIMESTAMP_X`.
        var name, detailText, activeFrom, activeTo, dateCreate, timestamp: Int32

        /// `NAME`'s byte range.
        var nameRange: Range<Int> { start..<(start + Int(max(name, 0))) }

        /// The byte ranges of the six columns (`nil` for none), in field order.
        var ranges: [Range<Int>?] {
            var next = start
            return [name, detailText, activeFrom, activeTo, dateCreate, timestamp].map { count in
                guard count >= 0 else { return nil }
                defer { next += Int(count) }
                return next..<(next + Int(count))
            }
        }
    }

    /// A `b_catalog_price` row.
    struct Price {
        /// `PRODUCT_ID`: the element the price belongs to.
        var product: Int64
        /// `ID` (ties between equal `QUANTITY_FROM` go to the lowest).
        var id: Int64
        /// `CATALOG_GROUP_ID`: only the base group's price is the product's price.
        var group: Int64
        /// `CURRENCY` (`KZT`, …).
        var currency: String
        /// `PRICE` in kopecks; `nil` (with a problem) when unreadable.
        var kopecks: Kopecks?
        /// `QUANTITY_FROM`: the lowest tier (0 or NULL) is the list price.
        var quantityFrom: Int64
    }

    /// A `b_file` row: where an uploaded picture lives (`/upload/<SUBDIR>/<FILE_NAME>`), as a slice of
    /// ``BitrixModelBuilder/fileBytes`` (`SUBDIR` then `FILE_NAME`, back to back).
    ///
    /// A dump holds a few files per element (2.5 million at the `l` world's million products): two
    /// strings per file were ~150 bytes each in a dictionary; sixteen bytes here plus the text itself.
    struct FileRef {
        /// Where `SUBDIR` starts in ``BitrixModelBuilder/fileBytes``.
        var offset: Int
        /// `SUBDIR`'s length in bytes (`iblock/3f2`); `FILE_NAME` follows it.
        var subdirCount: UInt32
        /// `FILE_NAME`'s length in bytes.
        var nameCount: UInt32
    }

    /// A `b_iblock_element_property` row of a property the model reads (seller, ready, sizes, gallery).
    struct PropertyValue {
        /// `ID`: multiple values of one property keep this order.
        var id: Int64
        /// `IBLOCK_ELEMENT_ID`.
        var elementID: Int64
        /// `VALUE`, as text (an element id, a file id, `Y`, a size).
        var value: String
    }

    /// A `b_sale_order` row in scope.
    struct Order {
        /// `ID`: the Bitrix order id.
        var id: Int64
        /// `STATUS_ID` (`N`, `F`, `UN`, …), mapped later through the status map.
        var status: String
        /// `PRICE`: the order total.
        var total: Kopecks?
        /// `PRICE_DELIVERY`.
        var delivery: Kopecks?
        /// `CURRENCY`.
        var currency: String
        /// `USER_ID`.
        var userID: Int64?
        /// N of `XML_ID = 'railway-N'`: the catalog order this Bitrix order was pushed from.
        var railwayID: Int64?
        /// `DATE_INSERT`.
        var created: String?
        /// `DATE_UPDATE`.
        var updated: String?
    }

    /// A basket line; `name` is `nil` when it equals the element's own name (most lines: one string less each).
    struct BasketLine {
        /// `ID`: lines keep this order.
        var id: Int64
        /// `ORDER_ID`.
        var orderID: Int64
        /// `PRODUCT_ID`: the element id.
        var productID: Int64
        /// `NAME` when it differs from the element's name; the element's name is filled in when the
        /// products are built (the elements are released then).
        var name: String?
        /// `PRICE` per unit in kopecks.
        var price: Kopecks
        /// `QUANTITY` in 1/10000 units (DECIMAL(18,4)).
        var quantity: Int64
    }

    /// A `b_sale_order_props_value` row: one order property (customer name, phones, address, delivery
    /// date, `shopId`, …).
    struct OrderProp {
        /// `ID`.
        var id: Int64
        /// `ORDER_PROPS_ID`, resolved to a code through `b_sale_order_props` when `CODE` is empty.
        var propsID: Int64?
        /// `CODE`, when the row carries it.
        var code: String?
        /// `VALUE`.
        var value: String
    }
}

/// One property's values sorted by element, then `ID`, read in ascending element order: the walk of
/// ``BitrixModelBuilder/buildProducts(snapshot:)`` over a property without a dictionary of arrays.
struct PropertyColumn {
    /// The values, ordered by `IBLOCK_ELEMENT_ID`, then `ID`.
    let all: [BitrixModelBuilder.PropertyValue]
    /// The first value not yet passed.
    var position = 0

    /// A walk over `values` (already ordered by element, then `ID`).
    init(_ values: [BitrixModelBuilder.PropertyValue]) { all = values }

    /// The values of `element`, in `ID` order; the walk moves past them. Ask each element once, in
    /// ascending id order (values of elements never asked for are skipped).
    mutating func values(of element: Int64) -> ArraySlice<BitrixModelBuilder.PropertyValue> {
        while position < all.count && all[position].elementID < element { position += 1 }
        let start = position
        while position < all.count && all[position].elementID == element { position += 1 }
        return all[start..<position]
    }
}

/// The catalog's products walked in ascending id order beside the elements, to find each element's twin
/// (the catalog product with its id) whose strings a Bitrix product can share.
struct TwinCursor {
    /// The catalog's products, ascending by id; empty when they came in another order (no sharing then).
    let all: [CanonicalProduct]
    /// The first product not yet passed.
    var position = 0

    /// A walk over `products` (the catalog reader's, in id order).
    init(_ products: [CanonicalProduct]) {
        var ascending = true
        for k in products.indices.dropFirst() where products[k - 1].id >= products[k].id {
            ascending = false
            break
        }
        all = ascending ? products : []
    }

    /// The catalog product with this id, `nil` when there is none; ask in ascending id order.
    mutating func product(_ id: Int64) -> CanonicalProduct? {
        while position < all.count && all[position].id < id { position += 1 }
        return position < all.count && all[position].id == id ? all[position] : nil
    }
}

/// A table's handler with its column positions (`-1` for an absent column), resolved once per INSERT.
///
/// Looking columns up by name once per INSERT instead of once per row is what lets the builder read
/// values by position; a dump whose INSERTs name their columns (`--complete-insert`) in another order
/// works the same. A column the table lacks is `-1`, and every accessor treats it as NULL.
enum TableHandler {
    /// `b_iblock_element`.
    case element(ElementColumns)
    /// `b_iblock_element_property`.
    case propertyValue(PropertyValueColumns)
    /// `b_iblock_property`.
    case property(PropertyColumns)
    /// `b_catalog_price`.
    case price(PriceColumns)
    /// `b_catalog_group`.
    case group(GroupColumns)
    /// `b_file`.
    case file(FileColumns)
    /// `b_sale_order`.
    case order(OrderColumns)
    /// `b_sale_basket`.
    case basket(BasketColumns)
    /// `b_sale_order_props_value`.
    case orderPropValue(OrderPropValueColumns)
    /// `b_sale_order_props`.
    case orderProp(OrderPropColumns)
    /// `b_user`.
    case user(UserColumns)
    /// Any other table: its rows are ignored.
    case other

    /// The handler for `table` with the positions of the columns it reads in `columns`.
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

/// Column positions of `b_iblock_element` (each `-1` when absent).
struct ElementColumns {
    var id, iblock, parent, active, activeFrom, activeTo, name, preview, detail, detailText, dateCreate, timestamp: Int
}

/// Column positions of `b_iblock_element_property`.
struct PropertyValueColumns { var id, property, element, value: Int }
/// Column positions of `b_iblock_property`.
struct PropertyColumns { var id, code, iblock: Int }
/// Column positions of `b_catalog_price`.
struct PriceColumns { var id, product, group, price, currency, quantityFrom: Int }
/// Column positions of `b_catalog_group`.
struct GroupColumns { var id, base: Int }
/// Column positions of `b_file`.
struct FileColumns { var id, subdir, name: Int }
/// Column positions of `b_sale_order` (`site` is `LID`, `xmlID` is `XML_ID`).
struct OrderColumns { var id, site, status, price, delivery, currency, user, xmlID, inserted, updated: Int }
/// Column positions of `b_sale_basket`.
struct BasketColumns { var id, order, product, name, price, quantity: Int }
/// Column positions of `b_sale_order_props_value`.
struct OrderPropValueColumns { var id, order, props, code, value: Int }
/// Column positions of `b_sale_order_props`.
struct OrderPropColumns { var id, code: Int }
/// Column positions of `b_user` (`phone` is `PERSONAL_PHONE`, `mobile` `PERSONAL_MOBILE`).
struct UserColumns { var id, login, name, lastName, email, active, phone, mobile: Int }
