import Engine
import Foundation

/// The ranked candidates of a search.
public enum Leaderboard {
    public struct Row: Sendable {
        public var rank: Int
        public var index: Int
        public var candidate: NASCandidate
        /// The reward under the search's rule; nil for a failed candidate.
        public var reward: Double?
        public var bestPSNR: Double?
        public var finalPSNR: Double?
        public var parameters: Int
        public var seconds: Double
        public var status: String
        public var reusedFrom: Int?
    }

    /// Every evaluated candidate, best reward first (failed ones last, by number).
    public static func rows(_ directory: SearchDirectory, rule: RewardRule) -> [Row] {
        var rows: [Row] = directory.entries().compactMap { e in
            guard let r = e.result else { return nil }
            return Row(
                rank: 0, index: e.index, candidate: e.candidate, reward: r.reward(rule), bestPSNR: r.meanBestPSNR,
                finalPSNR: r.meanFinalPSNR, parameters: r.parameters, seconds: r.seconds, status: r.status.rawValue,
                reusedFrom: r.reusedFrom)
        }
        rows.sort { a, b in
            switch (a.reward, b.reward) {
            case let (x?, y?): return x != y ? x > y : a.index < b.index
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.index < b.index
            }
        }
        for i in rows.indices { rows[i].rank = i + 1 }
        return rows
    }

