/// Image cells to write with raw SGR after ncurses' refresh, at absolute screen cells.
struct RawImage: Equatable {
    var x: Int
    var y: Int
    var cells: ImageCells

    /// The screen cells it covers.
    var rect: Rect { Rect(x: x, y: y, width: cells.width, height: cells.height) }
}

/// Draws one image pane: border and title through ncurses; the image either through ncurses (indexed pairs,
/// mono glyphs) or returned as a `RawImage` for the SGR writer.
enum ImagePane {
    struct Result {
        var raw: RawImage?
        /// The 1:1 centre actually used (clamped), to feed back into the pan state.
        var center: (x: Int, y: Int)?
    }

    static func draw(
        on screen: Screen, rect: Rect, title: String, image: PreviewImage?, focused: Bool, mode: ColorMode,
        view: ImageView, dither: Bool, raw: Bool
    ) -> Result {
        screen.box(rect, style: screen.style(focused ? .focus : .border))
        var label = " " + title + " "
        if case .oneToOne = view { label += "1:1 hjkl " }
        screen.put(label, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4, style: screen.style(.title, bold: focused))
        let inner = rect.inset(1)
        guard !inner.isEmpty else { return Result() }
        guard let image, image.width > 0, image.height > 0 else {
            screen.put("no image", x: inner.x + max(0, (inner.width - 8) / 2), y: inner.y + inner.height / 2,
                       maxWidth: inner.width, style: screen.style(.dimText))
            return Result()
        }
        let r = HalfBlock.render(image, paneWidth: inner.width, paneHeight: inner.height, mode: mode, view: view,
                                 dither: dither, glyphs: screen.glyphs)
        let x0 = inner.x + r.offsetX, y0 = inner.y + r.offsetY
        if raw {
            return Result(raw: RawImage(x: x0, y: y0, cells: r.cells), center: r.center)
        }
        let plain = screen.style(.text)
        for row in 0..<r.cells.height {
            for col in 0..<r.cells.width {
                let cell = r.cells[col, row]
                let st: Screen.Style = mode == .mono ? plain : screen.palette.imageStyle(cell)
                screen.put(cell.glyph, x: x0 + col, y: y0 + row, style: st)
            }
        }
        return Result(center: r.center)
    }
}
