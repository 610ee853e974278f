public import Foundation

extension MergePlan {
    /// `plan.json`: the plan's header, then one step per line (easy to review, grep and diff), keys sorted
    /// within each object. Reads back with ``init(json:)``.
    public func jsonBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + steps.count * 256)
        func line(_ text: String) { out.append(contentsOf: text.utf8) }
        line("{\n")
        line("  \"format\": \(format),\n")
        if let planID { line("  \"plan\": \(planID),\n") }
        if let runID { line("  \"run\": \(runID),\n") }
        line("  \"shop\": \(shopID),\n")
        line("  \"fingerprint\": \(jsonString(fingerprint)),\n")
        line("  \"endpoint\": \(jsonString(endpoint)),\n")
        line("  \"snapshot\": \(jsonString(snapshot)),\n")
        line("  \"partial\": \(partial),\n")
        line("  \"policy\": {")
        line(
            policy.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \(jsonString($0.value))" }.joined(
                separator: ", "))
        line("},\n")
        line("  \"base\": {\"orders\": \(base.orders), \"products\": \(base.products)},\n")
        line("  \"bitrix_changes\": \(bitrixChanges),\n")
        line("  \"reported\": \(reported),\n")
        line("  \"steps\": [")
        for (i, step) in steps.enumerated() {
            line(i == 0 ? "\n    " : ",\n    ")
            step.appendJSON(into: &out)
        }
        line(steps.isEmpty ? "]\n}\n" : "\n  ]\n}\n")
        return out
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

extension PlanStep {
    /// Appends the step as one JSON object, keys sorted, absent optionals left out: the same step always
    /// gives the same bytes, so two plans can be compared with `diff`.
    /// - Parameter out: The output buffer.
    public func appendJSON(into out: inout [UInt8]) {
        var fields: [(String, String)] = [
            ("action", jsonString(action.rawValue)), ("entity", jsonString(entity)), ("key", jsonString(key)),
            ("phase", jsonString(phase.rawValue)), ("resolves", jsonArray(resolves)), ("seq", String(seq)),
            ("set", PlanValue.jsonObject(set)), ("was", PlanValue.jsonObject(was)),
        ]
        if let target { fields.append(("target", String(target))) }
        if let version {
            fields.append(("version", "{\"checksum\": \(jsonString(version.checksum)), \"xmin\": \(version.xmin)}"))
        }
        if let intended { fields.append(("intended", jsonString(intended.rawValue))) }
        if let reason { fields.append(("reason", jsonString(reason))) }
        fields.sort { $0.0 < $1.0 }
        out.append(UInt8(ascii: "{"))
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 { out.append(contentsOf: ", ".utf8) }
            appendJSONString(name.utf8, into: &out)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
        }
        out.append(UInt8(ascii: "}"))
    }
}

extension PlanValue {
    /// The value as JSON text.
    public var json: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .text(let value): jsonString(value)
        case .texts(let value): jsonArray(value)
        }
    }

    /// A JSON object of column values, keys sorted (the `set`/`was` of a step; `backstop.plan_step` jsonb).
    /// - Parameter values: Column → value.
    /// - Returns: `{"enabled": false, "name": "Pink roses"}`-style text.
    public static func jsonObject(_ values: [String: PlanValue]) -> String {
        "{"
            + values.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \($0.value.json)" }.joined(
                separator: ", ")
            + "}"
    }

    /// Decodes a JSON object of column values (as ``jsonObject(_:)`` writes it).
    ///
    /// - Parameter text: The object's text.
    /// - Returns: Column → value.
    /// - Throws: `DecodingError` when the text is not such an object.
    public static func decodeObject(_ text: String) throws -> [String: PlanValue] {
        try JSONDecoder().decode([String: PlanValue].self, from: Data(text.utf8))
    }
}
