import Foundation

/// A line plot as a standalone SVG document, written by hand so the plots need nothing but a
/// browser: axes with "nice" ticks (decades on a log axis), axis labels, a title, a legend and
/// optional horizontal reference lines. Used by `dip impedance` and `dip compare`.
public struct SVGPlot: Sendable {
    public struct Series: Sendable {
        public var label: String
        /// A CSS colour, e.g. "#1f77b4".
        public var color: String
        /// (x, y) in x order; a non-finite y (or y ≤ 0 on a log axis) breaks the line.
        public var points: [(x: Double, y: Double)]

        public init(label: String, color: String, points: [(x: Double, y: Double)]) {
            self.label = label
            self.color = color
            self.points = points
        }
    }

    /// A dashed horizontal line across the plot, labelled at its right end (e.g. a threshold).
    public struct ReferenceLine: Sendable {
        public var y: Double
        public var label: String

        public init(y: Double, label: String) {
            self.y = y
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    public var series: [Series]
    public var referenceLines: [ReferenceLine] = []
    public var width = 760
    public var height = 460

    /// Colours that stay distinct on white paper and for the common colour-vision deficiencies
    /// (the Tableau 10 order).
    public static let palette = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                 "#bcbd22", "#17becf"]

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series
    }

    // The plot area inside the margins.
    private var left: Double { 78 }
    private var right: Double { Double(width) - 24 }
    private var top: Double { 40 }
    private var bottom: Double { Double(height) - 56 }

