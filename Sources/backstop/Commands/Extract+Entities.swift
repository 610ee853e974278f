import ArgumentParser
import BackstopExtract
import BackstopModel
import BackstopPostgres
import Foundation
import Logging

extension Backstop.Extract {
    /// `--entity` values: the canonical entities the reconciler compares (users only from a dump: the
    /// catalog has no Bitrix users).
    enum Entity: String, ExpressibleByArgument, CaseIterable {
        case products, orders, users
    }
}

/// Writes canonical products, orders or users from a dump, a feed or the catalog to standard output.
///
/// A dump goes through the same ``BitrixModelBuilder`` as a run (with the built-in Bitrix configuration,
/// every order, not only linked ones), so what it prints is what a run compares; values the model could
/// not interpret are logged as warnings.
struct EntityExport {
    /// What to write.
    var entity: Backstop.Extract.Entity
    /// NDJSON or CSV.
    var format: Backstop.Extract.Format
    /// The dump, when it is the source.
    var dump: String?
    /// Feed files or folders, when they are the source.
    var feed: [String]
    /// The catalog's conninfo, when it is the source.
    var catalog: String?
    /// With the catalog: only this shop's rows.
    var shopID: Int64?
    /// The dump reader's options (partial input, row limit); the tables are the Bitrix model's.
    var options: DumpReader.Options
    /// Where problems are logged.
    var logger: Logger

    /// Reads the one source given and writes every entity, then flushes.
    /// - Throws: `ExtractError` for bad input, `PGError` for the catalog, `ValidationError` for users from
    ///   the catalog, an encoding error for an entity that cannot be written.
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
            case .products: for product in snapshot.products { try sink.write(product) }
            case .orders: for order in snapshot.orders { try sink.write(order) }
            case .users: for user in snapshot.users { try sink.write(user) }
            }
            for problem in snapshot.problems { logger.warning("not interpreted", metadata: ["problem": "\(problem)"]) }
        } else if !feed.isEmpty {
            let reader = ProductFeedReader(files: try feedFiles(), logger: logger)
            while let product = try reader.next() { try sink.write(product) }
            for problem in reader.problems { logger.warning("not parsed", metadata: ["problem": "\(problem)"]) }
        } else if let catalog {
            let connection = try PGConnection(conninfo: catalog, logger: logger)
            let reader = CatalogReader(connection: connection, logger: logger)
            switch entity {
            case .products:
                let cursor = try reader.products(shopID: shopID)
                while let product = try cursor.next() { try sink.write(product) }
            case .orders:
                let cursor = try reader.orders(shopID: shopID)
                while let order = try cursor.next() { try sink.write(order) }
            case .users:
                throw ValidationError("the catalog has no Bitrix users; use --dump")
            }
        }
        sink.flush()
    }

    /// The feed arguments expanded: folders become their `.json` files in name order.
    /// - Returns: The files, in argument order.
    /// - Throws: Foundation's error when a folder cannot be listed.
    func feedFiles() throws -> [URL] {
        var files: [URL] = []
        for path in feed {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CLIError("\(path): no such file or folder")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }
                    .sorted()
                files += names.map { URL(fileURLWithPath: path).appendingPathComponent($0) }
            } else {
                files.append(URL(fileURLWithPath: path))
            }
        }
        return files
    }
}

/// Encodes entities as NDJSON or as CSV (``EntityCSV``: the entity's fixed header, every record at its
/// width) and writes them to standard output in large chunks. An entity that cannot be encoded is an
/// error, never a dropped line.
final class EntitySink {
    /// NDJSON or CSV.
    let format: Backstop.Extract.Format
    /// Output not yet written; flushed past 1 MiB and at the end.
    var buffer: [UInt8] = []
    /// The CSV writer with the entity's header (`nil` for NDJSON).
    var csv: CSVWriter?
    /// Sorted keys, so the same entity always prints the same line.
    let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Starts the output; CSV starts with the entity's header, also when no entity follows.
    /// - Parameters:
    ///   - format: NDJSON or CSV.
    ///   - entity: Which entity's header.
    init(format: Backstop.Extract.Format, entity: Backstop.Extract.Entity) {
        self.format = format
        guard format == .csv else { return }
        let writer =
            switch entity {
            case .products: EntityCSV.writer(for: CanonicalProduct.self)
            case .orders: EntityCSV.writer(for: CanonicalOrder.self)
            case .users: EntityCSV.writer(for: CanonicalUser.self)
            }
        writer.writeHeader(into: &buffer)
        csv = writer
    }

    /// Appends one entity as a line or a record.
    /// - Parameter value: The entity.
    /// - Throws: The encoder's error, or `ExtractError` when a CSV record does not fit its header.
    func write<Entity: CSVEntity>(_ value: Entity) throws {
        switch format {
        case .ndjson:
            buffer.append(contentsOf: try encoder.encode(value))
            buffer.append(0x0A)
        case .csv:
            guard var writer = csv else { return }
            try EntityCSV.write(value, with: &writer, into: &buffer)
            csv = writer
        }
        if buffer.count > 1 << 20 { flush() }
    }

    /// Writes the buffered output to stdout.
    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}
