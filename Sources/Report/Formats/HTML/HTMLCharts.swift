import BackstopModel
import Foundation

/// The inline SVG charts of `report.html`: horizontal bars (discrepancies by kind, findings by webhook
/// failure), the trend of totals over recent runs, and the similarity-score histogram. Every label is
/// escaped; numbers are formatted without the locale, so the same report renders the same bytes.
enum HTMLCharts {
    /// One bar: a label, its value and an optional second value drawn inside it (new findings).
    struct Bar {
        /// The bar's label, drawn to its left (escaped when drawn).
        var label: String
        /// The bar's length relative to the largest bar of the chart.
        var value: Int
        /// The part of `value` drawn highlighted from the bar's start (0: none).
        var highlight: Int = 0
    }

    /// A coordinate with one decimal and a `.` whatever the locale (`String(format:)` with `%.1f` in the C
    /// locale): SVG needs the dot, and byte-identical reports need the fixed precision.
    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Horizontal bars in the order given (callers sort largest first), each scaled to the largest; a
    /// muted "Nothing to chart." when every value is 0.
    /// - Parameters:
    ///   - bars: The bars.
    ///   - title: The chart's accessible name (`aria-label` and `<title>`).
    ///   - highlightLegend: What the highlighted part means (`new`), shown in a legend when given.
    /// - Returns: An `<svg>` element, or a paragraph when there is nothing to draw.
    static func bars(_ bars: [Bar], title: String, highlightLegend: String? = nil) -> String {
        let h = ReportText.html
        guard let largest = bars.map(\.value).max(), largest > 0 else {
            return "<p class=\"muted\">Nothing to chart.</p>"
        }
        // Labels get the room the longest needs (about 7 px a character at 12 px), bars the rest of 560 px.
        let labelWidth = min(260, max(100, Double(bars.map(\.label.count).max() ?? 0) * 7 + 10))
        let chartWidth = 500 - labelWidth
        let row = 22.0
        let height = Double(bars.count) * row + 10
        var svg =
            "<svg role=\"img\" aria-label=\"\(h(title))\" viewBox=\"0 0 \(number(labelWidth + chartWidth + 60)) "
            + "\(number(height))\" width=\"\(number(labelWidth + chartWidth + 60))\" height=\"\(number(height))\">"
        svg += "<title>\(h(title))</title>"
        for (i, bar) in bars.enumerated() {
            let y = Double(i) * row + 4
            let width = max(1, chartWidth * Double(bar.value) / Double(largest))
            svg +=
                "<text x=\"\(number(labelWidth - 6))\" y=\"\(number(y + 13))\" text-anchor=\"end\">\(h(bar.label))</text>"
            svg +=
                "<rect class=\"bar\" x=\"\(number(labelWidth))\" y=\"\(number(y))\" width=\"\(number(width))\" "
                + "height=\"16\"><title>\(h(bar.label)): \(bar.value)</title></rect>"
            if bar.highlight > 0 {
                let inner = max(1, chartWidth * Double(bar.highlight) / Double(largest))
                svg +=
                    "<rect class=\"bar new\" x=\"\(number(labelWidth))\" y=\"\(number(y))\" width=\"\(number(inner))\" "
                    + "height=\"16\"><title>\(h(bar.label)): \(bar.highlight) \(h(highlightLegend ?? ""))</title></rect>"
            }
            svg += "<text x=\"\(number(labelWidth + width + 4))\" y=\"\(number(y + 13))\">\(bar.value)</text>"
        }
        return svg + "</svg>"
    }

