import Foundation

/// Removes secrets from text before it is logged, stored or reported: passwords in libpq conninfo
/// (`password=…`, `sslpassword=…`) and URIs (`postgresql://user:PASSWORD@host`, `?password=…`), and tokens
/// (`token=…`, `api_key: …`, `Authorization: Bearer …`). The one redactor of Backstop: the log handler,
/// `backstop.run.arguments` and `inputs`, every report and every error message go through it.
///
/// ```swift
/// Redaction.redact("postgresql://app:s3cret@db/cvety")   // "postgresql://app:***@db/cvety"
/// Redaction.redact(arguments: ["--token", "abc"])        // ["--token", "***"]
/// ```
public enum Redaction {
    /// What a secret is replaced with.
    public static let mask = "***"

    /// Command-line options whose next argument is a secret.
    public static let secretOptions: Set<String> = [
        "--password", "--token", "--api-key", "--secret", "--access-token", "--bearer",
    ]

    /// `text` with every secret replaced by ``mask``.
    ///
    /// - Parameter text: A log line, conninfo, URL, error message or report value.
    /// - Returns: The text with passwords and tokens masked; `text` itself when it holds no marker.
    /// - Complexity: O(n) for text without a secret marker (a scan for markers); regular expressions
    ///   run only when one is present.
    public static func redact(_ text: String) -> String {
        guard mayHoldSecret(text) else { return text }
        var out = text
        for rule in rules {
            let range = NSRange(out.startIndex..<out.endIndex, in: out)
            out = rule.expression.stringByReplacingMatches(in: out, range: range, withTemplate: rule.template)
        }
        return out
    }

    /// A command line with the value after each of ``secretOptions`` masked and every argument redacted.
    /// - Parameter arguments: The arguments as the process received them.
    /// - Returns: The same number of arguments, secrets masked (`--token=abc` is caught by the text rules).
    public static func redact(arguments: [String]) -> [String] {
        var out: [String] = []
        out.reserveCapacity(arguments.count)
        var maskNext = false
        for argument in arguments {
            if maskNext {
                out.append(mask)
                maskNext = false
                continue
            }
            maskNext = secretOptions.contains(argument.lowercased())
            out.append(redact(argument))
        }
        return out
    }

    /// Whether `text` contains a marker that can precede a secret (case-insensitive); most log lines do not.
    static func mayHoldSecret(_ text: String) -> Bool {
        let lower = text.lowercased()
        return markers.contains { lower.contains($0) }
    }

    private static let markers = ["://", "password", "token", "secret", "key", "bearer", "authorization"]

    private struct Rule: Sendable {
        let expression: NSRegularExpression
        let template: String
    }

    /// The rules, applied in order (NSRegularExpression is immutable and Sendable: one shared instance each).
    private static let rules: [Rule] = {
        let patterns: [(String, String)] = [
            // scheme://user:password@host → scheme://user:***@host (a password never holds '/', '@' or space
            // unencoded in a URI).
            (#"([A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*):[^@\s/]+@"#, "$1:\(mask)@"),
            // conninfo and query parameters: password=…, sslpassword=…, token=…, api_key=…, secret=…
            (
                #"(?i)\b(password|sslpassword|passwd|pwd|token|access_token|refresh_token|api[_-]?key|apikey|secret|client_secret)(["']?\s*[=:]\s*)(?!\*\*\*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&,;'"]+)"#,
                "$1$2\(mask)"
            ),
            // Authorization headers: Bearer / Basic credentials.
            (#"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}"#, "$1 \(mask)"),
        ]
        return patterns.map { pattern, template in
            // The patterns are constants of this file: a failure is a programming error caught by the tests.
            guard let expression = try? NSRegularExpression(pattern: pattern) else {
                preconditionFailure("invalid redaction pattern \(pattern)")
            }
            return Rule(expression: expression, template: template)
        }
    }()
}
