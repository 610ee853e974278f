import BackstopModel
import Foundation

/// `junit.xml`: the run as JUnit XML for CI dashboards (GitLab, Jenkins, GitHub test reporters). Two suites:
/// `<kind>.stages` (one test case per stage: a failed stage is an `<error>`, a skipped or stopped one is
/// `<skipped>`) and `<kind>.checks` (one test case per discrepancy kind: a kind with findings fails its case,
/// with the counts in the message and the first findings in the body; a kind whose stage did not run is
/// skipped). Everything is XML-escaped; times are seconds.
///
/// CI systems already know how to show, trend and alert on test results; this format lets a scheduled
/// `backstop nightly` appear there as a red check per drifting kind without a plugin. Every kind is a
/// case in every run (passed, failed or skipped), so a dashboard's history per case is continuous.
/// `Tests/ReportTests` parses the file with junitparser and compares it with `Snapshots/junit.xml`.
public struct JUnitReportFormat: ReportFormat {
    /// How many findings each failed case lists in its body (the message says where the rest is).
    public var samplesPerCase: Int

    /// The JUnit format with a cap on each failed case's listed findings.
    /// - Parameter samplesPerCase: Findings per failed case's body (10 by default).
    public init(samplesPerCase: Int = 10) { self.samplesPerCase = samplesPerCase }

    /// `junit.xml`, in the run's report folder.
    public var fileName: String { "junit.xml" }

    /// One test case, before it is written as `<testcase>`.
    struct Case {
        /// How the case ended, in JUnit's vocabulary.
        enum Outcome {
            /// The stage ran, or the kind has no finding.
            case passed
            /// The kind has findings: `<failure>` with the counts as message and the first findings as body.
            case failed(message: String, type: String, body: String)
            /// The stage failed: `<error>` with its (redacted) error.
            case error(message: String, type: String, body: String)
            /// The stage was skipped or stopped, or the kind's stage did not run.
            case skipped(message: String)
        }

        /// `backstop.stage` for stages, the kind's entity (`product`, `order`, `image`) for checks.
        var classname: String
        /// The stage's name, or `no <kind>` for a check (it passes when there is none).
        var name: String
        /// The stage's seconds; 0 for checks.
        var seconds: Double
        /// How the case ended.
        var outcome: Outcome
        /// `<system-out>`: the stage's summary; `nil` for checks.
        var output: String?
    }

    /// Renders `<testsuites>` with the stages suite and the checks suite; counts of failures, errors and
    /// skips are computed from the cases, the timestamp is the run's start without a zone designator (as
    /// JUnit's schema wants it, UTC).
    /// - Parameters:
    ///   - report: The run's report.
    ///   - out: The buffer the XML's UTF-8 bytes are appended to.
    public func render(_ report: RunReport, into out: inout [UInt8]) {
        let suites = [
            ("\(report.run.kind).stages", stageCases(report)),
            ("\(report.run.kind).checks", checkCases(report)),
        ]
        func line(_ text: String) { out.append(contentsOf: text.utf8); out.append(0x0A) }
        func count(_ cases: [Case], _ test: (Case.Outcome) -> Bool) -> Int { cases.count { test($0.outcome) } }
        func isFailure(_ o: Case.Outcome) -> Bool { if case .failed = o { true } else { false } }
        func isError(_ o: Case.Outcome) -> Bool { if case .error = o { true } else { false } }
        func isSkipped(_ o: Case.Outcome) -> Bool { if case .skipped = o { true } else { false } }
        let x = ReportText.xml
        let all = suites.flatMap(\.1)
        let timestamp = String(ReportText.iso8601(report.run.startedAt).dropLast())  // JUnit: no zone designator
        let total = ReportText.seconds(report.run.finishedAt == nil ? 0 : report.run.duration)
        line("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        line(
            "<testsuites name=\"\(x("backstop \(report.run.kind) run \(report.run.id)"))\" tests=\"\(all.count)\" "
                + "failures=\"\(count(all, isFailure))\" errors=\"\(count(all, isError))\" "
                + "skipped=\"\(count(all, isSkipped))\" time=\"\(total)\" timestamp=\"\(timestamp)\">")
        for (name, cases) in suites {
            let seconds = ReportText.seconds(cases.reduce(0) { $0 + $1.seconds })
            line(
                "  <testsuite name=\"\(x(name))\" tests=\"\(cases.count)\" failures=\"\(count(cases, isFailure))\" "
                    + "errors=\"\(count(cases, isError))\" skipped=\"\(count(cases, isSkipped))\" time=\"\(seconds)\" "
                    + "timestamp=\"\(timestamp)\" hostname=\"\(x(report.run.host))\">")
            line("    <properties>")
            for (key, value) in properties(report) {
                line("      <property name=\"\(x(key))\" value=\"\(x(value))\"/>")
            }
            line("    </properties>")
            for c in cases {
                let open =
                    "    <testcase classname=\"\(x(c.classname))\" name=\"\(x(c.name))\" time=\"\(ReportText.seconds(c.seconds))\""
                switch c.outcome {
                case .passed where c.output == nil:
                    line(open + "/>")
                    continue
                case .passed:
                    line(open + ">")
                case .failed(let message, let type, let body):
                    line(open + ">")
                    line("      <failure message=\"\(x(message))\" type=\"\(x(type))\">\(x(body))</failure>")
                case .error(let message, let type, let body):
                    line(open + ">")
                    line("      <error message=\"\(x(message))\" type=\"\(x(type))\">\(x(body))</error>")
                case .skipped(let message):
                    line(open + ">")
                    line("      <skipped message=\"\(x(message))\"/>")
                }
                if let output = c.output { line("      <system-out>\(x(output))</system-out>") }
                line("    </testcase>")
            }
            line("  </testsuite>")
        }
        line("</testsuites>")
    }

