/// RGB → palette index conversions for the indexed colour modes, with optional 4×4 ordered dithering.
///
/// The image uses xterm indices 16…255 only: the 16 "system" colours differ between terminals
/// (chafa recommends its 240-colour mode for the same reason).
public enum ColorQuantizer {
    /// Channel values of the xterm 6×6×6 cube.
    public static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// xterm's default values for the 16 ANSI colours (what `ansi16` maps to and what themes may use).
    public static let ansi16Palette: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// 4×4 Bayer threshold matrix, values 0…15.
    public static let bayer4: [[Int]] = [
        [0, 8, 2, 10],
        [12, 4, 14, 6],
        [3, 11, 1, 9],
        [15, 7, 13, 5],
    ]

    /// Threshold in (0, 1) for pixel (x, y).
    @inline(__always)
    static func threshold(_ x: Int, _ y: Int) -> Double {
        (Double(bayer4[y & 3][x & 3]) + 0.5) / 16
    }

    /// The RGB an xterm 256-colour index shows by default.
    public static func rgb(xterm index: UInt8) -> RGB {
        let i = Int(index)
        if i < 16 { return ansi16Palette[i] }
        if i >= 232 {
            let v = UInt8(8 + 10 * (i - 232))
            return RGB(v, v, v)
        }
        let c = i - 16
        return RGB(UInt8(cubeLevels[c / 36]), UInt8(cubeLevels[(c / 6) % 6]), UInt8(cubeLevels[c % 6]))
    }

    @inline(__always)
    static func distance2(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }

    /// Index (0…5) of the nearest cube level.
    @inline(__always)
    static func nearestCubeLevel(_ v: Int) -> Int {
        if v < 48 { return 0 }
        if v < 115 { return 1 }
        return min(5, (v - 35) / 40)
    }

    /// Nearest xterm index in 16…255: the nearer of the cube colour and the gray-ramp colour.
    public static func xterm256(_ c: RGB) -> UInt8 {
        let ri = nearestCubeLevel(Int(c.r)), gi = nearestCubeLevel(Int(c.g)), bi = nearestCubeLevel(Int(c.b))
        let cube = UInt8(16 + 36 * ri + 6 * gi + bi)
        let cubeRGB = RGB(UInt8(cubeLevels[ri]), UInt8(cubeLevels[gi]), UInt8(cubeLevels[bi]))
        if cubeRGB == c { return cube }
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let k = max(0, min(23, Int((Double(avg - 8) / 10).rounded())))
        let grayValue = UInt8(8 + 10 * k)
        let gray = RGB(grayValue, grayValue, grayValue)
        return distance2(gray, c) < distance2(cubeRGB, c) ? UInt8(232 + k) : cube
    }

    /// Gray levels usable for dithering grays: cube black, the 24-step ramp, cube white (index, value).
    static let grayLadder: [(index: UInt8, value: Int)] =
        [(16, 0)] + (0..<24).map { (UInt8(232 + $0), 8 + 10 * $0) } + [(231, 255)]

    /// Ordered-dithered xterm index in 16…255 for the pixel at (x, y). Each channel picks between its two
    /// bracketing levels with probability proportional to its position, so a flat area keeps its average
    /// over every 4×4 tile. Near-grays dither along the finer gray ladder instead of the cube.
    public static func xterm256(_ c: RGB, ditherX x: Int, y: Int) -> UInt8 {
        let t = threshold(x, y)
        let r = Int(c.r), g = Int(c.g), b = Int(c.b)
        if max(r, g, b) - min(r, g, b) <= 8 {
            let avg = Double(r + g + b) / 3
            var lo = 0
            while lo + 1 < grayLadder.count - 1 && Double(grayLadder[lo + 1].value) <= avg { lo += 1 }
            let hi = min(lo + 1, grayLadder.count - 1)
            let span = Double(grayLadder[hi].value - grayLadder[lo].value)
            let f = span > 0 ? (avg - Double(grayLadder[lo].value)) / span : 0
            return f > t ? grayLadder[hi].index : grayLadder[lo].index
        }
        func level(_ v: Int) -> Int {
            var lo = 0
            while lo < 4 && cubeLevels[lo + 1] <= v { lo += 1 }
            if lo == 5 || cubeLevels[lo] == v { return lo }
            let f = Double(v - cubeLevels[lo]) / Double(cubeLevels[lo + 1] - cubeLevels[lo])
            return f > t ? lo + 1 : lo
        }
        return UInt8(16 + 36 * level(r) + 6 * level(g) + level(b))
    }

    /// Nearest of the 16 ANSI colours (xterm default palette).
    public static func ansi16(_ c: RGB) -> UInt8 {
        var best = 0, bestD = Int.max
        for (i, p) in ansi16Palette.enumerated() {
            let d = distance2(p, c)
            if d < bestD { (best, bestD) = (i, d) }
        }
        return UInt8(best)
    }

    /// Ordered-dithered ANSI colour for the pixel at (x, y): offsets each channel by a Bayer threshold
    /// scaled to the palette's coarse spacing, then takes the nearest colour.
    public static func ansi16(_ c: RGB, ditherX x: Int, y: Int) -> UInt8 {
        let offset = (threshold(x, y) - 0.5) * 96
        func ch(_ v: UInt8) -> UInt8 { UInt8(max(0, min(255, (Double(v) + offset).rounded()))) }
        return ansi16(RGB(ch(c.r), ch(c.g), ch(c.b)))
    }
}
