import BackstopModel
import Foundation

/// Gets image bytes for URLs: from the local mirror when a prefix matches, otherwise over HTTP(S) through
/// the content-addressed cache (revalidated with `ETag`/`Last-Modified`). Every result is checked: a size
/// cap and the magic bytes of a decodable format (JPEG, PNG), so an HTML error page served as `.jpg` is
/// "not an image" here and never reaches the decoder.
///
/// ``fetch(_:)`` blocks; call it from worker threads (`WorkLoop.forEach(_:concurrency:_:)`), not from
/// Swift concurrency tasks.
public final class ImageFetcher: Sendable {
    /// Where bytes may come from and how hard to try.
    public struct Options: Sendable, Hashable {
        /// URL prefixes read from local folders instead of the network.
        public var mirror: ImageMirror?
        /// The HTTP cache folder; `nil` for no cache.
        public var cacheDirectory: String?
        /// Whether URLs outside the mirror may be fetched over the network.
        public var allowNetwork: Bool = true
        /// HTTP limits (timeouts, retries, redirects, size cap).
        public var http = HTTPTransport.Options()
        /// Parallel fetches over the network.
        public var concurrency: Int = 8

        /// No mirror, no cache, network allowed.
        /// - Parameters:
        ///   - mirror: URL prefixes read from local folders.
        ///   - cacheDirectory: The HTTP cache folder.
        public init(mirror: ImageMirror? = nil, cacheDirectory: String? = nil) {
            self.mirror = mirror
            self.cacheDirectory = cacheDirectory
        }
    }

    /// Where a fetched image came from.
    public enum Origin: String, Sendable, Hashable {
        /// Read from the mirror folder.
        case mirror
        /// Downloaded (200).
        case network
        /// Served from the cache after a 304 (or without asking, when the network is off).
        case cache
    }

    /// Fetched bytes.
    public struct Image: Sendable, Hashable {
        /// The bytes.
        public var bytes: [UInt8]
        /// Their SHA-256, hex.
        public var sha256: String
        /// Where they came from.
        public var origin: Origin
    }

    /// The options in force.
    public let options: Options
    /// The HTTP client; `nil` when the network is off.
    private let transport: HTTPTransport?
    /// The content-addressed cache; `nil` without a cache folder.
    private let cache: ImageCache?

    /// A fetcher for the stage's workers, with its HTTP session and cache when the options allow the
    /// network.
    ///
    /// - Parameter options: Mirror, cache folder, network and HTTP limits.
    /// - Throws: ``IndexError`` when the cache folder cannot be created.
    public init(options: Options) throws(IndexError) {
        self.options = options
        transport = options.allowNetwork ? HTTPTransport(options: options.http) : nil
        cache = try options.cacheDirectory.map { directory throws(IndexError) in
            try ImageCache(directory: URL(fileURLWithPath: directory))
        }
    }

    deinit { transport?.invalidate() }

    /// Whether `url` is read from the mirror (a prefix matches), whether or not the file exists.
    /// - Parameter url: The image URL.
    /// - Returns: `true` when the mirror stands in for it.
    public func isMirrored(_ url: String) -> Bool { options.mirror?.path(for: url) != nil }

    /// The bytes behind `url`, or why there are none.
    ///
    /// In order: a mirrored URL is read from its file (never the network, even when the file is missing);
    /// with the network off, the cache answers or the image is `offline`; otherwise a conditional GET with
    /// the cache's validators, a 304 served from the cache and a 200 stored in it. Every success passed the
    /// size cap and the magic-byte check and carries its SHA-256.
    /// - Parameter url: The image URL as the catalog has it.
    /// - Returns: The bytes with their hash and origin, or the failure to report.
    public func fetch(_ url: String) -> Result<Image, ImageFailure> {
        let maxBytes = options.http.maxBytes
        if let path = options.mirror?.path(for: url) {
            switch LocalFile.readChecked(path, limit: maxBytes) {
            case .success(let bytes): return checked(bytes, origin: .mirror)
            case .failure(.missing): return .failure(.missingFile(path))
            case .failure(.notAFile): return .failure(.missingFile(path))
            case .failure(.tooLarge(let size)): return .failure(.tooLarge(size, limit: maxBytes))
            case .failure(.io(let code)): return unsafe .failure(.readError(path, String(cString: strerror(code))))
            }
        }
        guard let transport else {
            if let cached = cache?.bytes(for: url) {
                return checked(cached.bytes, origin: .cache, sha256: cached.sha256)
            }
            return .failure(.offline)
        }
        var headers: [String: String] = ["Accept": "image/jpeg, image/png, image/*;q=0.8"]
        let known = cache?.entry(for: url)
        if let known {
            if let etag = known.etag { headers["If-None-Match"] = etag }
            if let lastModified = known.lastModified { headers["If-Modified-Since"] = lastModified }
        }
        switch transport.send(HTTPTransport.Request(url: url, headers: headers)) {
        case .failure(.tooLarge(let limit)):
            return .failure(.tooLarge(nil, limit: limit))
        case .failure(.timeout(let seconds)):
            return .failure(.timeout(seconds))
        case .failure(let failure):
            return .failure(.network(failure.description))
        case .success(let response):
            if response.status == 304, known != nil, let cached = cache?.bytes(for: url) {
                return checked(cached.bytes, origin: .cache, sha256: cached.sha256)
            }
            guard response.status == 200 else { return .failure(.httpStatus(response.status)) }
            let result = checked(response.body, origin: .network)
            if case .success(let image) = result {
                cache?.store(
                    image.bytes, sha256: image.sha256, for: url, etag: response.headers["etag"],
                    lastModified: response.headers["last-modified"])
            }
            return result
        }
    }

