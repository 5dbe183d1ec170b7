import CNcurses

/// Drawing primitives on ncurses' stdscr: text, fills and boxes in palette styles. Every ncurses write in the
/// TUI goes through here.
final class Screen {
    let palette: Palette
    let glyphs: GlyphSet
    private var buffer: [wchar_t] = []

    init(palette: Palette, glyphs: GlyphSet) {
        self.palette = palette
        self.glyphs = glyphs
    }

    typealias Style = (pair: Int32, attr: attr_t)

    func style(_ fg: ColorRole, on bg: ColorRole = .background, bold: Bool = false) -> Style {
        palette.style(fg, on: bg, bold: bold)
    }

    /// Writes `text` at (x, y), cut to `maxWidth` cells (one cell per character). Returns the cells used.
    @discardableResult
    func put(_ text: String, x: Int, y: Int, maxWidth: Int = .max, style: Style) -> Int {
        guard maxWidth > 0, y >= 0, y < dip_lines(), x < dip_cols() else { return 0 }
        buffer.removeAll(keepingCapacity: true)
        for ch in text {
            if buffer.count >= maxWidth { break }
            buffer.append(Screen.wchar(ch, glyphs: glyphs))
        }
        if buffer.isEmpty { return 0 }
        _ = buffer.withUnsafeBufferPointer {
            dip_put_wstr(Int32(y), Int32(x), $0.baseAddress, Int32($0.count), style.attr, style.pair)
        }
        return buffer.count
    }

    /// Writes one cell.
    func put(_ ch: Character, x: Int, y: Int, style: Style) {
        guard y >= 0, y < dip_lines(), x >= 0, x < dip_cols() else { return }
        dip_put_wch(Int32(y), Int32(x), Screen.wchar(ch, glyphs: glyphs), style.attr, style.pair)
    }

    /// Fills `rect` with blanks.
    func fill(_ rect: Rect, style: Style) {
        let row = String(repeating: " ", count: max(0, rect.width))
        for y in rect.y..<rect.maxY { put(row, x: rect.x, y: y, style: style) }
    }

    /// Draws a border around `rect` with an optional title in the top edge.
    func box(_ rect: Rect, style: Style) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let u = glyphs == .unicode
        let h: Character = u ? "─" : "-", v: Character = u ? "│" : "|"
        let tl: Character = u ? "╭" : "+", tr: Character = u ? "╮" : "+"
        let bl: Character = u ? "╰" : "+", br: Character = u ? "╯" : "+"
        let inner = String(repeating: h, count: rect.width - 2)
        put(String(tl) + inner + String(tr), x: rect.x, y: rect.y, style: style)
        put(String(bl) + inner + String(br), x: rect.x, y: rect.maxY - 1, style: style)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            put(v, x: rect.x, y: y, style: style)
            put(v, x: rect.maxX - 1, y: y, style: style)
        }
    }

    /// Writes styled pieces one after another from (x, y) within `maxWidth`; returns the cells used.
    @discardableResult
    func put(pieces: [(String, Style)], x: Int, y: Int, maxWidth: Int) -> Int {
        var used = 0
        for (text, st) in pieces where used < maxWidth {
            used += put(text, x: x + used, y: y, maxWidth: maxWidth - used, style: st)
        }
        return used
    }

    /// The wide character for `ch`; non-ASCII becomes `?` with the ASCII glyph set.
    static func wchar(_ ch: Character, glyphs: GlyphSet) -> wchar_t {
        let scalar = ch.unicodeScalars.first!.value
        if glyphs == .ascii && scalar > 126 { return wchar_t(UInt8(ascii: "?")) }
        return wchar_t(bitPattern: scalar)
    }
}
