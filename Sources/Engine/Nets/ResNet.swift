/// The DIP library's ResNet (models/resnet.py, dip-spec §5): no resampling at all.
///
/// conv3×3 (reflection, bias) → act; `blocks` × residual [conv3×3 (zero pad, no bias) → BN →
/// act → conv3×3 (no bias) → BN] + identity; conv3×3 (zero pad, bias) → BN; conv3×3
/// (reflection, bias) → sigmoid (always: the reference ignores `need_sigmoid`).
/// ResNet(1, 3, 8 blocks, 32 channels, LeakyReLU) has 158,979 parameters.
extension NetSpec {
    public static func resnet(
        inputChannels: Int = 1, outputChannels: Int = 3, blocks: Int = 8, channels: Int = 32,
        activation a: Activation = .leakyReLU
    ) throws -> NetSpec {
        guard inputChannels >= 1, outputChannels >= 1, channels >= 1, blocks >= 0 else {
            throw EngineError("ResNet: channel counts must be positive and blocks non-negative")
        }
        var net = NetSpec(inputChannels: inputChannels)
        var x = net.conv(net.input, channels, kernel: 3, pad: .reflection, name: "head")
        x = net.activation(x, a, name: "head.act")
        for b in 0..<blocks {
            let name = "block\(b + 1)"
            var r = net.conv(x, channels, kernel: 3, bias: false, pad: .zero, name: "\(name).conv1")
            r = net.activation(net.batchNorm(r, name: "\(name).bn1"), a, name: "\(name).act")
            r = net.conv(r, channels, kernel: 3, bias: false, pad: .zero, name: "\(name).conv2")
            r = net.batchNorm(r, name: "\(name).bn2")
            x = net.add(.add, [r, x], name: "\(name).residual")
        }
        x = net.conv(x, channels, kernel: 3, pad: .zero, name: "tail")
        x = net.batchNorm(x, name: "tail.bn")
        x = net.conv(x, outputChannels, kernel: 3, pad: .reflection, name: "output.conv")
        net.output = net.add(.activation(.sigmoid), [x], name: "output.sigmoid")
        return net
    }
}
