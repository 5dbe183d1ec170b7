import CNcurses
import Foundation

/// The two-step quit of the chart views: the first q arms, a second within the window stops.
struct QuitArming {
    static let window = 2.0
    private(set) var armedUntil: Double?

    /// True on the second q within the window (stop now); otherwise arms and returns false.
    mutating func press(now: Double) -> Bool {
        if let until = armedUntil, until > now { return true }
        armedUntil = now + Self.window
        return false
    }

    mutating func disarm() { armedUntil = nil }

    func isArmed(now: Double) -> Bool { (armedUntil ?? -.infinity) > now }

    /// Forgets an expired arming; true when that changed what the footer shows.
    mutating func expire(now: Double) -> Bool {
        guard let until = armedUntil, until <= now else { return false }
        armedUntil = nil
        return true
    }
}

/// What the full-screen chart views (`dip impedance`'s curves, `dip nas search`) share: the
/// terminal, theme switching, the palette, toasts, the frame/keys loop, the footer and the
/// curve charts. Each view keeps only its own frame type, keys and layout.
final class ChartViewShell {
    let options: LiveViewOptions
    let terminal: Terminal
    private(set) var themes: ThemeSwitcher
    let palette: Palette
    let screen: Screen
    let mode: ColorMode
    let glyphs: ChartGlyphs
    var messages: [String] = []
    var toast: (text: String, until: Double)?
    private let start = DispatchTime.now().uptimeNanoseconds

    init(options: LiveViewOptions, terminal: Terminal) {
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

    func nextTheme() {
        let r = themes.next()
        messages += r.messages
        palette.update(theme: themes.theme, mode: mode)
        applyBackground()
        clearok(dip_stdscr(), true)
        toast = (r.text, now() + 3)
    }

    /// Runs until `tick` or `handle` gives a reason. `tick(now)` is called `framesPerSecond` times
    /// a second to take the producer's latest frame (true when the screen must change); keys are
    /// read in between, so neither side ever waits on the other. Signals stop the producer.
    func loop(
        framesPerSecond: Double, stop: () -> Void,
        tick: (Double) -> (changed: Bool, reason: LiveViewOutcome.Reason?),
        handle: (Key) -> LiveViewOutcome.Reason?, draw: (Double) -> Void
    ) -> LiveViewOutcome {
        let period = 1 / max(1, framesPerSecond)
        var reason: LiveViewOutcome.Reason?
        var dirty = true
        var nextPull = 0.0
        while reason == nil {
            let ev = terminal.pollSignals()
            if let s = ev.interrupt {
                stop()
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
                let ticked = tick(t)
                if ticked.changed { dirty = true }
                if let r = ticked.reason {
                    reason = r
                    break
                }
                if let until = toast?.until, until <= t {
                    toast = nil
                    dirty = true
                }
            }
            if dirty {
                draw(t)
                dirty = false
            }
            let waitMs = max(1, min(50, Int(((nextPull - now()) * 1000).rounded(.up))))
            var code = terminal.readKey(timeoutMs: waitMs)
            while let c = code, reason == nil {
                if let key = Key(ncurses: c) {
                    if key == .resize { terminal.syncSize() }
                    reason = handle(key)
                    dirty = true
                }
                code = terminal.readKey(timeoutMs: 0)
            }
        }
        return LiveViewOutcome(reason: reason ?? .stopped, lastIteration: nil, lastStatus: nil, messages: messages)
    }

    /// Takes the producer's newest frame when it differs from `current`; ends the loop once the
    /// work is over, if the options say so.
    func adopt<Frame: Equatable>(_ latest: Frame?, into current: inout Frame?, isOver: (Frame) -> Bool)
        -> (changed: Bool, reason: LiveViewOutcome.Reason?)
    {
        guard let latest, latest != current else { return (false, nil) }
        current = latest
        return (true, isOver(latest) && options.exitWhenRunEnds ? .runEnded : nil)
    }

    /// Clears, draws `body(rows, cols)` or a "terminal too small" line, and refreshes.
    func drawScreen(minCols: Int, minRows: Int, _ body: (Int, Int) -> Void) {
        guard !terminal.crashed else { return }
        werase(dip_stdscr())
        let (rows, cols) = terminal.size
        if rows < minRows || cols < minCols {
            screen.put("terminal too small: \(cols)×\(rows) (need \(minCols)×\(minRows))", x: 0, y: 0, maxWidth: cols,
                       style: screen.style(.warning))
        } else {
            body(rows, cols)
        }
        guard !terminal.crashed else { return }
        wrefresh(dip_stdscr())
    }

    func drawStatusBar(_ text: String, cols: Int, warning: Bool = false) {
        let bar = screen.style(.statusFg, on: .statusBg)
        screen.fill(Rect(x: 0, y: 0, width: cols, height: 1), style: bar)
        screen.put(" " + text, x: 0, y: 0, maxWidth: cols, style: warning ? screen.style(.warning, on: .statusBg, bold: true) : bar)
    }

    /// The bottom line: the armed-quit warning (it must not hide behind a toast), else a toast,
    /// else the key hints.
    func drawFooter(y: Int, cols: Int, now: Double, quit: QuitArming, quitWarning: String, keys: [(String, String)],
                    done: String?) {
        if quit.isArmed(now: now) {
            screen.put(" " + quitWarning, x: 0, y: y, maxWidth: cols, style: screen.style(.warning, bold: true))
            return
        }
        if let toast {
            screen.put(" " + toast.text, x: 0, y: y, maxWidth: cols, style: screen.style(.toast, bold: true))
            return
        }
        var pieces: [(String, Screen.Style)] = [(" ", screen.style(.dimText))]
        for (key, label) in keys {
            pieces.append((key, screen.style(.accent, bold: true)))
            pieces.append((" " + label + "  ", screen.style(.dimText)))
        }
        if let done { pieces.append((done, screen.style(.accent, bold: true))) }
        screen.put(pieces: pieces, x: 0, y: y, maxWidth: cols)
    }

    func drawCurves(_ rect: Rect, title: String, series: [ChartSeries], scale: YScale, xLabel: String) {
        ChartPane.drawCurves(on: screen, rect: rect, title: title, series: series, scale: scale, glyphs: glyphs, xLabel: xLabel)
    }
}
