import ArgumentParser
import BackstopModel
import Foundation

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
            Nightly.self, Diff.self, Apply.self, Reindex.self, ReportCommand.self, Runs.self, Fleet.self, Extract.self,
            DB.self, Doctor.self,
        ]
    )

    /// Parses and runs like swift-argument-parser's own `main`, except that every error message is redacted
    /// (``Redaction``) before it is printed: a usage error must not echo a password from the command line.
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
