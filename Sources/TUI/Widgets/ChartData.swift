/// What each chart plots, built from the frame history (pure, so tests can check it).
enum ChartData {
    static func title(_ kind: ChartKind, logScale: Bool) -> String {
        switch kind {
        case .loss: return logScale ? "loss (log)" : "loss"
        case .psnr: return "PSNR dB"
        case .es: return logScale ? "ES signal (log)" : "ES signal"
        }
    }

    static func yScale(_ kind: ChartKind, logScale: Bool) -> YScale {
        switch kind {
        case .loss, .es: return logScale ? .log10 : .linear
        case .psnr: return .linear
        }
    }

    /// The series of a chart; with `buckets`, each series is decimated to at most 2 points per bucket.
    static func series(_ kind: ChartKind, history: [ProgressPoint], buckets: Int? = nil) -> [ChartSeries] {
        func make(_ role: ColorRole, _ label: String, _ value: (ProgressPoint) -> Double?) -> ChartSeries? {
            var pts = history.compactMap { p in value(p).map { ChartPoint(Double(p.iteration), $0) } }
            if let b = buckets { pts = decimate(pts, buckets: b) }
            return pts.isEmpty ? nil : ChartSeries(role: role, label: label, points: pts)
        }
        switch kind {
        case .loss:
            return [make(.lossLine, "loss") { $0.loss }].compactMap { $0 }
        case .psnr:
            return [
                make(.psnrInputLine, "input") { $0.psnrInput },
                make(.psnrGTLine, "GT") { $0.psnrGT },
                make(.psnrEMALine, "EMA") { $0.psnrGTEMA },
            ].compactMap { $0 }
        case .es:
            return [make(.esLine, "ES") { $0.esSignal }].compactMap { $0 }
        }
    }

    /// Keeps the lowest and highest point of each of `buckets` equal runs (in x order), so a long noisy
    /// history draws the same envelope as the full data at a fraction of the cost.
    static func decimate(_ points: [ChartPoint], buckets: Int) -> [ChartPoint] {
        guard buckets > 0, points.count > 2 * buckets else { return points }
        var out: [ChartPoint] = []
        out.reserveCapacity(2 * buckets)
        for b in 0..<buckets {
            let lo = b * points.count / buckets, hi = (b + 1) * points.count / buckets
            guard lo < hi else { continue }
            var minI = lo, maxI = lo
            for i in lo..<hi {
                if points[i].y < points[minI].y { minI = i }
                if points[i].y > points[maxI].y { maxI = i }
            }
            for i in [minI, maxI].sorted() where out.last != points[i] { out.append(points[i]) }
        }
        return out
    }

    /// Vertical markers: the scrub cursor first (it wins a shared cell), then stop-suggested, best-ES, best-GT.
    static func markers(frame: LiveFrame, cursor: Int?) -> [ChartMarker] {
        var m: [ChartMarker] = []
        if let c = cursor { m.append(ChartMarker(x: Double(c), role: .cursorMarker)) }
        if let s = frame.stopSuggestedAt { m.append(ChartMarker(x: Double(s), role: .stopMarker)) }
        if let b = frame.bestESIteration { m.append(ChartMarker(x: Double(b), role: .bestMarker)) }
        if let g = frame.bestGTIteration { m.append(ChartMarker(x: Double(g), role: .gtMarker)) }
        return m
    }
}
