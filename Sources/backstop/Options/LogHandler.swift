import ArgumentParser
import BackstopModel
import BackstopPipeline
import Foundation
import Logging

/// `--log-format` values.
enum LogFormatArgument: String, ExpressibleByArgument, CaseIterable {
    /// `2026-11-22T02:30:00+0000 notice backstop: run.id=1 [BackstopPipeline] run started`.
    case human
    /// One JSON object per line: `ts`, `level`, `label`, `message`, `metadata`, `source`.
    case json
}

/// The CLI's swift-log handler: one line per record on stderr, human-readable or JSON lines, every message
/// and metadata value passed through ``Redaction`` first, written through ``ProgressDisplay`` so log lines
/// never tear a progress bar.
struct BackstopLogHandler: LogHandler {
    let label: String
    let format: LogFormatArgument
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LogFormatArgument, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        let line = Self.line(
            format: format, time: Date(), level: event.level, label: label, message: event.message.description,
            metadata: merged, source: event.source)
        ProgressDisplay.writeLogLine(line)
    }

    /// One rendered record, newline included (separate from `log(event:)` so tests need no stderr).
    static func line(
        format: LogFormatArgument, time: Date, level: Logger.Level, label: String, message: String,
        metadata: Logger.Metadata, source: String
    ) -> String {
        let message = Redaction.redact(message)
        switch format {
        case .human:
            // One line a terminal shows as it is: controls, line breaks and bidi overrides escaped (SafeText).
            let fields = metadata.sorted { $0.key < $1.key }.map {
                "\($0.key)=\(SafeText.visible(Self.text($0.value)))"
            }
            return
                "\(Self.timestamp(time)) \(level) \(label):\(fields.isEmpty ? "" : " " + fields.joined(separator: " ")) "
                + "[\(source)] \(SafeText.visible(message))\n"
        case .json:
            var object =
                "{\"ts\": \(jsonString(Self.timestamp(time, json: true))), \"level\": \(jsonString(level.rawValue)), "
                + "\"label\": \(jsonString(label)), \"message\": \(jsonString(message))"
            if !metadata.isEmpty { object += ", \"metadata\": " + Self.json(.dictionary(metadata)) }
            return object + ", \"source\": \(jsonString(source))}\n"
        }
    }

    /// A metadata value as redacted text.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): Redaction.redact(s)
        case .stringConvertible(let s): Redaction.redact(s.description)
        case .array(let items): "[" + items.map(text).joined(separator: ", ") + "]"
        case .dictionary(let d):
            "[" + d.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "]"
        }
    }

    /// A metadata value as JSON (strings redacted).
    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): jsonString(Redaction.redact(s))
        case .stringConvertible(let s): jsonString(Redaction.redact(s.description))
        case .array(let items): "[" + items.map(json).joined(separator: ", ") + "]"
        case .dictionary(let d):
            "{"
                + d.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)): \(json($0.value))" }.joined(
                    separator: ", ") + "}"
        }
    }

    /// `2026-11-22T02:30:00+0000` (local zone, as swift-log's stream handler); JSON gets UTC with milliseconds.
    static func timestamp(_ date: Date, json: Bool = false) -> String {
        if json {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: date)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }
}
