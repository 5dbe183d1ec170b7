/// The weight (and bias) gradient of a depthwise convolution on the blocked layout, by hand.
///
/// oneDNN 2.6 has a jit depthwise backward-weights kernel only for some shapes (not the 5×5 and
/// 7×7 of NAS-DIP's depthwise and separable cells); for the others it falls back to its
/// reference kernel, measured at 140 ms per call for 32 channels at 64² — 95% of a candidate's
/// training time. Here each 16-channel block keeps one accumulator per kernel tap, so the whole
/// gradient is one pass over the output.
final class DepthwiseWeightGradient {
    let kernel: Int
    let stride: Int
    let padding: Int
    /// One accumulator per tap for every channel block, made once: the step allocates nothing.
    private let sums: UnsafeMutablePointer<SIMD16<Float>>

    init(kernel: Int, stride: Int, padding: Int, channels: Int) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        sums = .allocate(capacity: kernel * kernel * ((channels + 15) / 16))
    }

    deinit { sums.deallocate() }

    /// Adds ∂L/∂w into `weightGrad` (goihw with one input and output per group: c·k² + kh·k + kw)
    /// and ∂L/∂b into `biasGrad`, for `channels` channels.
    func accumulate(
        source: Blocked, diffDestination: Blocked, channels: Int, weightGrad: UnsafeMutablePointer<Float>,
        biasGrad: UnsafeMutablePointer<Float>?
    ) {
        let taps = kernel * kernel
        let (k, s, p) = (kernel, stride, padding)
        let (sourceHeight, sourceWidth) = (source.shape.height, source.shape.width)
        let (height, width) = (diffDestination.shape.height, diffDestination.shape.width)
        let allSums = self.sums
        Parallel.forEach(diffDestination.blocks, grain: 1) { blocks in
            for block in blocks {
                let sums = allSums + block * taps
                sums.update(repeating: .zero, count: taps)
                var biasSum = SIMD16<Float>.zero
                for oy in 0..<height {
                    let dRow = diffDestination.row(block, oy)
                    for ox in 0..<width {
                        let d = dRow.vector(at: ox * 16)
                        biasSum += d
                        for kh in 0..<k {
                            let iy = oy * s + kh - p
                            guard iy >= 0, iy < sourceHeight else { continue }
                            let sRow = source.row(block, iy)
                            for kw in 0..<k {
                                let ix = ox * s + kw - p
                                guard ix >= 0, ix < sourceWidth else { continue }
                                sums[kh * k + kw] += sRow.vector(at: ix * 16) * d
                            }
                        }
                    }
                }
                for lane in 0..<min(16, channels - block * 16) {
                    let c = block * 16 + lane
                    for t in 0..<taps { weightGrad[c * taps + t] += sums[t][lane] }
                    biasGrad?[c] += biasSum[lane]
                }
            }
        }
    }
}
