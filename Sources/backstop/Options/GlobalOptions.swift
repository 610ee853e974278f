import ArgumentParser
import BackstopModel
import BackstopPipeline
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// Options every command shares: where the configuration and the catalog are, and how chatty to be.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (default: $BACKSTOP_CONFIG, else ./backstop.toml if present).", valueName: "file"))
    var config: String?

    @Option(
        name: [.customLong("catalog"), .customLong("db")],
        help: ArgumentHelp(
            "The catalog database: a libpq conninfo or URI. Overrides backstop.toml, DATABASE_URL and PG* variables.",
            valueName: "conninfo"))
    var catalog: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Log level on stderr: trace, debug, info, notice, warning, error.", valueName: "level"))
    var logLevel: LogLevelArgument = .notice

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Log format on stderr: human, or json (one object per line). Secrets are redacted in both.",
            valueName: "format"))
    var logFormat: LogFormatArgument = .human

    /// Loads the configuration (file, environment) and applies the flags.
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

    /// A logger for `label` at the chosen level, writing to stderr.
    func makeLogger(_ label: String = "backstop") -> Logger {
        LoggingBootstrap.once(level: logLevel.level, format: logFormat)
        var logger = Logger(label: label)
        logger.logLevel = logLevel.level
        return logger
    }

    /// Opens the catalog connection.
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

/// `--log-level` values.
enum LogLevelArgument: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error

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
    nonisolated(unsafe) private static var done = false  // only touched from the main task before any work

    static func once(level: Logger.Level, format: LogFormatArgument) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in BackstopLogHandler(label: label, format: format, level: level) }
    }
}

/// An error of the CLI itself (a missing file, no finished run yet): printed as `error[cli.command]:` and one
/// line (no usage text), exiting with status 1.
struct CLIError: BackstopError {
    var description: String
    init(_ description: String) { self.description = Redaction.redact(description) }

    /// `cli`.
    static var module: String { "cli" }
    /// `command`: the command could not do what it was asked.
    var codeName: String { "command" }
}
