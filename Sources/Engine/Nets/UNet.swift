/// The DIP library's U-Net (models/unet.py, dip-spec §5).
///
/// Widths are base·[1, 2, 4, 8, 16] (the reference's [64…1024]/feature_scale), and levels past
/// the fourth stay at base·16 (`more_layers`). Encoder: `start` = two [conv3×3 → norm → ReLU],
/// then per level a 2×2 max pool and two more. Decoder, per level: up (ConvTranspose 4×4 s2 p1,
/// or ×2 interpolation + conv3×3), concat [upsampled, centre-cropped skip], two [conv3×3 → ReLU]
/// without norm. Final conv1×1 → sigmoid. Zero padding and biases throughout.
///
/// The library configuration, UNet(1→3, feature_scale 8, more_layers 1, deconv,
/// InstanceNorm2d), is the default here: 1,616,315 parameters. The reference crashes for
/// more_layers ≥ 2 (`self.more` is undefined); `levels` > 5 builds what it evidently meant.
public struct UNetConfig: Sendable, Equatable, Codable {
    /// The encoder's norm layer.
    public enum Norm: String, Sendable, Equatable, Codable, CaseIterable {
        /// InstanceNorm2d(affine=False), the reference default: no parameters.
        case instance
        /// BatchNorm2d with γ and β.
        case batch
        case none
    }

    public var inputChannels = 1
    public var outputChannels = 3
    /// filters[0] = 64 / feature_scale.
    public var baseChannels = 8
    /// Downsampling levels: 4 + more_layers.
    public var levels = 5
    /// Nil: ConvTranspose2d(k4, s2, p1) ('deconv'); otherwise ×2 interpolation then conv3×3.
    public var upsample: UpsampleMode? = nil
    public var norm = Norm.instance
    public var needSigmoid = true

    public init() {}

    /// The width of level i (0 = full resolution).
    public func width(_ level: Int) -> Int { baseChannels << min(level, 4) }
}

extension NetSpec {
    public static func unet(_ c: UNetConfig) throws -> NetSpec {
        guard c.levels >= 1, c.baseChannels >= 1, c.inputChannels >= 1, c.outputChannels >= 1 else {
            throw EngineError("U-Net: levels and channel counts must be positive")
        }
        var net = NetSpec(inputChannels: c.inputChannels)
        var skips = [net.unetConvs(net.input, c.width(0), norm: c.norm, name: "start")]
        for i in 1...c.levels {
            let pooled = net.add(.pool(.max), [skips[i - 1]], name: "down\(i).pool")
            skips.append(net.unetConvs(pooled, c.width(i), norm: c.norm, name: "down\(i)"))
        }
        var x = skips[c.levels]
        for i in stride(from: c.levels, through: 1, by: -1) {
            let out = c.width(i - 1)
            let up: Int
            if let mode = c.upsample {
                let resized = net.add(.upsample(mode), [x], name: "up\(i).upsample")
                up = net.conv(resized, out, kernel: 3, pad: .zero, name: "up\(i).up")
            } else {
                up = net.add(
                    .conv(ConvSpec(outChannels: out, kernel: 4, stride: 2, padding: 1, transposed: true)), [x], name: "up\(i).up")
            }
            let merged = net.add(.concat, [up, skips[i - 1]], name: "up\(i).concat")
            x = net.unetConvs(merged, out, norm: .none, name: "up\(i)")
        }
        let final = net.conv(x, c.outputChannels, kernel: 1, pad: .zero, name: "final")
        net.output = c.needSigmoid ? net.add(.activation(.sigmoid), [final], name: "final.sigmoid") : final
        return net
    }

    /// unetConv2: two [conv3×3 → norm → ReLU].
    private mutating func unetConvs(_ x: Int, _ out: Int, norm: UNetConfig.Norm, name: String) -> Int {
        var y = x
        for k in 1...2 {
            y = conv(y, out, kernel: 3, pad: .zero, name: "\(name).conv\(k)")
            switch norm {
            case .instance: y = add(.instanceNorm, [y], name: "\(name).conv\(k).norm")
            case .batch: y = batchNorm(y, name: "\(name).conv\(k).norm")
            case .none: break
            }
            y = activation(y, .relu, name: "\(name).conv\(k).act")
        }
        return y
    }
}