    /// The whole SVG document.
    public func render() -> String {
        let (xr, yr) = ranges()
        func px(_ x: Double) -> Double { left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (right - left) }
        func ty(_ y: Double) -> Double { logY ? log10(y) : y }
        func py(_ y: Double) -> Double {
            let (a, b) = (ty(yr.lowerBound), ty(yr.upperBound))
            return bottom - (ty(y) - a) / (b - a) * (bottom - top)
        }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
            font-family="Helvetica, Arial, sans-serif" font-size="12">

            """
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(f(Double(width) / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(Self.escape(title))</text>\n"

        // Grid and tick labels.
        s += "<g stroke=\"#e4e4e4\" stroke-width=\"1\">\n"
        let xTicks = Self.linearTicks(xr)
        let yTicks = logY ? Self.decadeTicks(yr) : Self.linearTicks(yr)
        for x in xTicks { s += "<line x1=\"\(f(px(x)))\" y1=\"\(f(top))\" x2=\"\(f(px(x)))\" y2=\"\(f(bottom))\"/>\n" }
        for y in yTicks { s += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(right))\" y2=\"\(f(py(y)))\"/>\n" }
        s += "</g>\n<g fill=\"#333\">\n"
        for x in xTicks {
            s += "<text x=\"\(f(px(x)))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(Self.label(x))</text>\n"
        }
        for y in yTicks {
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\">\(Self.label(y))</text>\n"
        }
        s += "</g>\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(Double(height) - 14))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(18 \(f((top + bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"

        var lineLabels = ""
        for line in referenceLines where yr.contains(line.y) && (!logY || line.y > 0) {
            let y = f(py(line.y))
            s += "<line x1=\"\(f(left))\" y1=\"\(y)\" x2=\"\(f(right))\" y2=\"\(y)\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
            // Labelled at the left, over the curves on a white halo, clear of the legend.
            lineLabels += "<text x=\"\(f(left + 4))\" y=\"\(f(py(line.y) - 3))\" fill=\"#555\" font-size=\"10\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">\(Self.escape(line.label))</text>\n"
        }

        // The curves, clipped to the plot area; one polyline per unbroken run of points.
        s += "<defs><clipPath id=\"plot\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\"/></clipPath></defs>\n"
        s += "<g clip-path=\"url(#plot)\" fill=\"none\" stroke-width=\"1.6\" stroke-linejoin=\"round\">\n"
        for series in self.series {
            var run: [String] = []
            func flush() {
                if run.count == 1 {
                    let xy = run[0].split(separator: ",")
                    s += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"1.5\" fill=\"\(series.color)\" class=\"series\"/>\n"
                } else if run.count > 1 {
                    s += "<polyline class=\"series\" stroke=\"\(series.color)\" points=\"\(run.joined(separator: " "))\"/>\n"
                }
                run = []
            }
            for p in Self.thin(series.points, maxPoints: 2 * Int(right - left)) {
                guard p.x.isFinite, p.y.isFinite, !logY || p.y > 0 else {
                    flush()
                    continue
                }
                run.append("\(f(px(p.x))),\(f(py(min(max(p.y, yr.lowerBound / 4), yr.upperBound * 4))))")
            }
            flush()
        }
        s += "</g>\n" + lineLabels

        // Legend, top right, inside the plot.
        let rowHeight = 17.0
        let widest = series.map { $0.label.count }.max() ?? 0
        let boxWidth = 40 + 6.6 * Double(widest)
        let boxX = right - boxWidth - 8
        let boxY = top + 8
        if !series.isEmpty {
            s += "<g class=\"legend\">\n"
            s += "<rect x=\"\(f(boxX))\" y=\"\(f(boxY))\" width=\"\(f(boxWidth))\" height=\"\(f(rowHeight * Double(series.count) + 8))\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n"
            for (i, series) in series.enumerated() {
                let y = boxY + 4 + rowHeight * (Double(i) + 0.5)
                s += "<line x1=\"\(f(boxX + 8))\" y1=\"\(f(y))\" x2=\"\(f(boxX + 30))\" y2=\"\(f(y))\" stroke=\"\(series.color)\" stroke-width=\"2.5\"/>\n"
                s += "<text x=\"\(f(boxX + 36))\" y=\"\(f(y + 4))\">\(Self.escape(series.label))</text>\n"
            }
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    /// The x and y ranges: the data's (positive values only on a log axis), widened to whole
    /// decades on a log axis and padded by 5% on a linear one.
    func ranges() -> (ClosedRange<Double>, ClosedRange<Double>) {
        var x0 = Double.infinity, x1 = -Double.infinity, y0 = Double.infinity, y1 = -Double.infinity
        for series in series {
            for p in series.points where p.x.isFinite && p.y.isFinite && (!logY || p.y > 0) {
                x0 = min(x0, p.x)
                x1 = max(x1, p.x)
                y0 = min(y0, p.y)
                y1 = max(y1, p.y)
            }
        }
        for line in referenceLines where line.y.isFinite && (!logY || line.y > 0) && y0 <= y1 {
            // Keep reference lines in view only when they are near the data (within a decade).
            if logY ? (line.y >= y0 / 10 && line.y <= y1 * 10) : true {
                y0 = min(y0, line.y)
                y1 = max(y1, line.y)
            }
        }
        if x0 > x1 { (x0, x1) = (0, 1) }
        if x0 == x1 { x1 = x0 + 1 }
        if y0 > y1 { (y0, y1) = logY ? (0.1, 1) : (0, 1) }
        if logY {
            var a = pow(10, floor(log10(y0)))
            var b = pow(10, ceil(log10(y1)))
            if a == b {
                a /= 10
                b *= 10
            }
            return (x0...x1, a...b)
        }
        if y0 == y1 { return (x0...x1, (y0 - 1)...(y1 + 1)) }
        let pad = (y1 - y0) * 0.05
        return (x0...x1, (y0 - pad)...(y1 + pad))
    }

    /// About six ticks at 1, 2 or 5 × 10^k inside `r`.
    static func linearTicks(_ r: ClosedRange<Double>) -> [Double] {
        let span = r.upperBound - r.lowerBound
        guard span > 0, span.isFinite else { return [r.lowerBound] }
        let raw = span / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var t = ceil(r.lowerBound / step) * step
        while t <= r.upperBound + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    /// Every power of ten inside `r`.
    static func decadeTicks(_ r: ClosedRange<Double>) -> [Double] {
        guard r.lowerBound > 0 else { return [] }
        let a = Int(floor(log10(r.lowerBound) + 1e-9)), b = Int(ceil(log10(r.upperBound) - 1e-9))
        return (a...max(a, b)).map { pow(10, Double($0)) }
    }

    /// Keeps at most about `maxPoints` points: the lowest and highest of each bucket, so the
    /// drawn envelope matches the full data.
    static func thin(_ points: [(x: Double, y: Double)], maxPoints: Int) -> [(x: Double, y: Double)] {
        let buckets = max(1, maxPoints / 2)
        guard points.count > 2 * buckets else { return points }
        var out: [(x: Double, y: Double)] = []
        for b in 0..<buckets {
            let lo = b * points.count / buckets, hi = (b + 1) * points.count / buckets
            guard lo < hi else { continue }
            // A break (non-finite value) inside the bucket is kept, so lines stay broken.
            if let gap = (lo..<hi).first(where: { !points[$0].y.isFinite }) {
                out.append(points[gap])
                continue
            }
            var minI = lo, maxI = lo
            for i in lo..<hi {
                if points[i].y < points[minI].y { minI = i }
                if points[i].y > points[maxI].y { maxI = i }
            }
            for i in Set([lo, minI, maxI]).sorted() { out.append(points[i]) }
        }
        if let last = points.last, out.last.map({ $0.x != last.x }) ?? true { out.append(last) }
        return out
    }

    /// A tick label: 0.001 → "0.001", 1e-05 → "1e-05", 2000 → "2000".
    static func label(_ v: Double) -> String {
        if v == 0 { return "0" }
        let a = abs(v)
        if a >= 1e-3 && a < 1e6 {
            var text = String(format: "%.6f", v)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        return String(format: "%g", v)
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
