import Foundation

/// The reference's `Downsampler` kernels (models/downsampler.py, dip-spec.md §6).
public enum LanczosKernel {
    /// The normalised 1-D taps of a Lanczos-`support` kernel for factor `factor` at phase 0.5:
    /// 2·support·factor taps at half-pixel offsets ±(0.5, 1.5, …)/factor.
    public static func taps(factor: Int, support: Int = 2) -> [Double] {
        let width = 2 * support * factor + 1
        let centre = Double(width + 1) / 2
        func lanczos(_ d: Double) -> Double {
            if d == 0 { return 1 }
            let a = Double(support)
            return a * sin(Double.pi * d) * sin(Double.pi * d / a) / (Double.pi * Double.pi * d * d)
        }
        let raw = (1..<width).map { i -> Double in
            let d = abs(Double(i) + 0.5 - centre) / Double(factor)
            return d < Double(support) ? lanczos(d) : 0
        }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }

    /// The 2-D kernel (outer product of the 1-D taps; the reference's normalised 2-D kernel
    /// equals it to 1e-16).
    public static func kernel2D(factor: Int, support: Int = 2) -> (values: [Float], size: Int) {
        let t = taps(factor: factor, support: support)
        var values: [Float] = []
        for a in t { for b in t { values.append(Float(a * b)) } }
        return (values, t.count)
    }
}

extension NetSpec {
    /// Appends the SR degradation operator after the image: replication pad, then the fixed
    /// Lanczos-2 depthwise conv with stride `factor`. The loss then compares this node with the
    /// low-resolution observation, while `output` stays the high-resolution image.
    public mutating func appendLanczosDownsampler(factor: Int) {
        let image = output
        let (kernel, size) = LanczosKernel.kernel2D(factor: factor)
        let pad = size % 2 == 1 ? (size - 1) / 2 : (size - factor) / 2
        let padded = add(.replicationPad(pad), [image], name: "downsampler.pad")
        lossOutput = add(.fixedDepthwise(kernel: kernel, size: size, stride: factor), [padded], name: "downsampler")
        output = image
    }
}
