public import Foundation
public import Logging

/// Reads a dump directory: mydumper output (`metadata`, `db.table-schema.sql`, `db.table[.00000].sql`)
/// or `mysqldump --tab` output (`t.sql` + `t.txt`), as one event stream.
///
/// The files are read one after another in a fixed plan: for mydumper every `-schema.sql` first (so each
/// data file knows its table's columns), then the data files in name order; for `--tab` each table's
/// `.sql` and then its `.txt`. Completeness is judged for the whole directory: mydumper's `metadata`
/// must say `Finished dump at:`, and a `.txt` file must end with its last row's LF.
///
/// ```text
/// mydumper:  metadata  bitrix-schema-create.sql  bitrix.b_user-schema.sql  bitrix.b_user.00000.sql.zst …
/// --tab:     b_user.sql  b_user.txt  b_sale_order.sql  b_sale_order.txt …
/// ```
///
/// Tables not in ``DumpReader/Options/tables`` are still planned for mydumper (their data files are
/// scanned and skipped) but their `.txt` files are never opened for `--tab`.
public final class DumpDirectoryReader: DumpEventStream {
    /// One file of the plan.
    private enum Step {
        /// A SQL file (schema, data, or a `--tab` table's CREATE TABLE).
        case sql(URL, requireFooter: Bool, database: String?)
        /// A `--tab` data file of `table`.
        case tab(URL, table: String)
        /// The end: the completeness check and the one ``DumpEvent/end(_:)``.
        case finish
    }

    /// The dump directory.
    private let directory: URL
    /// The caller's options, applied to every file.
    private let options: DumpReader.Options
    /// Passed to every file's reader.
    private let logger: Logger
    /// The plan, reversed so the next step is `popLast()`.
    private var steps: [Step] = []
    /// The file being read.
    private var current: (any DumpEventStream)?
    /// Every CREATE TABLE read so far, seeded into later files' readers.
    private var schemas: [String: DumpTableSchema] = [:]
    /// The first partial end's reason, reported once at the end.
    private var partial: String?
    /// Whether the directory is mydumper's (else `--tab`).
    private var isMydumper = false
    /// Whether the end was returned.
    private var done = false
    /// Asks for a filtered table's keys (``DumpReader/Options/rowFilter``); handed to every file's reader.
    var keysProvider: ((String) -> Set<Int64>?)?

    /// Plans the files of `directory`.
    ///
    /// - Parameters:
    ///   - directory: A mydumper (has `metadata`) or `--tab` (has `.txt` files) directory; files may be
    ///     `.gz` or `.zst` compressed (mydumper `-c`).
    ///   - options: Applied to every file; `requireFooter` is turned off per file (the directory's own
    ///     check replaces it).
    ///   - logger: Receives the readers' warnings.
    /// - Throws: ``ExtractError`` when the directory holds neither layout.
    public init(directory: URL, options: DumpReader.Options = .init(), logger: Logger) throws(ExtractError) {
        self.directory = directory
        self.options = options
        self.logger = logger
        keysProvider = options.rowFilter?.supply
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() } catch {
            throw ExtractError(.io, "cannot list directory: \(error)", file: directory.path)
        }
        func strip(_ name: String) -> String {
            for suffix in [".gz", ".zst"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
            return name
        }
        if names.contains("metadata") {
            isMydumper = true
            var schemaSteps: [Step] = []
            var dataSteps: [Step] = []
            for name in names {
                let plain = strip(name)
                guard plain.hasSuffix(".sql") else { continue }
                let url = directory.appendingPathComponent(name)
                let stem = String(plain.dropLast(4))
                if stem.hasSuffix("-schema-create") || stem.hasSuffix("-schema-post")
                    || stem.hasSuffix("-schema-triggers")
                    || stem.hasSuffix("-schema-view") || stem.hasSuffix("-schema-create")
                {
                    continue
                }
                let database = stem.split(separator: ".", maxSplits: 1).first.map(String.init)
                if stem.hasSuffix("-schema") {
                    schemaSteps.append(.sql(url, requireFooter: false, database: database))
                } else if stem.contains(".") {
                    dataSteps.append(.sql(url, requireFooter: false, database: database))
                }
            }
            // Deferred tables' files come after the others' (``DumpReader/Options/deferredTables``).
            func isDeferred(_ step: Step) -> Bool {
                guard case .sql(let url, _, _) = step else { return false }
                let parts = strip(url.lastPathComponent).dropLast(4).split(separator: ".")
                return parts.count >= 2 && options.deferredTables.contains(String(parts[1]))
            }
            steps = schemaSteps + dataSteps.filter { !isDeferred($0) } + dataSteps.filter(isDeferred) + [.finish]
        } else if names.contains(where: { $0.hasSuffix(".txt") }) {
            // Deferred tables' files come after the others' (``DumpReader/Options/deferredTables``).
            let sqlNames = names.filter { $0.hasSuffix(".sql") }
            let deferred = sqlNames.filter { options.deferredTables.contains(String($0.dropLast(4))) }
            for name in sqlNames.filter({ !deferred.contains($0) }) + deferred {
                let table = String(name.dropLast(4))
                // A --tab `.sql` holding triggers ends after them, without the footer: it is not required here;
                // the `.txt` files carry the truncation check (every row ends with LF).
                steps.append(.sql(directory.appendingPathComponent(name), requireFooter: false, database: nil))
                if names.contains(table + ".txt") && options.wants(table) {
                    steps.append(.tab(directory.appendingPathComponent(table + ".txt"), table: table))
                }
            }
            steps.append(.finish)
        } else {
            throw ExtractError(
                .syntax, "not a dump directory: no mydumper `metadata` file and no --tab `.txt` files",
                file: directory.path)
        }
        steps.reverse()
    }

