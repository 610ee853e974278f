import ArgumentParser
import BackstopExtract
import Foundation
import Logging

extension Backstop {
    /// `backstop extract`: one table of a MySQL/MariaDB dump as NDJSON or CSV on standard output.
    ///
    /// The data engineer's tool for looking at the inputs exactly as Backstop reads them: the raw rows of
    /// one table (``DumpExport``), or with `--entity` the canonical products, orders or users it compares
    /// (``EntityExport``). Not recorded in the ledger and needs no catalog unless `--catalog` is the
    /// source.
    struct Extract: ParsableCommand {
        /// The command's help: the dump layouts read, how values are written, examples.
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

        /// Output formats: `ndjson`, one JSON object per row (exact text, non-UTF-8 bytes as base64), or
        /// `csv`, RFC 4180 with a fixed header per table or entity.
        enum Format: String, ExpressibleByArgument, CaseIterable {
            case ndjson, csv
        }

        /// `--dump`: the dump; `--table` and `--entity products|orders|users` read it.
        @Option(name: .long, help: "The dump file, or a mydumper / --tab directory.")
        var dump: String?

        /// `--table`: the table whose raw rows are written; every other table is skipped without decoding.
        @Option(name: .long, help: "The table whose rows are written.")
        var table: String?

        /// `--entity`: the canonical entities instead of raw rows.
        @Option(name: .long, help: "Print canonical entities instead of raw rows.")
        var entity: Entity?

        /// `--feed`: saved `/api/v2/products` pages (files or folders of `.json`), products only.
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Saved product-API JSON pages: files or a folder (with --entity products).", valueName: "path"))
        var feed: [String] = []

        /// `--catalog`: the live catalog as the source (products and orders).
        @Option(
            name: .long,
            help: ArgumentHelp(
                "The catalog database (libpq conninfo or URI), as a source for --entity.", valueName: "conninfo"))
        var catalog: String?

        /// `--shop-id`: with `--catalog`, only this shop's rows.
        @Option(name: .long, help: ArgumentHelp("Only this shop's rows (with --catalog).", valueName: "id"))
        var shopID: Int64?

        /// `--format`: `ndjson` (default) or `csv`.
        @Option(name: .long, help: "Output format.")
        var format: Format = .ndjson

        /// `--allow-partial`: write what a truncated dump holds and exit 0 with a warning.
        @Flag(name: .long, help: "Read a truncated dump up to where it breaks instead of failing.")
        var allowPartial = false

        /// `--max-row-mb`: the largest statement the reader buffers, so a corrupt dump fails with an error
        /// naming the offset instead of exhausting memory.
        @Option(
            name: .long,
            help: "The largest row in MiB (default 256; raise for dumps made with a larger max_allowed_packet).")
        var maxRowMb: Int = 256

        /// Exactly one of `--table` (with `--dump`) or `--entity` (with exactly one source the entity can come
        /// from), and a row limit of 1…4096 MiB; exit 64 otherwise.
        /// - Throws: `ValidationError` naming the conflict.
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

        /// Streams the rows or entities to stdout; logs (notice and above) go to stderr.
        /// - Throws: `ExtractError` naming the file, byte offset and table of bad input; `PGError` for the
        ///   catalog; `ValidationError` when `--table` lacks `--dump`.
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
