import BackstopModel
import BackstopTestSupport
import Foundation
import Testing

/// Runs the built `backstop` binary.
func backstop(_ arguments: [String], environment: [String: String] = [:]) async throws -> Executable.Result {
    try await Executable.run("backstop", arguments, environment: environment)
}

/// The lines of `backstop runs --json`, parsed: tests read the objects, never the encoder's spacing.
/// - Parameter out: The command's stdout.
/// - Returns: One listing a line, newest run first.
/// - Throws: `DecodingError` when a line is not a run listing.
func runListings(_ out: String) throws -> [RunRecord.Listing] {
    try out.split(separator: "\n").map { try JSONDecoder().decode(RunRecord.Listing.self, from: Data($0.utf8)) }
}

@Suite struct CLIHelpTests {
    @Test func topLevelHelpTeachesCommandsAndExitCodes() async throws {
        let result = try await backstop(["--help"])
        #expect(result.status == 0)
        for command in ["nightly", "diff", "apply", "reindex", "report", "runs", "extract", "db", "doctor"] {
            #expect(result.out.contains("  \(command) "), "missing \(command)")
        }
        #expect(result.out.contains("75  another Backstop run holds the lock"))
        #expect(result.out.contains("DATABASE_URL"))
    }

    @Test(arguments: [
        ["nightly"], ["diff"], ["apply"], ["reindex"], ["report"], ["runs"], ["extract"], ["db"], ["db", "migrate"],
        ["db", "up"], ["db", "down"], ["db", "status"], ["doctor"],
    ])
    func everySubcommandExplainsItself(_ command: [String]) async throws {
        let result = try await backstop(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.out.hasPrefix("OVERVIEW: "))
        #expect(result.out.contains("USAGE: backstop \(command.joined(separator: " "))"))
    }

    @Test func doctorNamesOpenBLAS() async throws {
        let result = try await backstop(["doctor", "--offline"])
        #expect(result.status == 0, "\(result.out)\(result.err)")
        #expect(result.out.contains("OpenBLAS core"))
        #expect(result.out.contains("libpq"))
        #expect(result.out.contains("LAPACK(E)"))
        #expect(!result.out.contains("REFERENCE BLAS"))
    }

    /// The netlib reference BLAS (Debian's libblas3, installed by `make setup` only for this test) forced in
    /// front of OpenBLAS must be reported loudly, and doctor must fail.
    @Test func doctorWarnsLoudlyWhenTheReferenceBLASIsLoaded() async throws {
        let reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"
        try #require(FileManager.default.fileExists(atPath: reference), "install libblas3 (make setup)")
        let result = try await backstop(["doctor", "--offline"], environment: ["LD_PRELOAD": reference])
        #expect(result.status == 1)
        #expect(result.out.contains("REFERENCE BLAS LOADED"))
    }

    @Test func badConfigurationIsAUsageError() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).toml")
        try "[catalog]\nshopid = 1\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try await backstop(["runs", "--config", file.path])
        #expect(result.status == 64)
        #expect(result.err.contains("unknown key catalog.shopid"))
    }
}

@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"))
struct CLIDatabaseTests {
    @Test func migrateIsIdempotentAndRunsNeedIt() async throws {
        try await TestDatabase.withScratchDatabase(prefix: "cli") { conninfo in
            let before = try await backstop(["runs", "--catalog", conninfo])
            #expect(before.status == 1)
            #expect(before.err.contains("backstop db migrate"))
            let first = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(first.status == 0, "\(first.err)")
            #expect(first.out.contains("applied 0001_init"))
            let second = try await backstop(["db", "migrate", "--catalog", conninfo])
            #expect(second.status == 0)
            #expect(!second.out.contains("applied"))
            let runs = try await backstop(["runs", "--catalog", conninfo])
            #expect(runs.status == 0)
            #expect(runs.out.contains("(no runs yet)"))
        }
    }

    @Test func nightlyWithoutADumpFailsAndIsRecorded() async throws {
        try await TestDatabase.withScratchDatabase(prefix: "cli") { conninfo in
            _ = try await backstop(["db", "migrate", "--catalog", conninfo])
            let reports = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
            let result = try await backstop(["nightly", "--catalog", conninfo, "--report-dir", reports.path])
            // A configuration error inside a recorded run: the run is failed, the exit status is its cause's.
            #expect(result.status == 64, "\(result.err)")
            #expect(result.err.contains("error[pipeline.configuration]: run 1 failed: no Bitrix dump configured"))
            let runs = try await backstop(["runs", "--catalog", conninfo, "--json"])
            #expect(try runListings(runs.out).contains { $0.status == .failed }, "\(runs.out)")
            #expect(
                FileManager.default.fileExists(
                    atPath: reports.appendingPathComponent("000001-nightly/report.json").path))
        }
    }

    @Test func connectionEnvironmentIsHonoured() async throws {
        try await TestDatabase.withScratchDatabase(prefix: "cli") { conninfo in
            _ = try await backstop(["db", "migrate", "--catalog", conninfo])
            let viaURL = try await backstop(["runs"], environment: ["DATABASE_URL": conninfo])
            #expect(viaURL.status == 0, "\(viaURL.err)")
            let doctor = try await backstop(["doctor"], environment: ["BACKSTOP_CATALOG": conninfo])
            #expect(doctor.out.contains("from BACKSTOP_CATALOG"))
        }
    }
}
