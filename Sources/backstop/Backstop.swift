import ArgumentParser
import BackstopModel
import Foundation

/// `backstop`: the batch path that backstops the cvety.kz webhooks.
///
/// The executable only parses and composes: each subcommand turns its options into a configuration and
/// one library call (`RunJob`, `FleetJob`, `ApplyJob`, `ReindexJob`, `ReportAssembler`, `RunLedger`, …),
/// renders the result on stdout and leaves the rest to the libraries. Reports and plans go to files or
/// stdout; logs and progress go to stderr, so `backstop runs --json | jq` stays clean.
///
/// The exit status is the contract with schedulers (cron, systemd, Kubernetes, Airflow): 0 clean, 2 drift,
/// 3 partial input, 4 refused, 64 usage, 75 locked, 124 time limit, 128+n stopped by signal n, 1 anything
/// else (``ExitStatus`` lists them with their meaning, and `--help` prints that list). A scheduler treats
/// 0, 2 and 3 as success (drift is what the job is for), retries 1, and does not retry 4, 64, 75 or 124:
/// those need a person or the next scheduled run, not the same command again.
///
/// | command | library call | ledger kind |
/// |---|---|---|
/// | `nightly` | `RunJob` (`FleetJob` for several shops) | `nightly` |
/// | `diff` | `RunJob` without the index stage | `diff` |
/// | `apply` | `ApplyJob` | `apply` |
/// | `reindex` | `ReindexJob` | `reindex` |
/// | `report` | `ReportAssembler` and `ReportWriter` | none (reads) |
/// | `runs`, `fleet` | `RunLedger` | none (reads) |
/// | `extract` | `DumpExport`, `BitrixModelBuilder`, `CatalogReader` | none |
/// | `db`, `doctor` | `BackstopSchema`, `scripts/localpg.sh`, version probes | none |
@main
struct Backstop: AsyncParsableCommand {
    /// Backstop's version: `--version`, the ledger's `backstop.run.version`, each report's generator.
    static let version = "0.1.0"

    /// The command tree, `--help`'s text and the exit-code list generated from ``ExitStatus``.
    static let configuration = CommandConfiguration(
        commandName: "backstop",
        abstract: "Batch reconciliation and indexing for the cvety.kz catalog (Bitrix ⇄ PostgreSQL ⇄ visual search).",
        discussion: """
            Backstop reads Bitrix mysqldump files (and saved product-API pages) and the live PostgreSQL \
            catalog, matches them by preserved ids, reports every discrepancy, plans ID-preserving merges \
            (dry-run by default), and keeps the visual-search embeddings honest.

            Typical use:
              backstop db migrate              create or update the backstop.* schema
              backstop nightly --dump F.sql.gz extract, reconcile, index, report
              backstop runs                    what ran, when, and what it found
              backstop doctor                  libpq, server, BLAS, image libraries

            Configuration, lowest precedence first: built-in defaults, backstop.toml (or --config / \
            BACKSTOP_CONFIG), the environment (DATABASE_URL, libpq's PG* variables, BACKSTOP_*), flags.

            Exit codes (for schedulers):
            \(ExitStatus.allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n"))
            """,
        version: version,
        subcommands: [
            Nightly.self, Diff.self, Apply.self, Reindex.self, ReportCommand.self, Runs.self, Fleet.self, Extract.self,
            DB.self, Doctor.self,
        ]
    )

    /// Parses and runs like swift-argument-parser's own `main`, except that every error message is redacted
    /// (``Redaction``) before it is printed: a usage error must not echo a password from the command line.
    ///
    /// A Backstop module's error prints as `error[<module>.<code>]: <message>` and exits with
    /// `ExitStatus(for:)` of its root cause (a configuration error is 64, a held lock 75, the rest 1); a
    /// clean exit (`--help`, `--version`) prints on stdout, everything else on stderr.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // A Backstop module's error: `error[<module>.<code>]:` and the exit status of its root cause;
            // anything else (usage errors, `ExitCode`, `CleanExit`) the way swift-argument-parser prints it.
            let backstopError = ErrorChain.rootCause(of: error) != nil
            let code = backstopError ? ExitCode(ExitStatus(for: error).rawValue) : exitCode(for: error)
            let message = Redaction.redact(backstopError ? ErrorChain.line(for: error) : fullMessage(for: error))
            if !message.isEmpty {
                let text = message.hasSuffix("\n") ? message : message + "\n"
                (code == .success ? FileHandle.standardOutput : FileHandle.standardError).write(Data(text.utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