    /// The next event of the directory, in plan order, ending with one ``DumpEvent/end(_:)``.
    ///
    /// Each file's own end is swallowed; the directory's end is complete only when every file was and the
    /// directory's completeness check passes. A partial file (read with `allowPartial`) makes the whole
    /// directory partial, with the first file's reason.
    /// - Throws: ``ExtractError`` from the file being read.
    public func next() throws(ExtractError) -> DumpEvent? {
        while !done {
            if let stream = current {
                guard let event = try stream.next() else {
                    current = nil
                    continue
                }
                switch event {
                case .end(.complete): continue
                case .end(.partial(let reason)):
                    partial = partial ?? reason
                    continue
                case .table(let schema):
                    schemas[schema.name] = schema
                    return event
                default: return event
                }
            }
            guard let step = steps.popLast() else { break }
            switch step {
            case .sql(let url, let requireFooter, let database):
                var sub = options
                sub.requireFooter = requireFooter
                sub.deferredTables = []
                let reader = try DumpReader(url: url, options: sub, logger: logger)
                reader.keysProvider = keysProvider
                reader.seed(schemas: Array(schemas.values), database: database)
                current = reader
            case .tab(let url, let table):
                guard let schema = schemas[table] else {
                    throw ExtractError(.schema, "no CREATE TABLE for the --tab data file", file: url.path, table: table)
                }
                current = try TabFileReader(
                    source: FileByteSource.openDecompressing(path: url.path), schema: schema, options: options,
                    logger: logger)
            case .finish:
                done = true
                if isMydumper {
                    let metadata = directory.appendingPathComponent("metadata")
                    let text = (try? String(contentsOf: metadata, encoding: .utf8)) ?? ""
                    if !text.contains("Finished dump at:") {
                        let message = "the mydumper dump is incomplete: `metadata` has no `Finished dump at:` line"
                        guard options.allowPartial else { throw ExtractError(.truncated, message, file: metadata.path) }
                        partial = partial ?? message
                    }
                }
                return .end(partial.map { .partial(reason: $0) } ?? .complete)
            }
        }
        return nil
    }
}

extension DumpDirectoryReader: KeyAskingStream {
    /// The filter of the directory's options.
    var rowFilter: DumpRowFilter? { options.rowFilter }
}

extension DumpReader {
    /// Opens a dump file (plain, gzip, zstd), a dump directory (mydumper, `--tab`), or standard input for
    /// the path `-`.
    ///
    /// The entry point of every command that reads a dump: callers need not know the layout.
    ///
    /// ```swift
    /// let stream = try DumpReader.open(URL(fileURLWithPath: "/backups/bitrix"), logger: logger)
    /// while let event = try stream.next() { … }   // mydumper folder, --tab folder or a single file alike
    /// ```
    /// - Parameters:
    ///   - url: The file, directory or `-`.
    ///   - options: Which tables, strictness, read-ahead (standard input is always read on the caller's
    ///     thread).
    ///   - logger: Receives warnings.
    /// - Returns: The event stream.
    /// - Throws: ``ExtractError`` when the path cannot be opened or is not a dump.
    public static func open(_ url: URL, options: Options = Options(), logger: Logger) throws(ExtractError)
        -> any DumpEventStream
    {
        if url.relativePath == "-" {
            return DumpReader(source: try FileByteSource.openDump(path: "-"), options: options, logger: logger)
        }
        var isDirectory: ObjCBool = false
        guard unsafe FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ExtractError(.io, "no such file or directory", file: url.path)
        }
        let stream: any DumpEventStream =
            isDirectory.boolValue
            ? try DumpDirectoryReader(directory: url, options: options, logger: logger)
            : try DumpReader(url: url, options: options, logger: logger)
        return options.readAhead ? ReadAheadDumpStream(stream) : stream
    }
}