    /// The suites' `<properties>`: run id, status, exit code, report schema, snapshot, previous run and
    /// every input (redacted) as `input.<name>`.
    /// - Parameter report: The run's report.
    /// - Returns: Name and value pairs in a fixed order.
    func properties(_ report: RunReport) -> [(String, String)] {
        var properties: [(String, String)] = [
            ("run_id", String(report.run.id)), ("status", report.run.status.rawValue),
            ("exit_code", report.run.exitCode.map(String.init) ?? ""), ("report_schema", RunReport.schemaVersion),
        ]
        if let r = report.reconciliation { properties.append(("snapshot", r.snapshot.text)) }
        if let previous = report.history?.previous { properties.append(("previous_run", String(previous.runID))) }
        for (key, value) in report.inputs.sorted(by: { $0.key < $1.key }) {
            properties.append(("input.\(key)", Redaction.redact(value)))
        }
        return properties
    }

    /// One case per stage line: `failed` becomes an error, `skipped` and `stopped` a skip, `ok` and
    /// `partial` a pass; the summary is the case's output.
    /// - Parameter report: The run's report.
    /// - Returns: The cases in stage order.
    func stageCases(_ report: RunReport) -> [Case] {
        report.stages.map { stage in
            let summary = Redaction.redact(stage.summary)
            let outcome: Case.Outcome
            switch stage.status {
            case "failed": outcome = .error(message: summary, type: "stage.failed", body: summary)
            case "skipped", "stopped": outcome = .skipped(message: summary)
            default: outcome = .passed
            }
            return Case(
                classname: "backstop.stage", name: stage.name, seconds: stage.seconds, outcome: outcome, output: summary
            )
        }
    }

    /// One case per `DiscrepancyKind`, in kind order: failed with counts (new and persisting with
    /// history) and the first findings when it has findings, passed when its stage (`index` for `image.*`
    /// and `embedding.*`, else `reconcile`) ran clean, skipped when that stage did not run.
    /// - Parameter report: The run's report.
    /// - Returns: One case per kind.
    func checkCases(_ report: RunReport) -> [Case] {
        let ran = { (name: String) in
            report.stages.contains { $0.name == name && ($0.status == "ok" || $0.status == "partial") }
        }
        let groups = Dictionary(grouping: report.discrepancies, by: \.kind)
        return DiscrepancyKind.allCases.sorted().map { kind in
            let stage = ["embedding", "image"].contains(kind.entity) ? "index" : "reconcile"
            let items = groups[kind] ?? []
            let name = "no \(kind.rawValue)"
            guard ran(stage) || !items.isEmpty else {
                return Case(
                    classname: kind.entity, name: name, seconds: 0,
                    outcome: .skipped(message: "the \(stage) stage did not run"), output: nil)
            }
            guard !items.isEmpty else {
                return Case(classname: kind.entity, name: name, seconds: 0, outcome: .passed, output: nil)
            }
            var message = "\(items.count) \(kind.rawValue) finding\(items.count == 1 ? "" : "s")"
            if let history = report.history {
                let new = items.count { history.state(of: $0) == .new }
                message += " (\(new) new, \(items.count - new) persisting)"
            }
            message += "; all of them in csv/\(kind.rawValue).csv"
            var body = ""
            for d in items.prefix(samplesPerCase) {
                body +=
                    "\(d.key)" + (d.field.map { " \($0)" } ?? "") + (d.item.map { " item \($0)" } ?? "")
                    + ": Bitrix \(d.bitrixValue ?? "—"), catalog \(d.catalogValue ?? "—"); "
                    + "cause \(d.cause ?? "unknown"); action \(d.action ?? "report")\n"
            }
            if items.count > samplesPerCase { body += "… \(items.count - samplesPerCase) more\n" }
            return Case(
                classname: kind.entity, name: name, seconds: 0,
                outcome: .failed(message: message, type: kind.rawValue, body: body), output: nil)
        }
    }
}

extension ReportFormat where Self == JUnitReportFormat {
    /// The JUnit XML file with 10 findings per failed case.
    public static var junit: JUnitReportFormat { JUnitReportFormat() }
}
