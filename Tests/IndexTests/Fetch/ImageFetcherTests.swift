import BackstopIndex
import BackstopTestSupport
import Foundation
import Synchronization
import Testing

/// The fetcher against a loopback server: cache revalidation with ETag, redirects, retries, size cap,
/// magic bytes, statuses; and the mirror.
@Suite(.timeLimit(.minutes(2))) struct ImageFetcherTests {
    static let jpeg: [UInt8] = {
        // safe in a test: a fixed valid image always encodes.
        (try? ImageEncoder.jpeg(RGBImage(width: 40, height: 50, red: 200, green: 30, blue: 60), quality: 90)) ?? []
    }()

    func server(_ flaky: Counter) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer.start { request in
            switch request.target {
            case "/a.jpg":
                if request.headers["if-none-match"] == "\"v1\"" { return .init(status: 304) }
                return .init(headers: ["ETag": "\"v1\"", "Content-Type": "image/jpeg"], body: Self.jpeg)
            case "/moved.jpg": return .init(status: 301, headers: ["Location": "/a.jpg"])
            case "/html.jpg":
                return .init(headers: ["Content-Type": "text/html"], body: Array("<!DOCTYPE html><p>".utf8))
            case "/big.jpg": return .init(body: Self.jpeg + [UInt8](repeating: 0, count: 200_000))
            case "/flaky.jpg":
                let attempt = flaky.increment()
                return attempt < 3 ? .init(status: 503) : .init(body: Self.jpeg)
            case "/slow.jpg": return .init(body: Self.jpeg, delay: 3)
            default: return .init(status: 404, body: Array("not found".utf8))
            }
        }
    }

    @Test func fetchesRevalidatesFollowsRetriesAndRefuses() throws {
        let flaky = Counter()
        let server = try server(flaky)
        defer { server.stop() }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
        var options = ImageFetcher.Options(cacheDirectory: cache.path)
        options.http.backoff = 0.05
        options.http.timeout = 1
        options.http.maxBytes = 100_000
        let fetcher = try ImageFetcher(options: options)
        let base = server.baseURL

        let first = try fetcher.fetch(base + "/a.jpg").get()
        #expect(first.origin == ImageFetcher.Origin.network)
        #expect(first.bytes == Self.jpeg)
        let second = try fetcher.fetch(base + "/a.jpg").get()
        #expect(second.origin == ImageFetcher.Origin.cache, "revalidated with If-None-Match, answered 304")
        #expect(second.sha256 == first.sha256)
        #expect(try fetcher.fetch(base + "/moved.jpg").get().bytes == Self.jpeg)
        #expect(try fetcher.fetch(base + "/flaky.jpg").get().bytes == Self.jpeg, "two 503s, then success")
        #expect(fetcher.fetch(base + "/missing.jpg").failureCode == "http_404")
        #expect(fetcher.fetch(base + "/html.jpg").failureCode == "not_an_image")
        #expect(fetcher.fetch(base + "/big.jpg").failureCode == "too_large")
        #expect(fetcher.fetch(base + "/slow.jpg").failureCode == "timeout")
        #expect(fetcher.fetch("http://127.0.0.1:9/refused.jpg").failureCode == "network")
        try fetcher.saveCache()
        let reopened = try ImageFetcher(options: ImageFetcher.Options(cacheDirectory: cache.path))
        #expect(
            try reopened.fetch(base + "/a.jpg").get().origin == ImageFetcher.Origin.cache,
            "the URL index survives the process")
    }

    @Test func mirrorReadsFilesAndNamesMissingOnes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mirror-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("upload"), withIntermediateDirectories: true)
        try Data(Self.jpeg).write(to: folder.appendingPathComponent("upload/a.jpg"))
        var options = ImageFetcher.Options(mirror: try ImageMirror(parsing: "https://cvety.kz/=\(folder.path)"))
        options.allowNetwork = false
        let fetcher = try ImageFetcher(options: options)
        #expect(try fetcher.fetch("https://cvety.kz/upload/a.jpg").get().origin == ImageFetcher.Origin.mirror)
        #expect(fetcher.fetch("https://cvety.kz/upload/b.jpg").failureCode == "missing_file")
        #expect(fetcher.fetch("https://elsewhere.kz/b.jpg").failureCode == "offline")
    }
}

/// A thread-safe counter for request handlers.
final class Counter: Sendable {
    private let count = Mutex(0)
    /// Adds one and returns the new count.
    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
    /// The count.
    var value: Int { count.withLock { $0 } }
}

extension Result where Success == ImageFetcher.Image, Failure == ImageFailure {
    var failureCode: String? {
        if case .failure(let failure) = self { return failure.code }
        return nil
    }
}
