public import BackstopModel
import Foundation

/// A canonical entity that `backstop extract --entity … --format csv` writes: its fixed CSV header.
///
/// The header is part of the output contract (spreadsheets and scripts read columns by name), so it is
/// spelled out rather than derived; ``EntityCSV`` refuses a field that is not in it.
public protocol CSVEntity: Encodable {
    /// The CSV columns: the entity's coding keys in declaration order. Every record has exactly these.
    static var csvHeader: [String] { get }
}

extension CanonicalProduct: CSVEntity {
    /// `id` … `updatedAt`.
    public static let csvHeader = [
        "id", "shopID", "name", "price", "enabled", "type", "width", "height", "description", "image", "images",
        "createdAt", "updatedAt",
    ]
}

extension CanonicalOrder: CSVEntity {
    /// `bitrixID` … `updatedAt`.
    public static let csvHeader = [
        "bitrixID", "catalogID", "shopID", "bitrixStatus", "status", "total", "subtotal", "deliveryCost", "currency",
        "userID", "customerName", "phone", "recipientName", "recipientPhone", "deliveryAddress", "deliveryDate",
        "pickup", "items", "createdAt", "updatedAt",
    ]
}

extension CanonicalUser: CSVEntity {
    /// `id` … `active`.
    public static let csvHeader = ["id", "login", "name", "email", "phone", "active"]
}

/// Writes canonical entities as CSV records with ``CSVWriter``: one cell per header column, in header order.
///
/// A field the entity leaves out (a user without an e-mail) is an empty cell, never a missing one; numbers
/// keep their exact digits, booleans are `true`/`false`, enums their raw value, and nested values (image
/// lists, order lines) their JSON text.
public enum EntityCSV {
    /// A writer whose header is `Entity`'s.
    ///
    /// ```swift
    /// var writer = EntityCSV.writer(for: CanonicalUser.self)
    /// var out: [UInt8] = []
    /// writer.writeHeader(into: &out)
    /// try EntityCSV.write(CanonicalUser(id: 7, login: "anna"), with: &writer, into: &out)
    /// // "id","login","name","email","phone","active"\r\n"7","anna",,,,"true"\r\n
    /// ```
    /// - Parameter _: The entity type.
    /// - Returns: A writer sized to the entity's header.
    public static func writer<Entity: CSVEntity>(for _: Entity.Type) -> CSVWriter {
        CSVWriter(header: Entity.csvHeader)
    }

    /// Appends `entity` as one record.
    ///
    /// - Parameters:
    ///   - entity: The product, order or user.
    ///   - writer: A writer made by ``writer(for:)`` for the same type.
    ///   - out: The output buffer.
    /// - Throws: ``ExtractError`` with code ``ExtractError/Code/encoding`` when a field cannot be encoded or
    ///   is not a column of the header (nothing of the record is written then), or
    ///   ``ExtractError/Code/schema`` when the writer's header is not `Entity`'s.
    public static func write<Entity: CSVEntity>(
        _ entity: Entity, with writer: inout CSVWriter, into out: inout [UInt8]
    ) throws(ExtractError) {
        let header = writer.header
        guard header == Entity.csvHeader else {
            throw ExtractError(.schema, "a \(Entity.self) record under another entity's CSV header")
        }
        let cells = CellEncoder.Cells(header: header)
        do {
            try entity.encode(to: CellEncoder(cells: cells))
        } catch let error as ExtractError {
            throw error
        } catch {
            throw ExtractError(.encoding, "\(Entity.self) cannot be encoded as CSV: \(error)")
        }
        for cell in cells.values { writer.field(cell, into: &out) }
        do { try writer.endRecord(into: &out) } catch { throw ExtractError(.schema, error.description) }
    }
}

/// An `Encoder` that turns an entity's top-level fields into CSV cells by column name.
///
/// Encoding through `Codable` means a new field of a canonical type reaches the CSV once it is added to
/// the header; a field missing from the header is an `encoding` error rather than a silently dropped
/// column.
struct CellEncoder: Encoder {
    /// The cells of one record, by header position (`nil`: empty).
    final class Cells {
        /// Header name → position.
        let columns: [String: Int]
        /// One cell per column, `nil` until set (and for NULL).
        var values: [String?]

        /// Empty cells for `header`.
        init(header: [String]) {
            var columns: [String: Int] = [:]
            for (n, name) in header.enumerated() { columns[name] = n }
            self.columns = columns
            values = Array(repeating: nil, count: header.count)
        }

        /// Sets the cell of column `key`; `encoding` error for a key the header lacks.
        func set(_ key: some CodingKey, _ value: String?) throws(ExtractError) {
            guard let n = columns[key.stringValue] else {
                throw ExtractError(.encoding, "field \(key.stringValue) is not a column of the CSV header")
            }
            values[n] = value
        }
    }

    /// Where the record's cells go.
    let cells: Cells
    /// Always top level: nested values are encoded whole, as JSON.
    var codingPath: [any CodingKey] { [] }
    /// No options.
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The one container an entity uses: its fields by name.
    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Container<Key>(cells: cells))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        preconditionFailure("a CSV entity encodes as a keyed container")
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        preconditionFailure("a CSV entity encodes as a keyed container")
    }

    /// The JSON text of a nested value, or the bare text of a JSON string or number.
    static func cell(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        if data.first == UInt8(ascii: "\"") { return try JSONDecoder().decode(String.self, from: data) }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes each scalar field as its text and each nested value as JSON (``cell(_:)``).
    struct Container<Key: CodingKey>: KeyedEncodingContainerProtocol {
        /// Where the cells go.
        let cells: Cells
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { try cells.set(key, nil) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { try cells.set(key, value ? "true" : "false") }
        mutating func encode(_ value: String, forKey key: Key) throws { try cells.set(key, value) }
        mutating func encode(_ value: Double, forKey key: Key) throws { try cells.set(key, "\(value)") }
        mutating func encode(_ value: Float, forKey key: Key) throws { try cells.set(key, "\(value)") }
        mutating func encode(_ value: Int, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { try cells.set(key, String(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try cells.set(key, CellEncoder.cell(value))
        }

        // A field left out (`nil`) is an empty cell: recorded, so that it can be told from an unknown key.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            try encodeOptional(value, key)
        }

        private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
            guard let value else { return try encodeNil(forKey: key) }
            try encode(value, forKey: key)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            preconditionFailure("CSV entities encode nested values whole (\(key.stringValue))")
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            preconditionFailure("CSV entities encode nested values whole (\(key.stringValue))")
        }

        mutating func superEncoder() -> any Encoder { preconditionFailure("CSV entities have no superclass") }
        mutating func superEncoder(forKey _: Key) -> any Encoder {
            preconditionFailure("CSV entities have no superclass")
        }
    }
}
