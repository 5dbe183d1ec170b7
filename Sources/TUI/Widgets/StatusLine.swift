/// One piece of the status line. Lower `priority` pieces are dropped first when the line is too narrow.
struct StatusSegment: Equatable {
    var text: String
    var role: ColorRole
    var priority: Int
    var bold = false
}

/// Builds the status line: task, iteration/total, it/s, ETA, loss, PSNRs, ES state, seed, threads, state.
enum StatusLine {
    static let separator = " │ "

    static func segments(frame: LiveFrame?, paused: Bool, scrubbed: Int?, colorMode: ColorMode, themeName: String)
        -> [StatusSegment]
    {
        guard let f = frame else {
            return [StatusSegment(text: "waiting for the first iteration…", role: .statusFg, priority: 10)]
        }
        var s: [StatusSegment] = []
        switch f.status {
        case .running, .paused:
            // `paused` folds in a pause the user asked for that the run has not confirmed yet.
            if paused {
                s.append(StatusSegment(text: "PAUSED", role: .warning, priority: 100, bold: true))
            } else {
                s.append(StatusSegment(text: "RUNNING", role: .statusFg, priority: 40))
            }
        case .finished:
            s.append(StatusSegment(text: "FINISHED", role: .accent, priority: 100, bold: true))
        case .failed:
            s.append(StatusSegment(text: "FAILED", role: .error, priority: 100, bold: true))
        }
        if let task = f.info["task"] { s.append(StatusSegment(text: task, role: .statusFg, priority: 60, bold: true)) }
        let total = f.totalIterations > 0 ? "/\(f.totalIterations)" : ""
        s.append(StatusSegment(text: "it \(f.iteration)\(total)", role: .statusFg, priority: 99, bold: true))
        if let it = scrubbed {
            s.append(StatusSegment(text: "viewing snapshot \(it) — live is \(f.iteration)", role: .accent, priority: 98, bold: true))
        }
        if f.iterationsPerSecond > 0 {
            s.append(StatusSegment(text: Format.short(f.iterationsPerSecond) + " it/s", role: .statusFg, priority: 70))
            if f.totalIterations > f.iteration && !f.status.isOver {
                let eta = Double(f.totalIterations - f.iteration) / f.iterationsPerSecond
                s.append(StatusSegment(text: "ETA " + Format.duration(eta), role: .statusFg, priority: 65))
            }
        }
        if let last = f.history.last {
            s.append(StatusSegment(text: "loss " + Format.loss(last.loss), role: .statusFg, priority: 80))
            var psnr = "PSNR in " + String(format: "%.2f", last.psnrInput)
            if let g = last.psnrGT { psnr += " gt " + String(format: "%.2f", g) }
            if let e = last.psnrGTEMA { psnr += " ema " + String(format: "%.2f", e) }
            s.append(StatusSegment(text: psnr, role: .statusFg, priority: 75))
        }
        if let stop = f.stopSuggestedAt {
            s.append(StatusSegment(text: "stop suggested at \(stop)", role: .warning, priority: 90, bold: true))
        } else if let best = f.bestESIteration {
            s.append(StatusSegment(text: "ES best \(best)", role: .statusFg, priority: 55))
        }
        if let g = f.bestGTIteration { s.append(StatusSegment(text: "GT best \(g)", role: .statusFg, priority: 50)) }
        if let seed = f.info["seed"] { s.append(StatusSegment(text: "seed \(seed)", role: .statusFg, priority: 30)) }
        if let th = f.info["threads"] { s.append(StatusSegment(text: th, role: .statusFg, priority: 25)) }
        for key in f.info.keys.sorted() where !["task", "seed", "threads"].contains(key) {
            s.append(StatusSegment(text: "\(key) \(f.info[key]!)", role: .statusFg, priority: 20))
        }
        s.append(StatusSegment(text: "\(colorMode.label) · \(themeName)", role: .statusFg, priority: 5))
        return s
    }

    /// Drops the lowest-priority segments until the joined line fits in `width`, keeping order.
    static func fit(_ segments: [StatusSegment], width: Int) -> [StatusSegment] {
        var kept = segments
        func length(_ s: [StatusSegment]) -> Int {
            s.reduce(0) { $0 + $1.text.count } + max(0, s.count - 1) * separator.count + 2
        }
        while length(kept) > width, let drop = kept.indices.min(by: { kept[$0].priority < kept[$1].priority }) {
            if kept.count == 1 { break }
            kept.remove(at: drop)
        }
        return kept
    }

    /// The plain text of a fitted line (for tests and logging).
    static func text(_ segments: [StatusSegment]) -> String {
        " " + segments.map(\.text).joined(separator: separator)
    }
}
