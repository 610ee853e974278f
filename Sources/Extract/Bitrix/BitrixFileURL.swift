/// Public URLs of `b_file` rows, as `CFile::GetFileSRC` builds them.
public enum BitrixFileURL {
    /// `<base>/<upload>/<SUBDIR>/<FILE_NAME>` with every `//` collapsed and each path segment
    /// percent-encoded (spaces, Cyrillic and other bytes outside RFC 3986's unreserved set and `@:!$&'()*+,;=`).
    ///
    /// - Parameters:
    ///   - base: scheme and host, e.g. `https://cvety.kz` (a trailing `/` is ignored).
    ///   - uploadDirectory: the `main/upload_dir` option, normally `upload`.
    ///   - subdir: `b_file.SUBDIR`, e.g. `iblock/a1b`.
    ///   - fileName: `b_file.FILE_NAME`.
    /// - Returns: the absolute URL as text.
    ///
    /// ```swift
    /// BitrixFileURL.url(base: "https://cvety.kz/", uploadDirectory: "upload", subdir: "iblock/a1b",
    ///                   fileName: "розы 1.jpg")
    /// // "https://cvety.kz/upload/iblock/a1b/%D1%80%D0%BE%D0%B7%D1%8B%201.jpg"
    /// ```
    public static func url(base: String, uploadDirectory: String, subdir: String, fileName: String) -> String {
        let raw = Array(("/" + uploadDirectory + "/" + subdir + "/" + fileName).utf8)
        var path: [UInt8] = []
        path.reserveCapacity(raw.count + 16)
        for byte in raw {
            if byte == UInt8(ascii: "/") {
                if path.last == UInt8(ascii: "/") { continue }
                path.append(byte)
            } else if isAllowed(byte) {
                path.append(byte)
            } else {
                path.append(UInt8(ascii: "%"))
                path.append(hex[Int(byte >> 4)])
                path.append(hex[Int(byte & 0x0F)])
            }
        }
        var prefix = base
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix + String(decoding: path, as: UTF8.self)
    }

    /// Upper-case hex digits, as RFC 3986 recommends for percent-encoding.
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Whether `byte` may stand unencoded in a path segment (RFC 3986 `pchar` minus `%`).
    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "@"),
            UInt8(ascii: ":"),
            UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
            UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }
}
