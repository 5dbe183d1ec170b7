import CNcurses

/// What ncurses can do with colour on this terminal.
enum ColorCapability: Equatable {
    /// No colour at all (has_colors false).
    case none
    /// A palette of `colors` entries (8, 16, 256…) and `pairs` colour pairs.
    case indexed(colors: Int, pairs: Int)
    /// Direct colour (xterm-direct): colour numbers are 0xRRGGBB.
    case direct(pairs: Int)
}

/// Maps theme roles to ncurses colour pairs and attributes for the current theme, mode and terminal.
///
/// Pairs 1…255 are reserved for the UI and allocated on first use; image pairs (indexed modes only) start at
/// 256 and use a fixed mapping, so they never run out (swift-c-libraries.md: "colour-pair exhaustion").
final class Palette {
    let capability: ColorCapability
    private(set) var theme: Theme
    private(set) var mode: ColorMode
    private var uiPairs: [UIPairKey: Int32] = [:]
    private var imagePairsReady: [Bool] = []

    struct UIPairKey: Hashable {
        var fg: ColorRole
        var bg: ColorRole
    }

    /// First pair number of the image range.
    static let imagePairBase = 256
    /// Image pairs in 256-colour mode: foreground and background both in 16…255.
    static let image256Pairs = 240 * 240

    init(capability: ColorCapability, theme: Theme, mode: ColorMode) {
        self.capability = capability
        self.theme = theme
        self.mode = mode
    }

    /// Switches theme and/or mode; pairs are re-initialised on next use.
    func update(theme: Theme, mode: ColorMode) {
        self.theme = theme
        self.mode = mode
        uiPairs = [:]
        imagePairsReady = []
    }

    /// The mode the UI chrome can actually use here.
    var uiMode: ColorMode {
        switch capability {
        case .none: return .mono
        case .direct: return mode
        case .indexed(let colors, _):
            if colors >= 256 { return ColorMode.min(mode, .ansi256) }
            if colors >= 8 { return ColorMode.min(mode, .ansi16) }
            return .mono
        }
    }

    /// ncurses colour number for `rgb` under the current mode (nil: no colour).
    func colorNumber(_ rgb: RGB) -> Int32? {
        let m = uiMode
        switch capability {
        case .none: return nil
        case .direct:
            let shown: RGB
            switch m {
            case .truecolor: shown = rgb
            case .ansi256: shown = ColorQuantizer.rgb(xterm: ColorQuantizer.xterm256(rgb))
            case .ansi16: shown = ColorQuantizer.ansi16Palette[Int(ColorQuantizer.ansi16(rgb))]
            case .mono: return nil
            }
            // Direct-colour terminfo maps values below 8 to the ANSI palette: (0,0,0) would be colour 0.
            return max(8, shown.packed)
        case .indexed(let colors, _):
            switch m {
            case .truecolor, .ansi256: return Int32(ColorQuantizer.xterm256(rgb))
            case .ansi16:
                let i = Int32(ColorQuantizer.ansi16(rgb))
                return colors >= 16 ? i : i & 7
            case .mono: return nil
            }
        }
    }

    /// Pair and attributes for text in role `fg` on role `bg`.
    func style(_ fg: ColorRole, on bg: ColorRole = .background, bold: Bool = false) -> (pair: Int32, attr: attr_t) {
        var attr: attr_t = bold ? dip_a_bold() : dip_a_normal()
        if uiMode == .mono {
            return (0, attr | Palette.monoAttributes(fg: fg, bg: bg))
        }
        let key = UIPairKey(fg: fg, bg: bg)
        if let p = uiPairs[key] { return (p, attr | brightBold(fg)) }
        let n = Int32(uiPairs.count + 1)
        guard n < 256, let (f, b) = colorNumbers(fg, on: bg) else {
            return (0, attr | Palette.monoAttributes(fg: fg, bg: bg))
        }
        init_extended_pair(n, f, b)
        uiPairs[key] = n
        attr |= brightBold(fg)
        return (n, attr)
    }

    /// ncurses colour numbers for role `fg` on role `bg` (nil without colour). Coarse palettes can merge a
    /// subtle theme colour into its background (a dark border on a dark background in 16 colours); the
    /// foreground then falls back to a gray, white or black that contrasts.
    func colorNumbers(_ fg: ColorRole, on bg: ColorRole) -> (fg: Int32, bg: Int32)? {
        guard var f = colorNumber(theme[fg]), let b = colorNumber(theme[bg]) else { return nil }
        if f == b && fg != bg {
            let l = theme[bg].luminance
            let fallback = l < 0.25 ? RGB(127, 127, 127) : (l < 0.5 ? RGB(229, 229, 229) : RGB.black)
            f = colorNumber(fallback) ?? f
        }
        return (f, b)
    }

    /// On 8-colour terminals a bright colour is shown as bold.
    private func brightBold(_ fg: ColorRole) -> attr_t {
        if case .indexed(let colors, _) = capability, colors < 16, uiMode == .ansi16,
           ColorQuantizer.ansi16(theme[fg]) >= 8 {
            return dip_a_bold()
        }
        return dip_a_normal()
    }

    /// Attributes standing in for colours in mono mode (htop's monochrome scheme).
    static func monoAttributes(fg: ColorRole, bg: ColorRole) -> attr_t {
        var a = dip_a_normal()
        if bg != .background { a |= dip_a_reverse() }
        switch fg {
        case .title, .accent, .focus, .warning, .bestMarker, .gtMarker, .stopMarker, .cursorMarker: a |= dip_a_bold()
        case .error: a |= dip_a_bold() | dip_a_underline()
        case .dimText, .border: a |= dip_a_dim()
        case .toast: a |= dip_a_reverse()
        default: break
        }
        return a
    }

    // MARK: - Image cells through ncurses pairs (indexed modes)

    /// True when image cells in `mode` can be drawn with ncurses pairs on this terminal (otherwise raw SGR).
    func canDrawImageWithPairs(_ mode: ColorMode) -> Bool {
        guard case .indexed(let colors, let pairs) = capability else { return mode == .mono }
        switch mode {
        case .truecolor: return false
        case .ansi256: return colors >= 256 && pairs >= Palette.imagePairBase + Palette.image256Pairs
        case .ansi16: return colors >= 8 && pairs >= Palette.imagePairBase + 256
        case .mono: return true
        }
    }

    /// Pair and attributes for an image cell of `canDrawImageWithPairs` modes.
    func imageStyle(_ cell: ImageCell) -> (pair: Int32, attr: attr_t) {
        guard case .indexed(let colors, _) = capability,
              case .indexed(let f) = cell.fg, case .indexed(let b) = cell.bg else {
            return (0, dip_a_normal())
        }
        var fg = Int(f), bg = Int(b)
        var attr = dip_a_normal()
        let pair: Int
        if f >= 16 || b >= 16 {
            pair = Palette.imagePairBase + (max(16, fg) - 16) * 240 + (max(16, bg) - 16)
        } else {
            if colors < 16 {
                if fg >= 8 { attr |= dip_a_bold() }
                fg &= 7
                bg &= 7
            }
            pair = Palette.imagePairBase + fg * 16 + bg
        }
        if imagePairsReady.isEmpty { imagePairsReady = [Bool](repeating: false, count: Palette.image256Pairs) }
        let slot = pair - Palette.imagePairBase
        if !imagePairsReady[slot] {
            init_extended_pair(Int32(pair), Int32(fg), Int32(bg))
            imagePairsReady[slot] = true
        }
        return (Int32(pair), attr)
    }
}
