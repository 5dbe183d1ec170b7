import CNcurses
import Foundation

/// One frame of the architecture-search view (`dip nas search`), built by the dip executable
/// from the search folder. The TUI never imports the tasks module.
public struct SearchFrame: Sendable, Equatable {
    /// The status bar text: task, stage, controller, progress, best so far.
    public var status: String
    /// Leaderboard lines, best first (already formatted; the first is the header).
    public var leaderboard: [String]
    /// The running candidate's PSNR curve (x = iteration) and its title.
    public var currentTitle: String
    public var current: [ChartSeries]
    /// Reward per candidate (x = candidate number) and the running best.
    public var rewards: [ChartSeries]
    /// The controller's most likely cells: label and probability, most likely first; empty
    /// when the stage does not search the cell.
    public var cellDistribution: [(label: String, probability: Double)]
    /// A one-line note about the controller (entropy, baseline).
    public var controllerNote: String
    public var paused: Bool
    /// True once no more candidates will run.
    public var isOver: Bool

    public init(
        status: String, leaderboard: [String], currentTitle: String, current: [ChartSeries], rewards: [ChartSeries],
        cellDistribution: [(label: String, probability: Double)], controllerNote: String, paused: Bool, isOver: Bool
    ) {
        self.status = status
        self.leaderboard = leaderboard
        self.currentTitle = currentTitle
        self.current = current
        self.rewards = rewards
        self.cellDistribution = cellDistribution
        self.controllerNote = controllerNote
        self.paused = paused
        self.isOver = isOver
    }

    public static func == (a: SearchFrame, b: SearchFrame) -> Bool {
        a.status == b.status && a.leaderboard == b.leaderboard && a.currentTitle == b.currentTitle && a.current == b.current
            && a.rewards == b.rewards && a.controllerNote == b.controllerNote && a.paused == b.paused && a.isOver == b.isOver
            && a.cellDistribution.map(\.label) == b.cellDistribution.map(\.label)
            && a.cellDistribution.map(\.probability) == b.cellDistribution.map(\.probability)
    }
}

/// The search behind the view. Called from the UI thread: `latestSearchFrame` must not block on
/// an evaluation; `stop` must be harmless once the search has ended.
public protocol SearchSource: AnyObject, Sendable {
    func latestSearchFrame() -> SearchFrame?
    func setPaused(_ paused: Bool)
    /// q q: stop the workers; the search keeps what is on disk and can be resumed.
    func stop()
}

/// What a key does in the search view (pure, so tests can check the key table).
struct SearchKeys {
    enum Action: Equatable { case none, togglePause, nextTheme, armQuit, stop, quit }

    var quit = QuitArming()

    mutating func handle(_ key: Key, isOver: Bool, now: Double) -> Action {
        switch key {
        case .char("q"), .char("Q"), .escape:
            if isOver { return .quit }
            return quit.press(now: now) ? .stop : .armQuit
        case .char(" "), .char("p"), .char("P"):
            quit.disarm()
            return isOver ? .none : .togglePause
        case .char("t"), .char("T"):
            quit.disarm()
            return .nextTheme
        case .enter where isOver:
            return .quit
        default:
            return .none
        }
    }
}

/// Where the panes go for a terminal of `cols`×`rows` (pure, for tests).
struct SearchLayout: Equatable {
    var leaderboard: Rect
    var current: Rect
    var rewards: Rect
    var cells: Rect

    /// Left: leaderboard over the cell distribution; right: the current candidate's curve over
    /// the reward chart. Narrow terminals stack everything.
    static func make(cols: Int, rows: Int, hasCells: Bool) -> SearchLayout {
        let top = 1, height = rows - 2
        if cols >= 100 {
            let left = min(cols / 2, 72)
            let cellRows = hasCells ? min(12, height / 3) : 0
            let board = Rect(x: 0, y: top, width: left, height: height - cellRows)
            let cells = Rect(x: 0, y: board.maxY, width: left, height: cellRows)
            let half = height / 2
            let current = Rect(x: left, y: top, width: cols - left, height: half)
            let rewards = Rect(x: left, y: current.maxY, width: cols - left, height: height - half)
            return SearchLayout(leaderboard: board, current: current, rewards: rewards, cells: cells)
        }
        let parts = Rect.split(height, into: hasCells ? 4 : 3)
        var y = top
        func next(_ h: Int) -> Rect {
            defer { y += h }
            return Rect(x: 0, y: y, width: cols, height: h)
        }
        let board = next(parts[0]), current = next(parts[1]), rewards = next(parts[2])
        let cells = hasCells ? next(parts[3]) : Rect(x: 0, y: y, width: cols, height: 0)
        return SearchLayout(leaderboard: board, current: current, rewards: rewards, cells: cells)
    }
}

/// The live search view: status bar, leaderboard, the running candidate's PSNR curve, reward
/// per candidate with the running best, and the controller's distribution over cells. Keys:
/// space pauses the workers and the controller, q q stops (saving state), t cycles themes.
/// SIGINT/SIGTERM/SIGHUP call `stop()`. The terminal is restored on every way out.
public enum SearchView {
    public static func run(source: SearchSource, options: LiveViewOptions = LiveViewOptions()) throws -> LiveViewOutcome {
        let terminal = try Terminal(device: options.device, handleSignals: options.handleSignals, forceASCII: options.forceASCII)
        defer { terminal.restore() }
        return SearchApp(source: source, options: options, terminal: terminal).loop()
    }
}

