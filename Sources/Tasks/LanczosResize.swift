import Foundation

/// Pillow's `Image.resize(..., LANCZOS)` (the reference's `ANTIALIAS`), which made the
/// low-resolution images of the DIP and NAS-DIP super-resolution experiments (dip-spec.md §7):
/// separable, horizontal pass first, support 3·scale, taps L3((src − centre + 0.5)/scale)
/// normalised, each pass rounded to 8-bit levels for 8-bit images as Pillow's 8-bit path does.
public enum LanczosResize {
    private static func lanczos3(_ x: Double) -> Double {
        if x == 0 { return 1 }
        if abs(x) >= 3 { return 0 }
        let px = Double.pi * x
        return 3 * sin(px) * sin(px / 3) / (px * px)
    }

    /// Per output index: the first source index and the normalised weights.
    private static func taps(input: Int, output: Int) -> [(start: Int, weights: [Double])] {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        return (0..<output).map { x in
            let centre = (Double(x) + 0.5) * scale
            let lo = max(Int((centre - support + 0.5).rounded(.down)), 0)
            let hi = min(Int((centre + support + 0.5).rounded(.down)), input)
            var w = (lo..<hi).map { lanczos3((Double($0) - centre + 0.5) / filterScale) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            return (lo, w)
        }
    }

    /// Resizes planar C×H×W samples in [0,1]; `quantize8` rounds each pass to 1/255 steps.
    public static func resize(
        _ planes: [Float], channels: Int, height: Int, width: Int, toHeight: Int, toWidth: Int, quantize8: Bool
    ) -> [Float] {
        func level(_ v: Double) -> Float {
            let c = min(max(v, 0), 1)
            return quantize8 ? Float((c * 255).rounded() / 255) : Float(c)
        }
        let horizontal = taps(input: width, output: toWidth)
        var middle = [Float](repeating: 0, count: channels * height * toWidth)
        for c in 0..<channels {
            for y in 0..<height {
                let row = (c * height + y) * width
                for (x, t) in horizontal.enumerated() {
                    var acc = 0.0
                    for (k, w) in t.weights.enumerated() { acc += w * Double(planes[row + t.start + k]) }
                    middle[(c * height + y) * toWidth + x] = level(acc)
                }
            }
        }
        let vertical = taps(input: height, output: toHeight)
        var out = [Float](repeating: 0, count: channels * toHeight * toWidth)
        for c in 0..<channels {
            for (y, t) in vertical.enumerated() {
                for x in 0..<toWidth {
                    var acc = 0.0
                    for (k, w) in t.weights.enumerated() { acc += w * Double(middle[(c * height + t.start + k) * toWidth + x]) }
                    out[(c * toHeight + y) * toWidth + x] = level(acc)
                }
            }
        }
        return out
    }
}
