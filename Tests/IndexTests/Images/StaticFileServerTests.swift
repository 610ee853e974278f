import BackstopIndex
import BackstopTestSupport
import Foundation
import Glibc
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The loopback server the index tests download images from.
@Suite(.timeLimit(.minutes(1))) struct StaticFileServerTests {
    /// A served folder holding a JPEG and a PNG under nested paths.
    final class Fixture {
        let root: URL
        let server: StaticFileServer
        let jpeg: [UInt8]
        let png: [UInt8]

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("backstop-http-\(UUID().uuidString)")
            let folder = root.appendingPathComponent("upload/iblock/a1b")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            jpeg = try ImageEncoder.jpeg(testPicture(), quality: 85)
            png = try ImageEncoder.png(testPicture())
            try Data(jpeg).write(to: folder.appendingPathComponent("rose.jpg"))
            try Data(png).write(to: folder.appendingPathComponent("tulip one.png"))
            server = try StaticFileServer.start(root: root)
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// GETs `url`, waiting on a semaphore for URLSession's completion handler (which runs on the session's
    /// own queue). The tests are synchronous on purpose: an `await` needs a free thread of the cooperative pool
    /// to resume, and with two cores and the suite's long synchronous tests holding both, an async version of
    /// these tests waited minutes for a thread and overran the suite's time limit.
    static func get(_ url: URL, session: URLSession = .shared) throws -> (Data, URLResponse) {
        final class Box: @unchecked Sendable { var result: Result<(Data, URLResponse), any Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: url) { data, response, error in
            if let data, let response {
                box.result = .success((data, response))
            } else {
                box.result = .failure(error ?? URLError(.unknown))
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return try (box.result ?? .failure(URLError(.unknown))).get()
    }

    @Test func servesFilesOverURLSessionWithLengthAndType() throws {
        let fixture = try Fixture()
        #expect(fixture.server.baseURL.absoluteString.hasPrefix("http://127.0.0.1:"))
        let url = fixture.server.baseURL.appendingPathComponent("upload/iblock/a1b/rose.jpg")
        let (data, response) = try Self.get(url)
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        #expect(http.value(forHTTPHeaderField: "Content-Type") == "image/jpeg")
        #expect(http.value(forHTTPHeaderField: "Content-Length") == String(fixture.jpeg.count))
        #expect([UInt8](data) == fixture.jpeg)
        // The downloaded bytes decode like the originals.
        #expect(try ImageDecoder.decode([UInt8](data), url: url.absoluteString).width == 96)
    }

    @Test func percentEncodedPathsAndPNGType() throws {
        let fixture = try Fixture()
        let url = try #require(URL(string: "upload/iblock/a1b/tulip%20one.png?v=3", relativeTo: fixture.server.baseURL))
        let (data, response) = try Self.get(url)
        #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == "image/png")
        #expect([UInt8](data) == fixture.png)
    }

    @Test func missingFileIs404() throws {
        let fixture = try Fixture()
        let url = fixture.server.baseURL.appendingPathComponent("upload/nope.jpg")
        let (_, response) = try Self.get(url)
        #expect((response as? HTTPURLResponse)?.statusCode == 404)
        #expect(fixture.server.requests == ["GET /upload/nope.jpg"])
    }

    @Test func injectedStatusAndDelay() throws {
        let fixture = try Fixture()
        // A dropped connection must fail fast, not after URLSession's default 60-second request timeout.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        let session = URLSession(configuration: configuration)
        let path = "/upload/iblock/a1b/rose.jpg"
        let url = fixture.server.baseURL.appendingPathComponent(String(path.dropFirst()))
        fixture.server.inject(.status(500), forPath: path)
        let (_, failed) = try Self.get(url, session: session)
        #expect((failed as? HTTPURLResponse)?.statusCode == 500)

        fixture.server.inject(.delay(.milliseconds(300)), forPath: path)
        let clock = ContinuousClock()
        let start = clock.now
        let (data, slow) = try Self.get(url, session: session)
        #expect(clock.now - start >= .milliseconds(300))
        #expect((slow as? HTTPURLResponse)?.statusCode == 200)
        #expect([UInt8](data) == fixture.jpeg)

        fixture.server.inject(.dropConnection, forPath: path)
        #expect(throws: (any Error).self) { _ = try Self.get(url, session: session) }

        fixture.server.inject(nil, forPath: path)
        let (_, healed) = try Self.get(url, session: session)
        #expect((healed as? HTTPURLResponse)?.statusCode == 200)
    }

    @Test func rawSocketHeadPostAndTraversal() throws {
        let fixture = try Fixture()
        let port = fixture.server.port
        let head = try rawRequest("HEAD /upload/iblock/a1b/rose.jpg HTTP/1.1\r\nHost: x\r\n\r\n", port: port)
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("Content-Length: \(fixture.jpeg.count)\r\n"))
        #expect(head.hasSuffix("\r\n\r\n"))  // no body
        let post = try rawRequest("POST /upload HTTP/1.1\r\nContent-Length: 0\r\n\r\n", port: fixture.server.port)
        #expect(post.hasPrefix("HTTP/1.1 405 "))
        let escape = try rawRequest("GET /../../etc/passwd HTTP/1.1\r\n\r\n", port: fixture.server.port)
        #expect(escape.hasPrefix("HTTP/1.1 400 "))
    }

    @Test func stopReleasesThePort() throws {
        let fixture = try Fixture()
        let port = fixture.server.port
        fixture.server.stop()
        fixture.server.stop()  // idempotent
        #expect(throws: (any Error).self) { try rawRequest("GET / HTTP/1.1\r\n\r\n", port: port) }
    }

    /// Sends `request` over a plain TCP connection and returns everything the server sent back.
    func rawRequest(_ request: String, port: UInt16) throws -> String {
        struct SocketError: Error { var operation: String }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(operation: "socket") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw SocketError(operation: "connect") }
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
        else { throw SocketError(operation: "send") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            response += chunk[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }
}
