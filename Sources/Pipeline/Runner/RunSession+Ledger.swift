import BackstopExtract
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation
import Logging

/// The ledger chores every job shares: the `locked` answer naming the lock's holder, marking runs whose
/// process is gone `abandoned`, and a fresh ledger when a run's own connection was lost.
extension RunSession {
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
