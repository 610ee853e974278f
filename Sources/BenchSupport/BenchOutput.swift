import Foundation

/// How every bench executable prints its result: one JSON object on one line of stdout, through
/// `JSONEncoder` with sorted keys, so `scripts/bench/*.sh` read it with `json.loads` and the result files
/// (`bench-results/*.json`, merged by `scripts/bench/merge.py`) hold exactly what was measured.
///
/// Each bench describes its result as an `Encodable` struct whose `CodingKeys` are the result's names
/// (`rows_per_second_wall_best`). A measurement that does not exist (no pair to score, no server CPU for
/// parallel writers) is an optional left `nil`, written as `null`, never `inf` or a made-up 0.
///
/// ```swift
/// struct Result: Encodable { var rows: Int; var seconds: Double }
/// try BenchOutput.print(Result(rows: 1_000_000, seconds: 0.82))   // {"rows":1000000,"seconds":0.82}
/// ```
public enum BenchOutput {
    /// The compact JSON line of a result, without its newline.
    /// - Parameter result: The bench's result.
    /// - Returns: The line's text.
    /// - Throws: `EncodingError` when a value is not finite: a bench must say `nil` for "no value".
    public static func line(_ result: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(result), as: UTF8.self)
    }

    /// Prints the result as one line on stdout.
    /// - Parameter result: The bench's result.
    /// - Throws: `EncodingError` when a value is not finite (nothing is printed).
    public static func print(_ result: some Encodable) throws {
        Swift.print(try line(result))
    }

    /// The value, or `nil` when it is not finite (a rate over zero seconds, the score of no pair): what a
    /// result field holds when the measurement does not exist.
    /// - Parameter value: The computed value (`Double`, or `Float` as the index stage scores).
    /// - Returns: The value, or `nil` for infinity and NaN.
    public static func finite<Value: BinaryFloatingPoint>(_ value: Value) -> Value? { value.isFinite ? value : nil }
}
