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

    static let quitWindow = 2.0
    var quitArmedUntil: Double?

    mutating func handle(_ key: Key, isOver: Bool, now: Double) -> Action {
        switch key {
        case .char("q"), .char("Q"), .escape:
            if isOver { return .quit }
            if let until = quitArmedUntil, until > now { return .stop }
            quitArmedUntil = now + Self.quitWindow
            return .armQuit
        case .char(" "), .char("p"), .char("P"):
            quitArmedUntil = nil
            return isOver ? .none : .togglePause
        case .char("t"), .char("T"):
            quitArmedUntil = nil
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
    let options: LiveViewOptions
    let terminal: Terminal
    var themes: ThemeSwitcher
    let palette: Palette
    let screen: Screen
    let mode: ColorMode
    let glyphs: ChartGlyphs
    var keys = SearchKeys()
    var frame: SearchFrame?
    var messages: [String] = []
    var toast: (text: String, until: Double)?
    private let start = DispatchTime.now().uptimeNanoseconds

    init(source: SearchSource, options: LiveViewOptions, terminal: Terminal) {
        self.source = source
        self.options = options
        self.terminal = terminal
        themes = ThemeSwitcher(
            library: ThemeLibrary(searchPath: options.themeSearchPath), config: options.configPath.map(ConfigStore.init),
            preferred: options.themeName, messages: &messages)
        mode = options.color.resolve(environment: options.environment, colors: terminal.colors)
        glyphs = terminal.utf8 ? options.chartGlyphs : .ascii
        palette = Palette(capability: terminal.capability, theme: themes.theme, mode: mode)
        screen = Screen(palette: palette, glyphs: terminal.utf8 ? .unicode : .ascii)
        applyBackground()
    }

    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    private func applyBackground() {
        let st = palette.style(.text)
        dip_set_background(st.pair, st.attr)
    }

    func loop() -> LiveViewOutcome {
        let period = 1 / max(1, min(options.maxFramesPerSecond, 4))
        var reason: LiveViewOutcome.Reason?
        var dirty = true
        var nextPull = 0.0
        while reason == nil {
            let ev = terminal.pollSignals()
            if let s = ev.interrupt {
                source.stop()
                reason = .interrupted(signal: s)
                break
            }
            if terminal.syncSize() || ev.resized || ev.continued {
                clearok(dip_stdscr(), true)
                dirty = true
            }
            let t = now()
            if t >= nextPull {
                nextPull = t + period
                if let f = source.latestSearchFrame(), f != frame {
                    frame = f
                    dirty = true
                    if f.isOver && options.exitWhenRunEnds {
                        reason = .runEnded
                        break
                    }
                }
                if let q = keys.quitArmedUntil, q <= t {
                    keys.quitArmedUntil = nil
                    dirty = true
                }
                if let until = toast?.until, until <= t {
                    toast = nil
                    dirty = true
                }
            }
            if dirty {
                draw(now: t)
                dirty = false
            }
            let waitMs = max(1, min(50, Int(((nextPull - now()) * 1000).rounded(.up))))
            var code = terminal.readKey(timeoutMs: waitMs)
            while let c = code, reason == nil {
                if let key = Key(ncurses: c) {
                    if key == .resize { terminal.syncSize() }
                    switch keys.handle(key, isOver: frame?.isOver ?? false, now: now()) {
                    case .none, .armQuit: break
                    case .togglePause:
                        let pause = !(frame?.paused ?? false)
                        source.setPaused(pause)
                        frame?.paused = pause
                        toast = (pause ? "paused: running workers are stopped (SIGSTOP)" : "resumed", now() + 2)
                    case .nextTheme:
                        let r = themes.next()
                        messages += r.messages
                        palette.update(theme: themes.theme, mode: mode)
                        applyBackground()
                        clearok(dip_stdscr(), true)
                        toast = (r.text, now() + 3)
                    case .stop:
                        source.stop()
                        reason = .stopped
                    case .quit: reason = .stopped
                    }
                    dirty = true
                }
                code = terminal.readKey(timeoutMs: 0)
            }
        }
        return LiveViewOutcome(reason: reason ?? .stopped, lastIteration: nil, lastStatus: nil, messages: messages)
    }

    func draw(now: Double) {
        guard !terminal.crashed else { return }
        werase(dip_stdscr())
        let (rows, cols) = terminal.size
        if rows < 16 || cols < 50 {
            screen.put("terminal too small: \(cols)×\(rows) (need 50×16)", x: 0, y: 0, maxWidth: cols, style: screen.style(.warning))
        } else {
            let bar = screen.style(.statusFg, on: .statusBg)
            screen.fill(Rect(x: 0, y: 0, width: cols, height: 1), style: bar)
            var status = " " + (frame?.status ?? "starting…")
            if frame?.paused == true { status = " PAUSED ·" + status }
            screen.put(status, x: 0, y: 0, maxWidth: cols, style: frame?.paused == true ? screen.style(.warning, on: .statusBg, bold: true) : bar)
            let hasCells = !(frame?.cellDistribution.isEmpty ?? true)
            let layout = SearchLayout.make(cols: cols, rows: rows, hasCells: hasCells)
            drawLeaderboard(layout.leaderboard)
            drawChart(layout.current, title: frame?.currentTitle ?? "current candidate", series: frame?.current ?? [], xLabel: "iteration")
            drawChart(layout.rewards, title: "reward per candidate (dB)", series: frame?.rewards ?? [], xLabel: "candidate")
            if hasCells { drawCells(layout.cells) }
            drawFooter(y: rows - 1, cols: cols, now: now)
        }
        guard !terminal.crashed else { return }
        wrefresh(dip_stdscr())
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
            let bar = glyphs == .ascii ? String(repeating: "#", count: full) : String(repeating: "█", count: full) + partial
            screen.put(bar, x: inner.x + 1 + labelWidth, y: y, maxWidth: barWidth, style: screen.style(.chart2))
            screen.put(String(format: "%5.1f%%", 100 * item.probability), x: inner.maxX - 7, y: y, maxWidth: 7, style: screen.style(.dimText))
            y += 1
        }
    }

    private func drawFooter(y: Int, cols: Int, now: Double) {
        if let toast {
            screen.put(" " + toast.text, x: 0, y: y, maxWidth: cols, style: screen.style(.toast, bold: true))
            return
        }
        if let q = keys.quitArmedUntil, q > now {
            screen.put(" press q again to stop (finished candidates and the controller are saved; --resume continues)",
                       x: 0, y: y, maxWidth: cols, style: screen.style(.warning, bold: true))
            return
        }
        let over = frame?.isOver ?? false
        var items = [(over ? "q" : "q q", over ? "quit" : "stop"), ("t", "theme")]
        if !over { items.insert(("space", frame?.paused == true ? "resume" : "pause"), at: 0) }
        var pieces: [(String, Screen.Style)] = [(" ", screen.style(.dimText))]
        for (key, label) in items {
            pieces.append((key, screen.style(.accent, bold: true)))
            pieces.append((" " + label + "  ", screen.style(.dimText)))
        }
        if over { pieces.append(("search done", screen.style(.accent, bold: true))) }
        screen.put(pieces: pieces, x: 0, y: y, maxWidth: cols)
    }

    private func drawChart(_ rect: Rect, title: String, series raw: [ChartSeries], xLabel: String) {
        guard rect.height >= 4 else { return }
        screen.box(rect, style: screen.style(.border))
        var head: [(String, Screen.Style)] = [(" " + title + " ", screen.style(.title, bold: true))]
        for s in raw where !s.label.isEmpty { head.append(("━" + s.label + " ", screen.style(s.role))) }
        screen.put(pieces: head, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4)
        let inner = rect.inset(1)
        guard inner.width >= 8, inner.height >= 3 else { return }
        let series = raw.map { s -> ChartSeries in
            var s = s
            s.points = ChartData.decimate(s.points, buckets: max(8, rect.width * 4))
            return s
        }.filter { !$0.points.isEmpty }
        guard !series.isEmpty else {
            screen.put("waiting for data", x: inner.x + 1, y: inner.y + inner.height / 2, maxWidth: inner.width - 1,
                       style: screen.style(.dimText))
            return
        }
        let yRange = ChartRasterizer.autoYRange(series, scale: .linear)
        let labels = ChartPane.yLabels(yRange, scale: .linear, rows: inner.height - 1)
        let labelWidth = min(8, (labels.map { $0.text.count }.max() ?? 0) + 1)
        let plot = Rect(x: inner.x + labelWidth, y: inner.y, width: inner.width - labelWidth, height: inner.height - 1)
        let raster = ChartRasterizer.rasterize(
            series: series, width: plot.width, height: plot.height, yScale: .linear, glyphs: glyphs, yRange: yRange)
        for r in 0..<raster.height {
            for c in 0..<raster.width {
                guard let role = raster.roles[r][c] else { continue }
                screen.put(raster.glyphs[r][c], x: plot.x + c, y: plot.y + r, style: screen.style(role))
            }
        }
        let dim = screen.style(.dimText)
        for l in labels {
            let text = String(repeating: " ", count: max(0, labelWidth - 1 - l.text.count)) + l.text
            screen.put(text, x: inner.x, y: plot.y + l.row, maxWidth: labelWidth - 1, style: dim)
        }
        let x0 = String(Int(raster.xRange.lowerBound)), x1 = String(Int(raster.xRange.upperBound))
        let xRow = inner.maxY - 1
        screen.put(x0, x: plot.x, y: xRow, maxWidth: plot.width, style: dim)
        if x1.count + x0.count + 1 < plot.width { screen.put(x1, x: plot.maxX - x1.count, y: xRow, style: dim) }
        if plot.width > x0.count + x1.count + xLabel.count + 4 {
            screen.put(xLabel, x: plot.x + (plot.width - xLabel.count) / 2, y: xRow, style: dim)
        }
    }
}
