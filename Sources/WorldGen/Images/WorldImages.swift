import BackstopModel
public import Foundation
import Synchronization

/// Renders and writes the image files of a synthetic world.
public enum WorldImages {
    /// JPEG quality of originals and of resized and cropped variants (close to Bitrix's resize cache).
    public static let defaultJPEGQuality = 90

    /// Writes every spec under `directory` (creating folders), returning the number of files written.
    ///
    /// Specs that share a bouquet seed and size are rendered once; groups render in parallel on all cores.
    /// The output depends only on the specs: the same specs always give byte-identical files.
    ///
    /// - Throws: ``WorldGenError`` naming the spec's path when a spec is invalid (absolute path, `..`,
    ///   quality or percent out of range) or when rendering, encoding or writing fails. Every valid spec is
    ///   attempted before the first failure (in spec order) is thrown.
    public static func write(_ specs: [ImageSpec], to directory: URL) throws -> Int {
        for spec in specs { try validate(spec) }

        // Folders first, once each, in a fixed order.
        var folders = Set<String>()
        for spec in specs {
            folders.insert(directory.appendingPathComponent(spec.path).deletingLastPathComponent().path)
        }
        for folder in folders.sorted() {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw WorldGenError(.io, "images: cannot create folder \(folder): \(error)")
            }
        }

        // Group by rendering so near-duplicates reuse their source's pixels.
        struct Rendering: Hashable {
            var seed: UInt64, width: Int, height: Int
            var restaging: BouquetRenderer.Restaging?
            var scene: BouquetRenderer.Scene?
        }
        var groupIndex: [Rendering: Int] = [:]
        var groups: [(rendering: Rendering, specs: [Int])] = []
        for (index, spec) in specs.enumerated() {
            var restaging: BouquetRenderer.Restaging?
            var scene: BouquetRenderer.Scene?
            switch spec.variant {
            case .restaged(let blooms, let sameFlowers):
                restaging = .init(seed: blooms, sameFlowers: sameFlowers)
            case .region(_, _, let width, _):
                scene = .init(
                    frameWidth: width, neighbour: .init(seed: splitMix64(spec.bouquetSeed), sameFlowers: true))
            default:
                break
            }
            let key = Rendering(
                seed: spec.bouquetSeed, width: spec.width, height: spec.height, restaging: restaging, scene: scene)
            if let existing = groupIndex[key] {
                groups[existing].specs.append(index)
            } else {
                groupIndex[key] = groups.count
                groups.append((key, [index]))
            }
        }

