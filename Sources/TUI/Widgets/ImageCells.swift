/// The colour of one side (foreground or background) of a terminal cell.
public enum CellColor: Equatable, Hashable, Sendable {
    /// The terminal's default / the pane's background.
    case none
    /// 24-bit colour.
    case rgb(RGB)
    /// A palette index: 0…15 in ansi16 mode, 16…255 in ansi256 mode.
    case indexed(UInt8)
}

/// One rendered image cell: a glyph (normally ▀) with foreground = top pixel and background = bottom pixel.
public struct ImageCell: Equatable, Hashable, Sendable {
    public var glyph: Character
    public var fg: CellColor
    public var bg: CellColor

    public init(glyph: Character, fg: CellColor, bg: CellColor) {
        self.glyph = glyph
        self.fg = fg
        self.bg = bg
    }
}

/// A rectangle of rendered image cells, row-major.
public struct ImageCells: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var cells: [ImageCell]

    public init(width: Int, height: Int, cells: [ImageCell]) {
        precondition(cells.count == width * height, "cell count must be width*height")
        self.width = width
        self.height = height
        self.cells = cells
    }

    public subscript(x: Int, y: Int) -> ImageCell { cells[y * width + x] }

    /// Rows whose cells differ from `old` (all rows when the sizes differ).
    public func changedRows(since old: ImageCells) -> [Int] {
        guard old.width == width, old.height == height else { return Array(0..<height) }
        return (0..<height).filter { r in
            let a = r * width
            return cells[a..<(a + width)] != old.cells[a..<(a + width)]
        }
    }
}

/// Where a rendered image sits inside its pane, and its cells.
public struct RenderedImage: Equatable, Sendable {
    /// Offset of the first cell from the pane's top-left (centring).
    public var offsetX: Int
    public var offsetY: Int
    public var cells: ImageCells
    /// For a 1:1 crop: the centre actually used (clamped so the window stays inside the image).
    public var center: (x: Int, y: Int)?

    public static func == (a: RenderedImage, b: RenderedImage) -> Bool {
        a.offsetX == b.offsetX && a.offsetY == b.offsetY && a.cells == b.cells
            && a.center?.x == b.center?.x && a.center?.y == b.center?.y
    }
}

/// Raw SGR output for image cells (the truecolor path, and the indexed paths when ncurses lacks the pairs).
public enum SGR {
    public static let saveCursor = "\u{1B}7"
    public static let restoreCursor = "\u{1B}8"
    public static let reset = "\u{1B}[0m"

    /// Parameters selecting `c` as foreground (or background).
    static func params(_ c: CellColor, background: Bool) -> String {
        switch c {
        case .none: return background ? "49" : "39"
        case .rgb(let v): return "\(background ? 48 : 38);2;\(v.r);\(v.g);\(v.b)"
        case .indexed(let i) where i < 16:
            let base = background ? (i < 8 ? 40 : 100) : (i < 8 ? 30 : 90)
            return String(base + Int(i & 7))
        case .indexed(let i): return "\(background ? 48 : 38);5;\(i)"
        }
    }

    /// The escape string drawing `cells` with their top-left at screen cell (`x`, `y`) (0-based).
    /// Wrapped in save/restore cursor so ncurses' idea of the cursor and attributes stays right; colours
    /// are only re-sent when they change.
    public static func encode(_ cells: ImageCells, x: Int, y: Int) -> String {
        encode(cells, x: x, y: y, rows: 0..<cells.height)
    }

    /// Like `encode(_:x:y:)` for a subset of rows (the rows that changed since the last frame).
    public static func encode<Rows: Sequence<Int>>(_ cells: ImageCells, x: Int, y: Int, rows: Rows) -> String {
        var out = saveCursor
        out.reserveCapacity(cells.width * cells.height * 40 + 64)
        for row in rows where row >= 0 && row < cells.height {
            out += "\u{1B}[\(y + row + 1);\(x + 1)H"
            var lastFG: CellColor? = nil, lastBG: CellColor? = nil
            for col in 0..<cells.width {
                let c = cells[col, row]
                if c.fg != lastFG || c.bg != lastBG {
                    out += "\u{1B}[" + params(c.fg, background: false) + ";" + params(c.bg, background: true) + "m"
                    lastFG = c.fg
                    lastBG = c.bg
                }
                out.append(c.glyph)
            }
        }
        out += reset + restoreCursor
        return out
    }
}
