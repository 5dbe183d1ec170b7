import Foundation

/// Image quality measures on [0, 1] data (data range 1, as skimage infers for non-negative floats).
public enum Metrics {
    /// Mean squared error over all elements, summed in Double.
    public static func meanSquaredError(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var total: Double = 0
        for i in 0..<count {
            let d = Double(a[i]) - Double(b[i])
            total += d * d
        }
        return total / Double(max(count, 1))
    }

    /// 10·log10(1/MSE); +∞ for identical inputs.
    public static func psnr(mse: Double) -> Double { mse > 0 ? -10 * log10(mse) : .infinity }

    public static func psnr(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        psnr(mse: meanSquaredError(a, b, count: count))
    }

    public static func psnr(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in psnr(x.baseAddress!, y.baseAddress!, count: a.count) }
        }
    }

    /// SSIM of Wang et al. (2004): 11×11 Gaussian window with σ 1.5, K₁ 0.01, K₂ 0.03, data range 1,
    /// averaged over the valid (unpadded) windows of every channel of planar C×H×W images.
    public static func ssim(_ a: [Float], _ b: [Float], shape: TensorShape) -> Double {
        precondition(a.count == shape.count && b.count == shape.count)
        let radius = 5
        let window = (-radius...radius).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
        let norm = window.reduce(0, +)
        let g = window.map { $0 / norm }
        let h = shape.height
        let w = shape.width
        guard h > 2 * radius, w > 2 * radius else { return a == b ? 1 : ssimGlobal(a, b) }
        let c1 = 0.01 * 0.01
        let c2 = 0.03 * 0.03
        var total = 0.0
        var windows = 0
        for c in 0..<shape.channels {
            let base = c * h * w
            // Separable blur of x, y, x², y², xy: rows first, then columns over the valid range.
            func blurRows(_ f: (Int) -> Double) -> [Double] {
                var out = [Double](repeating: 0, count: h * (w - 2 * radius))
                for y in 0..<h {
                    for x in radius..<(w - radius) {
                        var s = 0.0
                        for k in -radius...radius { s += g[k + radius] * f(base + y * w + x + k) }
                        out[y * (w - 2 * radius) + x - radius] = s
                    }
                }
                return out
            }
            let ww = w - 2 * radius
            func blurColumns(_ r: [Double]) -> [Double] {
                var out = [Double](repeating: 0, count: (h - 2 * radius) * ww)
                for y in radius..<(h - radius) {
                    for x in 0..<ww {
                        var s = 0.0
                        for k in -radius...radius { s += g[k + radius] * r[(y + k) * ww + x] }
                        out[(y - radius) * ww + x] = s
                    }
                }
                return out
            }
            let mx = blurColumns(blurRows { Double(a[$0]) })
            let my = blurColumns(blurRows { Double(b[$0]) })
            let xx = blurColumns(blurRows { Double(a[$0]) * Double(a[$0]) })
            let yy = blurColumns(blurRows { Double(b[$0]) * Double(b[$0]) })
            let xy = blurColumns(blurRows { Double(a[$0]) * Double(b[$0]) })
            for i in mx.indices {
                let vx = xx[i] - mx[i] * mx[i]
                let vy = yy[i] - my[i] * my[i]
                let cov = xy[i] - mx[i] * my[i]
                total += ((2 * mx[i] * my[i] + c1) * (2 * cov + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2))
                windows += 1
            }
        }
        return total / Double(windows)
    }

    /// SSIM with one window covering the whole image, for images smaller than the window.
    private static func ssimGlobal(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let mx = a.reduce(0) { $0 + Double($1) } / n
        let my = b.reduce(0) { $0 + Double($1) } / n
        var vx = 0.0, vy = 0.0, cov = 0.0
        for i in a.indices {
            let dx = Double(a[i]) - mx
            let dy = Double(b[i]) - my
            vx += dx * dx
            vy += dy * dy
            cov += dx * dy
        }
        vx /= n
        vy /= n
        cov /= n
        let c1 = 0.0001, c2 = 0.0009
        return ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    }
}
