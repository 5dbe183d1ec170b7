/// How a conv pads: reflection (a separate pad node, as ReflectionPad2d + Conv2d) or zeros.
public enum PaddingMode: String, Sendable, Equatable, CaseIterable, Codable {
    case reflection, zero
}

/// How a stride-2 conv downsamples: by its stride, or stride 1 followed by 2×2 pooling.
public enum DownsampleMode: String, Sendable, Equatable, CaseIterable, Codable {
    case stride, avg, max
}

/// The reference's `conv`, `bn` and `act` helpers (models/common.py) as NetSpec builders.
extension NetSpec {
    /// A conv with the reference's padding rule ⌊(k−1)/2⌋ and downsample modes.
    public mutating func conv(
        _ x: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, bias: Bool = true, pad: PaddingMode,
        downsample: DownsampleMode = .stride, name: String
    ) -> Int {
        let p = (kernel - 1) / 2
        var x = x
        let convStride = downsample == .stride ? stride : 1
        if pad == .reflection && p > 0 { x = add(.reflectionPad(p), [x], name: "\(name).pad") }
        x = add(
            .conv(ConvSpec(outChannels: outChannels, kernel: kernel, stride: convStride, padding: pad == .zero ? p : 0, bias: bias)),
            [x], name: name)
        if stride > 1 && downsample != .stride {
            x = add(.pool(downsample == .avg ? .avg : .max), [x], name: "\(name).pool")
        }
        return x
    }

    public mutating func batchNorm(_ x: Int, name: String) -> Int { add(.batchNorm, [x], name: name) }

    /// The activation, or `x` itself for `.none`.
    public mutating func activation(_ x: Int, _ a: Activation, name: String) -> Int {
        a == .none ? x : add(.activation(a), [x], name: name)
    }

    /// conv → BN → activation, the unit every encoder and decoder stage repeats.
    public mutating func convBlock(
        _ x: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, bias: Bool = true, pad: PaddingMode,
        downsample: DownsampleMode = .stride, activation a: Activation, name: String
    ) -> Int {
        let c = conv(x, outChannels, kernel: kernel, stride: stride, bias: bias, pad: pad, downsample: downsample, name: name)
        return activation(batchNorm(c, name: "\(name).bn"), a, name: "\(name).act")
    }
}
