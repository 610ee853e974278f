import ArgumentParser
import BackstopExtract
import BackstopModel
import BackstopPostgres
import Foundation
import Logging

extension Backstop.Extract {
    /// `--entity` values.
    enum Entity: String, ExpressibleByArgument, CaseIterable {
        case products, orders, users
    }
}

/// Writes canonical products, orders or users from a dump, a feed or the catalog to standard output.
struct EntityExport {
    var entity: Backstop.Extract.Entity
    var format: Backstop.Extract.Format
    var dump: String?
    var feed: [String]
    var catalog: String?
    var shopID: Int64?
    var options: DumpReader.Options
    var logger: Logger

    func run() throws {
        let sink = EntitySink(format: format, entity: entity)
        if let dump {
            var options = options
            options.tables = BitrixModelBuilder.tables
            let builder = BitrixModelBuilder(logger: logger)
            let stream = try DumpReader.open(URL(fileURLWithPath: dump), options: options, logger: logger)
            while let event = try stream.next() {
                if case .row(let row) = event { builder.consume(row) }
            }
            let snapshot = builder.finish(completedAt: stream.completedAt)
            switch entity {
            case .products: snapshot.products.forEach(sink.write)
            case .orders: snapshot.orders.forEach(sink.write)
            case .users: snapshot.users.forEach(sink.write)
            }
            for problem in snapshot.problems { logger.warning("not interpreted", metadata: ["problem": "\(problem)"]) }
        } else if !feed.isEmpty {
            let reader = ProductFeedReader(files: try feedFiles(), logger: logger)
            while let product = try reader.next() { sink.write(product) }
            for problem in reader.problems { logger.warning("not parsed", metadata: ["problem": "\(problem)"]) }
        } else if let catalog {
            let connection = try PGConnection(conninfo: catalog, logger: logger)
            let reader = CatalogReader(connection: connection, logger: logger)
            switch entity {
            case .products:
                let cursor = try reader.products(shopID: shopID)
                while let product = try cursor.next() { sink.write(product) }
            case .orders:
                let cursor = try reader.orders(shopID: shopID)
                while let order = try cursor.next() { sink.write(order) }
            case .users:
                throw ValidationError("the catalog has no Bitrix users; use --dump")
            }
        }
        sink.flush()
    }

    /// The feed arguments expanded: folders become their `.json` files in name order.
    func feedFiles() throws -> [URL] {
        var files: [URL] = []
        for path in feed {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError("\(path): no such file or folder")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                files += names.map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        return files
    }
}

/// Buffers encoded entities and writes them to standard output in large chunks.
final class EntitySink {
    let format: Backstop.Extract.Format
    let entity: Backstop.Extract.Entity
    var buffer: [UInt8] = []
    var wroteHeader = false
    let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(format: Backstop.Extract.Format, entity: Backstop.Extract.Entity) {
        self.format = format
        self.entity = entity
    }

    func write(_ value: some Encodable) {
        switch format {
        case .ndjson:
            if let data = try? encoder.encode(value) {
                buffer.append(contentsOf: data)
                buffer.append(0x0A)
            }
        case .csv:
            guard let data = try? encoder.encode(value),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return }
            let keys = object.keys.sorted()
            if !wroteHeader {
                buffer.append(contentsOf: keys.joined(separator: ",").utf8)
                buffer.append(contentsOf: [0x0D, 0x0A])
                wroteHeader = true
            }
            let cells = keys.map { key -> String in csvCell(object[key]) }
            buffer.append(contentsOf: cells.joined(separator: ",").utf8)
            buffer.append(contentsOf: [0x0D, 0x0A])
        }
        if buffer.count > 1 << 20 { flush() }
    }

    func csvCell(_ value: Any?) -> String {
        let text: String
        switch value {
        case nil, is NSNull: return ""
        case let string as String: text = string
        case let number as NSNumber: text = number.stringValue
        case let other?:
            let data = (try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