    /// A line of the discrepancy total of recent comparable runs, oldest to newest; each point's tooltip
    /// names its run, start, status and total, and about ten points are labelled `#<run>` on the axis. A
    /// note instead until there are two runs to join.
    /// - Parameter points: The history's trend, oldest first.
    /// - Returns: An `<svg>` element, or a paragraph.
    static func trend(_ points: [RunHistory.Point]) -> String {
        let h = ReportText.html
        guard points.count >= 2 else {
            return "<p class=\"muted\">The trend appears from the second comparable run on.</p>"
        }
        let width = 560.0
        let height = 200.0
        let left = 44.0
        let bottom = 26.0
        let top = 12.0
        let largest = Double(max(1, points.map(\.total).max() ?? 1))
        let step = (width - left - 16) / Double(points.count - 1)
        func x(_ i: Int) -> Double { left + Double(i) * step }
        func y(_ v: Int) -> Double { top + (height - top - bottom) * (1 - Double(v) / largest) }
        var svg =
            "<svg role=\"img\" aria-label=\"Discrepancies per run\" viewBox=\"0 0 \(number(width)) \(number(height))\" "
            + "width=\"\(number(width))\" height=\"\(number(height))\"><title>Discrepancies per run</title>"
        svg +=
            "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(height - bottom))\" x2=\"\(number(width - 8))\" "
            + "y2=\"\(number(height - bottom))\"/>"
        svg +=
            "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(height - bottom))\"/>"
        svg +=
            "<text class=\"muted\" x=\"\(number(left - 6))\" y=\"\(number(top + 4))\" text-anchor=\"end\">\(Int(largest))</text>"
        svg +=
            "<text class=\"muted\" x=\"\(number(left - 6))\" y=\"\(number(height - bottom))\" text-anchor=\"end\">0</text>"
        let path = points.enumerated().map {
            "\($0.offset == 0 ? "M" : "L")\(number(x($0.offset))),\(number(y($0.element.total)))"
        }
        svg += "<path class=\"line\" d=\"\(path.joined(separator: " "))\"/>"
        let labelEvery = max(1, points.count / 10)
        for (i, point) in points.enumerated() {
            svg +=
                "<circle class=\"dot\" cx=\"\(number(x(i)))\" cy=\"\(number(y(point.total)))\" r=\"3.5\">"
                + "<title>run \(point.runID) · \(h(ReportText.shortDate(point.startedAt))) · \(h(point.status.rawValue)) · "
                + "\(point.total)</title></circle>"
            if i % labelEvery == 0 || i == points.count - 1 {
                svg +=
                    "<text class=\"muted\" x=\"\(number(x(i)))\" y=\"\(number(height - 8))\" text-anchor=\"middle\">"
                    + "#\(point.runID)</text>"
            }
        }
        return svg + "</svg>"
    }

    /// Vertical bars of a score histogram over its own score range, with the candidate threshold marked by
    /// a line; a note instead when the index stage did not run.
    /// - Parameter histogram: The report's histogram, if any.
    /// - Returns: An `<svg>` element, or a paragraph.
    static func histogram(_ histogram: SimilarityHistogram?) -> String {
        let h = ReportText.html
        guard let histogram, !histogram.bins.isEmpty, let lowest = histogram.bins.first?.lower,
            let highest = histogram.bins.last?.upper, highest > lowest
        else {
            return "<p class=\"muted\">Appears once the index stage scores similar products.</p>"
        }
        let width = 560.0
        let height = 200.0
        let left = 44.0
        let bottom = 26.0
        let top = 12.0
        let largest = Double(max(1, histogram.bins.map(\.count).max() ?? 1))
        func x(_ score: Double) -> Double { left + (width - left - 12) * (score - lowest) / (highest - lowest) }
        var svg =
            "<svg role=\"img\" aria-label=\"\(h(histogram.label))\" viewBox=\"0 0 \(number(width)) \(number(height))\" "
            + "width=\"\(number(width))\" height=\"\(number(height))\"><title>\(h(histogram.label))</title>"
        svg +=
            "<line class=\"axis\" x1=\"\(number(left))\" y1=\"\(number(height - bottom))\" x2=\"\(number(width - 8))\" "
            + "y2=\"\(number(height - bottom))\"/>"
        for bin in histogram.bins {
            let barHeight = (height - top - bottom) * Double(bin.count) / largest
            svg +=
                "<rect class=\"bar\" x=\"\(number(x(bin.lower) + 1))\" y=\"\(number(height - bottom - barHeight))\" "
                + "width=\"\(number(max(1, x(bin.upper) - x(bin.lower) - 2)))\" height=\"\(number(barHeight))\">"
                + "<title>\(String(format: "%.2f", bin.lower))–\(String(format: "%.2f", bin.upper)): \(bin.count)</title></rect>"
        }
        if let threshold = histogram.threshold {
            svg +=
                "<line class=\"threshold\" x1=\"\(number(x(threshold)))\" y1=\"\(number(top))\" x2=\"\(number(x(threshold)))\" "
                + "y2=\"\(number(height - bottom))\"><title>near-duplicate threshold \(String(format: "%.2f", threshold))</title></line>"
        }
        svg +=
            "<text class=\"muted\" x=\"\(number(left))\" y=\"\(number(height - 8))\">\(String(format: "%.2f", lowest))</text>"
        svg +=
            "<text class=\"muted\" x=\"\(number(width - 12))\" y=\"\(number(height - 8))\" text-anchor=\"end\">"
            + "\(String(format: "%.2f", highest))</text>"
        return svg + "</svg>"
    }
}
