public import Foundation
import Glibc
import Synchronization

/// A content-addressed cache of downloaded images: `objects/ab/abcdef….img` holds the bytes whose SHA-256
/// is `abcdef…`, and `urls.tsv` maps each URL to its object and the validators (`ETag`, `Last-Modified`)
/// to revalidate it with. A revalidation that answers 304 costs a round trip and no body; identical bytes
/// behind several URLs are stored once.
///
/// Safe to share between the fetcher's workers: the URL index is behind a mutex and objects are written
/// to a temporary name and renamed, so two workers storing the same bytes race harmlessly. Objects are
/// never deleted by Backstop (the folder is a cache: delete it to reclaim the space); the URL index is
/// written only by ``save()``, at the end of a batch or a run, so a crash loses at most the index entries of
/// that batch, never an object's integrity. A corrupt index line is skipped, not fatal.
public final class ImageCache: Sendable {
    /// What the cache knows about one URL.
    public struct Entry: Sendable, Hashable {
        /// The object's SHA-256, hex.
        public var sha256: String
        /// The `ETag` the server sent, if any.
        public var etag: String?
        /// The `Last-Modified` the server sent, if any.
        public var lastModified: String?
    }

    /// The cache folder (`images.cache`, `--cache`).
    public let directory: URL
    /// The URL index as read from `urls.tsv` and updated by ``store(_:sha256:for:etag:lastModified:)``.
    private let entries: Mutex<[String: Entry]>

    /// Opens (creating it if needed) the cache in `directory` and reads its URL index.
    ///
    /// - Parameter directory: The cache folder; `objects/` is created inside it.
    /// - Throws: ``IndexError`` when the folder cannot be created.
    public init(directory: URL) throws(IndexError) {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("objects"), withIntermediateDirectories: true)
        } catch {
            throw IndexError(.io, "cannot create the image cache \(directory.path): \(error)")
        }
        var loaded: [String: Entry] = [:]
        if let data = FileManager.default.contents(atPath: directory.appendingPathComponent("urls.tsv").path) {
            for line in data.split(separator: 10) {
                let fields = line.split(separator: 9, omittingEmptySubsequences: false).map {
                    String(decoding: $0, as: UTF8.self)
                }
                guard fields.count == 4, fields[1].count == 64 else { continue }
                loaded[fields[0]] = Entry(
                    sha256: fields[1], etag: fields[2].isEmpty ? nil : fields[2],
                    lastModified: fields[3].isEmpty ? nil : fields[3])
            }
        }
        entries = Mutex(loaded)
    }

    /// The entry for `url`, when its object is present (an index entry whose object was deleted counts as
    /// absent, so the fetcher downloads the bytes again instead of revalidating nothing).
    /// - Parameter url: The image URL as the catalog has it.
    /// - Returns: The object's hash and validators, or `nil`.
    public func entry(for url: String) -> Entry? {
        guard let entry = entries.withLock({ $0[url] }) else { return nil }
        return FileManager.default.fileExists(atPath: objectPath(entry.sha256)) ? entry : nil
    }

    /// The cached bytes for `url`, as stored; their hash is the entry's, not recomputed here.
    /// - Parameter url: The image URL.
    /// - Returns: The bytes and their SHA-256, or `nil` when the URL is not cached or its object unreadable.
    public func bytes(for url: String) -> (bytes: [UInt8], sha256: String)? {
        guard let entry = entry(for: url), let bytes = LocalFile.read(objectPath(entry.sha256)) else { return nil }
        return (bytes, entry.sha256)
    }

    /// Stores `bytes` (already hashed) as the object for `url` with its validators. The object is written
    /// once per content; a failure to write it is ignored (the next run downloads again), since a cache
    /// must never fail a run.
    /// - Parameters:
    ///   - bytes: The image's bytes.
    ///   - sha256: Their SHA-256, hex, as the caller computed it.
    ///   - url: The URL they came from.
    ///   - etag: The response's `ETag`, for a conditional request next time.
    ///   - lastModified: The response's `Last-Modified`.
    public func store(_ bytes: [UInt8], sha256: String, for url: String, etag: String?, lastModified: String?) {
        let path = objectPath(sha256)
        if !FileManager.default.fileExists(atPath: path) {
            let folder = (path as NSString).deletingLastPathComponent
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            // Write then rename, so a crash never leaves a truncated object under a valid name.
            let temporary = path + ".tmp\(UInt32.random(in: 0...UInt32.max))"
            if FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) {
                _ = unsafe rename(temporary, path)
            }
        }
        entries.withLock { $0[url] = Entry(sha256: sha256, etag: etag, lastModified: lastModified) }
    }

    /// Writes the URL index (`urls.tsv`, sorted, via a temporary file and a rename). Tabs and line feeds
    /// inside a URL or validator are written as spaces, so every line has four fields.
    /// - Throws: ``IndexError`` with code `io` when the index cannot be written or renamed.
    public func save() throws(IndexError) {
        let lines = entries.withLock { $0 }.sorted { $0.key < $1.key }.map { url, entry in
            [url, entry.sha256, entry.etag ?? "", entry.lastModified ?? ""]
                .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: "\t")
        }
        let target = directory.appendingPathComponent("urls.tsv")
        let temporary = directory.appendingPathComponent("urls.tsv.tmp")
        do {
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: temporary)
            guard unsafe rename(temporary.path, target.path) == 0 else {
                throw IndexError(.io, unsafe "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            throw IndexError(.io, "cannot write the image cache index \(target.path): \(error)")
        }
    }

    /// `objects/<first two hex digits>/<sha256>.img`: 256 folders keep any one folder small.
    /// - Parameter sha256: The object's hash, hex.
    /// - Returns: The object's path.
    func objectPath(_ sha256: String) -> String {
        directory.appendingPathComponent("objects/\(sha256.prefix(2))/\(sha256).img").path
    }
}

