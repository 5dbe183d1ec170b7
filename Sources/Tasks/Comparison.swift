import Engine
import Foundation

/// One architecture × input of `dip compare`, run with the shared budget.
public struct ComparisonEntry: Sendable {
    public var arch: Architecture
    public var input: InputKind
    public var runDirectory: String
    public var parameters = 0
    /// Iterations actually run (less than the budget only if the comparison was interrupted).
    public var iterations = 0
    /// Wall-clock seconds of the training steps (forward, backward, Adam, EMA, the early-
    /// stopping signal and the PSNR against GT), without snapshots or checkpoints (disabled).
    public var seconds = 0.0
    public var bestPSNR: Double?
    public var bestIteration: Int?
    public var bestWasEMA: Bool?
    public var finalPSNR: Double?
    public var finalPSNREMA: Double?
    /// The result the task writes by default (the no-reference early-stopping pick).
    public var pickPSNR: Double?
    public var pickIteration: Int?
    public var pickNote: String?
    /// (cumulative step seconds, PSNR of the raw output against GT) per iteration.
    public var curve: [(seconds: Double, psnr: Double)] = []

    public init(arch: Architecture, input: InputKind, runDirectory: String) {
        self.arch = arch
        self.input = input
        self.runDirectory = runDirectory
    }

    public var name: String { "\(arch.rawValue) × \(input.rawValue)" }
    public var secondsPerIteration: Double { iterations > 0 ? seconds / Double(iterations) : 0 }
}

/// Runs entries through the normal task machinery and writes the comparison files.
public enum Comparison {
    /// Runs `run` to the end of its budget (or until `shouldStop`), timing the steps, and fills
    /// `entry` from the run and its summary. `progress` is called after every iteration with
    /// the record and the step seconds so far.
    public static func drive(
        _ run: RestorationRun, into entry: inout ComparisonEntry, shouldStop: () -> Bool,
        progress: (IterationRecord, Double) -> Void
    ) throws {
        entry.parameters = run.trainer.graph.parameters.trainableCount
        var clock = ContinuousClock.now
        while !shouldStop() {
            clock = ContinuousClock.now
            guard let record = try run.step() else { break }
            let d = ContinuousClock.now - clock
            entry.seconds += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            if let p = record.psnrGT { entry.curve.append((entry.seconds, p)) }
            progress(record, entry.seconds)
        }
        if shouldStop() { run.stop(.user) }
        let summary = try run.finish()
        entry.iterations = run.iteration
        entry.bestPSNR = run.bestGT?.psnr
        entry.bestIteration = run.bestGT?.iteration
        entry.bestWasEMA = run.bestGT?.ema
        entry.finalPSNR = run.history.last?.psnrGT
        entry.finalPSNREMA = run.history.last?.psnrGTEMA
        entry.pickPSNR = summary.psnrResult
        entry.pickIteration = summary.pickedIteration
        entry.pickNote = summary.pickNote
    }

    static let csvColumns = [
        "arch", "input", "params", "iterations", "seconds_per_iteration", "best_psnr", "best_iteration", "best_from",
        "final_psnr", "final_psnr_ema", "pick_psnr", "pick_iteration", "run_directory",
    ]

    /// comparison.csv: one row per entry; PSNRs in dB against GT, empty when unknown.
    public static func csv(_ entries: [ComparisonEntry]) -> String {
        func d(_ v: Double?, _ format: String = "%.4f") -> String { v.map { String(format: format, $0) } ?? "" }
        var text = csvColumns.joined(separator: ",") + "\n"
        for e in entries {
            let fields = [
                e.arch.rawValue, e.input.rawValue, String(e.parameters), String(e.iterations),
                d(e.secondsPerIteration, "%.5f"), d(e.bestPSNR), e.bestIteration.map(String.init) ?? "",
                e.bestWasEMA.map { $0 ? "ema" : "raw" } ?? "", d(e.finalPSNR), d(e.finalPSNREMA), d(e.pickPSNR),
                e.pickIteration.map(String.init) ?? "", csvField(e.runDirectory),
            ]
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// comparison.md: `heading` lines, then the table and its legend.
    public static func markdown(_ entries: [ComparisonEntry], heading: [String], budget: Int) -> String {
        func d(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "—" }
        var text = heading.joined(separator: "\n") + "\n\n"
        text += "| arch | input | params | iterations | s/iteration | best PSNR (iteration) | final PSNR raw / EMA | default pick PSNR (iteration) |\n"
        text += "|---|---|---:|---:|---:|---:|---:|---:|\n"
        for e in entries {
            let best = e.bestPSNR.map { String(format: "%.2f", $0) + " (\(e.bestIteration!)\(e.bestWasEMA == true ? ", EMA" : ""))" } ?? "—"
            let pick = e.pickPSNR.map { String(format: "%.2f", $0) + " (\(e.pickIteration ?? 0))" } ?? "—"
            let iterations = e.iterations < budget ? "\(e.iterations) of \(budget)" : "\(e.iterations)"
            text += "| \(e.arch.rawValue) | \(e.input.rawValue) | \(grouped(e.parameters)) | \(iterations) | "
                + String(format: "%.4f", e.secondsPerIteration) + " | \(best) | \(d(e.finalPSNR)) / \(d(e.finalPSNREMA)) | \(pick) |\n"
        }
        text += """

            PSNR in dB against the ground truth. *best*: the best iterate over the run (raw output or its EMA; an \
            oracle, since it needs the GT). *final*: the last iteration. *default pick*: what `result.png` holds \
            with the task's default `--pick` (best-es, the no-reference early-stopping choice; for inpaint and \
            restore the EMA at the end). *s/iteration*: wall \
            time of the training steps only.

            """
        let notes = entries.compactMap { e in e.pickNote.map { "- \(e.name): \($0)" } }
        if !notes.isEmpty { text += "\n" + notes.joined(separator: "\n") + "\n" }
        return text
    }

    /// comparison.svg: PSNR of the raw output against GT over wall-clock time, one line per entry.
    public static func svg(_ entries: [ComparisonEntry], title: String) -> String {
        SVGPlot(
            title: title, xLabel: "wall-clock seconds (training steps)", yLabel: "PSNR vs GT (dB), raw output",
            series: entries.enumerated().map { i, e in
                SVGPlot.Series(
                    label: e.name, color: SVGPlot.palette[i % SVGPlot.palette.count],
                    points: e.curve.map { (x: $0.seconds, y: $0.psnr) })
            }
        ).render()
    }

    /// 1234567 → "1,234,567".
    public static func grouped(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
