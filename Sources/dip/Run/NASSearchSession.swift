import ArgumentParser
import Engine
import Foundation
import TUI
import Tasks

/// Connects a NAS search to the TUI's search view: the search runs on a background thread; the
/// UI thread builds frames from the search folder (at most twice a second) and from what the
/// search thread publishes under the lock (the running candidates, the controller's cell
/// distribution), so it never touches the controller while it learns.
final class NASSearchSession: SearchSource, @unchecked Sendable {
    private let search: NASSearch
    private let settings: NASSearchSettings
    private let lock = NSLock()
    private let started = Date()
    // Guarded by `lock`:
    private var running: [Int] = []
    private var cells: [(label: String, probability: Double)] = []
    private var controllerNote = ""
    private var finished = false
    private var complete = false
    private var failure: Error?
    private var paused = false
    // UI thread only:
    private var cached: SearchFrame?
    private var builtAt = Date.distantPast

    private init(_ search: NASSearch) {
        self.search = search
        settings = search.settings
        publishController(step: search.controller.history.last)
    }

    /// Runs the search under the TUI until it ends and the user quits, or the user stops it.
    static func run(_ search: NASSearch) throws {
        let session = NASSearchSession(search)
        search.onEvent = { [weak session] event in session?.handle(event) }
        var options = LiveViewOptions()
        options.themeSearchPath = ThemeLibrary.defaultSearchPath() + [LiveSession.bundledThemes]
        let viewOptions = options
        let outcome = try ViewedWork.run(
            view: { try SearchView.run(source: session, options: viewOptions) }, stop: { session.stop() }, work: session.work)
        for message in outcome.messages { NASCLI.note("dip: \(message)") }
        if let failure = session.failure { throw failure }
        let rows = Leaderboard.rows(search.directory, rule: search.settings.reward)
        NASCLI.note(Leaderboard.table(rows, limit: 5))
        if session.complete {
            NASCLI.note("search complete → \(search.directory.path) (best: \(search.directory.bestJSON))")
        } else {
            NASCLI.note("search stopped; continue with: dip nas search --resume \(search.directory.path)")
            throw ExitCode(outcome.suggestedExitCode == 0 ? 130 : outcome.suggestedExitCode)
        }
    }

    private func work() {
        var error: Error?
        var done = false
        do {
            done = try search.run()
            try search.writeLeaderboard()
        } catch let e {
            error = e
        }
        lock.lock()
        finished = true
        complete = done
        failure = error
        lock.unlock()
    }

    /// Search thread (and executor threads): keeps what the frame needs.
    private func handle(_ event: SearchEvent) {
        switch event {
        case .batchStarted: break
        case .candidateReady(let i, _):
            lock.lock()
            if !running.contains(i) { running.append(i) }
            lock.unlock()
        case .candidateFinished(let i, _, _):
            lock.lock()
            running.removeAll { $0 == i }
            lock.unlock()
        case .controllerUpdated(let step):
            publishController(step: step)
        }
    }

    private func publishController(step: ControllerStep?) {
        var top: [(label: String, probability: Double)] = []
        if let p = search.controller.cellDistribution() {
            let order = p.indices.filter { p[$0] > 0 }.sorted { p[$0] > p[$1] }
            top = order.prefix(10).map { i in ((try? NASCell(index: i)).map { "\($0.index) \($0.name)" } ?? "\(i)", p[i]) }
        }
        var note = "\(search.controller.kind.rawValue)"
        if let step {
            note += " · step \(step.step) · entropy \(String(format: "%.2f", step.entropy)) nats"
            if let b = step.baseline { note += " · baseline \(String(format: "%.2f", b)) dB" }
        } else {
            note += " · no update yet"
        }
        lock.lock()
        cells = top
        controllerNote = note
        lock.unlock()
    }

    // MARK: SearchSource (UI thread)

    func setPaused(_ value: Bool) {
        lock.lock()
        paused = value
        lock.unlock()
        search.setPaused(value)
        builtAt = .distantPast
    }

    func stop() {
        search.setPaused(false)
        search.stop()
    }

    func latestSearchFrame() -> SearchFrame? {
        if let cached, Date().timeIntervalSince(builtAt) < 0.5 { return cached }
        builtAt = Date()
        cached = build()
        return cached
    }

    private func build() -> SearchFrame {
        lock.lock()
        let running = self.running
        let cells = self.cells
        let note = controllerNote
        let over = finished
        let failure = self.failure
        let paused = self.paused
        lock.unlock()
        let s = settings
        let rows = Leaderboard.rows(search.directory, rule: s.reward)
        let evaluated = rows.count
        var status = "dip nas search · \(s.task.rawValue) · \(s.stage.rawValue) · \(s.controller.rawValue) · \(evaluated)/\(s.candidates) candidates"
        if let best = rows.first, let r = best.reward {
            status += " · best \(String(format: "%.2f", r)) dB (\(SearchDirectory.name(best.index)))"
        }
        status += " · \(search.executor.description) · " + ProgressReporter.clock(Date().timeIntervalSince(started))
        if let failure { status = "FAILED: \(failure) · " + status }

        var board = ["rank cand  reward  cell / connections"]
        for r in rows.prefix(60) {
            let reward = r.reward.map { String(format: "%6.2f", $0) } ?? "failed"
            let what = r.candidate.backbone == .nasDIP ? "\(r.candidate.cell.name) \(r.candidate.pattern)" : "\(r.candidate.cell.name) (skip)"
            board.append(String(format: "%4d ", r.rank) + SearchDirectory.name(r.index) + "  " + reward + "  " + what)
        }

        var rewards: [ChartSeries] = []
        let ok = rows.filter { $0.reward != nil }.sorted { $0.index < $1.index }
        if !ok.isEmpty {
            rewards.append(ChartSeries(role: .chart1, label: "reward", points: ok.map { ChartPoint(Double($0.index), $0.reward!) }))
            var best = -Double.infinity
            rewards.append(ChartSeries(role: .chart3, label: "best", points: ok.map {
                best = max(best, $0.reward!)
                return ChartPoint(Double($0.index), best)
            }))
        }

        var title = "current candidate"
        var current: [ChartSeries] = []
        if let i = running.max() {
            let folder = search.directory.runs(i)
            let images = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            if let image = images.last {
                let history = MetricsLog.read("\(folder)/\(image)/metrics.csv")
                let useEMA = s.task.recipe.emaGamma != nil
                let pts = history.compactMap { r in (useEMA ? r.psnrGTEMA : r.psnrGT).map { ChartPoint(Double(r.iteration), $0) } }
                if !pts.isEmpty { current.append(ChartSeries(role: .psnrGTLine, label: useEMA ? "PSNR (EMA)" : "PSNR", points: pts)) }
                let input = history.map { ChartPoint(Double($0.iteration), $0.psnrInput) }.filter { $0.y.isFinite }
                if !input.isEmpty { current.append(ChartSeries(role: .psnrInputLine, label: "vs degraded", points: input)) }
                let name = String(image.drop { $0 != "-" }.dropFirst())
                title = "candidate \(SearchDirectory.name(i)) · image \(images.count)/\(s.images.count) \(name)"
                if let c = search.directory.loadCandidate(i) { title += " · \(c.cell.name)" }
            } else {
                title = "candidate \(SearchDirectory.name(i)) starting"
            }
        }
        return SearchFrame(
            status: status, leaderboard: board, currentTitle: title, current: current, rewards: rewards, cellDistribution: cells,
            controllerNote: note, paused: paused && !over, isOver: over)
    }
}
