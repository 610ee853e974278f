import ArgumentParser
import BackstopIndex
import BackstopModel
import BackstopPostgres
import BackstopStore
import Foundation

extension Backstop {
    /// `backstop doctor`: what this process actually loaded and reaches, for a bug report and for the
    /// container's health check.
    ///
    /// Each line is a fact, not a guess: the libpq and image-library versions come from the loaded
    /// libraries, the BLAS line from the library `cblas_sgemm` resolved to and a measured rate. An
    /// unreachable catalog or a reference BLAS makes it exit 1, so a deploy fails before its first run.
    struct Doctor: AsyncParsableCommand {
        /// The command's help.
        static let configuration = CommandConfiguration(
            abstract: "Print the versions Backstop actually loaded and check its environment.",
            discussion: """
                Checks the linked libpq, the catalog server and the backstop schema, the BLAS library that \
                cblas_sgemm resolves to (with a quick sgemm rate: OpenBLAS reaches ~90 GFLOPS per core here, \
                the netlib reference BLAS ~5), LAPACKE, and the image libraries. Exits 1 if a check fails.
                """)

        /// Configuration file, catalog and logging.
        @OptionGroup var global: GlobalOptions

        /// `--offline`: skip the catalog, for an image build or a machine without database access.
        @Flag(help: "Skip the catalog connection check.")
        var offline = false

        /// Prints one aligned line per check on stdout.
        /// - Throws: `ExitCode.failure` when the catalog is unreachable or the reference BLAS is loaded;
        ///   `ValidationError` for a bad configuration.
        func run() async throws {
            let logger = global.makeLogger()
            var failed = false
            /// One line: the check's name padded to 16 columns, then what was found.
            func row(_ name: String, _ value: String) {
                print(name.padding(toLength: 16, withPad: " ", startingAt: 0) + value)
            }
            row("backstop", Backstop.version)
            row("libpq", PGConnection.libraryVersion)
            let configuration = try global.loadConfiguration()
            if let file = configuration.file {
                row("config", file)
            } else {
                row("config", "(defaults; no backstop.toml)")
            }
            if offline {
                row("catalog", "not checked (--offline)")
            } else {
                do {
                    let connection = try PGConnection(conninfo: configuration.catalogConninfo, logger: logger)
                    row(
                        "catalog",
                        "\(connection.endpoint), PostgreSQL \(connection.serverVersion) (from \(configuration.catalogSource))"
                    )
                    if let schema = try? BackstopSchema.locate() {
                        let pending = try schema.pending(on: connection)
                        row(
                            "schema",
                            pending.isEmpty
                                ? "backstop.* at version \(schema.latestVersion)"
                                : "\(pending.count) migration(s) pending: run `backstop db migrate`")
                    }
                    let hasCatalog = try CatalogSchema.exists(on: connection)
                    row("upstream", hasCatalog ? "product table present" : "no upstream product table in this database")
                } catch {
                    row("catalog", "UNREACHABLE (\(configuration.catalogSource)): \(error)")
                    failed = true
                }
            }
            let blas = BLASRuntime.probe()
            if blas.isReferenceBLAS {
                failed = true
                row("BLAS", "!!! REFERENCE BLAS LOADED (\(blas.sgemmLibrary)): similarity will be 17-35x slower !!!")
            } else {
                row(
                    "BLAS",
                    "OpenBLAS core \(blas.openBLASCore ?? "?"), \(blas.threads ?? 0) thread(s), \(blas.sgemmLibrary)")
            }
            row("", blas.openBLASConfig ?? "")
            row("sgemm 384³", String(format: "%.1f GFLOPS", blas.measuredGFLOPS))
            row("LAPACK(E)", blas.lapackVersion)
            let images = ImageCodecVersions.current
            row(
                "libjpeg",
                "API \(images.jpegLibVersion)" + (images.jpegTurboVersion.map { " (libjpeg-turbo \($0))" } ?? ""))
            row("libpng", images.pngVersion)
            if failed { throw ExitCode.failure }
        }
    }
}
