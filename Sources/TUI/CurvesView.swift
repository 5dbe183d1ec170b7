import CNcurses
import Foundation

/// One frame of a multi-curve live chart (`dip impedance`): several series on one chart, each in
/// its own theme colour, with a status line and a few lines of notes under the chart.
public struct CurvesFrame: Sendable, Equatable {
    public var title: String
    /// The curves, drawn in order; give each a distinct role (`.chart1` … `.chart4`).
    public var series: [ChartSeries]
    public var xLabel: String
    /// The status bar text (progress, speed…).
    public var status: String
    /// Lines shown under the chart (e.g. a results table).
    public var notes: [String]
    /// True once no more points will come.
    public var isOver: Bool

    public init(title: String, series: [ChartSeries], xLabel: String = "iteration", status: String = "",
                notes: [String] = [], isOver: Bool = false) {
        self.title = title
        self.series = series
        self.xLabel = xLabel
        self.status = status
        self.notes = notes
        self.isOver = isOver
    }
}

/// The producer of `CurvesFrame`s. Called from the UI thread; `latestCurves` must not block on
/// the computation, and `stop` must be harmless once the work has ended.
public protocol CurvesSource: AnyObject, Sendable {
    func latestCurves() -> CurvesFrame?
    func stop()
}

/// What a key does in the curves view (pure, so tests can check the key table).
struct CurvesKeys {
    enum Action: Equatable {
        case none, toggleLog, nextTheme, armQuit, stop, quit
    }

    /// How long the first `q` waits for the second while the work is running.
    static let quitWindow = 2.0
    var quitArmedUntil: Double?

