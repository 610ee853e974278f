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
///
/// Libraries log constant messages with data in metadata (`dump.file`, `run.id`); this handler is the one
/// place that decides how a record looks, so the libraries draw nothing.
struct BackstopLogHandler: LogHandler {
    /// The logger's label (`backstop`, `backstop.extract`).
    let label: String
    /// `human` or `json`.
    let format: LogFormatArgument
    /// Records below this level are dropped by swift-log before they reach ``log(event:)``.
    var logLevel: Logger.Level
    /// Metadata set on the logger (`logger[metadataKey:]`), merged under each record's own.
    var metadata: Logger.Metadata = [:]
    /// Task-local metadata, merged between the logger's and the record's.
    var metadataProvider: Logger.MetadataProvider?

    /// A handler for one logger.
    /// - Parameters:
    ///   - label: The logger's label.
    ///   - format: `human` or `json`.
    ///   - level: The lowest level written.
    init(label: String, format: LogFormatArgument, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    /// One metadata value of the logger.
    /// - Parameter key: The metadata key.
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Renders the record with the merged metadata (the record's own wins) and the time now, and writes it
    /// between progress-bar redraws.
    /// - Parameter event: swift-log's record.
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
    ///
    /// Human lines escape control characters, line breaks and bidi overrides (``SafeText``), so a hostile
    /// product name cannot forge a second log line or reorder a terminal's text; JSON lines keep values
    /// exact and let the JSON escaping do that. Both redact secrets.
    /// - Parameters:
    ///   - format: `human` or `json`.
    ///   - time: The record's time.
    ///   - level: Its level.
    ///   - label: The logger's label.
    ///   - message: The message.
    ///   - metadata: The merged metadata, written sorted by key.
    ///   - source: The module that logged (`BackstopPipeline`).
    /// - Returns: The line.
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
            let record = JSONLogRecord(
                ts: Self.timestamp(time, json: true), level: level.rawValue, label: label, message: message,
                metadata: metadata.isEmpty ? nil : metadata.mapValues(JSONLogRecord.Value.init), source: source)
            // Strings only: encoding cannot fail; were it to, the record is still written, as text.
            return (try? JSONFiles.line(record)) ?? "\(SafeText.visible(message))\n"
        }
    }

    /// A metadata value as redacted text: arrays as `[a, b]`, dictionaries as `[k: v]` sorted by key.
    /// - Parameter value: The value.
    /// - Returns: Its text.
    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): Redaction.redact(s)
        case .stringConvertible(let s): Redaction.redact(s.description)
        case .array(let items): "[" + items.map(text).joined(separator: ", ") + "]"
        case .dictionary(let d):
            "[" + d.sorted { $0.key < $1.key }.map { "\($0.key): \(text($0.value))" }.joined(separator: ", ") + "]"
        }
    }

    /// `2026-11-22T02:30:00+0000` (local zone, as swift-log's stream handler); JSON gets UTC with milliseconds.
    /// - Parameters:
    ///   - date: The time.
    ///   - json: Whether the line is JSON.
    /// - Returns: The timestamp's text.
    static func timestamp(_ date: Date, json: Bool = false) -> String {
        if json { return RFC3339.string(date, milliseconds: true) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: date)
    }
}

/// One `--log-format json` line: `{"label":…,"level":…,"message":…,"metadata":{…},"source":…,"ts":…}`, keys
/// sorted, `metadata` left out when the record has none. Every string is redacted (``Redaction``) before it
/// gets here; the JSON escaping keeps a hostile value on its line.
struct JSONLogRecord: Encodable {
    /// The time, RFC 3339 UTC with milliseconds.
    var ts: String
    /// The level (`info`, `warning`, …).
    var level: String
    /// The logger's label.
    var label: String
    /// The message, redacted.
    var message: String
    /// The merged metadata, values redacted.
    var metadata: [String: Value]?
    /// The module that logged.
    var source: String

    /// A metadata value as JSON: a string (a `stringConvertible` as its description), an array or an object.
    enum Value: Encodable {
        /// A redacted string.
        case string(String)
        /// A list.
        case array([Value])
        /// An object, keys sorted by the encoder.
        case object([String: Value])

        /// The JSON value of a swift-log metadata value, strings redacted.
        /// - Parameter value: The metadata value.
        init(_ value: Logger.Metadata.Value) {
            switch value {
            case .string(let s): self = .string(Redaction.redact(s))
            case .stringConvertible(let s): self = .string(Redaction.redact(s.description))
            case .array(let items): self = .array(items.map(Value.init))
            case .dictionary(let d): self = .object(d.mapValues(Value.init))
            }
        }

        /// Encodes the plain JSON value.
        /// - Parameter encoder: The encoder.
        /// - Throws: The encoder's errors.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let s): try container.encode(s)
            case .array(let items): try container.encode(items)
            case .object(let fields): try container.encode(fields)
            }
        }
    }
}
