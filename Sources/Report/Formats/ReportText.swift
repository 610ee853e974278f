import BackstopModel
import Foundation

/// Text helpers every format shares: dates, durations, numbers, and the escapers of each output language.
enum ReportText {
    /// RFC 3339 UTC text of a date (`2026-11-22T02:30:00Z`), written from the integer seconds by
    /// ``RFC3339`` (no formatter per call: reports format one or two dates per finding).
    /// - Parameter date: An instant.
    /// - Returns: Seconds precision (truncated), `Z` for UTC, whatever the machine's zone.
    static func iso8601(_ date: Date) -> String { RFC3339.string(date) }

    /// `2026-11-22 02:30` (UTC), for tables.
    /// - Parameter date: An instant.
    /// - Returns: The first 16 characters of ``iso8601(_:)`` with a space for the `T`.
    static func shortDate(_ date: Date) -> String {
        let text = iso8601(date)
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// Seconds with three decimals, locale-free (`1.500`).
    /// - Parameter value: Seconds.
    /// - Returns: The value with three decimals and a `.` whatever the machine's locale.
    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// A span for people: `45 s`, `12 min`, `3 h 5 min`, `4 d 2 h`.
    /// - Parameter seconds: A duration; a negative one reads as 0.
    /// - Returns: At most two units, the smaller rounded down.
    static func span(seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return s % 3600 / 60 == 0 ? "\(s / 3600) h" : "\(s / 3600) h \(s % 3600 / 60) min" }
        return s % 86_400 / 3600 == 0 ? "\(s / 86_400) d" : "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    /// How long a persisting finding has been open at this run's start: `since run 3 (2026-11-20 02:30), 2 d`.
    /// - Parameters:
    ///   - origin: The run the finding was first seen in and when.
    ///   - runStartedAt: This run's start (the reference, so a re-rendered report says the same).
    /// - Returns: The text of the "open" column.
    static func openSince(_ origin: RunHistory.Origin, runStartedAt: Date) -> String {
        "run \(origin.runID) (\(shortDate(origin.at))), \(span(seconds: Int64(runStartedAt.timeIntervalSince(origin.at))))"
    }

    // MARK: Escapers

    /// HTML text and attribute escaping: `& < > " '`; controls and bidi overrides shown as `⟨U+202E⟩`
    /// (`SafeText`).
    /// - Parameter text: Any text from the data.
    /// - Returns: Text safe inside an element or a quoted attribute; line breaks kept.
    static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in SafeText.visible(text, keepingLineBreaks: true).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// XML 1.0 text and attribute escaping; controls and bidi overrides shown as `⟨U+202E⟩` (`SafeText`),
    /// the non-characters XML 1.0 cannot carry as U+FFFD.
    /// - Parameter text: Any text from the data.
    /// - Returns: Text safe inside an element or a quoted attribute of XML 1.0, line breaks as references.
    static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in SafeText.visible(text, keepingLineBreaks: true).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\u{0}"..."\u{1F}", "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A Markdown table cell: `|` escaped, line breaks shown as ⏎, controls and bidi overrides as
    /// `⟨U+202E⟩` (`SafeText`); backticks, brackets (links) and angle brackets (HTML) neutralised; cut at
    /// `limit` characters; `—` for none, `""` for empty text.
    /// - Parameters:
    ///   - text: The value, `nil` when absent.
    ///   - limit: The most characters shown before `…`.
    /// - Returns: One table cell's text.
    static func markdownCell(_ text: String?, limit: Int = 80) -> String {
        guard let text else { return "—" }
        var out = ""
        for character in SafeText.visible(text, keepingLineBreaks: true) {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r\n", "\r": out += "⏎"
            case "\\": out += "\\\\"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "`": out += "\\`"
            case "[", "]": out += "\\\(character)"
            default:
                if character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    out += "\u{FFFD}"  // a control character has no place in a report
                } else {
                    out.append(character)
                }
            }
        }
        if text.isEmpty { return "\"\"" }
        return out.count > limit ? String(out.prefix(limit)) + "…" : out
    }

    /// A Markdown code span (`` `text` ``) outside tables: the fence is longer than any backtick run inside,
    /// line breaks show as ⏎, controls and bidi overrides as `⟨U+202E⟩` (`SafeText`); nothing else needs
    /// escaping in a code span.
    /// - Parameter text: Any text from the data.
    /// - Returns: A code span that shows `text` literally on one line.
    static func markdownCode(_ text: String) -> String {
        var longest = 0
        var run = 0
        var body = ""
        for character in SafeText.visible(text, keepingLineBreaks: true) {
            if character == "`" { run += 1; longest = max(longest, run) } else { run = 0 }
            switch character {
            case "\n", "\r\n", "\r": body += "⏎"
            default:
                if character.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    body += "\u{FFFD}"
                } else {
                    body.append(character)
                }
            }
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = body.hasPrefix("`") || body.hasSuffix("`") ? " " : ""
        return fence + pad + body + pad + fence
    }

    /// A Prometheus label value: `\`, `"` and line feeds escaped (text exposition format).
    /// - Parameter text: A label value.
    /// - Returns: The value for inside double quotes; other characters, UTF-8 included, as they are.
    static func promLabel(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
