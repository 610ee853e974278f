/// A value the extract stage could not interpret, kept instead of being dropped or replaced by a default:
/// the reconciler reports it next to the discrepancies.
///
/// Unlike ``ExtractError`` a problem does not stop the run; it names one field of one row (or one feed
/// element) and carries its raw value.
///
/// ```swift
/// ParseProblem(source: "api/v2/products", key: "1042", field: "price", rawValue: "4 950,5.0",
///              reason: "misplaced thousands separators")
/// // description: api/v2/products[1042].price: misplaced thousands separators
/// ```
public struct ParseProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the row came from: a Bitrix table (`b_catalog_price`), a catalog table (`product`) or
    /// `api/v2/products` for the product feed.
    public var source: String
    /// The row's key: its `ID`, or the product id for feed elements; `nil` when the row has none.
    public var key: String?
    /// The column or JSON field, when the problem is about one.
    public var field: String?
    /// The raw value as found (may contain personal data; reports redact it unless asked not to).
    public var rawValue: String?
    /// What is wrong, in a few words.
    public var reason: String

    /// Records a value no rule could read.
    /// - Parameters:
    ///   - source: The table or feed the row came from.
    ///   - key: The row's id, `nil` when it has none.
    ///   - field: The column or JSON field.
    ///   - rawValue: The value as found, unchanged.
    ///   - reason: What is wrong, in a few words (``ValueTextFailure``'s description for numbers).
    public init(source: String, key: String? = nil, field: String? = nil, rawValue: String? = nil, reason: String) {
        self.source = source
        self.key = key
        self.field = field
        self.rawValue = rawValue
        self.reason = reason
    }

    /// `source[key].field: reason` (without the raw value).
    public var description: String {
        var where_ = source
        if let key { where_ += "[\(key)]" }
        if let field { where_ += ".\(field)" }
        return "\(where_): \(reason)"
    }
}
