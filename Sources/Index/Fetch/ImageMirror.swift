/// URL prefixes served from local folders, for offline runs and the benchmarks: with
/// `https://cvety.kz/=/srv/bitrix/www/`, `https://cvety.kz/upload/iblock/a1b/x.jpg` is read from
/// `/srv/bitrix/www/upload/iblock/a1b/x.jpg` and never fetched over the network.
///
/// On the Bitrix host the images are already on disk (`/upload/iblock/…` under the document root), so a
/// nightly that runs there reads them at disk speed and never loads the shop's web server. A URL that no
/// prefix matches goes to the network only when the network is allowed; otherwise it is reported
/// unreachable.
///
/// ```swift
/// let mirror = try ImageMirror(parsing: "https://cvety.kz/=/srv/www/;https://cdn.cvety.kz/=/srv/cdn/")
/// mirror.path(for: "https://cvety.kz/upload/a%20b.jpg")  // "/srv/www/upload/a b.jpg"
/// mirror.path(for: "https://cvety.kz/../etc/passwd")      // nil
/// ```
public struct ImageMirror: Sendable, Hashable {
    /// One prefix and the folder that stands in for it.
    public struct Mapping: Sendable, Hashable {
        /// The URL prefix (`https://cvety.kz/`).
        public var prefix: String
        /// The folder (`/srv/bitrix/www/`).
        public var folder: String
    }

    /// The mappings, longest prefix first, so a more specific prefix wins over a shorter one.
    public var mappings: [Mapping]

    /// Parses `PREFIX=FOLDER` entries separated by `;` (each split at its first `=`, the format of
    /// `BACKSTOP_IMAGE_MIRROR`). An entry without `=` is a folder for `defaultPrefix`.
    ///
    /// - Parameters:
    ///   - specification: `PREFIX=FOLDER[;PREFIX=FOLDER…]`; blank entries are ignored.
    ///   - defaultPrefix: The prefix of an entry that is a bare folder.
    /// - Throws: ``IndexError`` for an empty prefix or folder.
    public init(parsing specification: String, defaultPrefix: String = "https://cvety.kz/") throws(IndexError) {
        var mappings: [Mapping] = []
        for entry in specification.split(separator: ";") where !entry.trimmingWhitespace.isEmpty {
            let text = entry.trimmingWhitespace
            let prefix: String
            let folder: String
            if let equals = text.firstIndex(of: "=") {
                prefix = String(text[..<equals])
                folder = String(text[text.index(after: equals)...])
            } else {
                prefix = defaultPrefix
                folder = text
            }
            guard !prefix.isEmpty, !folder.isEmpty else {
                throw IndexError(
                    .configuration,
                    "image mirror entry \"\(text)\" needs PREFIX=FOLDER (e.g. https://cvety.kz/=/srv/www/)")
            }
            mappings.append(Mapping(prefix: prefix, folder: folder.hasSuffix("/") ? folder : folder + "/"))
        }
        self.mappings = mappings.sorted { $0.prefix.count > $1.prefix.count }
    }

    /// The local path standing in for `url`, or `nil` when no prefix matches. A query string is dropped
    /// and a path with `..` components never maps outside its folder.
    /// - Parameter url: The image URL as the catalog has it; `%XX` escapes are decoded before the `..`
    ///   check, so `%2e%2e` cannot climb out either.
    /// - Returns: The file's path, or `nil` (no prefix matches, nothing after the prefix, or `..`).
    public func path(for url: String) -> String? {
        for mapping in mappings where url.hasPrefix(mapping.prefix) {
            var rest = Substring(url.dropFirst(mapping.prefix.count))
            if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
            let decoded = String(rest).removingPercentEncodingASCII
            let parts = decoded.split(separator: "/", omittingEmptySubsequences: true)
            guard !parts.contains(".."), !parts.isEmpty else { return nil }
            return mapping.folder + parts.joined(separator: "/")
        }
        return nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line feeds (no Foundation character sets).
    var trimmingWhitespace: String {
        String(
            drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }
                .reversed())
    }
}

extension String {
    /// `%XX` decoded byte-wise (invalid escapes are kept as they are).
    var removingPercentEncodingASCII: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        let source = Array(utf8)
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < source.count {
            if source[index] == UInt8(ascii: "%"), index + 2 < source.count,
                let high = hexValue(source[index + 1]), let low = hexValue(source[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
