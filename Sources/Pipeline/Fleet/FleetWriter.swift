import BackstopReport
import Foundation

/// Writes the shops' report folders of a fleet run on a thread of its own, in shop order, while the run
/// thread goes on to the next shop (its ledger rows, plan and comparison).
///
/// A report folder is rendered from the finished run's ``RunReport`` alone (every file written atomically:
/// synced, then renamed), so rendering and writing it can leave the run thread, which then only records the
/// shop in the ledger. The files are the same bytes either way. ``finish()`` waits for every folder and throws the first error, before the fleet page is written,
/// so a fleet run never ends with a folder missing unannounced.
final class FleetWriter: @unchecked Sendable {  // every mutable field is guarded by `condition`
    /// One folder to write: what, where, and what to do with the written files.
    private struct Job {
        var report: RunReport
        var formats: [any ReportFormat]
        var directory: URL
        var written: @Sendable ([URL]) throws -> Void
    }

    private let condition = NSCondition()
    /// Folders waiting for the thread.
    private var queue: [Job] = []
    /// Set by ``finish()``: the thread ends once the queue is empty.
    private var closing = false
    /// Set when the thread has ended.
    private var finished = false
    /// The first error of a write; later folders are not written.
    private var failure: (any Error)?

    /// Starts the writer's thread.
    init() {
        let thread = Thread { [self] in
            while let job = next() {
                do {
                    try job.written(try ReportWriter.write(job.report, formats: job.formats, to: job.directory))
                } catch {
                    condition.withLock {
                        failure = failure ?? error
                        queue.removeAll()
                    }
                }
            }
        }
        thread.name = "backstop-fleet-write"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next folder, waiting for one; `nil` once ``finish()`` was called and the queue is empty.
    private func next() -> Job? {
        condition.withLock {
            while queue.isEmpty, !closing { condition.wait() }
            guard !queue.isEmpty else {
                finished = true
                condition.broadcast()
                return nil
            }
            return queue.removeFirst()
        }
    }

    /// Queues a shop's report folder.
    /// - Parameters:
    ///   - report: The shop's finished report.
    ///   - formats: The formats to write.
    ///   - directory: The shop's report folder.
    ///   - written: Called on the writer's thread with the files written (the textfile collector's copy).
    func write(
        _ report: RunReport, formats: [any ReportFormat], to directory: URL,
        then written: @escaping @Sendable ([URL]) throws -> Void
    ) {
        condition.withLock {
            queue.append(Job(report: report, formats: formats, directory: directory, written: written))
            condition.broadcast()
        }
    }

    /// Waits for every queued folder.
    /// - Throws: The first write's error (a `ReportError`, or the textfile copy's).
    func finish() throws {
        let first = condition.withLock { () -> (any Error)? in
            closing = true
            condition.broadcast()
            while !finished { condition.wait() }
            return failure
        }
        if let first { throw first }
    }
}
