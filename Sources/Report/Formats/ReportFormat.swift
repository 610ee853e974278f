public import Foundation

/// A file a format renders: a path inside the run's report folder and its bytes.
public struct ReportFile: Sendable, Hashable {
    /// The path relative to the report folder (`report.json`, `csv/product.field.csv`).
    public var path: String
    /// The content.
    public var bytes: [UInt8]

    /// Creates a file.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// An output format for a ``RunReport``: one file (or a few, for ``CSVReportFormat``) in the run's report
/// folder.
public protocol ReportFormat: Sendable {
    /// The file name inside the run's folder (`report.json`); for multi-file formats, their folder.
    var fileName: String { get }
    /// Appends the rendered report to `output` (the single file of single-file formats).
    func render(_ report: RunReport, into output: inout [UInt8])
    /// Every file of the format; by default the one ``fileName`` with ``render(_:into:)``'s bytes.
    func files(for report: RunReport) -> [ReportFile]
}

extension ReportFormat {
    /// The one file ``fileName`` with ``render(_:into:)``'s bytes.
    public func files(for report: RunReport) -> [ReportFile] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 16)
        render(report, into: &bytes)
        return [ReportFile(path: fileName, bytes: bytes)]
    }

    /// The format's file as text (tests, previews).
    public func rendered(_ report: RunReport) -> String {
        var bytes: [UInt8] = []
        render(report, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writes a run's report files.
public enum ReportWriter {
    /// Renders every format into `directory` (created if needed). Each file is written to a temporary file
    /// in the same folder and renamed over the old one (`rename(2)`), so a reader (a browser, node_exporter's
    /// textfile collector) never sees half a file.
    ///
    /// - Returns: the paths written.
    /// - Throws: ``ReportError`` naming the file.
    @discardableResult
    public static func write(_ report: RunReport, formats: [any ReportFormat], to directory: URL) throws(ReportError)
        -> [URL]
    {
        var written: [URL] = []
        for format in formats {
            for file in format.files(for: report) {
                let target = directory.appendingPathComponent(file.path)
                try writeAtomically(file.bytes, to: target)
                written.append(target)
            }
        }
        return written
    }

    /// Writes `bytes` to `target` through a temporary file in its folder and a rename.
    public static func writeAtomically(_ bytes: [UInt8], to target: URL) throws(ReportError) {
        let folder = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError(.io, "cannot create the report folder: \(error.localizedDescription)", path: folder.path)
        }
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            throw ReportError(.io, "cannot write the report: \(error.localizedDescription)", path: target.path)
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportError(.io, "cannot replace the report: \(reason)", path: target.path)
        }
    }
}
