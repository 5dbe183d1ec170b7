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

    var quit = QuitArming()

    mutating func handle(_ key: Key, isOver: Bool, now: Double) -> Action {
        switch key {
        case .char("q"), .char("Q"), .escape:
            if isOver { return .quit }
            return quit.press(now: now) ? .stop : .armQuit
        case .char("l"), .char("L"):
            quit.disarm()
            return .toggleLog
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
    private let shell: ChartViewShell
    var keys = CurvesKeys()
    var logScale = true
    var frame: CurvesFrame?

    init(source: CurvesSource, options: LiveViewOptions, terminal: Terminal) {
        self.source = source
        shell = ChartViewShell(options: options, terminal: terminal)
    }

    func loop() -> LiveViewOutcome {
        shell.loop(
            framesPerSecond: shell.options.maxFramesPerSecond, stop: source.stop,
            tick: { t in
                let expired = keys.quit.expire(now: t)
                let taken = shell.adopt(source.latestCurves(), into: &frame, isOver: \.isOver)
                return (expired || taken.changed, taken.reason)
            },
            handle: { key in
                switch keys.handle(key, isOver: frame?.isOver ?? false, now: shell.now()) {
                case .none, .armQuit: return nil
                case .toggleLog: logScale.toggle()
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
        shell.drawScreen(minCols: 30, minRows: 8) { rows, cols in
            shell.drawStatusBar(frame?.status ?? "starting…", cols: cols)
            let notes = Array((frame?.notes ?? []).prefix(max(0, rows - 10)))
            let chart = Rect(x: 0, y: 1, width: cols, height: rows - 2 - notes.count)
            shell.drawCurves(chart, title: (frame?.title ?? "") + (logScale ? " (log)" : ""), series: frame?.series ?? [],
                             scale: logScale ? .log10 : .linear, xLabel: frame?.xLabel ?? "")
            for (i, line) in notes.enumerated() {
                shell.screen.put(" " + line, x: 0, y: chart.maxY + i, maxWidth: cols, style: shell.screen.style(.text))
            }
            let over = frame?.isOver ?? false
            shell.drawFooter(
                y: rows - 1, cols: cols, now: now, quit: keys.quit,
                quitWarning: "press q again to stop (the curves so far are saved)",
                keys: [(over ? "q" : "q q", over ? "quit" : "stop"), ("l", logScale ? "linear y" : "log y"), ("t", "theme")],
                done: over ? "done" : nil)
        }
    }
}
