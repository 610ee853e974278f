public import Foundation

extension MergePlan {
    /// `plan.json`: the plan through its `Codable` conformance and ``JSONFiles/compactEncoder()`` (keys
    /// sorted), laid out as the header on the first line and one step a line (easy to review, grep and
    /// diff). Reads back with ``init(json:)``; readers parse it (`jq '.steps[] | select(.action == "update")'`)
    /// and never depend on its spacing.
    ///
    /// The bytes are exactly the encoder's compact document with a line break before each step and before
    /// the closing `]}`: sorted keys put `steps` last, so the header is the plan encoded without steps
    /// (ending `"steps":[]}`) and the steps, each encoded alone, go between those brackets.
    ///
    /// ```text
    /// {"base":{"orders":3,"products":4},"bitrix_changes":1,"endpoint":"…","fingerprint":"…","format":1,…,"steps":[
    /// {"action":"insert","entity":"product","key":"100","phase":"products","resolves":["product.missing"],"seq":1,…},
    /// {"action":"update","entity":"product","key":"101",…}
    /// ]}
    /// ```
    /// - Returns: The file's bytes, ending in a newline.
    public func jsonBytes() -> [UInt8] {
        let encoder = JSONFiles.compactEncoder()
        var header = self
        header.steps = []
        var out = Self.encoded(header, with: encoder)
        out.reserveCapacity(out.count + steps.count * 256)
        // `steps` is the last key in sorted order (a new key after it would have to be placed here too).
        precondition(out.suffix(3).elementsEqual("[]}".utf8), "plan.json: `steps` must be the plan's last key")
        out.removeLast(2)
        for (i, step) in steps.enumerated() {
            out.append(contentsOf: (i == 0 ? "\n" : ",\n").utf8)
            out.append(contentsOf: Self.encoded(step, with: encoder))
        }
        out.append(contentsOf: (steps.isEmpty ? "]}\n" : "\n]}\n").utf8)
        return out
    }

    /// The compact JSON of a plan or step; they hold no floating-point value, so encoding cannot fail.
    static func encoded(_ value: some Encodable, with encoder: JSONEncoder) -> [UInt8] {
        do {
            return Array(try encoder.encode(value))
        } catch {
            preconditionFailure("plan.json: a plan always encodes (\(error))")
        }
    }

    /// Reads a `plan.json`.
    ///
    /// A plan of another format is refused rather than guessed at: a step misread is a wrong write.
    /// - Parameter data: The file's bytes.
    /// - Throws: `DecodingError` when the document is not a plan; an error naming the format when it is
    ///   a plan of another format.
    public init(json data: Data) throws {
        let plan = try JSONDecoder().decode(MergePlan.self, from: data)
        guard plan.format == Self.currentFormat else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [CodingKeys.format],
                    debugDescription: "plan format \(plan.format); this build reads format \(Self.currentFormat)"))
        }
        self = plan
    }
}
