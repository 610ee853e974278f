public import Foundation

/// Writes a file so that a reader sees the old content or the new, never none and never half: the bytes go
/// to a temporary file beside the target (`.<name>.<pid>.tmp`), which `rename(2)` then puts in its place in
/// one step. Reports, plans and fleet pages are written this way, so a reviewer's `cat` or a scheduler
/// polling the folder never catches a file mid-write.
public enum AtomicFile {
    /// The step that failed, with the system's reason; each caller turns it into its own module's error.
    public enum Failure: Error, Sendable {
        /// The target's folder could not be created.
        case folder(reason: String)
        /// The temporary file could not be written.
        case write(reason: String)
        /// The rename failed; the temporary file has been removed and the old file is as it was.
        case rename(reason: String)
    }

    /// Writes `bytes` to `target`, creating its folder first, replacing an old file in one step.
    ///
    /// - Parameters:
    ///   - bytes: The file's content.
    ///   - target: The file to create or replace.
    /// - Throws: ``Failure`` naming the step that failed and why.
    public static func write(_ bytes: [UInt8], to target: URL) throws(Failure) {
        let folder = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw .folder(reason: error.localizedDescription)
        }
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(bytes).write(to: temporary)
        } catch {
            throw .write(reason: error.localizedDescription)
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw .rename(reason: reason)
        }
    }
}
