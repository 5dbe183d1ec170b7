import Foundation
import Tasks

/// Runs a restoration without the TUI: a one-line progress bar on stderr (`ProgressLine`: plain
/// lines in a log), or JSON lines with --json. SIGINT, SIGTERM and SIGHUP stop it after the
/// current iteration; it then saves a checkpoint and result and exits 130.
enum HeadlessDriver {
    static func run(_ run: RestorationRun, json: Bool) throws -> Int32 {
        let signals = StopSignals()
        let progress = ProgressReporter(total: run.maxIterations, json: json)
        progress.start(run)
        while !signals.received, let record = try run.step() {
            progress.update(record, run: run)
        }
        if signals.received { run.stop(.user) }
        let summary = try run.finish()
        progress.finish(summary, run: run)
        return signals.received ? 130 : 0
    }
}

/// Turns SIGINT/SIGTERM/SIGHUP into a flag the loop checks between iterations.
final class StopSignals {
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.set() }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
    }

    private func set() {
        lock.lock()
        flag = true
        lock.unlock()
    }

    var received: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }
}

/// The progress line (or JSON events) of a headless run.
final class ProgressReporter {
    let total: Int
    let json: Bool
    private let line = ProgressLine()
    private var startIteration = 0
    private let started = Date()

    init(total: Int, json: Bool) {
        self.total = total
        self.json = json
    }

    func start(_ run: RestorationRun) {
        startIteration = run.iteration
        let g = run.problem.outputGeometry
        let line = "dip \(run.problem.task.rawValue): \(g.width)×\(g.height), up to \(total) iterations, run directory \(run.directory.path)"
        if json {
            emit(["event": "start", "task": run.problem.task.rawValue, "run_directory": run.directory.path,
                  "width": g.width, "height": g.height, "iterations": total, "from_iteration": run.iteration])
        } else {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func update(_ r: IterationRecord, run: RestorationRun) {
        if json {
            var e: [String: Any] = ["event": "progress", "iteration": r.iteration, "loss": r.loss, "psnr_input": r.psnrInput,
                                    "seconds": r.seconds]
            if let v = r.psnrGT { e["psnr_gt"] = v }
            if let v = r.psnrGTEMA { e["psnr_gt_ema"] = v }
            if let v = r.esSignal { e["es_signal"] = v }
            emit(e)
            return
        }
        let done = r.iteration + 1
        line.show(done: done, total: total, force: done == total) {
            let rate = Double(done - startIteration) / max(Date().timeIntervalSince(started), 1e-6)
            let eta = Double(total - done) / max(rate, 1e-9)
            var text = "it \(done)/\(total)  loss \(String(format: "%.5f", r.loss))  PSNR(input) \(String(format: "%.2f", r.psnrInput)) dB"
            if let g = r.psnrGT { text += "  PSNR(gt) \(String(format: "%.2f", g))" }
            if let g = r.psnrGTEMA { text += "/\(String(format: "%.2f", g)) ema" }
            text += "  \(String(format: "%.2f", rate)) it/s  ETA \(Self.clock(eta))"
            if let stop = run.earlyStopping.suggestedStop, run.settings.autoStop { text += "  stop≤\(stop)" }
            guard line.isTerminal else { return text }
            let width = 24
            let filled = min(width, width * done / max(total, 1))
            return "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled) + "] " + text
        }
    }

    func finish(_ s: RunSummary, run: RestorationRun) {
        line.end()
        if json {
            var e: [String: Any] = [
                "event": "summary", "stop_reason": s.stopReason.description, "iterations": s.iterations,
                "seconds": s.seconds, "pick": s.pick.rawValue, "picked_iteration": s.pickedIteration,
                "picked_ema": s.pickedEMA, "result": s.result, "run_directory": run.directory.path,
            ]
            if let v = s.psnrResult { e["psnr_result"] = v }
            if let v = s.bestGTPSNR { e["best_gt_psnr"] = v }
            if let v = s.bestGTIteration { e["best_gt_iteration"] = v }
            if let v = s.bestESIteration { e["best_es_iteration"] = v }
            emit(e)
            return
        }
        var text = "\(s.stopReason); result: iteration \(s.pickedIteration) (\(s.pick.rawValue)\(s.pickedEMA && s.pick != .ema ? ", EMA" : ""))"
        if let p = s.psnrResult { text += ", PSNR \(String(format: "%.2f", p)) dB" }
        if let b = s.bestGTPSNR, let i = s.bestGTIteration { text += " (best in run \(String(format: "%.2f", b)) at \(i))" }
        FileHandle.standardError.write(Data("\(text)\n  → \(s.result)\n".utf8))
    }

    private func emit(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
