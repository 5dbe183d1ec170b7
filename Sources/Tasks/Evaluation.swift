import Engine

/// How a task scores its output against ground truth.
public enum Evaluation: String, Codable, Sendable {
    /// PSNR over all channels and pixels, data range 1 (skimage's compare_psnr on [0,1] floats).
    case rgb
    /// The DIP/NAS-DIP super-resolution protocol (dip-spec.md §7): Y = 0.299R + 0.587G + 0.114B
    /// mapped to studio range (Y·219 + 16)/255, with a 4-pixel border dropped on the top/left and
    /// 5 on the bottom/right (the reference's end-exclusive slice loses one more).
    case ySuperResolution

    /// PSNR of `image` against `truth`, both planar C×H×W in [0,1].
    public func psnr(_ image: UnsafeBufferPointer<Float>, _ truth: [Float], channels: Int, height: Int, width: Int) -> Double {
        switch self {
        case .rgb:
            return truth.withUnsafeBufferPointer { Metrics.psnr(image.baseAddress!, $0.baseAddress!, count: truth.count) }
        case .ySuperResolution:
            guard channels == 3, height > 9, width > 9 else {
                return truth.withUnsafeBufferPointer { Metrics.psnr(image.baseAddress!, $0.baseAddress!, count: truth.count) }
            }
            let plane = height * width
            var total = 0.0
            var n = 0
            for y in 4..<(height - 5) {
                for x in 4..<(width - 5) {
                    let i = y * width + x
                    func luma(_ p: (Int) -> Float) -> Double {
                        (0.299 * Double(p(i)) + 0.587 * Double(p(plane + i)) + 0.114 * Double(p(2 * plane + i))) * 219 / 255 + 16.0 / 255
                    }
                    let d = luma { image[$0] } - luma { truth[$0] }
                    total += d * d
                    n += 1
                }
            }
            return Metrics.psnr(mse: total / Double(n))
        }
    }

    public func psnr(_ image: [Float], _ truth: [Float], channels: Int, height: Int, width: Int) -> Double {
        image.withUnsafeBufferPointer { psnr($0, truth, channels: channels, height: height, width: width) }
    }
}
