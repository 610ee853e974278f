public import Foundation
import BackstopModel
import Synchronization

/// A file a format renders: a path inside the run's report folder and its bytes.
///
/// Formats return files instead of writing them, so rendering stays pure (tests compare bytes, previews
/// print them) and ``ReportWriter`` alone touches the disk.
public struct ReportFile: Sendable, Hashable {
    /// The path relative to the report folder (`report.json`, `csv/product.field.csv`); `/` separates
    /// folders, which ``ReportWriter`` creates.
    public var path: String
    /// The content, usually UTF-8 text.
    public var bytes: [UInt8]

    /// A rendered file.
    /// - Parameters:
    ///   - path: The path relative to the report folder.
    ///   - bytes: The content.
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}

/// An output format for a ``RunReport``: one file (or a few, for ``CSVReportFormat``) in the run's report
/// folder.
///
/// A format reads only the report: never the wall clock, the environment or the disk, so the same report
/// renders the same bytes (golden files, `backstop report --run N`). It escapes every value from the data
/// for its language and shows control characters through `SafeText`. Formats are values with static-member
/// sugar (`.markdown`, `.json`, …) for generic call sites; the CLI's `--format` maps names to them. See
/// <doc:AddingAReportFormat> for a new one end to end.
public protocol ReportFormat: Sendable {
    /// The file name inside the run's folder (`report.json`); for multi-file formats, their folder.
    var fileName: String { get }

    /// Appends the rendered report to `output` (the single file of single-file formats). It cannot fail:
    /// everything it needs is in the report.
    /// - Parameters:
    ///   - report: The run's report.
    ///   - output: The buffer to append UTF-8 bytes to; it may already hold bytes, which stay.
    func render(_ report: RunReport, into output: inout [UInt8])

    /// Every file of the format; by default the one ``fileName`` with ``render(_:into:)``'s bytes.
    /// Multi-file formats override it and return paths under their folder.
    /// - Parameter report: The run's report.
    /// - Returns: The files, paths relative to the run's report folder.
    func files(for report: RunReport) -> [ReportFile]
}

extension ReportFormat {
    /// The one file ``fileName`` with ``render(_:into:)``'s bytes.
    /// - Parameter report: The run's report.
    /// - Returns: One file.
    public func files(for report: RunReport) -> [ReportFile] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 16)
        render(report, into: &bytes)
        return [ReportFile(path: fileName, bytes: bytes)]
    }

    /// The format's file as text, for tests and previews.
    /// - Parameter report: The run's report.
    /// - Returns: ``render(_:into:)``'s bytes decoded as UTF-8.
    public func rendered(_ report: RunReport) -> String {
        var bytes: [UInt8] = []
        render(report, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writes a run's report files: the one place the report stage touches the disk.
///
/// ```swift
/// let formats: [any ReportFormat] = [HTMLReportFormat(), MarkdownReportFormat(), JSONReportFormat()]
/// let paths = try ReportWriter.write(report, formats: formats, to: runFolder)
/// ```
public enum ReportWriter {
    /// Renders every format into `directory` (created if needed). Each file is written to a temporary file
    /// in the same folder and renamed over the old one (`rename(2)`), so a reader (a browser, node_exporter's
    /// textfile collector) never sees half a file.
    ///
    /// - Parameters:
    ///   - report: The run's report.
    ///   - formats: The formats to render, in order; a failure stops at the first file that cannot be
    ///     written (files written before it stay, each whole).
    ///   - directory: The run's report folder.
    /// - Returns: the paths written.
    /// - Throws: ``ReportError`` naming the file.
    @discardableResult
    public static func write(_ report: RunReport, formats: [any ReportFormat], to directory: URL) throws(ReportError)
        -> [URL]
    {
        var written: [URL] = []
        for files in render(report, formats: formats) {
            for file in files {
                let target = directory.appendingPathComponent(file.path)
                try writeAtomically(file.bytes, to: target)
                written.append(target)
            }
        }
        return written
    }

    /// Every format's files, in the formats' order, rendered side by side on the machine's cores: a format
    /// reads only the report, so the bytes are the ones one format after another gives (the HTML page, the
    /// JSON and the CSV files were most of a `diff`'s time after its comparison on `bench-m`).
    /// - Parameters:
    ///   - report: The run's report.
    ///   - formats: The formats, in the order their files are to be written.
    /// - Returns: Each format's ``ReportFormat/files(for:)``, in the order of `formats`.
    static func render(_ report: RunReport, formats: [any ReportFormat]) -> [[ReportFile]] {
        guard formats.count > 1 else { return formats.map { $0.files(for: report) } }
        let rendered = Mutex([[ReportFile]](repeating: [], count: formats.count))
        DispatchQueue.concurrentPerform(iterations: formats.count) { index in
            let files = formats[index].files(for: report)
            rendered.withLock { $0[index] = files }
        }
        return rendered.withLock { $0 }
    }

    /// Writes `bytes` to `target` through a temporary file in its folder (`.<name>.<pid>.tmp`) and a
    /// rename, creating the folder first. The rename replaces an old file in one step; on failure the
    /// temporary file is removed and the old file is left as it was.
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - target: The file to create or replace.
    /// - Throws: ``ReportError`` with code `io`, naming the folder or the file and the system's reason.
    public static func writeAtomically(_ bytes: [UInt8], to target: URL) throws(ReportError) {
        do {
            try AtomicFile.write(bytes, to: target)
        } catch {
            switch error {
            case .folder(let reason):
                throw ReportError(
                    .io, "cannot create the report folder: \(reason)", path: target.deletingLastPathComponent().path)
            case .write(let reason):
                throw ReportError(.io, "cannot write the report: \(reason)", path: target.path)
            case .rename(let reason):
                throw ReportError(.io, "cannot replace the report: \(reason)", path: target.path)
            }
        }
    }
}