/// Whole-file reads with POSIX calls into one `[UInt8]` (no `Data` in between).
enum LocalFile {
    /// The file's bytes, or `nil` when it cannot be opened or is not a regular file.
    static func read(_ path: String, limit: Int = Int.max) -> [UInt8]? {
        switch readChecked(path, limit: limit) {
        case .success(let bytes): bytes
        case .failure: nil
        }
    }

    /// Why a read failed.
    enum Failure: Error {
        /// No such file (or a path component is not a folder).
        case missing
        /// The path is a folder, a device or a socket.
        case notAFile
        /// The file is larger than the limit; its size in bytes.
        case tooLarge(Int)
        /// Another system error; its `errno`.
        case io(Int32)
    }

    /// The file's bytes, or why not. The size is read once with `fstat` and the buffer allocated at that
    /// size; a file that grows meanwhile is read up to the old size, one that shrinks gives fewer bytes.
    /// - Parameters:
    ///   - path: The file.
    ///   - limit: The largest size accepted, in bytes, checked before reading.
    /// - Returns: The bytes, or the failure.
    static func readChecked(_ path: String, limit: Int) -> Result<[UInt8], Failure> {
        let descriptor = unsafe open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(errno == ENOENT || errno == ENOTDIR ? .missing : .io(errno)) }
        defer { close(descriptor) }
        var status = stat()
        guard unsafe fstat(descriptor, &status) == 0 else { return .failure(.io(errno)) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { return .failure(.notAFile) }
        let size = Int(status.st_size)
        guard size <= limit else { return .failure(.tooLarge(size)) }
        var failure: Failure?
        let bytes = unsafe [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            guard let base = buffer.baseAddress else { return }  // size 0: nothing to read
            while done < size {
                // safe because done < size == buffer.count.
                let got = unsafe Glibc.read(descriptor, base + done, size - done)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    failure = got < 0 ? .io(errno) : nil
                    break
                }
                done += got
            }
            count = done
        }
        if let failure { return .failure(failure) }
        return .success(bytes)
    }
}
