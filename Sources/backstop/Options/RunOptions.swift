import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopReport

/// Options of the commands that reconcile (`nightly`, `diff`).
///
/// Each flag overrides one configuration key (``apply(to:)``), so `backstop.toml` can hold the nightly's
/// settings and the command line only what differs tonight. Checks of a single value run in
/// ``validate()`` (exit 64 before anything is read); dump paths are checked after the configuration is
/// loaded, since they may come from `bitrix.dumps`.
///
/// | flag | configuration key | environment |
/// |---|---|---|
/// | `--dump` (repeatable) | `bitrix.dumps` | `BACKSTOP_DUMP` (`:`-separated) |
/// | `--shop` | none (without it: `catalog.shop_id`) | `BACKSTOP_SHOP_ID` (sets `catalog.shop_id`) |
/// | `--partition` | none | none |
/// | `--report-dir` | `report.directory` | `BACKSTOP_REPORT_DIR` |
/// | `--format` (repeatable) | `report.formats` | none |
/// | `--snapshot-time` | `bitrix.snapshot_time` | none |
/// | `--allow-partial`, `--out`, `--max-seconds` | none: they belong to one run | none |
struct RunOptions: ParsableArguments {
    /// `--dump`: one or more dumps of one backup, read in turn into one Bitrix model.
    @Option(
        name: .customLong("dump"),
        help: ArgumentHelp(
            "A Bitrix dump: mysqldump .sql, .sql.gz or .sql.zst, a mydumper folder, a --tab folder, or - for standard input (mysqldump … | backstop diff --dump -). Repeatable; overrides bitrix.dumps.",
            valueName: "path"))
    var dumps: [String] = []

    /// `--allow-partial`: a truncated dump is read as far as it goes instead of failing. Absence-based
    /// findings (orphans, dangling references) are withheld, since the missing tail may hold the row.
    @Flag(
        help:
            "Read what a truncated dump holds instead of failing; the run is marked partial (exit 3) and nothing is applied."
    )
    var allowPartial = false

    /// `--shop`: the shop selection; parsed by ``shopSelection``.
    @Option(
        name: [.customLong("shop"), .customLong("shop-id")],
        help: ArgumentHelp(
            "The shop(s) to reconcile: one id (default catalog.shop_id, 17008), a comma-separated list, or `all` (every catalog shop that is a Bitrix seller). Several shops share one read of the dump and the catalog; each gets its own run and <out>/<shop>/ folder, and <out>/index.html lists them.",
            valueName: "id|list|all"))
    var shop: String?

    /// `--partition K/N`: this worker's share of the selection; parsed by ``fleetPartition``.
    @Option(
        help: ArgumentHelp(
            "Take the K-th of N shares of the --shop set (default all), balanced by the catalog's rows per shop and the same for every worker: N workers with 1/N … N/N cover every shop once. `backstop fleet --since` assembles their fleet page.",
            valueName: "K/N"))
    var partition: String?

    /// `--report-dir`: overrides `report.directory`; each run gets `<dir>/<run id>-<kind>/`.
    @Option(help: ArgumentHelp("Folder that receives one sub-folder per run (default: reports).", valueName: "dir"))
    var reportDir: String?

    /// `--out`: the run's reports exactly here (for a fleet, `<out>/<shop>/` and `<out>/index.html`).
    @Option(
        help: ArgumentHelp(
            "Write this run's reports into exactly this folder (report.json, discrepancies.ndjson, …) instead of a per-run sub-folder of --report-dir.",
            valueName: "dir"))
    var out: String?

    /// `--snapshot-time`: "now" for the activity-window rules when the dump has no footer; one zoned
    /// format only, so a time is never read in the wrong zone.
    @Option(
        help: ArgumentHelp(
            "\"Now\" for ACTIVE_FROM/ACTIVE_TO when the dump has no dated footer: YYYY-MM-DD HH:MM:SS±HH:MM or …Z (e.g. 2025-10-25 03:00:00+05:00; anything else is refused). Default: the footer's time, else the newest row time in the dump; never the wall clock.",
            valueName: "time"))
    var snapshotTime: String?

    /// `--format`: overrides `report.formats`; repeat it for several.
    @Option(
        name: .customLong("format"),
        help: ArgumentHelp("Report formats to write (repeatable; default: all).", valueName: "format"))
    var formats: [ReportFormatArgument] = []

