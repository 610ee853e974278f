import BackstopExtract
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// A run's place in the ledger and the lock: what is checked and taken before its row, and the row itself.
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
            return RunSession.locked(shops: [configuration.runShopID], on: connection, logger: logger)
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
}
