import BackstopTestSupport
import Foundation
import Testing

/// Runs a shell command line (for pipes, redirections, `script` and `timeout`).
func shell(_ command: String, environment: [String: String] = [:]) async throws -> Executable.Result {
    try await Executable.runProgram("/bin/sh", ["-c", command], environment: environment)
}

/// The built backstop binary's path, quoted for a shell.
var backstopPath: String { "'\(RepoPaths.backstopBinary.path)'" }

@Suite struct DeployTests {
    /// The unit files pass `systemd-analyze verify` without a single warning (an unknown or misspelt key is
    /// only a warning there, so stderr must be empty too), with ExecStart pointed at the built binary
    /// (verify checks that the command exists).
    @Test func systemdUnitsVerify() async throws {
        let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let tool = try #require(analyze, "systemd-analyze comes with Debian's systemd package (make setup)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = RepoPaths.root.appendingPathComponent("deploy/systemd")
        for name in ["backstop-nightly.service", "backstop-nightly.timer"] {
            var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            text = text.replacingOccurrences(of: "/usr/local/bin/backstop", with: RepoPaths.backstopBinary.path)
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let result = try await Executable.runProgram(
            tool,
            [
                "verify", folder.appendingPathComponent("backstop-nightly.service").path,
                folder.appendingPathComponent("backstop-nightly.timer").path,
            ])
        #expect(result.status == 0, "\(result.out)\(result.err)")
        #expect(result.err.isEmpty, "systemd-analyze warned: \(result.err)")
        let calendar = try await Executable.runProgram(tool, ["calendar", "*-*-* 02:30:00 UTC"])
        #expect(calendar.status == 0 && calendar.out.contains("Next elapse"), "\(calendar.err)")
    }

    @Test func theTimerAndServiceCarryTheSchedulingContract() throws {
        let service = try String(
            contentsOf: RepoPaths.root.appendingPathComponent("deploy/systemd/backstop-nightly.service"),
            encoding: .utf8)
        let timer = try String(
            contentsOf: RepoPaths.root.appendingPathComponent("deploy/systemd/backstop-nightly.timer"), encoding: .utf8)
        for line in ["Persistent=true", "RandomizedDelaySec=", "FixedRandomDelay=true", "OnCalendar="] {
            #expect(timer.contains(line), "\(line)")
        }
        for line in [
            "Type=oneshot", "SuccessExitStatus=2 3", "NoNewPrivileges=yes", "ProtectSystem=strict", "TimeoutStartSec=",
        ] {
            #expect(service.contains(line), "\(line)")
        }
        let cron = try String(
            contentsOf: RepoPaths.root.appendingPathComponent("deploy/cron/backstop-nightly"), encoding: .utf8)
        let entry = try #require(cron.split(separator: "\n").first { !$0.hasPrefix("#") && $0.hasPrefix("30 2 ") })
        #expect(entry.contains("flock -n") && entry.contains("backstop nightly"))
        #expect(cron.contains("CRON_TZ=UTC"))
    }
}

@Suite struct CLIContractTests {
    @Test func helpDocumentsEveryExitCode() async throws {
        let result = try await backstop(["--help"])
        for line in [
            "0  completed, no discrepancies", "1  failed", "2  completed, discrepancies found",
            "3  completed on partial input",
            "4  apply refused by the safety valve", "64  bad command line", "75  another Backstop run holds the lock",
            "124  stopped by --max-seconds",
        ] {
            #expect(result.out.contains(line), "--help lacks: \(line)")
        }
        let readme = try String(contentsOf: RepoPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        for code in ["| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 64 |", "| 75 |", "| 124 |"] {
            #expect(readme.contains(code), "README's exit-code table lacks \(code)")
        }
    }

    @Test func usageErrorsExit64() async throws {
        let result = try await backstop(["nightly", "--max-seconds", "-1"])
        #expect(result.status == 64, "\(result.err)")
        let format = try await backstop(["diff", "--format", "pdf"])
        #expect(format.status == 64)
    }
}

/// `backstop db up` must return once the server runs, whatever its stdout is: the server it starts must not
/// hold a descriptor of ours. Each case starts a private cluster (its own folder and port) and stops it.
@Suite(.serialized) struct DBUpReturnsTests {
    enum Output: String, CaseIterable { case terminal, pipe, file }

    @Test(.timeLimit(.minutes(3)), arguments: Output.allCases)
    func dbUpReturnsWithTheServerRunning(_ output: Output) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pg-\(UUID().uuidString.prefix(8))")
        let environment = ["BACKSTOP_PG_DIR": folder.path]
        // Cleanup runs after the body whether it throws or not (a defer cannot await). A `db up` that hangs is
        // killed at 120 s; a start on a machine at load 25 took 55 s, so the bound is generous.
        let cleanup = {
            _ = try? await shell("\(backstopPath) db down; rm -rf '\(folder.path)'", environment: environment)
        }
        do {
            let log = folder.path + ".log"
            let command: String
            switch output {
            case .terminal: command = "timeout 120 script -qec \"timeout 120 \(backstopPath) db up\" /dev/null"
            case .pipe: command = "timeout 120 \(backstopPath) db up 2>&1 | cat"
            case .file:
                command =
                    "timeout 120 \(backstopPath) db up > '\(log)' 2>&1; s=$?; cat '\(log)'; rm -f '\(log)'; exit $s"
            }
            let started = Date()
            let up = try await shell(command, environment: environment)
            #expect(up.status == 0, "\(output): \(up.out)\(up.err)")
            #expect(up.out.contains("localpg: started"), "\(output): \(up.out)")
            #expect(Date().timeIntervalSince(started) < 115, "\(output): db up took the whole timeout")
            let status = try await shell("\(backstopPath) db status", environment: environment)
            #expect(status.status == 0 && status.out.contains("state: running"), "\(status.out)\(status.err)")
        } catch {
            await cleanup()
            throw error
        }
        await cleanup()
    }
}
