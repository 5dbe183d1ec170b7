/// A key press, decoded from ncurses.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right
    case home, end, pageUp, pageDown
    case enter, tab, backTab, escape, backspace
    case function(Int)
    case resize
}

/// Everything a key can do. Actions are performed by `Controller.perform`, which returns `Reaction` flags.
public enum Action: Hashable, Sendable {
    case togglePause
    case save
    /// q: arm, then a second q within 2 s stops (saving checkpoint and result).
    case stop
    /// Enter: stop and accept the shown (scrubbed or live) iteration.
    case accept
    case scrubOlder, scrubNewer, scrubFirst, scrubLive
    /// Jump to the snapshot nearest the best-ES (else best-GT) iteration.
    case jumpToBest
    case focusNext, focusPrevious
    case toggleZoom
    /// Move the 1:1 zoom window; units are steps of about a sixth of the pane.
    case pan(dx: Int, dy: Int)
    case cycleTheme
    case cycleColorMode
    case toggleLogScale
    case cycleChartGlyphs
    case toggleHelp
    case closeOverlay
}

/// What changed; only the render loop draws (htop's Htop_Reaction).
public struct Reaction: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let status = Reaction(rawValue: 1 << 0)
    public static let preview = Reaction(rawValue: 1 << 1)
    public static let charts = Reaction(rawValue: 1 << 2)
    public static let message = Reaction(rawValue: 1 << 3)
    public static let footer = Reaction(rawValue: 1 << 4)
    public static let overlay = Reaction(rawValue: 1 << 5)
    /// Pane set, focus or zoom changed: recompute the layout.
    public static let layout = Reaction(rawValue: 1 << 6)
    /// Colours or the whole screen changed: make the terminal repaint everything.
    public static let repaint = Reaction(rawValue: 1 << 7)
    public static let quit = Reaction(rawValue: 1 << 8)

    public static let none: Reaction = []
    /// Everything on screen.
    public static let all: Reaction = [.status, .preview, .charts, .message, .footer, .overlay, .layout, .repaint]
}

/// One row of the key table: keys, what they do, and how help and the footer describe them.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: Action
    /// How the key is written in help ("space", "←/→").
    public var keyLabel: String
    public var help: String
    /// Short footer label, or nil to keep it out of the footer.
    public var footer: String?
}

/// The key table: the single source for dispatch, the footer and the help overlay.
public struct KeyMap: Sendable {
    public var bindings: [KeyBinding]
    private var lookup: [Key: Action]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
        var l: [Key: Action] = [:]
        for b in bindings {
            for k in b.keys where l[k] == nil { l[k] = b.action }
        }
        lookup = l
    }

    public func action(for key: Key) -> Action? { lookup[key] }

    public static let standard = KeyMap(bindings: [
        KeyBinding(keys: [.char(" ")], action: .togglePause, keyLabel: "space", help: "pause / resume training", footer: "pause"),
        KeyBinding(keys: [.char("s")], action: .save, keyLabel: "s", help: "save the current result now", footer: "save"),
        KeyBinding(keys: [.char("q")], action: .stop, keyLabel: "q q",
                   help: "stop, saving checkpoint + result (twice within 2 s)", footer: "stop"),
        KeyBinding(keys: [.enter], action: .accept, keyLabel: "Enter", help: "stop and accept the shown iteration", footer: "accept"),
        KeyBinding(keys: [.left], action: .scrubOlder, keyLabel: "←", help: "older snapshot", footer: nil),
        KeyBinding(keys: [.right], action: .scrubNewer, keyLabel: "→", help: "newer snapshot (past the newest: live)", footer: nil),
        KeyBinding(keys: [.home], action: .scrubFirst, keyLabel: "Home", help: "first snapshot", footer: nil),
        KeyBinding(keys: [.end], action: .scrubLive, keyLabel: "End", help: "back to live", footer: nil),
        KeyBinding(keys: [.char("b")], action: .jumpToBest, keyLabel: "b", help: "snapshot at the best-ES (or best-GT) iteration", footer: "best"),
        KeyBinding(keys: [.tab], action: .focusNext, keyLabel: "Tab", help: "focus next pane", footer: "focus"),
        KeyBinding(keys: [.backTab], action: .focusPrevious, keyLabel: "S-Tab", help: "focus previous pane", footer: nil),
        KeyBinding(keys: [.char("z")], action: .toggleZoom, keyLabel: "z", help: "zoom the focused pane (images 1:1)", footer: "zoom"),
        KeyBinding(keys: [.char("h")], action: .pan(dx: -1, dy: 0), keyLabel: "h", help: "pan left (zoomed image)", footer: nil),
        KeyBinding(keys: [.char("j")], action: .pan(dx: 0, dy: 1), keyLabel: "j", help: "pan down (zoomed image)", footer: nil),
        KeyBinding(keys: [.char("k")], action: .pan(dx: 0, dy: -1), keyLabel: "k", help: "pan up (zoomed image)", footer: nil),
        KeyBinding(keys: [.char("l")], action: .pan(dx: 1, dy: 0), keyLabel: "l", help: "pan right (zoomed image)", footer: nil),
        KeyBinding(keys: [.char("t")], action: .cycleTheme, keyLabel: "t", help: "next theme (remembered)", footer: "theme"),
        KeyBinding(keys: [.char("c")], action: .cycleColorMode, keyLabel: "c", help: "next colour mode (truecolor/256/16/mono)", footer: "colour"),
        KeyBinding(keys: [.char("y")], action: .toggleLogScale, keyLabel: "y", help: "log / linear y axis for loss and ES charts", footer: nil),
        KeyBinding(keys: [.char("g")], action: .cycleChartGlyphs, keyLabel: "g", help: "chart glyphs: braille / block / ascii", footer: nil),
        KeyBinding(keys: [.char("?"), .function(1)], action: .toggleHelp, keyLabel: "?", help: "this help", footer: "help"),
        KeyBinding(keys: [.escape], action: .closeOverlay, keyLabel: "Esc", help: "close help", footer: nil),
    ])

    /// Footer items as (key, label), in table order, with the scrub keys grouped.
    public var footerItems: [(key: String, label: String)] {
        var items: [(String, String)] = []
        for b in bindings {
            if let f = b.footer { items.append((b.keyLabel == "q q" ? "q" : b.keyLabel, f)) }
            if b.action == .accept { items.append(("←→", "scrub")) }
        }
        return items
    }
}
