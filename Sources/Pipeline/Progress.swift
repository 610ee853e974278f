import Foundation
import Logging

/// Reports long work on stderr every few seconds: rows, bytes and rate, so a 3 a.m. operator can see the
/// job is moving.
final class Progress {
    let label: String
    let file: String
    let logger: Logger
    let started = DispatchTime.now().uptimeNanoseconds
    var last = DispatchTime.now().uptimeNanoseconds
    let interval: UInt64 = 10_000_000_000

    init(label: String, file: String, logger: Logger) {
        self.label = label
        self.file = file
        self.logger = logger
    }

    func tick(rows: Int, bytes: Int64?) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - last >= interval else { return }
        last = now
        let seconds = Double(now - started) / 1e9
        var metadata: Logger.Metadata = ["stage": "\(label)", "file": "\(file)", "rows": "\(rows)"]
        if let bytes {
            metadata["mb"] = "\(bytes / 1_000_000)"
            metadata["mb_per_s"] = "\(Int(Double(bytes) / seconds / 1e6))"
        }
        logger.notice("progress", metadata: metadata)
    }
}
