/// How many colours the preview and the UI may use. A closed ladder, richest first; every mode always works
/// one step down (chafa's canvas-mode ladder).
public enum ColorMode: String, CaseIterable, Sendable, Equatable {
    /// 24-bit `ESC[38;2;r;g;bm`.
    case truecolor
    /// xterm 256 colours (6×6×6 cube + 24 grays; the image uses only indices 16…255).
    case ansi256
    /// The 16 ANSI colours (8 plus bold-bright on 8-colour terminals).
    case ansi16
    /// No colour: attributes and glyph density only (NO_COLOR, dumb terminals).
    case mono

    /// Short label for the status line and toasts.
    public var label: String {
        switch self {
        case .truecolor: return "truecolor"
        case .ansi256: return "256"
        case .ansi16: return "16"
        case .mono: return "mono"
        }
    }

    /// The next mode for the `c` key (wraps around).
    public var next: ColorMode {
        let all = ColorMode.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// The poorer of two modes (what both sides can show).
    public static func min(_ a: ColorMode, _ b: ColorMode) -> ColorMode {
        let all = ColorMode.allCases
        return all.firstIndex(of: a)! >= all.firstIndex(of: b)! ? a : b
    }

    /// One rule of the detection table: when `matches`, the mode is `mode`.
    struct Rule {
        var why: String
        var matches: (_ env: [String: String], _ colors: Int?) -> Bool
        var mode: ColorMode
    }

    /// Detection rules, first match wins (a data table rather than an if-chain, as chafa's term-db).
    static let rules: [Rule] = [
        Rule(why: "NO_COLOR is set", matches: { env, _ in !(env["NO_COLOR"] ?? "").isEmpty }, mode: .mono),
        Rule(why: "TERM is dumb or unset", matches: { env, _ in
            let t = env["TERM"] ?? ""
            return t.isEmpty || t == "dumb"
        }, mode: .mono),
        Rule(why: "COLORTERM says 24-bit", matches: { env, _ in
            let c = (env["COLORTERM"] ?? "").lowercased()
            return c == "truecolor" || c == "24bit"
        }, mode: .truecolor),
        Rule(why: "terminfo has direct colour", matches: { _, colors in (colors ?? 0) >= 1 << 24 }, mode: .truecolor),
        Rule(why: "TERM is a -direct entry", matches: { env, colors in
            colors == nil && (env["TERM"] ?? "").hasSuffix("-direct")
        }, mode: .truecolor),
        Rule(why: "terminfo has 256 colours", matches: { _, colors in (colors ?? 0) >= 256 }, mode: .ansi256),
        Rule(why: "TERM names 256 colours", matches: { env, colors in
            colors == nil && (env["TERM"] ?? "").contains("256color")
        }, mode: .ansi256),
        Rule(why: "terminfo has 8 or 16 colours", matches: { _, colors in (colors ?? 0) >= 8 }, mode: .ansi16),
        Rule(why: "colour count unknown", matches: { _, colors in colors == nil }, mode: .ansi16),
    ]

    /// The richest mode the terminal supports: reads NO_COLOR, TERM, COLORTERM and the terminfo colour count
    /// (`colors`, ncurses' COLORS after start_color; nil when not known yet).
    public static func best(environment: [String: String], colors: Int?) -> ColorMode {
        for rule in rules where rule.matches(environment, colors) {
            return rule.mode
        }
        return .mono
    }
}

/// The `--color` option: `auto` or a fixed mode.
public enum ColorChoice: Sendable, Equatable {
    case auto
    case fixed(ColorMode)

    /// Parses `auto|truecolor|24bit|256|16|none|mono` (case-insensitive); nil for anything else, so it can
    /// back an ArgumentParser `ExpressibleByArgument` conformance directly.
    public init?(argument: String) {
        switch argument.lowercased() {
        case "auto": self = .auto
        case "truecolor", "24bit", "full": self = .fixed(.truecolor)
        case "256", "ansi256": self = .fixed(.ansi256)
        case "16", "ansi16", "8": self = .fixed(.ansi16)
        case "none", "mono", "no", "2": self = .fixed(.mono)
        default: return nil
        }
    }

    /// Accepted spellings, for help text.
    public static let helpValues = "auto|truecolor|256|16|none"

    /// The mode to use given the environment and terminfo colour count.
    public func resolve(environment: [String: String], colors: Int?) -> ColorMode {
        switch self {
        case .auto: return ColorMode.best(environment: environment, colors: colors)
        case .fixed(let m): return m
        }
    }
}
