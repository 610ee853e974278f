import CImageCodecs

/// The image libraries linked into this build, for `backstop doctor`.
public struct ImageCodecVersions: Sendable, Hashable, CustomStringConvertible {
    /// libjpeg's API version at build time (`JPEG_LIB_VERSION`, e.g. 62).
    public var jpegLibVersion: Int
    /// libjpeg-turbo's version at build time (e.g. `2.1.5`), or nil for another libjpeg.
    public var jpegTurboVersion: String?
    /// libpng's version at run time (e.g. `1.6.39`).
    public var pngVersion: String

    /// The versions of the libraries this process uses.
    public static var current: ImageCodecVersions {
        let turbo = unsafe String(cString: CImageCodecs_jpegTurboVersion())
        return unsafe ImageCodecVersions(
            jpegLibVersion: Int(CImageCodecs_jpegLibVersion()),
            jpegTurboVersion: turbo.isEmpty ? nil : turbo,
            pngVersion: String(cString: CImageCodecs_pngVersion())
        )
    }

    /// `libjpeg-turbo 2.1.5 (libjpeg API 62), libpng 1.6.39`.
    public var description: String {
        let jpeg =
            jpegTurboVersion.map { "libjpeg-turbo \($0) (libjpeg API \(jpegLibVersion))" }
            ?? "libjpeg API \(jpegLibVersion)"
        return "\(jpeg), libpng \(pngVersion)"
    }
}
