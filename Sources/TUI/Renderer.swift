import CNcurses

/// Draws the whole screen from the controller's state. The ncurses part is redrawn in full each time (ncurses
/// sends only the differences); truecolor images are written afterwards as raw SGR in one write(2).
final class Renderer {
    let terminal: Terminal
    let palette: Palette
    let screen: Screen
    let options: LiveViewOptions
    /// The mode auto-detection chose (for the help overlay).
    let detectedMode: ColorMode
    private(set) var layout: Layout?
    /// Raw images on screen now; a change of their rectangles forces a full repaint to clear stale pixels.
    private var rawOnScreen: [Rect] = []
    /// What those raw images showed, to send only changed rows.
    private var lastRaws: [RawImage] = []

    init(terminal: Terminal, theme: Theme, mode: ColorMode, detectedMode: ColorMode, options: LiveViewOptions) {
        self.terminal = terminal
        self.options = options
        self.detectedMode = detectedMode
        palette = Palette(capability: terminal.capability, theme: theme, mode: mode)
        screen = Screen(palette: palette, glyphs: terminal.utf8 ? .unicode : .ascii)
        applyBackground()
    }

    private func applyBackground() {
        let st = palette.style(.text)
        dip_set_background(st.pair, st.attr)
    }

    /// Whether images in `mode` go through raw SGR rather than ncurses.
    func imagesUseRawSGR(_ mode: ColorMode) -> Bool { !palette.canDrawImageWithPairs(mode) }

    func draw(_ c: Controller, reaction: Reaction, now: Double) {
        guard !terminal.crashed else { return }
        var reaction = reaction
        if c.themes.theme != palette.theme || c.state.colorMode != palette.mode {
            palette.update(theme: c.themes.theme, mode: c.state.colorMode)
            applyBackground()
            reaction.insert([.repaint, .layout])
        }
        if reaction.contains(.layout) || layout == nil {
            let (rows, cols) = terminal.size
            let aspect = [ImageSlot.current, .input, .reference, .ema].lazy
                .compactMap { c.image(for: $0).image }.first.map { Double($0.height) / Double(max(1, $0.width)) }
            layout = Layout.compute(LayoutRequest(
                cols: cols, rows: rows, images: c.imageSlots, charts: c.chartKinds, focus: c.state.focus,
                zoomed: c.state.zoomed, imageAspect: aspect))
        }
        werase(dip_stdscr())
        var raws: [RawImage] = []
        switch layout! {
        case .tooSmall(let cols, let rows):
            Chrome.drawTooSmall(on: screen, cols: cols, rows: rows)
        case .screen(let l):
            raws = drawScreen(l, c, now: now)
        }
        let rawRects = raws.map(\.rect)
        if reaction.contains(.repaint) || (rawRects != rawOnScreen && !rawOnScreen.isEmpty) {
            clearok(dip_stdscr(), true)
            reaction.insert(.repaint)
        }
        guard !terminal.crashed else { return }
        wrefresh(dip_stdscr())
        if !raws.isEmpty {
            // Send only rows that changed since the last write, unless the terminal was repainted.
            let full = reaction.contains(.repaint) || rawRects != rawOnScreen
            var out = ""
            for (i, r) in raws.enumerated() {
                let rows = full ? Array(0..<r.cells.height) : r.cells.changedRows(since: lastRaws[i].cells)
                if !rows.isEmpty { out += SGR.encode(r.cells, x: r.x, y: r.y, rows: rows) }
            }
            if !out.isEmpty { terminal.writeRaw(out) }
        }
        rawOnScreen = rawRects
        lastRaws = raws
    }

    private func drawScreen(_ l: ScreenLayout, _ c: Controller, now: Double) -> [RawImage] {
        let st = c.state
        Chrome.drawStatus(on: screen, rect: l.status, segments: StatusLine.segments(
            frame: c.frame, paused: c.isPaused, scrubbed: c.scrubbed?.iteration, colorMode: st.colorMode,
            themeName: c.themes.name))

        var raws: [RawImage] = []
        let raw = imagesUseRawSGR(st.colorMode)
        for p in l.images {
            let (image, title) = c.image(for: p.id)
            let focused = st.focus == .image(p.id)
            var view = ImageView.fit
            if st.zoomed && focused, let img = image {
                let center = st.panCenter ?? (img.width / 2, img.height / 2)
                view = .oneToOne(centerX: center.x, centerY: center.y)
                c.state.panStep = max(2, p.rect.width / 6)
            }
            let r = ImagePane.draw(on: screen, rect: p.rect, title: title, image: image, focused: focused,
                                   mode: st.colorMode, view: view, dither: options.dither, raw: raw)
            if let center = r.center { c.state.panCenter = center }
            if let ri = r.raw, !st.helpVisible { raws.append(ri) }
        }
        let cursor = c.scrubbed?.iteration
        for p in l.charts {
            ChartPane.draw(on: screen, rect: p.rect, kind: p.id, frame: c.frame, cursor: cursor, logScale: st.logScale,
                           glyphs: screen.glyphs == .ascii ? .ascii : st.chartGlyphs, focused: st.focus == .chart(p.id))
        }
        Chrome.drawMessage(on: screen, rect: l.message, message: c.message(now: now))
        Chrome.drawFooter(on: screen, rect: l.footer, keyMap: c.keyMap, paused: c.isPaused)
        if st.helpVisible {
            Chrome.drawHelp(on: screen, rect: l.help, keyMap: c.keyMap, colorMode: st.colorMode, detected: detectedMode,
                            themeName: c.themes.name)
        }
        return raws
    }
}
