import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// Options every command shares: where the configuration and the catalog are, and how chatty to be.
///
/// Pulled into each command with `@OptionGroup`, so `--catalog`, `--config`, `--log-level` and
/// `--log-format` mean the same everywhere. The helpers below are the one way commands load the
/// configuration, make a logger and reach the catalog.
///
/// Where the catalog comes from, highest first: `--catalog`, `BACKSTOP_CATALOG`, `DATABASE_URL`, libpq's
/// `PG*` variables, `catalog.url` in the file, libpq's defaults. The configuration file is `--config`,
/// else `BACKSTOP_CONFIG`, else `./backstop.toml` when there is one.
struct GlobalOptions: ParsableArguments {
    /// `--config`: the configuration file; without it `BACKSTOP_CONFIG`, else `./backstop.toml` when present,
    /// else the built-in defaults.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (default: $BACKSTOP_CONFIG, else ./backstop.toml if present).", valueName: "file"))
    var config: String?

    /// `--catalog` / `--db`: the catalog's libpq conninfo or URI; libpq's own variables (`PGSSLMODE`, …) still
    /// apply to what it leaves out.
    @Option(
        name: [.customLong("catalog"), .customLong("db")],
        help: ArgumentHelp(
            "The catalog database: a libpq conninfo or URI. Overrides backstop.toml, DATABASE_URL and PG* variables.",
            valueName: "conninfo"))
    var catalog: String?

    /// `--log-level`: stderr's level (default `notice`).
    @Option(
        name: .long,
        help: ArgumentHelp("Log level on stderr: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel: LogLevelArgument = .notice

    /// `--log-format`: `human` lines, or `json` objects for a log shipper.
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log format on stderr: human, or json (one object per line). Secrets are redacted in both.",
            valueName: "format"))
    var logFormat: LogFormatArgument = .human

    /// Loads the configuration (file, environment) and applies the flags.
    ///
    /// A malformed file, an unknown key or a merge policy Backstop must not follow is a usage error (exit
    /// 64) before anything connects; `--catalog` wins over every other source and is recorded as the
    /// catalog's source for messages.
    /// - Returns: The configuration, defaults < file < environment < flags.
    /// - Throws: `ValidationError` naming the file, key or policy.
    func loadConfiguration() throws -> BackstopConfiguration {
        var configuration: BackstopConfiguration
        do {
            configuration = try BackstopConfiguration.load(file: config)
        } catch let error as BackstopConfiguration.Error {
            throw ValidationError(error.description)
        }
        do {
            try RunJob.checkMergePolicy(configuration)
        } catch {
            throw ValidationError(error.description)
        }
        if let catalog {
            configuration.catalogConninfo = catalog
            configuration.catalogSource = "--catalog"
        }
        return configuration
    }

    /// A logger for `label` at the chosen level, writing to stderr. The first call bootstraps swift-log for
    /// the process (``LoggingBootstrap``); later calls reuse it.
    /// - Parameter label: The logger's label (`backstop`, or `backstop.<module>`).
    /// - Returns: The logger.
    func makeLogger(_ label: String = "backstop") -> Logger {
        LoggingBootstrap.once(level: logLevel.level, format: logFormat)
        var logger = Logger(label: label)
        logger.logLevel = logLevel.level
        return logger
    }

    /// Opens the catalog connection (``CatalogInput/connect(_:logger:)``), naming the settings' source on
    /// failure.
    /// - Parameters:
    ///   - configuration: The loaded configuration.
    ///   - logger: The connection's logger.
    /// - Returns: An open connection.
    /// - Throws: `PipelineError` with code `connection`.
    func connect(_ configuration: BackstopConfiguration, logger: Logger) throws -> PGConnection {
        try CatalogInput.connect(configuration, logger: logger)
    }

    /// The run ledger of the configured catalog, for the commands that read it (`runs`, `report`, `fleet`):
    /// the connection opened and Backstop's schema checked current first.
    /// - Parameters:
    ///   - configuration: The loaded configuration (where the catalog is).
    ///   - logger: Where the connection logs.
    /// - Returns: The ledger; its `connection` serves the command's other reads.
    /// - Throws: `PGError` when the catalog cannot be reached; `StoreError` when the schema is missing or old.
    func openLedger(_ configuration: BackstopConfiguration, logger: Logger) throws -> RunLedger {
        let connection = try connect(configuration, logger: logger)
        try locateSchema().requireCurrent(on: connection)
        return RunLedger(connection: connection)
    }
}

/// `--log-level` values: swift-log's levels except `critical`. The default, `notice`, shows what an
/// operator acts on (a partial dump, values not interpreted, a stopped run) and hides per-row detail.
enum LogLevelArgument: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error

    /// The swift-log level of the same name.
    var level: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .notice: return .notice
        case .warning: return .warning
        case .error: return .error
        }
    }
}

/// Bootstraps swift-log exactly once per process.
enum LoggingBootstrap {
    /// Whether the bootstrap ran; swift-log traps on a second `LoggingSystem.bootstrap`.
    nonisolated(unsafe) private static var done = false  // only touched from the main task before any work

    /// Bootstraps swift-log with ``BackstopLogHandler`` on the first call; later calls do nothing, whatever
    /// their arguments (a process has one log format).
    /// - Parameters:
    ///   - level: The handlers' level.
    ///   - format: `human` or `json`.
    static func once(level: Logger.Level, format: LogFormatArgument) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in BackstopLogHandler(label: label, format: format, level: level) }
    }
}

/// An error of the CLI itself (a missing file, no finished run yet): printed as `error[cli.command]:` and one
/// line (no usage text), exiting with status 1.
struct CLIError: BackstopError {
    /// The message, secrets redacted.
    var description: String

    /// An error of the command with this message; secrets in it are redacted here, once.
    /// - Parameter description: What went wrong, for people.
    init(_ description: String) { self.description = Redaction.redact(description) }

    /// `cli`.
    static var module: String { "cli" }
    /// `command`: the command could not do what it was asked.
    var codeName: String { "command" }
}
