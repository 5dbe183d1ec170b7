/// Heckel & Hand's deep decoder (ICLR 2019; `decodernw` in reinhardh/supplement_deep_decoder).
///
/// `upsamplings` + 1 layers of [conv1×1 (no bias) → ×2 upsample (all but the last layer) →
/// ReLU → BN (affine, batch statistics: the paper's "channel normalisation")], then conv1×1 (no
/// bias) → sigmoid. The net only upsamples, so its input z is the image's size / 2^upsamplings
/// (`inputDownscale`): a 512×512 image needs a 16×16 z with the default 5 upsamplings.
///
/// The paper's default, k = 128 channels, 5 upsamplings (6 layers), RGB out, with z of depth k
/// as in the reference, has 100,224 parameters: 6·(128² + 2·128) + 3·128. The first conv maps
/// `inputChannels` → k, so another input depth changes only that layer.
extension NetSpec {
    public static func deepDecoder(
        inputChannels: Int = 128, outputChannels: Int = 3, channels k: Int = 128, upsamplings: Int = 5,
        upsample: UpsampleMode = .bilinear
    ) throws -> NetSpec {
        guard inputChannels >= 1, outputChannels >= 1, k >= 1, (0...12).contains(upsamplings) else {
            throw EngineError("deep decoder: channel counts must be positive and upsamplings within 0…12")
        }
        var net = NetSpec(inputChannels: inputChannels)
        net.inputDownscale = 1 << upsamplings
        var x = net.input
        for i in 0...upsamplings {
            x = net.add(.conv(ConvSpec(outChannels: k, kernel: 1, bias: false)), [x], name: "layer\(i).conv")
            if i < upsamplings { x = net.add(.upsample(upsample), [x], name: "layer\(i).upsample") }
            x = net.activation(x, .relu, name: "layer\(i).act")
            x = net.batchNorm(x, name: "layer\(i).bn")
        }
        x = net.add(.conv(ConvSpec(outChannels: outputChannels, kernel: 1, bias: false)), [x], name: "output.conv")
        net.output = net.add(.activation(.sigmoid), [x], name: "output.sigmoid")
        return net
    }
}
