import BackstopPostgres
import BackstopTestSupport
import Foundation
import Testing

/// sql/roles.sql: a reader role runs diff without writing the upstream catalog, and cannot apply; a writer
/// role can. And TLS: the embedded server with a self-signed CA and `sslmode=verify-full`.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs BACKSTOP_TEST_PG"), .serialized)
struct LeastPrivilegeTests {
    let tiny = RepoPaths.data.appendingPathComponent("tiny")

    func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    /// Inserted, updated and deleted tuples of every table in `public`, with each backend's pending counts
    /// flushed (the runs have exited).
    func publicWrites(_ conninfo: String) throws -> [[String?]] {
        try sql(
            conninfo,
            """
            SELECT relname, n_tup_ins::text, n_tup_upd::text, n_tup_del::text FROM pg_stat_user_tables
             WHERE schemaname = 'public' ORDER BY relname
            """)
    }

    @Test func diffAsTheReaderWritesNothingUpstreamAndApplyNeedsTheWriter() async throws {
        try await TestDatabase.withScratchDatabase(prefix: "roles") { conninfo in
            #expect(try await worldgen(["load-catalog", "--world", tiny.path, "--conninfo", conninfo]).status == 0)
            #expect(try await backstop(["db", "migrate", "--catalog", conninfo]).status == 0)
            let admin = try PGConnection(conninfo: conninfo, logger: TestDatabase.quietLogger)
            defer { admin.close() }
            try admin.executeScript(
                try String(contentsOf: RepoPaths.root.appendingPathComponent("sql/roles.sql"), encoding: .utf8))
            let suffix = String(UInt32.random(in: 0...UInt32.max))
            let reader = "bs_reader_\(suffix)"
            let writer = "bs_writer_\(suffix)"
            try admin.execute(PGQuery(unsafeSQL: "CREATE ROLE \(reader) LOGIN IN ROLE backstop_reader"))
            try admin.execute(PGQuery(unsafeSQL: "CREATE ROLE \(writer) LOGIN IN ROLE backstop_writer"))
            defer {
                // The login roles own nothing (the grants are the group roles'), so they drop at once.
                _ = try? sql(conninfo, PGQuery(unsafeSQL: "DROP ROLE IF EXISTS \(reader), \(writer)"))
            }
            let dump = tiny.appendingPathComponent("bitrix/dump.sql").path
            try sql(conninfo, "SELECT pg_stat_force_next_flush()")
            let before = try publicWrites(conninfo)

            let diff = try await backstop([
                "diff", "--catalog", conninfo + " user=\(reader)", "--dump", dump, "--out", temporary("reader").path,
            ])
            #expect(diff.status == 2, "the reader can diff: \(diff.err)")
            #expect(try sql(conninfo, "SELECT status FROM backstop.run WHERE id = 1") == [["drift"]])
            #expect(try publicWrites(conninfo) == before, "pg_stat_user_tables: no row of public written")

            let config = try thresholdConfig()
            let catalog = try CatalogRows.read(conninfo)
            let refused = try await backstop([
                "apply", "--config", config, "--catalog", conninfo + " user=\(reader)", "--run", "1", "--yes",
            ])
            #expect(refused.status == 1, "\(refused.out)\(refused.err)")
            #expect(
                refused.err.contains(
                    "nothing written: the role \(reader) may not write the catalog (no INSERT on product)"),
                "\(refused.err)")
            #expect(refused.err.contains("backstop_writer role (sql/roles.sql)"))
            #expect(try CatalogRows.read(conninfo) == catalog, "nothing written")

            let applied = try await backstop([
                "apply", "--config", config, "--catalog", conninfo + " user=\(writer)", "--run", "1", "--yes",
            ])
            #expect(applied.status == 0, "the writer role is enough to apply: \(applied.out)\(applied.err)")
            #expect(try CatalogRows.read(conninfo) != catalog)
        }
    }

    /// A private cluster with TLS on (a CA and a server certificate for localhost made with openssl), for
    /// this test only.
    @Test func tlsWithVerifyFullWorksAndAWrongCAFailsClearly() async throws {
        let folder = temporary("tls")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = """
            set -euo pipefail
            cd "$1"
            key() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "$@" 2>/dev/null; }
            key -keyout ca.key -out ca.crt -subj "/CN=backstop test CA"
            key -keyout wrong.key -out wrong.crt -subj "/CN=another CA"
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
                -subj "/CN=localhost" 2>/dev/null
            printf 'subjectAltName=DNS:localhost\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
                -extfile san.ext 2>/dev/null
            export BACKSTOP_PG_DIR="$1/pg"
            "$2/scripts/localpg.sh" up 2>/dev/null
            data="$1/pg/data"
            cp server.crt server.key "$data/"
            if [ "$(id -u)" = 0 ]; then chown postgres: "$data/server.crt" "$data/server.key"; fi
            chmod 600 "$data/server.key"
            printf "ssl = on\\nssl_cert_file = 'server.crt'\\nssl_key_file = 'server.key'\\n" >> "$data/postgresql.conf"
            "$2/scripts/localpg.sh" down 2>/dev/null
            "$2/scripts/localpg.sh" up 2>/dev/null
            cat "$1/pg/port"
            """
        let setup = try await Executable.runProgram(
            "/bin/bash", ["-c", script, "tls", folder.path, RepoPaths.root.path])
        defer {
            let destroy = Process()
            destroy.executableURL = URL(fileURLWithPath: "/bin/bash")
            destroy.arguments = [
                "-c", "BACKSTOP_PG_DIR=\"$1/pg\" \"$2/scripts/localpg.sh\" destroy", "tls", folder.path,
                RepoPaths.root.path,
            ]
            try? destroy.run()
            destroy.waitUntilExit()
            try? FileManager.default.removeItem(at: folder)
        }
        try #require(setup.status == 0, "\(setup.err)")
        let port = setup.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let base = "host=localhost hostaddr=127.0.0.1 port=\(port) user=postgres dbname=backstop sslmode=verify-full"
        let good = base + " sslrootcert=\(folder.appendingPathComponent("ca.crt").path)"
        let migrate = try await backstop(["db", "migrate", "--catalog", good])
        #expect(migrate.status == 0, "\(migrate.err)")
        #expect(try sql(good, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()") == [["true"]])
        let runs = try await backstop(["runs", "--catalog", good])
        #expect(runs.status == 0, "\(runs.err)")

        let wrong = base + " sslrootcert=\(folder.appendingPathComponent("wrong.crt").path)"
        let refused = try await backstop(["runs", "--catalog", wrong])
        #expect(refused.status == 1)
        #expect(refused.err.contains("cannot connect to the catalog"), "\(refused.err)")
        #expect(refused.err.contains("certificate verify failed"), "\(refused.err)")
        #expect(refused.err.contains("not signed by the CA in sslrootcert"), "\(refused.err)")
    }
}
