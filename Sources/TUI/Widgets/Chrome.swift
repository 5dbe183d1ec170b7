/// The one-line parts of the screen and the overlays: status bar, message line, key footer, help, too-small.
enum Chrome {
    static func drawStatus(on screen: Screen, rect: Rect, segments: [StatusSegment]) {
        let bar = screen.style(.statusFg, on: .statusBg)
        screen.fill(rect, style: bar)
        let fitted = StatusLine.fit(segments, width: rect.width)
        var pieces: [(String, Screen.Style)] = [(" ", bar)]
        for (i, s) in fitted.enumerated() {
            if i > 0 { pieces.append((StatusLine.separator, bar)) }
            pieces.append((s.text, screen.style(s.role, on: .statusBg, bold: s.bold)))
        }
        screen.put(pieces: pieces, x: rect.x, y: rect.y, maxWidth: rect.width)
    }

    static func drawMessage(on screen: Screen, rect: Rect, message: (text: String, role: ColorRole)?) {
        guard let m = message else { return }
        screen.put(" " + m.text, x: rect.x, y: rect.y, maxWidth: rect.width, style: screen.style(m.role, bold: true))
    }

    static func drawFooter(on screen: Screen, rect: Rect, keyMap: KeyMap, paused: Bool) {
        let key = screen.style(.accent, bold: true), label = screen.style(.dimText)
        var pieces: [(String, Screen.Style)] = [(" ", label)]
        for item in keyMap.footerItems {
            let text = item.label == "pause" && paused ? "resume" : item.label
            pieces.append((item.key, key))
            pieces.append((" " + text + "  ", label))
        }
        screen.put(pieces: pieces, x: rect.x, y: rect.y, maxWidth: rect.width)
    }

    static func drawHelp(on screen: Screen, rect: Rect, keyMap: KeyMap, colorMode: ColorMode, detected: ColorMode,
                         themeName: String) {
        let bg = screen.style(.text, on: .statusBg)
        screen.fill(rect, style: bg)
        screen.box(rect, style: screen.style(.focus, on: .statusBg))
        screen.put(" dip — keys ", x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4,
                   style: screen.style(.title, on: .statusBg, bold: true))
        var y = rect.y + 1
        let keyW = 8
        for b in keyMap.bindings where y < rect.maxY - 3 {
            screen.put(b.keyLabel, x: rect.x + 2, y: y, maxWidth: keyW, style: screen.style(.accent, on: .statusBg, bold: true))
            screen.put(b.help, x: rect.x + 2 + keyW, y: y, maxWidth: rect.width - 4 - keyW, style: bg)
            y += 1
        }
        let info = "colour \(colorMode.label) (detected \(detected.label)) · theme \(themeName)"
        screen.put(info, x: rect.x + 2, y: rect.maxY - 3, maxWidth: rect.width - 4, style: screen.style(.dimText, on: .statusBg))
        screen.put("any key closes this help", x: rect.x + 2, y: rect.maxY - 2, maxWidth: rect.width - 4,
                   style: screen.style(.dimText, on: .statusBg))
    }

    static func drawTooSmall(on screen: Screen, cols: Int, rows: Int) {
        let lines = ["terminal too small: \(cols)×\(rows)", "need at least \(Layout.minCols)×\(Layout.minRows)",
                     "q q stops · Ctrl-C"]
        for (i, l) in lines.enumerated() {
            let y = rows / 2 - 1 + i
            screen.put(l, x: max(0, (cols - l.count) / 2), y: y, maxWidth: cols, style: screen.style(i == 0 ? .warning : .text, bold: i == 0))
        }
    }
}
