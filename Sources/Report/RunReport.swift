public import BackstopModel
public import BackstopStore
public import Foundation

/// Everything a run's report shows: the run, what each stage read and did, and every discrepancy.
public struct RunReport: Sendable {
    /// What one stage did, for the report's stage table.
    public struct Stage: Sendable, Hashable {
        /// Stage name (`extract.dump`, `extract.catalog`, `reconcile`, `index`, …).
        public var name: String
        /// `ok`, `partial`, `skipped` or `failed`.
        public var status: String
        /// One line of what happened.
        public var summary: String
        /// Wall-clock seconds.
        public var seconds: Double

        /// Creates a stage line.
        public init(name: String, status: String, summary: String, seconds: Double) {
            self.name = name
            self.status = status
            self.summary = summary
            self.seconds = seconds
        }
    }

    /// The run.
    public var run: RunRecord
    /// The stages in order.
    public var stages: [Stage]
    /// Every discrepancy found.
    public var discrepancies: [Discrepancy]
    /// Inputs by name (e.g. `dump` → path and size), for the header.
    public var inputs: [String: String]
    /// What the reconciliation compared and stated beside the discrepancies (absent when it did not run).
    public var reconciliation: Reconciliation?

    /// Creates a report.
    public init(
        run: RunRecord, stages: [Stage], discrepancies: [Discrepancy], inputs: [String: String],
        reconciliation: Reconciliation? = nil
    ) {
        self.run = run
        self.stages = stages
        self.discrepancies = discrepancies
        self.inputs = inputs
        self.reconciliation = reconciliation
    }

    /// The context of a reconciliation: snapshot time, rows compared, systematic losses.
    public struct Reconciliation: Sendable, Hashable {
        /// One systematic loss of the webhook path, counted instead of itemised.
        public struct Systematic: Sendable, Hashable {
            /// `entity.field` (`product.type`).
            public var field: String
            /// Products affected.
            public var count: Int
            /// What the webhook does.
            public var explanation: String

            /// Creates a line.
            public init(field: String, count: Int, explanation: String) {
                self.field = field
                self.count = count
                self.explanation = explanation
            }
        }

        /// "Now" for every time rule.
        public var snapshot: SnapshotTime
        /// The order status map's version.
        public var statusMapVersion: String
        /// Rows compared per table and side.
        public var rowsCompared: [String: Int]
        /// Systematic losses, one line per field.
        public var systematic: [Systematic]
        /// Absence-based findings withheld because the input is partial.
        public var withheld: Int

        /// Creates the context.
        public init(
            snapshot: SnapshotTime, statusMapVersion: String, rowsCompared: [String: Int], systematic: [Systematic],
            withheld: Int
        ) {
            self.snapshot = snapshot
            self.statusMapVersion = statusMapVersion
            self.rowsCompared = rowsCompared
            self.systematic = systematic
            self.withheld = withheld
        }
    }

    /// Discrepancy counts by kind, in kind order.
    public var countsByKind: [(kind: DiscrepancyKind, count: Int)] {
        var counts: [DiscrepancyKind: Int] = [:]
        for d in discrepancies { counts[d.kind, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

/// An output format for a ``RunReport``: one file in the run's report folder.
public protocol ReportFormat: Sendable {
    /// The file name inside the run's folder (`report.json`).
    var fileName: String { get }
    /// Appends the rendered report to `output`.
    func render(_ report: RunReport, into output: inout [UInt8])
}

/// Writes a run's report files.
public enum ReportWriter {
    /// Renders every format into `directory` (created if needed), each through a temporary file and a
    /// rename so readers never see half a report.
    ///
    /// - Returns: the paths written.
    /// - Throws: ``ReportError`` naming the file.
    @discardableResult
    public static func write(_ report: RunReport, formats: [any ReportFormat], to directory: URL) throws(ReportError) -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError(.io, "cannot create the report folder: \(error.localizedDescription)", path: directory.path)
        }
        var written: [URL] = []
        for format in formats {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(1 << 16)
            format.render(report, into: &bytes)
            let target = directory.appendingPathComponent(format.fileName)
            let temporary = directory.appendingPathComponent(".\(format.fileName).tmp")
            do {
                try Data(bytes).write(to: temporary)
                if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
                try FileManager.default.moveItem(at: temporary, to: target)
            } catch {
                throw ReportError(.io, "cannot write the report: \(error.localizedDescription)", path: target.path)
            }
            written.append(target)
        }
        return written
    }
}