    /// `--max-seconds`: the run's time limit; the run stops at the next safe point after it.
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Stop after this many seconds with a partial but valid report (run status timed_out, exit code 124).",
            valueName: "seconds"))
    var maxSeconds: Double?

    /// Rejects a negative or infinite time limit, a snapshot time outside its one format, and a `--shop` or
    /// `--partition` that is not one (exit 64, naming the value). Dump paths are checked once the
    /// configuration is read (``validate(dumps:option:)``).
    func validate() throws {
        try Self.validate(maxSeconds: maxSeconds)
        if let snapshotTime {
            do { _ = try SnapshotTime.instant(configured: snapshotTime) } catch {
                throw ValidationError("--snapshot-time: \(error)")
            }
        }
        _ = try shopSelection
        _ = try fleetPartition
    }

    /// `--partition` parsed (`nil` when not given).
    /// - Throws: `ValidationError` naming the value when it is not `K/N` with 1 ≤ K ≤ N.
    var fleetPartition: FleetPartition? {
        get throws {
            guard let partition else { return nil }
            do { return try FleetPartition(parsing: partition) } catch { throw ValidationError(error.description) }
        }
    }

    /// `--shop` parsed (`nil` when not given): one id, a comma-separated list or `all`; whether the ids
    /// exist is checked against the catalog's `shop` table when the run connects.
    /// - Throws: `ValidationError` naming the value when it is none of those forms.
    var shopSelection: ShopSelection? {
        get throws {
            guard let shop else { return nil }
            do { return try ShopSelection(parsing: shop) } catch { throw ValidationError(error.description) }
        }
    }

    /// `--max-seconds` (here and on `reindex`) must be a finite number, 0 or more.
    /// - Parameter maxSeconds: The value, `nil` when not given.
    /// - Throws: `ValidationError` naming it.
    static func validate(maxSeconds: Double?) throws {
        if let maxSeconds, !(maxSeconds >= 0 && maxSeconds.isFinite) {
            throw ValidationError("--max-seconds \(maxSeconds): must be a finite number of seconds, 0 or more")
        }
    }

    /// Every dump path must be `-` (standard input, at most once), a readable file or stream, or a dump folder.
    /// - Parameters:
    ///   - dumps: The paths, from `--dump` or `bitrix.dumps`.
    ///   - option: Where they came from, for the message (`--dump` or `bitrix.dumps`).
    /// - Throws: `ValidationError` naming the first bad path and what is wrong with it (``DumpPaths``).
    static func validate(dumps: [String], option: String) throws {
        if dumps.count(where: { $0 == "-" }) > 1 {
            throw ValidationError("\(option) -: standard input can be read only once")
        }
        for path in dumps {
            if let problem = DumpPaths.problem(with: path) { throw ValidationError("\(option) \(path): \(problem)") }
        }
    }

    /// Applies these flags over the configuration. A `--partition` without `--shop` partitions every
    /// seller shop (`all`). Values were validated already, so a parse that fails here cannot happen.
    /// - Parameter configuration: The loaded configuration, changed in place.
    func apply(to configuration: inout BackstopConfiguration) {
        if !dumps.isEmpty { configuration.bitrix.dumps = dumps }
        if let selection = try? shopSelection { configuration.shops = selection }
        if let partition = try? fleetPartition {
            configuration.partition = partition
            if configuration.shops == nil { configuration.shops = .all }
        }
        if let reportDir { configuration.report.directory = reportDir }
        if !formats.isEmpty { configuration.report.formats = formats.map(\.rawValue) }
        if let snapshotTime { configuration.bitrix.snapshotTime = snapshotTime }
    }

    /// The report formats to write, from their `--format` names (also `report.formats` in the file).
    /// - Parameter names: Format names, in the order given.
    /// - Returns: The formats.
    /// - Throws: `ValidationError` listing the known names for an unknown one.
    static func formats(_ names: [String]) throws -> [any ReportFormat] {
        try names.map { name in
            guard let format = ReportFormatArgument(rawValue: name) else {
                throw ValidationError(
                    "unknown report format \(name) (known: \(ReportFormatArgument.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            return format.format
        }
    }
}

/// `--format` values: `json` (report.json), `ndjson` (discrepancies.ndjson), `md` (report.md), `html`
/// (report.html), `csv` (csv/<kind>.csv), `prom` (metrics.prom), `junit` (junit.xml).
///
/// `CaseIterable` lets `--help` list the values; adding a case here (with its format below) is the one
/// change the CLI needs for a new ``ReportFormat`` (see BackstopReport's "Adding a report format").
enum ReportFormatArgument: String, ExpressibleByArgument, CaseIterable {
    case json, ndjson, md, html, csv, prom, junit

    /// The format this name selects, with its default settings.
    var format: any ReportFormat {
        switch self {
        case .json: return .json
        case .ndjson: return .ndjson
        case .md: return .markdown
        case .html: return .html
        case .csv: return .csv
        case .prom: return .prometheus
        case .junit: return .junit
        }
    }
}
