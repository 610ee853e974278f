import BackstopBenchSupport
import BackstopExtract
import Foundation
import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// The dump reader benchmark driver (scripts/bench/10-dump.sh): reads a dump, materialising the rows of
/// the given tables, and prints one JSON object with wall-clock and CPU (user + sys) throughput.
///
///     DumpBench DUMP TABLES [count|values]
///
/// TABLES is comma-separated (empty: scan only). `count` (the default) consumes each row the way the
/// pipeline does, through the packed row (`row.count`, `row.withBytes`); `values` also builds every
/// `DumpValue` (`row.values`), the slowest way to consume a row.
@main
enum DumpBench {
    static func main() throws {
        let args = CommandLine.arguments
        guard args.count >= 3 else {
            FileHandle.standardError.write(Data("usage: DumpBench DUMP TABLES [count|values]\n".utf8))
            exit(2)
        }
        let path = args[1]
        let tables = Set(args[2].split(separator: ",").map(String.init))
        let allValues = args.count > 3 && args[3] == "values"
        var logger = Logger(label: "dump-bench")
        logger.logLevel = .error
        let start = ContinuousClock.now
        let cpuStart = CPUTime.process()
        let reader = try DumpReader.open(URL(fileURLWithPath: path), options: .init(tables: tables), logger: logger)
        var rows = 0
        var values = 0
        var bytes = 0
        while let event = try reader.next() {
            guard case .row(let row) = event else { continue }
            rows += 1
            if allValues {
                values += row.values.count
            } else {
                values += row.count
                bytes += row.withBytes(at: 0) { $0?.count ?? 0 }
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = CPUTime.process() - cpuStart
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        try BenchOutput.print(
            Result(
                bytes: size, seconds: seconds, cpuSeconds: cpu, rows: rows, values: values,
                mbPerSecond: BenchOutput.finite(Double(size) / seconds / 1e6),
                mbPerCPUSecond: BenchOutput.finite(Double(size) / cpu / 1e6)))
    }

    /// The line 10-dump.sh reads: the dump's size, wall and CPU seconds, rows and values read, throughput.
    struct Result: Encodable {
        /// The dump file's size.
        var bytes: Int
        /// Wall-clock seconds.
        var seconds: Double
        /// User + system CPU seconds of the process.
        var cpuSeconds: Double
        /// Rows of the named tables.
        var rows: Int
        /// Values counted (`values` mode: decoded).
        var values: Int
        /// Megabytes of dump per wall-clock second.
        var mbPerSecond: Double?
        /// Megabytes of dump per CPU second.
        var mbPerCPUSecond: Double?

        enum CodingKeys: String, CodingKey {
            case bytes, seconds, cpuSeconds = "cpu_seconds", rows, values, mbPerSecond = "mb_per_s"
            case mbPerCPUSecond = "mb_per_cpu_s"
        }
    }
}
