import Foundation

/// Settings for `LiveView.run`.
public struct LiveViewOptions {
    /// `--color`: auto-detect or a fixed mode.
    public var color: ColorChoice
    /// Theme to start with; nil: the one remembered in the config file, else "default".
    public var themeName: String?
    /// Where `*.theme` files are looked up, in order.
    public var themeSearchPath: [String]
    /// The settings file remembering the theme; nil: do not remember.
    public var configPath: String?
    /// Chart glyphs; braille unless the locale is not UTF-8 (then ascii).
    public var chartGlyphs: ChartGlyphs
    /// Use only ASCII glyphs (no ▀, braille or box drawing), e.g. for a terminal that is not UTF-8.
    public var forceASCII: Bool
    /// Ordered dithering in the 256- and 16-colour image modes.
    public var dither: Bool
    /// Upper bound on redraws driven by new frames.
    public var maxFramesPerSecond: Double
    /// Return as soon as the run reports finished or failed (otherwise the user reviews, then quits).
    public var exitWhenRunEnds: Bool
    /// Environment used for colour detection (NO_COLOR, COLORTERM, TERM).
    public var environment: [String: String]

    // Test hooks (internal): the terminal device, and whether to take over process signals.
    var device: TerminalDevice = .standard
    var handleSignals = true

    public init(
        color: ColorChoice = .auto,
        themeName: String? = nil,
        themeSearchPath: [String] = ThemeLibrary.defaultSearchPath(),
        configPath: String? = ConfigStore.defaultPath(environment: ProcessInfo.processInfo.environment),
        chartGlyphs: ChartGlyphs = .braille,
        forceASCII: Bool = false,
        dither: Bool = true,
        maxFramesPerSecond: Double = 15,
        exitWhenRunEnds: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.color = color
        self.themeName = themeName
        self.themeSearchPath = themeSearchPath
        self.configPath = configPath
        self.chartGlyphs = chartGlyphs
        self.forceASCII = forceASCII
        self.dither = dither
        self.maxFramesPerSecond = maxFramesPerSecond
        self.exitWhenRunEnds = exitWhenRunEnds
        self.environment = environment
    }
}

/// How `LiveView.run` ended.
public struct LiveViewOutcome: Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// q q (or q after the run ended): `stop(acceptIteration: nil)` was called.
        case stopped
        /// Enter: `stop(acceptIteration: iteration)` was called.
        case accepted(iteration: Int)
        /// SIGINT (Ctrl-C), SIGTERM or SIGHUP: `stop(acceptIteration: nil)` was called.
        case interrupted(signal: Int32)
        /// The run ended and `exitWhenRunEnds` was set (stop was not called).
        case runEnded
    }

    public var reason: Reason
    /// The last frame's iteration and status, if any frame arrived.
    public var lastIteration: Int?
    public var lastStatus: RunStatus?
    /// Messages to print after the terminal is restored (theme warnings and errors).
    public var messages: [String]

    /// Conventional exit status for the reason: 130 for SIGINT, 128+n for other signals, else 0.
    public var suggestedExitCode: Int32 {
        switch reason {
        case .interrupted(let s): return 128 + s
        default:
            if case .failed = lastStatus { return 1 }
            return 0
        }
    }
}
