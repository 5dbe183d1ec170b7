/// Draws one chart pane: border, title and legend, y labels on the left, x labels below, the raster.
enum ChartPane {
    static func draw(
        on screen: Screen, rect: Rect, kind: ChartKind, frame: LiveFrame?, cursor: Int?, logScale: Bool,
        glyphs: ChartGlyphs, focused: Bool
    ) {
        let border = screen.style(focused ? .focus : .border)
        screen.box(rect, style: border)
        // Two buckets per braille dot column keep the envelope exact enough and the cost bounded.
        let series = frame.map { ChartData.series(kind, history: $0.history, buckets: max(8, rect.width * 4)) } ?? []
        var title: [(String, Screen.Style)] = [(" " + ChartData.title(kind, logScale: logScale) + " ", screen.style(.title, bold: true))]
        if series.count > 1 {
            for s in series { title.append(("━" + s.label + " ", screen.style(s.role))) }
        }
        screen.put(pieces: title, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4)

        let caption = series.first?.points.last.map { ("now " + Format.short($0.y), screen.style(series[0].role)) }
        plot(on: screen, inner: rect.inset(1), series: frame == nil ? [] : series,
             markers: frame.map { ChartData.markers(frame: $0, cursor: cursor) } ?? [],
             scale: ChartData.yScale(kind, logScale: logScale), glyphs: glyphs, caption: caption)
    }

    /// A bordered chart of free-form series (the impedance and search views): the title with a
    /// legend, the series decimated to the pane's resolution, the plot and its labels.
    static func drawCurves(
        on screen: Screen, rect: Rect, title: String, series raw: [ChartSeries], scale: YScale, glyphs: ChartGlyphs,
        xLabel: String
    ) {
        screen.box(rect, style: screen.style(.border))
        var head: [(String, Screen.Style)] = [(" " + title + " ", screen.style(.title, bold: true))]
        for s in raw where !s.label.isEmpty { head.append(("━" + s.label + " ", screen.style(s.role))) }
        screen.put(pieces: head, x: rect.x + 2, y: rect.y, maxWidth: rect.width - 4)
        let series = raw.map { s -> ChartSeries in
            var s = s
            s.points = ChartData.decimate(s.points, buckets: max(8, rect.width * 4))
            return s
        }.filter { !$0.points.isEmpty }
        plot(on: screen, inner: rect.inset(1), series: series, markers: [], scale: scale, glyphs: glyphs,
             caption: (xLabel, screen.style(.dimText)))
    }

    /// The inside of a chart: y labels on the left, the raster, the x range below with a caption
    /// centred between its ends when it fits.
    private static func plot(
        on screen: Screen, inner: Rect, series: [ChartSeries], markers: [ChartMarker], scale: YScale, glyphs: ChartGlyphs,
        caption: (text: String, style: Screen.Style)?
    ) {
        guard inner.width >= 4, inner.height >= 2 else { return }
        guard !series.isEmpty else {
            screen.put("waiting for data", x: inner.x + 1, y: inner.y + inner.height / 2, maxWidth: inner.width - 1,
                       style: screen.style(.dimText))
            return
        }
        let yRange = ChartRasterizer.autoYRange(series, scale: scale)
        let labels = yLabels(yRange, scale: scale, rows: inner.height - 1)
        let labelWidth = min(8, (labels.map { $0.text.count }.max() ?? 0) + 1)
        let plot = Rect(x: inner.x + labelWidth, y: inner.y, width: inner.width - labelWidth, height: inner.height - 1)
        guard plot.width >= 2, plot.height >= 1 else { return }

        let raster = ChartRasterizer.rasterize(
            series: series, markers: markers, width: plot.width, height: plot.height, yScale: scale, glyphs: glyphs,
            yRange: yRange)
        for r in 0..<raster.height {
            for c in 0..<raster.width {
                guard let role = raster.roles[r][c] else { continue }
                screen.put(raster.glyphs[r][c], x: plot.x + c, y: plot.y + r, style: screen.style(role))
            }
        }
        let dim = screen.style(.dimText)
        for l in labels {
            let text = String(repeating: " ", count: max(0, labelWidth - 1 - l.text.count)) + l.text
            screen.put(text, x: inner.x, y: plot.y + l.row, maxWidth: labelWidth - 1, style: dim)
        }
        let x0 = String(Int(raster.xRange.lowerBound)), x1 = String(Int(raster.xRange.upperBound))
        let xRow = inner.maxY - 1
        screen.put(x0, x: plot.x, y: xRow, maxWidth: plot.width, style: dim)
        if x1.count + x0.count + 1 < plot.width {
            screen.put(x1, x: plot.maxX - x1.count, y: xRow, style: dim)
        }
        if let caption, plot.width > x0.count + x1.count + caption.text.count + 4 {
            screen.put(caption.text, x: plot.x + (plot.width - caption.text.count) / 2, y: xRow, style: caption.style)
        }
    }

    /// Labels for the top, middle (when there is room) and bottom rows of the plot.
    static func yLabels(_ range: ClosedRange<Double>, scale: YScale, rows: Int) -> [(row: Int, text: String)] {
        guard rows >= 1 else { return [] }
        var out = [(0, Format.short(range.upperBound))]
        if rows >= 5 {
            let mid: Double = scale == .log10
                ? (range.lowerBound * range.upperBound).squareRoot() : (range.lowerBound + range.upperBound) / 2
            out.append(((rows - 1) / 2, Format.short(mid)))
        }
        if rows >= 2 { out.append((rows - 1, Format.short(range.lowerBound))) }
        return out
    }
}
