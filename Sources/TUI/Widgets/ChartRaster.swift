import Foundation

/// One line of a chart.
public struct ChartSeries: Sendable, Equatable {
    public var role: ColorRole
    public var label: String
    /// (x, y) points in x order; non-finite y (and y ≤ 0 on a log axis) break the line.
    public var points: [ChartPoint]

    public init(role: ColorRole, label: String = "", points: [ChartPoint]) {
        self.role = role
        self.label = label
        self.points = points
    }
}

public struct ChartPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// A vertical marker line at an x value (best iteration, scrub cursor…).
public struct ChartMarker: Sendable, Equatable {
    public var x: Double
    public var role: ColorRole
    public init(x: Double, role: ColorRole) {
        self.x = x
        self.role = role
    }
}

public enum YScale: Sendable, Equatable {
    case linear
    case log10
}

/// How dots become characters.
public enum ChartGlyphs: String, Sendable, Equatable, CaseIterable {
    /// 2×4 dots per cell (U+2800 block).
    case braille
    /// 1×2 dots per cell with ▀ ▄ █.
    case block
    /// 1×1 per cell with `*` and `|` (any terminal).
    case ascii

    /// Dots per cell horizontally and vertically.
    public var dotsPerCell: (x: Int, y: Int) {
        switch self {
        case .braille: return (2, 4)
        case .block: return (1, 2)
        case .ascii: return (1, 1)
        }
    }
}

/// The rasterised plot area: one glyph and colour role per cell, plus the ranges that were used.
public struct ChartRaster: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// glyphs[row][col]; a blank cell is a space.
    public var glyphs: [[Character]]
    /// The colour of each cell (nil for blank cells).
    public var roles: [[ColorRole?]]
    public var xRange: ClosedRange<Double>
    /// In data units (not log units).
    public var yRange: ClosedRange<Double>
    public var yScale: YScale

    /// Row `r` as a string.
    public func line(_ r: Int) -> String { String(glyphs[r]) }
}

