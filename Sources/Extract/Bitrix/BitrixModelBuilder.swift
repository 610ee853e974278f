import BackstopModel
public import Foundation
public import Logging

/// Builds canonical products, orders and users from the rows of a Bitrix dump, in any table order.
///
/// It is an accumulator: feed every ``DumpRow`` to ``consume(_:)`` (the dump is alphabetical, so
/// `b_catalog_price` arrives before `b_iblock_element` and `b_sale_basket` before `b_sale_order`), then
/// call ``finish()``. Only what the model needs is kept: elements of the catalog iblocks, prices, files,
/// property values of the properties it reads, and the order, basket and user columns it maps.
///
/// Rows it cannot interpret (missing or non-integer ids, malformed decimals, unknown flags, references
/// to missing files) become ``ParseProblem``s with the table and row id instead of disappearing.
public final class BitrixModelBuilder {
    /// The configuration (iblocks, seller property, price group, URLs, site, time zone).
    public let configuration: BitrixConfiguration
    /// "Now" as wall-clock text in the site time zone, for ACTIVE_FROM/ACTIVE_TO.
    let nowText: String
    let logger: Logger

    var elements: [Int64: Element] = [:]
    var sawElements = false
    var prices: [Int64: [Price]] = [:]
    var baseGroups: [Int64] = []
    var files: [Int64: File] = [:]
    /// Property values of the properties read (and, while codes are unresolved, of catalog elements).
    var propertyValues: [Int64: [PropertyValue]] = [:]
    /// `b_iblock_property` ID → CODE, for the codes the configuration names.
    var propertyCodes: [Int64: String] = [:]
    var orders: [Int64: Order] = [:]
    var basket: [Int64: [BasketLine]] = [:]
    var orderProps: [Int64: [OrderProp]] = [:]
    var orderPropCodes: [Int64: String] = [:]
    var users: [CanonicalUser] = []
    var problems: [ParseProblem] = []
    var skipped: [String: Int] = [:]

    /// Creates a builder.
    ///
    /// - Parameters:
    ///   - configuration: where things are in this Bitrix installation.
    ///   - now: the instant ACTIVE_FROM/ACTIVE_TO are evaluated at (in the site time zone).
    ///   - logger: where progress goes.
    public init(configuration: BitrixConfiguration = BitrixConfiguration(), now: Date, logger: Logger) {
        self.configuration = configuration
        self.nowText = WallClock.text(now, in: configuration.timeZone)
        self.logger = logger
    }

    /// The tables the model reads; pass them to the dump reader so nothing else is materialised.
    public static let tables: Set<String> = [
        "b_iblock_element", "b_iblock_element_property", "b_iblock_property", "b_catalog_price", "b_catalog_group",
        "b_file", "b_sale_order", "b_sale_basket", "b_sale_order_props_value", "b_sale_order_props", "b_user",
    ]

    /// Takes one row of any table; rows of tables the model does not read are ignored.
    public func consume(_ row: DumpRow) {
        switch row.table {
        case "b_iblock_element": consumeElement(row)
        case "b_iblock_element_property": consumePropertyValue(row)
        case "b_iblock_property": consumePropertyDefinition(row)
        case "b_catalog_price": consumePrice(row)
        case "b_catalog_group": consumeGroup(row)
        case "b_file": consumeFile(row)
        case "b_sale_order": consumeOrder(row)
        case "b_sale_basket": consumeBasket(row)
        case "b_sale_order_props_value": consumeOrderProp(row)
        case "b_sale_order_props": consumeOrderPropDefinition(row)
        case "b_user": consumeUser(row)
        default: break
        }
    }

    // MARK: Shared helpers

    func problem(_ row: DumpRow, _ field: String?, _ reason: String, raw: DumpValue? = nil) {
        problems.append(ParseProblem(
            source: row.table, key: row["ID"]?.text, field: field, rawValue: raw?.text, reason: reason))
    }

    func skip(_ reason: String) { skipped[reason, default: 0] += 1 }

    /// The row's integer `column`, reporting a problem (and returning `nil`) when it is missing or bad.
    func requiredInt(_ row: DumpRow, _ column: String) -> Int64? {
        guard let value = row[column] else {
            problem(row, column, "column missing")
            return nil
        }
        guard let int = value.int64 else {
            problem(row, column, value.isNull ? "NULL" : "not an integer", raw: value)
            return nil
        }
        return int
    }

    /// A nullable integer column: `nil` for NULL or absent, a problem for garbage.
    func optionalInt(_ row: DumpRow, _ column: String) -> Int64? {
        guard let value = row[column], !value.isNull else { return nil }
        guard let int = value.int64 else {
            problem(row, column, "not an integer", raw: value)
            return nil
        }
        return int
    }

    /// Text of a column; `nil` for NULL or absent.
    func text(_ row: DumpRow, _ column: String) -> String? { row[column]?.text }

    /// A DATETIME column as wall-clock text; zero dates become `nil`.
    func dateTime(_ row: DumpRow, _ column: String) -> String? {
        guard let text = row[column]?.text, !text.isEmpty, !text.hasPrefix("0000-00-00") else { return nil }
        return text
    }

    /// A DECIMAL with up to `scale` places as kopecks (scale 2 → as is; scale 4 → exact ÷100).
    func kopecks(_ row: DumpRow, _ column: String, scale: Int) -> Kopecks? {
        guard let value = row[column] else {
            problem(row, column, "column missing")
            return nil
        }
        guard let scaled = value.scaledDecimal(scale: scale) else {
            problem(row, column, value.isNull ? "NULL" : "not a decimal with \(scale) places", raw: value)
            return nil
        }
        guard scale > 2 else {
            var value = scaled
            for _ in scale..<2 { value *= 10 }
            return Kopecks(value)
        }
        var divisor: Int64 = 1
        for _ in 0..<(scale - 2) { divisor *= 10 }
        if scaled % divisor != 0 {
            problem(row, column, "fraction of a kopeck; truncated", raw: value)
        }
        return Kopecks(scaled / divisor)
    }
}

@available(*, unavailable, message: "An accumulator fed from one reader.")
extension BitrixModelBuilder: Sendable {}
