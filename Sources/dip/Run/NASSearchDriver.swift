import ArgumentParser
import Engine
import Foundation
import Tasks

/// Runs a search headless: one line per finished candidate and per controller update on
/// stderr, the leaderboard at the end. SIGINT, SIGTERM and SIGHUP cancel the running workers;
/// the state on disk is that of the last finished batch (plus any finished results), and the
/// command exits 130.
enum NASSearchDriver {
    static func run(_ search: NASSearch) throws {
        let s = search.settings
        let done = search.controller.consumed
        NASCLI.note(
            "dip nas search: \(s.task.rawValue), \(s.stage.rawValue) stage\(s.fixedCell.map { " (cell \($0))" } ?? ""), "
                + "\(s.controller.rawValue) controller, \(s.candidates) candidates × \(s.iterationsPerCandidate) iterations on "
                + "\(s.images.count) image\(s.images.count == 1 ? "" : "s")\(s.size.map { " (\($0)×\($0))" } ?? ""), "
                + "\(search.executor.description), batch \(s.batch) → \(search.directory.path)"
                + (done > 0 ? " (resuming after \(done))" : ""))
        let started = Date()
        var best: (Int, Double)?
        for row in Leaderboard.rows(search.directory, rule: s.reward) where row.reward != nil {
            if best == nil || row.reward! > best!.1 { best = (row.index, row.reward!) }
        }
        var finished = Set<Int>()
        search.onEvent = { event in
            switch event {
            case .batchStarted, .candidateReady: break
            case .candidateFinished(let i, let result, let reused):
                guard finished.insert(i).inserted else { return }
                let count = "[\(String(format: "%\(String(s.candidates).count)d", i + 1))/\(s.candidates)]"
                guard let result else {
                    NASCLI.note("\(count) \(SearchDirectory.name(i)) interrupted")
                    return
                }
                let c = result.candidate
                var line = "\(count) \(SearchDirectory.name(i)) \(c.cell.name) \(c.pattern)  "
                if let r = result.reward(s.reward) {
                    if best == nil || r > best!.1 { best = (i, r) }
                    line += "reward \(String(format: "%.3f", r)) dB"
                } else {
                    line += "FAILED: \(result.error ?? "unknown")"
                }
                line += reused ? "  (repeat of \(result.reusedFrom.map(SearchDirectory.name) ?? "?"))" : String(format: "  %.1f s", result.seconds)
                if let best { line += "  best \(String(format: "%.3f", best.1)) (\(SearchDirectory.name(best.0)))" }
                NASCLI.note(line)
            case .controllerUpdated(let step):
                var line = "  controller step \(step.step): entropy \(String(format: "%.2f", step.entropy)) nats"
                if let b = step.baseline { line += ", baseline \(String(format: "%.3f", b)) dB" }
                if let top = step.topCell, let p = step.topCellProbability {
                    line += ", top cell \(top) (\(String(format: "%.1f", 100 * p))%)"
                }
                NASCLI.note(line)
            }
        }
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { search.stop() }
            source.resume()
            sources.append(source)
        }
        defer { for source in sources { source.cancel() } }
        let complete = try search.run()
        try search.writeLeaderboard()
        let rows = Leaderboard.rows(search.directory, rule: s.reward)
        NASCLI.note(
            String(format: "%@ after %.1f s (%d fresh evaluations in this session)", complete ? "search complete" : "search stopped",
                Date().timeIntervalSince(started), search.evaluationsRun))
        NASCLI.note(Leaderboard.table(rows, limit: 5))
        if let top = rows.first, top.reward != nil { NASCLI.note("best → \(search.directory.bestJSON)") }
        if !complete {
            NASCLI.note("continue with: dip nas search --resume \(search.directory.path)")
            throw ExitCode(130)
        }
    }
}