/// The pure chart rasteriser: series and markers → a grid of braille (or block/ASCII) cells.
public enum ChartRasterizer {
    /// Bit of the braille dot at (dx ∈ 0…1, dy ∈ 0…3) inside a cell.
    static let brailleBits: [[UInt32]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Data range of the finite values of `series` in `scale` (positive only for log), padded when flat.
    public static func autoYRange(_ series: [ChartSeries], scale: YScale) -> ClosedRange<Double> {
        var lo = Double.infinity, hi = -Double.infinity
        for s in series {
            for p in s.points where p.y.isFinite && (scale == .linear || p.y > 0) {
                lo = min(lo, p.y)
                hi = max(hi, p.y)
            }
        }
        switch scale {
        case .linear:
            if lo > hi { return 0...1 }
            if lo == hi { return (lo - 1)...(hi + 1) }
            return lo...hi
        case .log10:
            if lo > hi { return 0.1...1 }
            if lo == hi { return (lo / 10)...(hi * 10) }
            return lo...hi
        }
    }

    /// x extent of all points (markers do not widen it).
    public static func autoXRange(_ series: [ChartSeries]) -> ClosedRange<Double> {
        var lo = Double.infinity, hi = -Double.infinity
        for s in series {
            for p in s.points where p.x.isFinite {
                lo = min(lo, p.x)
                hi = max(hi, p.x)
            }
        }
        if lo > hi { return 0...1 }
        if lo == hi { return lo...(lo + 1) }
        return lo...hi
    }

    /// Rasterises into `width`×`height` cells. Markers are drawn first, then each series in order (later series
    /// win the colour of a shared cell); consecutive points are joined so lines are continuous.
    public static func rasterize(
        series: [ChartSeries], markers: [ChartMarker] = [], width: Int, height: Int, yScale: YScale = .linear,
        glyphs: ChartGlyphs = .braille, xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil
    ) -> ChartRaster {
        let xr = xRange ?? autoXRange(series)
        let yr = yRange ?? autoYRange(series, scale: yScale)
        let w = max(0, width), h = max(0, height)
        let (sx, sy) = glyphs.dotsPerCell
        let dotsX = w * sx, dotsY = h * sy
        var dots = [UInt32](repeating: 0, count: w * h)  // bitmask per cell
        var roles = [ColorRole?](repeating: nil, count: w * h)
        var markerCells = [Bool](repeating: false, count: w * h)

        func t(_ y: Double) -> Double { yScale == .log10 ? log10(y) : y }
        let t0 = t(yr.lowerBound), t1 = t(yr.upperBound)

        func dotX(_ x: Double) -> Int? {
            guard x.isFinite, dotsX > 0 else { return nil }
            let span = xr.upperBound - xr.lowerBound
            let f = span > 0 ? (x - xr.lowerBound) / span : 0
            guard f >= -1e-9, f <= 1 + 1e-9 else { return nil }
            return min(dotsX - 1, max(0, Int((f * Double(dotsX - 1)).rounded())))
        }
        func dotY(_ y: Double) -> Int? {
            guard y.isFinite, dotsY > 0, yScale == .linear || y > 0 else { return nil }
            let span = t1 - t0
            let f = span > 0 ? (t(y) - t0) / span : 0.5
            let clamped = min(1, max(0, f))
            return min(dotsY - 1, max(0, Int(((1 - clamped) * Double(dotsY - 1)).rounded())))
        }
        func set(_ dx: Int, _ dy: Int, _ role: ColorRole, marker: Bool) {
            guard dx >= 0, dx < dotsX, dy >= 0, dy < dotsY else { return }
            let cx = dx / sx, cy = dy / sy
            let i = cy * w + cx
            let bit: UInt32
            switch glyphs {
            case .braille: bit = brailleBits[dx % 2][dy % 4]
            case .block: bit = dy % 2 == 0 ? 1 : 2
            case .ascii: bit = 1
            }
            if marker {
                if !markerCells[i] && dots[i] == 0 { roles[i] = role }
                markerCells[i] = true
            } else {
                roles[i] = role
                markerCells[i] = false
            }
            dots[i] |= bit
        }

        for m in markers {
            guard let dx = dotX(m.x) else { continue }
            for dy in 0..<dotsY { set(dx, dy, m.role, marker: true) }
        }
        for s in series {
            var prev: (Int, Int)? = nil
            for p in s.points {
                guard let dx = dotX(p.x), let dy = dotY(p.y) else {
                    prev = nil
                    continue
                }
                if let (px, py) = prev {
                    line(px, py, dx, dy) { set($0, $1, s.role, marker: false) }
                } else {
                    set(dx, dy, s.role, marker: false)
                }
                prev = (dx, dy)
            }
        }

        var glyphRows: [[Character]] = []
        var roleRows: [[ColorRole?]] = []
        for r in 0..<h {
            var gr: [Character] = []
            var rr: [ColorRole?] = []
            for c in 0..<w {
                let i = r * w + c
                gr.append(character(bits: dots[i], glyphs: glyphs, marker: markerCells[i]))
                rr.append(dots[i] == 0 ? nil : roles[i])
            }
            glyphRows.append(gr)
            roleRows.append(rr)
        }
        return ChartRaster(width: w, height: h, glyphs: glyphRows, roles: roleRows, xRange: xr, yRange: yr, yScale: yScale)
    }

    static func character(bits: UInt32, glyphs: ChartGlyphs, marker: Bool) -> Character {
        if bits == 0 { return " " }
        switch glyphs {
        case .braille: return Character(Unicode.Scalar(0x2800 + bits)!)
        case .block: return bits == 3 ? "█" : (bits == 1 ? "▀" : "▄")
        case .ascii: return marker ? "|" : "*"
        }
    }

    /// Bresenham from (x0, y0) to (x1, y1), both ends included.
    static func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ plot: (Int, Int) -> Void) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let stepX = x0 < x1 ? 1 : -1, stepY = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            plot(x, y)
            if x == x1 && y == y1 { return }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += stepX }
            if e2 <= dx { err += dx; y += stepY }
        }
    }
}
