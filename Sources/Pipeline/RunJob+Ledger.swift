import BackstopExtract
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// A run's place in the ledger and the lock: what is checked and taken before its row, the row itself,
/// and the ledger chores every job shares (the lock holder's name, abandoned runs, a fresh ledger).
extension RunJob {
    /// Checks what a run of one shop needs before its ledger row (Backstop's schema is current, a chosen shop
    /// is in the catalog) and takes the shop's lock.
    /// - Parameters:
    ///   - connection: The run's connection, which holds the lock for the run.
    ///   - schema: Backstop's schema files.
    /// - Returns: `nil` with the lock taken; else the `locked` result naming the holder.
    /// - Throws: `StoreError` or `PGError` when the schema is not current; ``PipelineError``
    ///   (`shopSelection`) when a chosen shop is not in the catalog.
    func prepare(_ connection: PGConnection, schema: BackstopSchema) throws -> RunResult? {
        try schema.requireCurrent(on: connection)
        if configuration.shops != nil {
            try FleetScope.validate(configuration.shops, against: FleetScope.catalogShops(connection))
        }
        guard try RunLock.tryAcquire(shops: [configuration.runShopID], on: connection) else {
            return Self.locked(shops: [configuration.runShopID], on: connection, logger: logger)
        }
        return nil
    }

    /// Begins the run in the ledger: its `running` row with the inputs (catalog, shop, dumps), its report
    /// folder, and the shops (and fleet partition) it covers.
    /// - Parameter connection: The run's connection, holding the lock.
    /// - Returns: The run's session.
    /// - Throws: `PGError` when the ledger cannot be written.
    func begin(on connection: PGConnection) throws -> RunSession {
        var inputs: [String: String] = ["catalog": connection.endpoint, "shop_id": String(configuration.runShopID)]
        for (i, dump) in configuration.bitrix.dumps.enumerated() { inputs["dump\(i == 0 ? "" : String(i + 1))"] = dump }
        let session = try RunSession(
            kind: kind, dryRun: apply == nil, inputs: inputs, arguments: arguments, version: version,
            connection: connection, configuration: configuration, logger: logger
        ) { run in
            outputDirectory
                ?? URL(fileURLWithPath: configuration.report.directory)
                .appendingPathComponent(String(format: "%06lld-%@", run.id, kind))
        }
        try session.ledger.recordScope(
            of: session.run, shops: [configuration.runShopID], partition: shared?.partition)
        return session
    }

    /// The result of a job that found the lock of one of `shops` (or the catalog's) taken: `locked`,
    /// naming the holder's run when it announced one.
    /// - Parameters:
    ///   - shops: The shops whose lock was wanted.
    ///   - connection: A connection to the catalog, to find the holder.
    ///   - logger: Where the refusal is logged.
    /// - Returns: A result with exit status 75 and a message naming the holder.
    static func locked(shops: [Int64], on connection: PGConnection, logger: Logger) -> RunResult {
        let holder = (try? RunLock.holder(shops: shops, on: connection)).flatMap { $0 }
        let message =
            "another Backstop run holds the lock on this catalog (\(connection.endpoint)) for shop "
            + shops.map(String.init).joined(separator: ", ") + ": "
            + (holder?.description ?? "the holder has just released it or cannot be seen; try again")
        logger.error(
            "catalog lock held",
            metadata: ["catalog": "\(connection.endpoint)", "lock.holder": "\(holder?.description ?? "unknown")"])
        return RunResult(status: .locked, lockHolder: message)
    }

    /// Marks the runs whose process is gone `abandoned` (logged; a failure to check does not stop this run).
    /// A `running` row whose per-run advisory lock is free has no process behind it any more.
    /// - Parameters:
    ///   - ledger: The ledger.
    ///   - runID: The run that noticed, recorded beside each.
    ///   - logger: Where each abandoned run is logged.
    static func markAbandoned(ledger: RunLedger, by runID: Int64, logger: Logger) {
        do {
            for id in try ledger.markAbandoned(by: runID) {
                logger.warning(
                    "run abandoned", metadata: ["run.id": "\(id)", "noticed.by": "\(runID)"])
            }
        } catch {
            logger.warning("could not check for abandoned runs", metadata: ["error": "\(error)"])
        }
    }

    /// A ledger on a fresh connection, for recording a run's end after its own connection was lost; `nil`
    /// when the server cannot be reached either.
    /// - Parameters:
    ///   - configuration: How to connect.
    ///   - logger: Where the failure to connect is logged.
    /// - Returns: A ledger on a new connection, or `nil`.
    static func freshLedger(_ configuration: BackstopConfiguration, logger: Logger) -> RunLedger? {
        guard let connection = try? CatalogInput.connect(configuration, logger: logger) else {
            logger.error("the run's end cannot be recorded: the catalog server is unreachable")
            return nil
        }
        return RunLedger(connection: connection)
    }
}