final class SearchApp {
    let source: SearchSource
    private let shell: ChartViewShell
    private var screen: Screen { shell.screen }
    var keys = SearchKeys()
    var frame: SearchFrame?

    init(source: SearchSource, options: LiveViewOptions, terminal: Terminal) {
        self.source = source
        shell = ChartViewShell(options: options, terminal: terminal)
    }

    func loop() -> LiveViewOutcome {
        // A search changes at most a few times a second; drawing more often only costs the workers.
        shell.loop(
            framesPerSecond: min(shell.options.maxFramesPerSecond, 4), stop: source.stop,
            tick: { t in
                let expired = keys.quit.expire(now: t)
                let taken = shell.adopt(source.latestSearchFrame(), into: &frame, isOver: \.isOver)
                return (expired || taken.changed, taken.reason)
            },
            handle: { key in
                switch keys.handle(key, isOver: frame?.isOver ?? false, now: shell.now()) {
                case .none, .armQuit: return nil
                case .togglePause:
                    let pause = !(frame?.paused ?? false)
                    source.setPaused(pause)
                    frame?.paused = pause
                    shell.toast = (pause ? "paused: running workers are stopped (SIGSTOP)" : "resumed", shell.now() + 2)
                case .nextTheme: shell.nextTheme()
                case .stop:
                    source.stop()
                    return .stopped
                case .quit: return .stopped
                }
                return nil
            },
            draw: draw)
    }

    func draw(now: Double) {
        shell.drawScreen(minCols: 50, minRows: 16) { rows, cols in
            let paused = frame?.paused == true
            shell.drawStatusBar((paused ? "PAUSED · " : "") + (frame?.status ?? "starting…"), cols: cols, warning: paused)
            let hasCells = !(frame?.cellDistribution.isEmpty ?? true)
            let layout = SearchLayout.make(cols: cols, rows: rows, hasCells: hasCells)
            drawLeaderboard(layout.leaderboard)
            if layout.current.height >= 4 {
                shell.drawCurves(layout.current, title: frame?.currentTitle ?? "current candidate", series: frame?.current ?? [],
                                 scale: .linear, xLabel: "iteration")
            }
            if layout.rewards.height >= 4 {
                shell.drawCurves(layout.rewards, title: "reward per candidate (dB)", series: frame?.rewards ?? [],
                                 scale: .linear, xLabel: "candidate")
            }
            if hasCells { drawCells(layout.cells) }
            let over = frame?.isOver ?? false
            var keyHints = [(over ? "q" : "q q", over ? "quit" : "stop"), ("t", "theme")]
            if !over { keyHints.insert(("space", paused ? "resume" : "pause"), at: 0) }
            shell.drawFooter(
                y: rows - 1, cols: cols, now: now, quit: keys.quit,
                quitWarning: "press q again to stop (finished candidates and the controller are saved; --resume continues)",
                keys: keyHints, done: over ? "search done" : nil)
        }
    }

    private func drawLeaderboard(_ rect: Rect) {
        guard rect.height >= 3 else { return }
        screen.box(rect, style: screen.style(.border))
        screen.put(" leaderboard ", x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4, style: screen.style(.title, bold: true))
        let inner = rect.inset(1)
        let lines = frame?.leaderboard ?? []
        for (i, line) in lines.prefix(inner.height).enumerated() {
            let style = i == 0 ? screen.style(.dimText) : (i == 1 ? screen.style(.accent, bold: true) : screen.style(.text))
            screen.put(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.width - 1, style: style)
        }
        if lines.count <= 1 {
            screen.put("no candidate finished yet", x: inner.x + 1, y: inner.y + 1, maxWidth: inner.width - 1, style: screen.style(.dimText))
        }
    }

    private func drawCells(_ rect: Rect) {
        guard rect.height >= 3 else { return }
        screen.box(rect, style: screen.style(.border))
        screen.put(" controller: P(cell) ", x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4, style: screen.style(.title, bold: true))
        let inner = rect.inset(1)
        var y = inner.y
        if let note = frame?.controllerNote, !note.isEmpty {
            screen.put(note, x: inner.x + 1, y: y, maxWidth: inner.width - 1, style: screen.style(.dimText))
            y += 1
        }
        let items = frame?.cellDistribution ?? []
        let top = max(items.first?.probability ?? 1, 1e-9)
        let labelWidth = min(38, max(10, inner.width / 2))
        let barWidth = max(1, inner.width - labelWidth - 9)
        for item in items where y < inner.maxY {
            let label = item.label.count > labelWidth ? String(item.label.prefix(labelWidth - 1)) + "…" : item.label
            screen.put(label, x: inner.x + 1, y: y, maxWidth: labelWidth, style: screen.style(.text))
            let eighths = Int((Double(barWidth * 8) * item.probability / top).rounded())
            let full = eighths / 8
            let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
            let bar = shell.glyphs == .ascii ? String(repeating: "#", count: full) : String(repeating: "█", count: full) + partial
            screen.put(bar, x: inner.x + 1 + labelWidth, y: y, maxWidth: barWidth, style: screen.style(.chart2))
            screen.put(String(format: "%5.1f%%", 100 * item.probability), x: inner.maxX - 7, y: y, maxWidth: 7, style: screen.style(.dimText))
            y += 1
        }
    }
}