    mutating func handle(_ key: Key, isOver: Bool, now: Double) -> Action {
        switch key {
        case .char("q"), .char("Q"), .escape:
            if isOver { return .quit }
            if let until = quitArmedUntil, until > now { return .stop }
            quitArmedUntil = now + Self.quitWindow
            return .armQuit
        case .char("l"), .char("L"):
            quitArmedUntil = nil
            return .toggleLog
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

/// A small full-screen view of a `CurvesSource`: status bar, one chart (log-y by default) with a
/// legend in the series' colours, notes, key footer. Keys: q q stops (q quits once the work is
/// over), l toggles log/linear, t cycles themes. SIGINT/SIGTERM/SIGHUP call `stop()` and quit.
/// The terminal is restored on every way out.
public enum CurvesView {
    public static func run(source: CurvesSource, options: LiveViewOptions = LiveViewOptions()) throws -> LiveViewOutcome {
        let terminal = try Terminal(device: options.device, handleSignals: options.handleSignals, forceASCII: options.forceASCII)
        defer { terminal.restore() }
        return CurvesApp(source: source, options: options, terminal: terminal).loop()
    }
}

final class CurvesApp {
    let source: CurvesSource
    let options: LiveViewOptions
    let terminal: Terminal
    var themes: ThemeSwitcher
    let palette: Palette
    let screen: Screen
    let mode: ColorMode
    let glyphs: ChartGlyphs
    var keys = CurvesKeys()
    var logScale = true
    var frame: CurvesFrame?
    var messages: [String] = []
    var toast: (text: String, until: Double)?
    private let start = DispatchTime.now().uptimeNanoseconds

    init(source: CurvesSource, options: LiveViewOptions, terminal: Terminal) {
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
        let period = 1 / max(1, options.maxFramesPerSecond)
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
                if let f = source.latestCurves(), f != frame {
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
                if let toastUntil = toast?.until, toastUntil <= t {
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
                    if key == .resize {
                        terminal.syncSize()
                        dirty = true
                    }
                    switch keys.handle(key, isOver: frame?.isOver ?? false, now: now()) {
                    case .none: break
                    case .toggleLog: logScale.toggle()
                    case .nextTheme:
                        let r = themes.next()
                        messages += r.messages
                        palette.update(theme: themes.theme, mode: mode)
                        applyBackground()
                        clearok(dip_stdscr(), true)
                        toast = (r.text, now() + 3)
                    case .armQuit: break
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
        if rows < 8 || cols < 30 {
            screen.put("terminal too small: \(cols)×\(rows) (need 30×8)", x: 0, y: 0, maxWidth: cols, style: screen.style(.warning))
        } else {
            let bar = screen.style(.statusFg, on: .statusBg)
            screen.fill(Rect(x: 0, y: 0, width: cols, height: 1), style: bar)
            screen.put(" " + (frame?.status ?? "starting…"), x: 0, y: 0, maxWidth: cols, style: bar)
            let notes = Array((frame?.notes ?? []).prefix(max(0, rows - 10)))
            let chart = Rect(x: 0, y: 1, width: cols, height: rows - 2 - notes.count)
            drawChart(chart)
            for (i, line) in notes.enumerated() {
                screen.put(" " + line, x: 0, y: chart.maxY + i, maxWidth: cols, style: screen.style(.text))
            }
            drawFooter(y: rows - 1, cols: cols, now: now)
        }
        guard !terminal.crashed else { return }
        wrefresh(dip_stdscr())
    }

    private func drawFooter(y: Int, cols: Int, now: Double) {
        if let toast {
            screen.put(" " + toast.text, x: 0, y: y, maxWidth: cols, style: screen.style(.toast, bold: true))
            return
        }
        if let q = keys.quitArmedUntil, q > now {
            screen.put(" press q again to stop (the curves so far are saved)", x: 0, y: y, maxWidth: cols,
                       style: screen.style(.warning, bold: true))
            return
        }
        let over = frame?.isOver ?? false
        let items = [(over ? "q" : "q q", over ? "quit" : "stop"), ("l", logScale ? "linear y" : "log y"), ("t", "theme")]
        var pieces: [(String, Screen.Style)] = [(" ", screen.style(.dimText))]
        for (key, label) in items {
            pieces.append((key, screen.style(.accent, bold: true)))
            pieces.append((" " + label + "  ", screen.style(.dimText)))
        }
        if over { pieces.append(("done", screen.style(.accent, bold: true))) }
        screen.put(pieces: pieces, x: 0, y: y, maxWidth: cols)
    }

    private func drawChart(_ rect: Rect) {
        screen.box(rect, style: screen.style(.border))
        let scale: YScale = logScale ? .log10 : .linear
        let series = (frame?.series ?? []).map { s -> ChartSeries in
            var s = s
            s.points = ChartData.decimate(s.points, buckets: max(8, rect.width * 4))
            return s
        }.filter { !$0.points.isEmpty }
        var title: [(String, Screen.Style)] = [
            (" " + (frame?.title ?? "") + (logScale ? " (log)" : "") + " ", screen.style(.title, bold: true)),
        ]
        for s in frame?.series ?? [] { title.append(("━" + s.label + " ", screen.style(s.role))) }
        screen.put(pieces: title, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4)
        let inner = rect.inset(1)
        guard inner.width >= 8, inner.height >= 3 else { return }
        guard !series.isEmpty else {
            screen.put("waiting for data", x: inner.x + 1, y: inner.y + inner.height / 2, maxWidth: inner.width - 1,
                       style: screen.style(.dimText))
            return
        }
        let yRange = ChartRasterizer.autoYRange(series, scale: scale)
        let labels = ChartPane.yLabels(yRange, scale: scale, rows: inner.height - 1)
        let labelWidth = min(8, (labels.map { $0.text.count }.max() ?? 0) + 1)
        let plot = Rect(x: inner.x + labelWidth, y: inner.y, width: inner.width - labelWidth, height: inner.height - 1)
        let raster = ChartRasterizer.rasterize(
            series: series, width: plot.width, height: plot.height, yScale: scale, glyphs: glyphs, yRange: yRange)
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
        let label = frame?.xLabel ?? ""
        if plot.width > x0.count + x1.count + label.count + 4 {
            screen.put(label, x: plot.x + (plot.width - label.count) / 2, y: xRow, style: dim)
        }
    }
}
