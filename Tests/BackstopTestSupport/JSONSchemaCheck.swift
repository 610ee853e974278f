import Foundation

/// Validates JSON documents against a schema in `schema/` with Debian's python3-jsonschema (Draft 2020-12,
/// format checks on), as `make setup` installs it: the one schema check of the tests, for `report.json`'s
/// peers (`plan.json`, a `bitrix_changes.ndjson` line, a `backstop runs --json` line).
public enum JSONSchemaCheck {
    /// Debian's python3 (not a pyenv shim, which lacks python3-jsonschema).
    public static let python = "/usr/bin/python3"

    /// Whether the checker can run here.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// The schema's violations in each document, one line each (`$.steps[3].action: 'drop' is not one of …`);
    /// empty when every document conforms. The schema itself is checked first.
    /// - Parameters:
    ///   - schema: The schema's file name in `schema/` (`plan.schema.json`).
    ///   - documents: The JSON texts (a whole file, or one NDJSON line each).
    /// - Returns: The violations, prefixed with the document's index.
    /// - Throws: When python cannot be run or a document is not JSON (a non-zero status without findings).
    public static func violations(schema: String, documents: [String]) async throws -> [String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var paths: [String] = []
        for (index, document) in documents.enumerated() {
            let file = folder.appendingPathComponent("\(index).json")
            try Data(document.utf8).write(to: file)
            paths.append(file.path)
        }
        let script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
            for index, path in enumerate(sys.argv[2:]):
                for e in validator.iter_errors(json.load(open(path))):
                    print(f"{index}: {e.json_path}: {e.message}")
            """
        let result = try await Executable.runProgram(
            python, ["-c", script, RepoPaths.root.appendingPathComponent("schema/\(schema)").path] + paths)
        let findings = result.out.split(separator: "\n").map(String.init)
        guard result.status == 0 else { throw Failure(description: "\(schema): \(result.err)") }
        return findings
    }

    /// The checker could not run (no python3-jsonschema, a schema or document that is not JSON).
    public struct Failure: Error, CustomStringConvertible {
        /// Python's error output.
        public var description: String
    }
}