    /// Writes the cache's URL index; call once at the end of a run (the index stage also calls it when it
    /// stops between batches).
    /// - Throws: ``IndexError`` with code `io` when the index cannot be written.
    public func saveCache() throws(IndexError) { try cache?.save() }

    /// Accepts `bytes` only when their magic bytes are a decodable format (JPEG, PNG); an HTML error page
    /// served as `.jpg` is `notAnImage`, named by its first bytes.
    /// - Parameters:
    ///   - bytes: The body or file.
    ///   - origin: Where they came from.
    ///   - sha256: Their hash when already known (the cache's); computed otherwise.
    /// - Returns: The image, or `notAnImage`.
    private func checked(_ bytes: [UInt8], origin: Origin, sha256: String? = nil) -> Result<Image, ImageFailure> {
        guard let format = ImageFormat.detect(bytes), format.isDecodable else {
            return .failure(.notAnImage(bytes.isEmpty ? "empty body" : ImageDecoder.describeStart(of: bytes)))
        }
        return .success(Image(bytes: bytes, sha256: sha256 ?? SHA256.hex(SHA256.digest(bytes)), origin: origin))
    }
}

/// Carries values that are not `Sendable` (buffer pointers) into a `WorkLoop`, which waits for its workers
/// before returning.
struct UnsafeSendableBox<T>: @unchecked Sendable {
    // @unchecked Sendable: only used for values whose lifetime ends before the box's (see SimilaritySearch.run).
    let value: T
    init(_ value: T) { self.value = value }
}

/// Why an image could not be had; each becomes an `image.unreachable` finding with this reason.
public enum ImageFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with this status (404, 500, …) after retries.
    case httpStatus(Int)
    /// No answer within the timeout (seconds), after retries.
    case timeout(Double)
    /// Connection or TLS failure, after retries.
    case network(String)
    /// Over the size cap (size when known, limit).
    case tooLarge(Int?, limit: Int)
    /// The bytes are not JPEG or PNG (the start of the body is quoted).
    case notAnImage(String)
    /// The bytes start like an image but do not decode.
    case corrupt(String)
    /// The mirror folder has no such file.
    case missingFile(String)
    /// The mirror file cannot be read.
    case readError(String, String)
    /// The URL is outside the mirror and the network is off.
    case offline
    /// The product's image URL is empty or not http(s).
    case invalidURL(String)

    /// A stable code for the report (`http_404`, `timeout`, `not_an_image`, `corrupt`, …).
    public var code: String {
        switch self {
        case .httpStatus(let status): "http_\(status)"
        case .timeout: "timeout"
        case .network: "network"
        case .tooLarge: "too_large"
        case .notAnImage: "not_an_image"
        case .corrupt: "corrupt"
        case .missingFile: "missing_file"
        case .readError: "read_error"
        case .offline: "offline"
        case .invalidURL: "invalid_url"
        }
    }

    /// One line for reports.
    public var description: String {
        switch self {
        case .httpStatus(let status): "HTTP \(status)"
        case .timeout(let seconds): "timed out after \(Int(seconds)) s"
        case .network(let message): message
        case .tooLarge(let size, let limit):
            size.map { "\($0) bytes, over the \(limit)-byte limit" } ?? "over the \(limit)-byte limit"
        case .notAnImage(let start): "not an image: \(start)"
        case .corrupt(let message): "corrupt image: \(message)"
        case .missingFile(let path): "no such file in the mirror: \(path)"
        case .readError(let path, let message): "cannot read \(path): \(message)"
        case .offline: "outside the image mirror and the network is off"
        case .invalidURL(let url): "not an http(s) URL: \(url)"
        }
    }
}
