public import Foundation

/// Renders and writes the image files of a synthetic world.
public enum WorldImages {
    /// Writes every spec under `directory` (creating folders), returning the number of files written.
    ///
    /// - Throws: ``WorldGenError`` naming the spec's path when rendering, encoding or writing fails.
    public static func write(_ specs: [ImageSpec], to directory: URL) throws -> Int {
        throw WorldGenError("image rendering is not implemented yet (\(specs.count) specs for \(directory.path))")
    }
}
