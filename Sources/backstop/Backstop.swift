import ArgumentParser
import BackstopModel

/// `backstop`: the batch path that backstops the cvety.kz webhooks.
@main
struct Backstop: AsyncParsableCommand {
    static let version = "0.1.0"

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
            Nightly.self, Diff.self, Apply.self, Reindex.self, ReportCommand.self, Runs.self, Extract.self, DB.self,
            Doctor.self,
        ]
    )
}