        let work = groups
        let failures = Mutex<[(index: Int, message: String)]>([])
        WorkLoop.forEach(work.count, concurrency: ProcessInfo.processInfo.activeProcessorCount) { groupNumber in
            let group = work[groupNumber]
            let raster = BouquetRenderer.render(
                seed: group.rendering.seed, width: group.rendering.width, height: group.rendering.height,
                restaging: group.rendering.restaging, scene: group.rendering.scene)
            for index in group.specs {
                let spec = specs[index]
                do {
                    let bytes = try fileBytes(for: spec, rendering: raster)
                    try Data(bytes).write(to: directory.appendingPathComponent(spec.path))
                } catch {
                    failures.withLock { $0.append((index, "\(error)")) }
                }
            }
        }
        if let first = failures.withLock({ $0.min { $0.index < $1.index } }) {
            let count = failures.withLock { $0.count }
            throw WorldGenError(
                .io,
                "images/\(specs[first.index].path): \(first.message)"
                    + (count > 1 ? " (and \(count - 1) more failed images)" : ""))
        }
        return specs.count
    }

    /// Reads a world's `images/specs.jsonl` (one JSON ``ImageSpec`` per line, blank lines ignored).
    ///
    /// - Throws: ``WorldGenError`` naming the file and line when it cannot be read or a line is not a spec.
    public static func readSpecs(from file: URL) throws -> [ImageSpec] {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw WorldGenError(.io, "cannot read \(file.path): \(error)")
        }
        let decoder = JSONDecoder()
        var specs: [ImageSpec] = []
        for (number, line) in data.split(separator: 10, omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            do { specs.append(try decoder.decode(ImageSpec.self, from: Data(line))) } catch {
                throw WorldGenError(.invalid, "\(file.path):\(number + 1): not an image spec: \(error)")
            }
        }
        return specs
    }

    /// Renders a generated world's images from its `images/specs.jsonl` into `directory` (default: the
    /// world's `images/` folder), so that `upload/iblock/<sub>/<file>` mirrors the Bitrix URLs. The files
    /// depend only on the specs, so a world's images can be rendered whenever they are needed (the bundled
    /// `data/tiny` world keeps only its specs in git).
    ///
    /// - Throws: ``WorldGenError`` as ``write(_:to:)``.
    /// - Returns: the number of files written.
    @discardableResult
    public static func render(world: URL, to directory: URL? = nil) throws -> Int {
        let specs = try readSpecs(from: world.appendingPathComponent("images/specs.jsonl"))
        return try write(specs, to: directory ?? world.appendingPathComponent("images"))
    }

    /// Checks a spec's path and parameters.
    static func validate(_ spec: ImageSpec) throws(WorldGenError) {
        func invalid(_ reason: String) -> WorldGenError { WorldGenError(.invalid, "images/\(spec.path): \(reason)") }
        let components = spec.path.split(separator: "/", omittingEmptySubsequences: false)
        guard !spec.path.isEmpty, !spec.path.hasPrefix("/"), !components.contains(".."), !components.contains("")
        else { throw invalid("path must be relative, without empty or '..' components") }
        guard (1...ImageSpecLimits.maxSide).contains(spec.width), (1...ImageSpecLimits.maxSide).contains(spec.height)
        else { throw invalid("size \(spec.width)x\(spec.height) is outside 1...\(ImageSpecLimits.maxSide)") }
        switch spec.variant {
        case .original, .corrupt, .restaged:
            break
        case .region(let x, let y, let width, let height):
            guard x >= 0, y >= 0, width > 0, height > 0, x + width <= spec.width, y + height <= spec.height else {
                throw invalid(
                    "region \(width)x\(height) at (\(x), \(y)) is outside the \(spec.width)x\(spec.height) scene")
            }
        case .recompressed(let quality):
            guard (1...100).contains(quality) else { throw invalid("JPEG quality \(quality) is outside 1...100") }
        case .resized(let percent):
            guard (1...400).contains(percent) else { throw invalid("resize percent \(percent) is outside 1...400") }
            let width = resizedSide(spec.width, percent)
            let height = resizedSide(spec.height, percent)
            guard width <= ImageSpecLimits.maxSide, height <= ImageSpecLimits.maxSide else {
                throw invalid("resized size \(width)x\(height) is over \(ImageSpecLimits.maxSide)")
            }
        case .cropped(let percent):
            guard (0...45).contains(percent) else { throw invalid("crop percent \(percent) is outside 0...45") }
        }
    }

    static func resizedSide(_ side: Int, _ percent: Int) -> Int { max(1, (side * percent + 50) / 100) }

    /// The file's bytes for `spec`, given the rendering of its bouquet.
    static func fileBytes(for spec: ImageSpec, rendering: BouquetRaster) throws(WorldImageCodec.Failure) -> [UInt8] {
        func encode(_ raster: BouquetRaster) throws(WorldImageCodec.Failure) -> [UInt8] {
            switch spec.format {
            case .jpeg: try WorldImageCodec.jpeg(raster, quality: defaultJPEGQuality)
            case .png: try WorldPNG.encode(raster)
            }
        }
        switch spec.variant {
        case .original, .restaged:
            return try encode(rendering)
        case .region(let x, let y, let width, let height):
            return try encode(rendering.cropped(x: x, y: y, width: width, height: height))
        case .recompressed(let quality):
            let jpeg = try WorldImageCodec.jpeg(rendering, quality: quality)
            // A PNG of a recompressed picture keeps the JPEG artefacts, as a re-upload would.
            return spec.format == .jpeg ? jpeg : try WorldPNG.encode(WorldImageCodec.decode(jpeg))
        case .resized(let percent):
            return try encode(
                WorldImageCodec.resize(
                    rendering, width: resizedSide(rendering.width, percent),
                    height: resizedSide(rendering.height, percent)))
        case .cropped(let percent):
            let dx = rendering.width * percent / 100
            let dy = rendering.height * percent / 100
            return try encode(
                rendering.cropped(x: dx, y: dy, width: rendering.width - 2 * dx, height: rendering.height - 2 * dy))
        case .corrupt:
            return try corruptBytes(for: spec, rendering: rendering)
        }
    }

    /// Bytes that do not decode, with the spec's extension: most often a truncated file (an interrupted
    /// upload), otherwise the right magic followed by garbage, an HTML error page, or an empty file.
    static func corruptBytes(for spec: ImageSpec, rendering: BouquetRaster) throws(WorldImageCodec.Failure)
        -> [UInt8]
    {
        var random = BouquetRandom(seed: spec.bouquetSeed ^ BouquetRandom.fnv1a(spec.path))
        let roll = random.unit()
        if roll < 0.5 {
            let whole =
                spec.format == .jpeg
                ? try WorldImageCodec.jpeg(rendering, quality: defaultJPEGQuality) : try WorldPNG.encode(rendering)
            return Array(whole.prefix(Int(Float(whole.count) * random.float(0.25...0.75))))
        }
        if roll < 0.7 {
            let magic: [UInt8] =
                spec.format == .jpeg ? [0xFF, 0xD8, 0xFF, 0xE0] : [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            return magic + (0..<random.int(2_000...20_000)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        if roll < 0.9 {
            let page = """
                <!DOCTYPE html>
                <html><head><title>404 Not Found</title></head>
                <body><h1>Not Found</h1>
                <p>The requested URL /\(spec.path) was not found on this server.</p></body></html>

                """
            return Array(page.utf8)
        }
        return []
    }
}

/// Bounds on ``ImageSpec`` sizes (those of CImageCodecs).
enum ImageSpecLimits {
    /// The largest width or height rendered.
    static let maxSide = 16_384
}
