import ArgumentParser
import BackstopExtract
import Foundation
import Logging

extension Backstop {
    /// `backstop extract`: one table of a MySQL/MariaDB dump as NDJSON or CSV on standard output.
    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one table of a mysqldump/mariadb-dump as NDJSON or CSV.",
            discussion: """
                Reads plain, gzip (also multi-member) or zstd dumps from mysqldump, mariadb-dump, Bitrix's \
                own backup, a mydumper directory or a mysqldump --tab directory. Only the requested table is \
                decoded; everything else is skipped. Values keep their exact text: numbers as written, \
                NULL as null, zero dates as null, byte strings that are not UTF-8 as {"base64": "..."} in NDJSON.

                A dump without its `-- Dump completed` footer, or ending inside a statement, is an error; \
                --allow-partial writes what is there and exits 0 with a warning on stderr.

                With --entity, prints the canonical model instead of raw rows: products, orders or users as \
                Backstop compares them (prices in kopecks, phones normalised, image URLs built from b_file), \
                read from a dump (--dump), saved /api/v2/products pages (--feed, products only) or the live \
                catalog (--catalog, products and orders).

                Examples:
                  backstop extract --dump site.sql.gz --table b_catalog_price
                  backstop extract --dump site.sql --table b_iblock_element --format csv > elements.csv
                  backstop extract --dump mydumper-dir/ --table b_file --allow-partial
                  backstop extract --dump site.sql.gz --entity products
                  backstop extract --feed pages/ --entity products --format csv
                  backstop extract --catalog "host=/run/postgresql dbname=cvety" --entity orders
                """)

        /// Output formats.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case ndjson, csv
        }

        @Option(name: .long, help: "The dump file, or a mydumper / --tab directory.")
        var dump: String?

        @Option(name: .long, help: "The table whose rows are written.")
        var table: String?

        @Option(name: .long, help: "Print canonical entities instead of raw rows.")
        var entity: Entity?

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Saved product-API JSON pages: files or a folder (with --entity products).", valueName: "path"))
        var feed: [String] = []

        @Option(
            name: .long,
            help: ArgumentHelp(
                "The catalog database (libpq conninfo or URI), as a source for --entity.", valueName: "conninfo"))
        var catalog: String?

        @Option(name: .long, help: ArgumentHelp("Only this shop's rows (with --catalog).", valueName: "id"))
        var shopID: Int64?

        @Option(name: .long, help: "Output format.")
        var format: Format = .ndjson

        @Flag(name: .long, help: "Read a truncated dump up to where it breaks instead of failing.")
        var allowPartial = false

        @Option(
            name: .long,
            help: "The largest row in MiB (default 256; raise for dumps made with a larger max_allowed_packet).")
        var maxRowMb: Int = 256

        func validate() throws {
            guard maxRowMb > 0 && maxRowMb <= 4096 else {
                throw ValidationError("--max-row-mb must be between 1 and 4096")
            }
            switch (table, entity) {
            case (nil, nil):
                throw ValidationError("give --table T (raw rows of a dump) or --entity products|orders|users")
            case (.some, .some): throw ValidationError("--table and --entity exclude each other")
            case (.some, nil):
                guard dump != nil else { throw ValidationError("--table needs --dump FILE") }
            case (nil, .some(let entity)):
                let sources = [dump != nil, !feed.isEmpty, catalog != nil].filter { $0 }.count
                guard sources == 1 else {
                    throw ValidationError("--entity needs exactly one source: --dump, --feed or --catalog")
                }
                if !feed.isEmpty && entity != .products { throw ValidationError("a product feed holds only products") }
                if catalog != nil && entity == .users {
                    throw ValidationError("the catalog has no Bitrix users; use --dump")
                }
            }
        }

        func run() throws {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            var logger = Logger(label: "backstop.extract")
            logger.logLevel = .notice
            let options = DumpReader.Options(allowPartial: allowPartial, maxRowBytes: maxRowMb << 20)
            if let entity {
                try EntityExport(
                    entity: entity, format: format, dump: dump, feed: feed, catalog: catalog, shopID: shopID,
                    options: options, logger: logger
                ).run()
                return
            }
            guard let dump, let table else { throw ValidationError("--table needs --dump FILE") }
            let summary = try DumpExport.write(
                dump: URL(fileURLWithPath: dump), table: table,
                format: format == .csv ? .csv : .ndjson, to: FileHandle.standardOutput, options: options, logger: logger
            )
            logger.info("extracted", metadata: ["rows": "\(summary.rows)"])
        }
    }
}