    static func f(_ v: Double?, _ digits: Int = 3) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "" }

    public static func csv(_ rows: [Row]) -> String {
        var lines = ["rank,candidate,backbone,cell,cell_name,connections,reward,best_psnr,final_psnr,parameters,seconds,status,reused_from"]
        for r in rows {
            lines.append(
                "\(r.rank),\(SearchDirectory.name(r.index)),\(r.candidate.backbone.rawValue),\(r.candidate.cell.index),"
                    + "\(r.candidate.cell.name),\(r.candidate.pattern),\(f(r.reward, 4)),\(f(r.bestPSNR, 4)),\(f(r.finalPSNR, 4)),"
                    + "\(r.parameters),\(f(r.seconds, 1)),\(r.status),\(r.reusedFrom.map(SearchDirectory.name) ?? "")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table `dip nas report` prints.
    public static func table(_ rows: [Row], limit: Int? = nil) -> String {
        let shown = limit.map { Array(rows.prefix($0)) } ?? rows
        let nameWidth = max(9, shown.map(\.candidate.cell.name.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        var lines = [
            pad("rank", 4, right: true) + "  " + pad("candidate", 9) + "  " + pad("cell", 4, right: true) + " "
                + pad("cell name", nameWidth) + "  " + pad("connections", 29) + pad("reward", 9, right: true)
                + pad("params", 12, right: true) + pad("seconds", 9, right: true)
        ]
        for r in shown {
            let reward = r.reward.map { String(format: "%.3f", $0) } ?? r.status
            let note = r.reusedFrom.map { "  (= \(SearchDirectory.name($0)))" } ?? ""
            lines.append(
                pad("\(r.rank)", 4, right: true) + "  " + pad(SearchDirectory.name(r.index), 9) + "  "
                    + pad("\(r.candidate.cell.index)", 4, right: true) + " " + pad(r.candidate.cell.name, nameWidth) + "  "
                    + pad(r.candidate.pattern, 29) + pad(reward, 9, right: true) + pad("\(r.parameters)", 12, right: true)
                    + pad(String(format: "%.1f", r.seconds), 9, right: true) + note)
        }
        if let limit, rows.count > limit { lines.append("… \(rows.count - limit) more in leaderboard.csv") }
        return lines.joined(separator: "\n")
    }
}

/// report.svg: reward per candidate with the running best, and the controller's entropy per
/// step. Hand-written SVG, no dependencies.
public enum SearchReportSVG {
    struct Axis {
        var lo: Double
        var hi: Double
        var ticks: [Double]

        /// Round ticks covering [lo, hi].
        init(_ lo: Double, _ hi: Double, count: Int = 5, integer: Bool = false) {
            var a = lo, b = hi
            if !(b > a) {
                a -= 0.5
                b += 0.5
            }
            let raw = (b - a) / Double(count)
            let mag = pow(10, floor(log10(raw)))
            var step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
            if integer { step = max(1, step.rounded(.up)) }
            a = floor(a / step) * step
            b = ceil(b / step) * step
            self.lo = a
            self.hi = b
            ticks = stride(from: a, through: b + step / 2, by: step).map { $0 }
        }
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func num(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
        return String(format: abs(v) >= 100 ? "%.0f" : (abs(v) >= 10 ? "%.1f" : "%.2f"), v)
    }

    /// A panel frame with ticks, grid and axis labels; returns the SVG and a point mapper.
    static func panel(
        x: Axis, y: Axis, left: Double, top: Double, width: Double, height: Double, xLabel: String, yLabel: String, title: String
    ) -> (String, (Double, Double) -> (Double, Double)) {
        func map(_ vx: Double, _ vy: Double) -> (Double, Double) {
            (left + (vx - x.lo) / (x.hi - x.lo) * width, top + height - (vy - y.lo) / (y.hi - y.lo) * height)
        }
        var s = ""
        s += "<text x=\(q(left)) y=\(q(top - 10)) class=\"title\">\(esc(title))</text>\n"
        for t in y.ticks {
            let (_, py) = map(x.lo, t)
            s += "<line x1=\(q(left)) y1=\(q(py)) x2=\(q(left + width)) y2=\(q(py)) class=\"grid\"/>"
            s += "<text x=\(q(left - 6)) y=\(q(py + 4)) text-anchor=\"end\">\(num(t))</text>\n"
        }
        for t in x.ticks {
            let (px, _) = map(t, y.lo)
            s += "<line x1=\(q(px)) y1=\(q(top + height)) x2=\(q(px)) y2=\(q(top + height + 5)) class=\"axis\"/>"
            s += "<text x=\(q(px)) y=\(q(top + height + 18)) text-anchor=\"middle\">\(num(t))</text>\n"
        }
        s += "<rect x=\(q(left)) y=\(q(top)) width=\(q(width)) height=\(q(height)) class=\"frame\"/>\n"
        s += "<text x=\(q(left + width / 2)) y=\(q(top + height + 36)) text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        s += "<text transform=\"translate(\(f1(left - 48)),\(f1(top + height / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        return (s, map)
    }

    static func q(_ v: Double) -> String { "\"" + String(format: "%.1f", v) + "\"" }

    static func legend(_ items: [(String, String)], x: Double, y: Double) -> String {
        var s = ""
        for (k, (mark, label)) in items.enumerated() {
            let yy = y + Double(k) * 16
            s += "<g transform=\"translate(\(String(format: "%.1f", x)),\(String(format: "%.1f", yy)))\">\(mark)"
            s += "<text x=\"22\" y=\"4\">\(esc(label))</text></g>\n"
        }
        return s
    }

    /// The report for the candidates in `rows` (any order) and the controller's steps.
    public static func render(
        rows: [Leaderboard.Row], steps: [ControllerStep], settings: NASSearchSettings, uniformEntropy: Double
    ) -> String {
        let w = 860.0, h = 640.0
        let left = 80.0, plotWidth = 560.0
        let byIndex = rows.sorted { $0.index < $1.index }
        let ok = byIndex.filter { $0.reward != nil }
        let total = max(settings.candidates, (byIndex.last?.index ?? 0) + 1)
        let xAxis = Axis(0, Double(max(total - 1, 1)), integer: true)
        let rewards = ok.map { $0.reward! }
        let yAxis = Axis((rewards.min() ?? 0) - 0.2, (rewards.max() ?? 1) + 0.2)
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(w))" height="\(Int(h))" viewBox="0 0 \(Int(w)) \(Int(h))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <style>
            .title { font-size: 14px; font-weight: bold; }
            .grid { stroke: #e3e3e3; stroke-width: 1; }
            .axis { stroke: #444; stroke-width: 1; }
            .frame { fill: none; stroke: #444; stroke-width: 1; }
            .point { fill: #2f6db5; fill-opacity: 0.85; }
            .reused { fill: none; stroke: #2f6db5; stroke-width: 1.5; }
            .failed { stroke: #c0392b; stroke-width: 2; }
            .best { fill: none; stroke: #e67e22; stroke-width: 2; }
            .entropy { fill: none; stroke: #27ae60; stroke-width: 2; }
            .cellentropy { fill: none; stroke: #8e44ad; stroke-width: 2; stroke-dasharray: 2 3; }
            .uniform { fill: none; stroke: #777; stroke-width: 1.5; stroke-dasharray: 6 4; }
            </style>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="24" class="title">\(esc("dip nas search: \(settings.task.rawValue), \(settings.stage.rawValue) stage, \(settings.controller.rawValue) controller, \(settings.iterationsPerCandidate) iterations × \(settings.images.count) image\(settings.images.count == 1 ? "" : "s")"))</text>

            """
        // Panel 1: reward per candidate and the running best.
        let (frame1, map1) = panel(
            x: xAxis, y: yAxis, left: left, top: 60, width: plotWidth, height: 240, xLabel: "candidate",
            yLabel: "reward: mean \(settings.reward == .best ? "best" : "final") PSNR (dB)", title: "Reward per candidate")
        s += frame1
        var bestSoFar: Double?
        var bestPath: [String] = []
        for r in byIndex {
            guard let v = r.reward else {
                let (px, py) = map1(Double(r.index), yAxis.lo)
                s += "<path d=\"M\(f1(px - 4)) \(f1(py - 10)) l8 8 M\(f1(px - 4)) \(f1(py - 2)) l8 -8\" class=\"failed\"><title>\(SearchDirectory.name(r.index)) failed</title></path>\n"
                continue
            }
            let (px, py) = map1(Double(r.index), v)
            let tip = "\(SearchDirectory.name(r.index)) \(r.candidate.cell.name) \(r.candidate.pattern): \(String(format: "%.3f", v)) dB"
            s += "<circle cx=\(q(px)) cy=\(q(py)) r=\"4\" class=\"\(r.reusedFrom == nil ? "point" : "reused")\"><title>\(esc(tip))</title></circle>\n"
            let previous = bestSoFar
            bestSoFar = max(bestSoFar ?? v, v)
            let (_, by) = map1(Double(r.index), bestSoFar!)
            if let previous {
                let (_, pyPrev) = map1(Double(r.index), previous)
                bestPath.append("L\(f1(px)) \(f1(pyPrev)) L\(f1(px)) \(f1(by))")
            } else {
                bestPath.append("M\(f1(px)) \(f1(by))")
            }
        }
        if let last = byIndex.last, let best = bestSoFar {
            let (px, py) = map1(Double(max(last.index, 0)), best)
            bestPath.append("L\(f1(px)) \(f1(py))")
        }
        if !bestPath.isEmpty { s += "<path d=\"\(bestPath.joined(separator: " "))\" class=\"best\"/>\n" }
        s += legend(
            [
                ("<circle cx=\"8\" cy=\"0\" r=\"4\" class=\"point\"/>", "candidate reward"),
                ("<circle cx=\"8\" cy=\"0\" r=\"4\" class=\"reused\"/>", "repeat of an earlier candidate"),
                ("<path d=\"M0 0 H16\" class=\"best\"/>", "running best"),
                ("<path d=\"M4 -4 l8 8 M4 4 l8 -8\" class=\"failed\"/>", "failed"),
            ], x: left + plotWidth + 20, y: 80)
        if let best = ok.max(by: { $0.reward! < $1.reward! }) {
            s += "<text x=\(q(left + plotWidth + 20)) y=\"170\">best: \(SearchDirectory.name(best.index)), \(String(format: "%.3f", best.reward!)) dB</text>\n"
            s += "<text x=\(q(left + plotWidth + 20)) y=\"186\">\(esc(best.candidate.cell.name))</text>\n"
            s += "<text x=\(q(left + plotWidth + 20)) y=\"202\">\(esc(best.candidate.pattern))</text>\n"
        }

        // Panel 2: entropy per controller step, placed at the candidates consumed so far.
        let xs = steps.map { Double(($0.candidates.max() ?? 0)) }
        var values = steps.map(\.entropy) + [uniformEntropy]
        values += steps.compactMap(\.cellEntropy)
        let eAxis = Axis(0, (values.max() ?? 1) * 1.05)
        let (frame2, map2) = panel(
            x: xAxis, y: eAxis, left: left, top: 370, width: plotWidth, height: 200,
            xLabel: "candidate (each point: one controller update after that batch)", yLabel: "entropy (nats)",
            title: "Controller entropy per step")
        s += frame2
        let (ux0, uy) = map2(xAxis.lo, uniformEntropy)
        let (ux1, _) = map2(xAxis.hi, uniformEntropy)
        s += "<path d=\"M\(f1(ux0)) \(f1(uy)) H\(f1(ux1))\" class=\"uniform\"/>\n"
        func line(_ ys: [Double?], _ cls: String) {
            var d: [String] = []
            for (x, y) in zip(xs, ys) {
                guard let y else { continue }
                let (px, py) = map2(x, y)
                d.append((d.isEmpty ? "M" : "L") + "\(f1(px)) \(f1(py))")
                s += "<circle cx=\(q(px)) cy=\(q(py)) r=\"2.5\" class=\"\(cls)\"/>"
            }
            if !d.isEmpty { s += "<path d=\"\(d.joined(separator: " "))\" class=\"\(cls)\"/>\n" }
        }
        line(steps.map(\.entropy), "entropy")
        var entries = [
            ("<path d=\"M0 0 H16\" class=\"entropy\"/>", "policy entropy (joint, chain rule)"),
            ("<path d=\"M0 0 H16\" class=\"uniform\"/>", "uniform policy (random search)"),
        ]
        if steps.contains(where: { $0.cellEntropy != nil }) {
            line(steps.map(\.cellEntropy), "cellentropy")
            entries.append(("<path d=\"M0 0 H16\" class=\"cellentropy\"/>", "entropy of P(cell)"))
        }
        s += legend(entries, x: left + plotWidth + 20, y: 390)
        if steps.isEmpty {
            s += "<text x=\(q(left + plotWidth / 2)) y=\"470\" text-anchor=\"middle\">no controller step yet</text>\n"
        }
        s += "</svg>\n"
        return s
    }

    static func f1(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Reads a search folder and writes its report.svg; returns the leaderboard rows.
    @discardableResult
    public static func write(_ directory: SearchDirectory) throws -> [Leaderboard.Row] {
        let settings = try directory.readSettings()
        let rows = Leaderboard.rows(directory, rule: settings.reward)
        var steps: [ControllerStep] = []
        if let data = FileManager.default.contents(atPath: directory.controllerJSON) {
            steps = try ControllerState.decode(data, path: directory.controllerJSON).history
        }
        let svg = render(rows: rows, steps: steps, settings: settings, uniformEntropy: try settings.space().uniformEntropy)
        try NASFiles.writeBytes(Array(svg.utf8), to: directory.reportSVG)
        return rows
    }
}
