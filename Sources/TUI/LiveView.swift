import CNcurses
import Foundation

/// The live training view: the app loop over a `LiveRunControl`.
public enum LiveView {
    /// Runs the UI on the calling thread until the user stops or accepts, a stop signal arrives (SIGINT, SIGTERM,
    /// SIGHUP: `control.stop(acceptIteration: nil)` is called first), or the run ends with `exitWhenRunEnds`.
    /// The terminal is restored on every path, including a thrown error. Throws `TerminalError` when there is no
    /// usable terminal (nothing has been changed then).
    public static func run(control: LiveRunControl, options: LiveViewOptions = LiveViewOptions()) throws -> LiveViewOutcome {
        let terminal = try Terminal(device: options.device, handleSignals: options.handleSignals, forceASCII: options.forceASCII)
        defer { terminal.restore() }
        let app = LiveApp(control: control, options: options, terminal: terminal)
        return app.loop()
    }
}

/// Loop state: reads keys with a timeout, pulls the newest frame at most `maxFramesPerSecond` times a second,
/// applies actions through the controller and draws when something changed.
final class LiveApp {
    let control: LiveRunControl
    let options: LiveViewOptions
    let terminal: Terminal
    let controller: Controller
    let renderer: Renderer
    private let start = DispatchTime.now().uptimeNanoseconds

    init(control: LiveRunControl, options: LiveViewOptions, terminal: Terminal) {
        self.control = control
        self.options = options
        self.terminal = terminal
        var messages: [String] = []
        let themes = ThemeSwitcher(
            library: ThemeLibrary(searchPath: options.themeSearchPath), config: options.configPath.map(ConfigStore.init),
            preferred: options.themeName, messages: &messages)
        let colors: Int? = terminal.colors
        let detected = ColorMode.best(environment: options.environment, colors: colors)
        let mode = options.color.resolve(environment: options.environment, colors: colors)
        let glyphs: ChartGlyphs = terminal.utf8 ? options.chartGlyphs : .ascii
        controller = Controller(
            control: control, state: ViewState(colorMode: mode, chartGlyphs: glyphs), themes: themes,
            exitWhenRunEnds: options.exitWhenRunEnds)
        controller.messages = messages
        if let first = messages.first {
            controller.state.toast = Toast(text: first, role: .warning, expires: 5)
        }
        renderer = Renderer(terminal: terminal, theme: themes.theme, mode: mode, detectedMode: detected, options: options)
    }

    /// Seconds since the loop started.
    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    func loop() -> LiveViewOutcome {
        let period = 1 / max(1, options.maxFramesPerSecond)
        var pending: Reaction = .all
        var nextPull = 0.0
        var framePending = false
        while true {
            let ev = terminal.pollSignals()
            if let s = ev.interrupt { pending.formUnion(controller.interrupt(signal: s)) }
            if terminal.syncSize() || ev.resized { pending.formUnion([.layout, .repaint]) }
            if ev.continued { pending.formUnion([.repaint, .preview]) }

            let t = now()
            // A signalled frame is drawn at once: the training side already limits frames to 15 a second
            // and waits at the iteration boundary until this draw is done.
            if !pending.contains(.quit) && (t >= nextPull || framePending) {
                nextPull = t + period
                if let f = control.latestFrame() { pending.formUnion(controller.adopt(f)) }
                pending.formUnion(controller.tick(now: t))
            }
            if pending.contains(.quit) { break }
            if !pending.isEmpty {
                renderer.draw(controller, reaction: pending, now: t)
                pending = []
            }
            if framePending {
                control.frameSignal?.markShown()
                framePending = false
            }

            // Wait for a key until the next frame is due, then drain whatever else is queued before drawing.
            let waitMs = max(1, min(50, Int(((nextPull - now()) * 1000).rounded(.up))))
            var code: Int32?
            if let signal = control.frameSignal {
                // Sleep until a frame or a key arrives; wake a few times a second for toasts and the q q window.
                framePending = terminal.waitForInput(timeoutMs: 250, signal: signal)
                code = terminal.readKey(timeoutMs: 0)
            } else {
                code = terminal.readKey(timeoutMs: waitMs)
            }
            while let c = code {
                if let key = Key(ncurses: c) {
                    if key == .resize { terminal.syncSize() }
                    pending.formUnion(controller.handle(key, now: now()))
                    if pending.contains(.quit) { break }
                }
                code = terminal.readKey(timeoutMs: 0)
            }
            if pending.contains(.quit) { break }
        }
        let f = controller.frame
        return LiveViewOutcome(
            reason: controller.quitReason ?? .stopped, lastIteration: f?.iteration, lastStatus: f?.status,
            messages: controller.messages)
    }
}
