import BackstopPostgres
import Foundation

/// Writes one catalog table as PostgreSQL `COPY … FROM STDIN` text: TAB between columns, `\N` for NULL,
/// backslash escapes for backslash, TAB, LF and CR.
final class CopyWriter {
    let table: CatalogTable
    private let file: BufferedFile
    private var first = true
    private(set) var rowCount = 0

    init(table: CatalogTable, directory: URL) throws {
        self.table = table
        file = try BufferedFile(url: directory.appendingPathComponent(table.fileName))
    }

    @inline(__always)
    private func separate() {
        if first { first = false } else { file.buffer.append(9) }
    }

    func null() {
        separate()
        file.buffer.append(ascii: "\\N")
    }

    func int(_ value: Int?) {
        guard let value else { return null() }
        separate()
        file.buffer.append(decimal: value)
    }

    func bool(_ value: Bool?) {
        guard let value else { return null() }
        separate()
        file.buffer.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    func text(_ value: String?) {
        guard let value else { return null() }
        separate()
        CopyText.appendEscaped(value.utf8, to: &file.buffer)
    }

    /// A `timestamp` (without time zone) from seconds since 1970.
    func timestamp(_ seconds: Int?) {
        guard let seconds else { return null() }
        separate()
        file.buffer.append(dateTime: seconds)
    }

    /// A `timestamptz` from seconds since 1970, written in UTC.
    func timestampUTC(_ seconds: Int) {
        separate()
        file.buffer.append(dateTime: seconds)
        file.buffer.append(ascii: "+00")
    }

    /// A `real[]` literal with six fraction digits per element.
    func realArray(_ values: [Float]) {
        separate()
        file.buffer.append(UInt8(ascii: "{"))
        for (i, v) in values.enumerated() {
            if i > 0 { file.buffer.append(UInt8(ascii: ",")) }
            let scaled = Int((Double(v) * 1_000_000).rounded())
            file.buffer.append(fixed: scaled, scale: 6)
        }
        file.buffer.append(UInt8(ascii: "}"))
    }

    func endRow() throws {
        file.buffer.append(10)
        first = true
        rowCount += 1
        try file.flushIfNeeded()
    }

    func close() throws -> Int {
        try file.close()
        return file.bytesWritten
    }
}

/// The catalog tables the world fills, in load order, with the column lists of their `.copy` files.
public enum CatalogTable: String, Sendable, CaseIterable, Codable {
    case user = "user"
    case shop = "shop"
    case userShop = "user_shop"
    case product = "product"
    case productImage = "productimage"
    case client = "client"
    case order = "order"
    case orderItem = "orderitem"
    case orderHistory = "orderhistory"
    case productEmbeddings = "product_embeddings"

    /// `catalog/<table>.copy`.
    public var fileName: String { "\(rawValue).copy" }

    /// The quoted column list of the COPY statement.
    public var columns: String {
        switch self {
        case .user: #"id, name, phone, role, is_active, is_superadmin, created_at, updated_at"#
        case .shop: #"id, name, owner_id, phone, address, city, created_at, updated_at"#
        case .userShop: #"id, shop_id"#
        case .product:
            #"id, shop_id, name, price, type, description, width, height, enabled, is_featured, colors, occasions, cities, tags, image, created_at, updated_at"#
        case .productImage: #"id, product_id, url, "order", is_primary, created_at"#
        case .client: #"id, phone, "customerName", shop_id, created_at, updated_at"#
        case .order:
            #"id, shop_id, tracking_id, "orderNumber", "customerName", phone, delivery_address, delivery_date, subtotal, delivery_cost, total, status, bitrix_order_id, recipient_name, recipient_phone, delivery_type, pickup_address, payment_method, created_at, updated_at"#
        case .orderItem:
            #"id, order_id, product_id, product_name, product_price, quantity, item_total, created_at, updated_at"#
        case .orderHistory: #"id, order_id, changed_by, field_name, old_value, new_value, changed_at"#
        case .productEmbeddings:
            #"id, product_id, embedding, embedding_type, model_version, source_url, created_at, updated_at"#
        }
    }

    /// The quoted table name in PostgreSQL (`user_shop` is a temporary table of the loader).
    public var quotedName: String { "\"\(rawValue)\"" }
}
