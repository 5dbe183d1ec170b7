import Engine
import Foundation
import ImageIO
import TUI
import Tasks

/// The files and text of an impedance experiment: progress lines, curves.csv, impedance.svg,
/// thresholds.txt and the final table. Shared by the headless and the live drivers.
final class ImpedanceReport {
    let experiment: ImpedanceExperiment
    let directory: String
    let thresholds: [Double]
    let title: String
    private let started = Date()

    init(experiment: ImpedanceExperiment, directory: String, thresholds: [Double], title: String) {
        self.experiment = experiment
        self.directory = directory
        self.thresholds = thresholds
        self.title = title
    }

    var csvPath: String { "\(directory)/curves.csv" }
    var svgPath: String { "\(directory)/impedance.svg" }
    var tablePath: String { "\(directory)/thresholds.txt" }
    var elapsed: Double { Date().timeIntervalSince(started) }

    func announce(net: String) {
        let e = experiment
        let c = e.configuration
        let nets = c.order == .interleaved ? 4 : 1
        let gib = Double(nets * e.plannedBytesPerNet) / Double(1 << 30)
        let line = "dip impedance: \(e.width)×\(e.height)×\(e.channels), \(net), \(e.parameterCount) parameters, "
            + "\(c.iterations) iterations × 4 targets, \(c.order.rawValue), \(Threads.count) thread\(Threads.count == 1 ? "" : "s"); "
            + String(format: "about %.2f GiB for %d net%@, %.2f s per iteration (estimate); writing %@\n",
                     gib, nets, nets == 1 ? "" : "s", e.estimatedSecondsPerIteration, directory)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// "it 120/3000 · image 0.0031 · … · 1.45 it/s · ETA 40m".
    func progressText() -> String {
        let e = experiment
        let c = e.configuration
        let done = e.iterationsDone
        var text: String
        switch c.order {
        case .interleaved:
            text = "it \(e.curves.mse.map(\.count).min() ?? 0)/\(c.iterations)"
        case .sequential:
            let k = min(done / c.iterations, 3)
            text = "target \(k + 1)/4 (\(ImpedanceTarget(rawValue: k)!.label)) it \(e.curves.mse[k].count)/\(c.iterations)"
        }
        for t in ImpedanceTarget.allCases {
            if let last = e.curves[t].last { text += " · \(t.column) " + String(format: "%.4g", last) }
        }
        let rate = Double(done) / max(elapsed, 1e-9)
        text += String(format: " · %.2f it/s", rate)
        if done < e.totalIterations && rate > 0 {
            text += " · ETA " + Self.duration(Double(e.totalIterations - done) / rate)
        }
        return text
    }

    /// Writes curves.csv, impedance.svg and thresholds.txt (atomically, so a kill mid-write
    /// leaves the previous version).
    func write() throws {
        let curves = experiment.curves
        do {
            try AtomicFile.write(Array(curves.csv().utf8), to: csvPath)
            try AtomicFile.write(Array(curves.svg(title: title, thresholds: thresholds).utf8), to: svgPath)
            try AtomicFile.write(Array(table().utf8), to: tablePath)
        } catch {
            throw TaskError.runtime("cannot write the impedance results to \(directory): \(error)")
        }
    }

    /// The threshold table with a heading and a timing line.
    func table() -> String {
        let e = experiment
        let n = e.configuration.iterations
        var text = "First iteration with MSE ≤ threshold (— : not within the iterations run; budget \(n) per target)\n"
        text += e.curves.thresholdTable(thresholds: thresholds)
        let done = e.iterationsDone
        text += String(format: "%d iterations in %@ (%.4f s per iteration, %@, %d thread%@)\n", done,
                       Self.duration(elapsed), elapsed / Double(max(done, 1)), e.configuration.order.rawValue,
                       Threads.count, Threads.count == 1 ? "" : "s")
        return text
    }

    /// Prints the table on stdout and the files on stderr.
    func finish(stopped: Bool) {
        if stopped { FileHandle.standardError.write(Data("dip impedance: stopped early; the curves so far are saved\n".utf8)) }
        FileHandle.standardOutput.write(Data(table().utf8))
        FileHandle.standardError.write(Data("  → \(csvPath)\n  → \(svgPath)\n".utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, s % 3600 / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }

    static func defaultDirectory(_ prefix: String) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "runs/\(prefix)-\(f.string(from: Date()))"
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let underlying = e.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return (error as NSError).localizedDescription
    }
}

/// Runs the experiment without a terminal UI: a progress line on stderr (`ProgressLine`).
/// SIGINT/SIGTERM/SIGHUP stop it after the current iteration;
/// the curves so far are written and the exit code is 130.
enum ImpedanceHeadless {
    static func run(_ report: ImpedanceReport) throws -> Int32 {
        let signals = StopSignals()
        let e = report.experiment
        let line = ProgressLine(redrawInterval: 0.2)
        var lastSave = Date()
        while !signals.received, try e.step() != nil {
            line.show(done: e.iterationsDone, total: e.totalIterations, force: e.isFinished) { report.progressText() }
            // Long experiments leave their curves behind even if killed outright.
            let now = Date()
            if now.timeIntervalSince(lastSave) > 60 {
                lastSave = now
                try report.write()
            }
        }
        line.end()
        try report.write()
        report.finish(stopped: signals.received)
        return signals.received ? 130 : 0
    }
}

/// Runs the experiment on a background queue and shows the four curves live in the TUI's chart
/// (theme colours chart_1 … chart_4). The UI thread only reads published frames.
final class ImpedanceLive: CurvesSource, @unchecked Sendable {
    private let report: ImpedanceReport
    private let lock = NSCondition()
    // Guarded by `lock`:
    private var frame: CurvesFrame?
    private var stopRequested = false
    private var failure: Error?
    // Owned by the worker:
    private var lastPublish = Date.distantPast
    private var lastSave = Date()

    private init(_ report: ImpedanceReport) { self.report = report }

    static func run(_ report: ImpedanceReport, color: String, theme: String?) throws -> Int32 {
        let live = ImpedanceLive(report)
        live.publish(force: true)
        var options = LiveViewOptions(color: ColorChoice(argument: color) ?? .auto, themeName: theme)
        options.themeSearchPath = ThemeLibrary.defaultSearchPath() + [LiveSession.bundledThemes]
        let viewOptions = options
        let outcome: LiveViewOutcome
        do {
            outcome = try ViewedWork.run(
                view: { try CurvesView.run(source: live, options: viewOptions) }, stop: { live.stop() }, work: live.work)
        } catch {
            try report.write()
            throw error
        }
        for message in outcome.messages { FileHandle.standardError.write(Data("dip: \(message)\n".utf8)) }
        try report.write()
        if let failure = live.failureError { throw failure }
        report.finish(stopped: !report.experiment.isFinished)
        return outcome.suggestedExitCode
    }

    func latestCurves() -> CurvesFrame? {
        lock.lock()
        defer { lock.unlock() }
        return frame
    }

    func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
    }

    private var shouldStop: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested
    }

