import Foundation
public import Testing

/// Golden-file comparison: `actual` must equal `Tests/<target>/Snapshots/<name>` byte for byte. A missing
/// snapshot, or any snapshot while `RECORD_SNAPSHOTS=1`, is written and the check fails, so a recording never
/// passes silently (swift-argument-parser `TestHelpers.swift`).
public enum GoldenFile {
    /// Compares `actual` with the snapshot `name` next to the calling test file.
    public static func check(
        _ actual: String, named name: String, filePath: StaticString = #filePath, sourceLocation: SourceLocation
    ) throws {
        let folder = URL(fileURLWithPath: "\(filePath)").deletingLastPathComponent().appendingPathComponent("Snapshots")
        let file = folder.appendingPathComponent(name)
        let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
        guard !record, let expected = try? Data(contentsOf: file) else {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            Issue.record(
                Comment(rawValue: "recorded snapshot \(file.path); run the tests again to compare"),
                sourceLocation: sourceLocation)
            return
        }
        let expectedText = String(decoding: expected, as: UTF8.self)
        guard expectedText != actual else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expectedText.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        let got = line < a.count ? String(a[line]) : "(end of output)"
        let want = line < e.count ? String(e[line]) : "(end of snapshot)"
        Issue.record(
            Comment(
                rawValue:
                    "\(name) differs from its snapshot at line \(line + 1):\n  expected: \(want)\n  actual:   \(got)\n"
                    + "(RECORD_SNAPSHOTS=1 re-records it)"),
            sourceLocation: sourceLocation)
    }
}