    private func work() {
        do {
            while !shouldStop, try report.experiment.step() != nil {
                publish(force: false)
                if Date().timeIntervalSince(lastSave) > 60 {
                    lastSave = Date()
                    try report.write()
                }
            }
        } catch {
            lock.lock()
            failure = error
            lock.unlock()
        }
        publish(force: true, over: true)
    }

    private func publish(force: Bool, over ended: Bool = false) {
        let now = Date()
        guard force || now.timeIntervalSince(lastPublish) >= 0.1 else { return }
        lastPublish = now
        let e = report.experiment
        let roles: [ColorRole] = [.chart1, .chart2, .chart3, .chart4]
        let series = ImpedanceTarget.allCases.map { t in
            ChartSeries(role: roles[t.rawValue], label: t.label,
                        points: e.curves[t].enumerated().map { ChartPoint(Double($0.offset), $0.element) })
        }
        var notes = e.curves.thresholdTable(thresholds: report.thresholds).split(separator: "\n").map(String.init)
        notes.insert("first iteration with MSE ≤ threshold:", at: 0)
        let over = ended || e.isFinished
        let f = CurvesFrame(
            title: "MSE", series: series, xLabel: "iteration",
            status: "impedance · " + report.progressText() + (over ? " · done" : ""), notes: notes, isOver: over)
        lock.lock()
        frame = f
        lock.unlock()
    }

    private var failureError: Error? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }
}
