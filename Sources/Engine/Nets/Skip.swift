/// The reference `skip()` encoder–decoder (models/skip.py, dip-spec.md §3).
///
/// Defaults are the denoising/SR net: 5 levels of 128 channels, 4 skip channels, input depth
/// 32, reflection padding, bilinear upsampling, LeakyReLU and a sigmoid output — 2,217,831
/// parameters. One deliberate difference in *storage*, not function: the concat puts the deeper
/// branch first and the skip branch second, so the 128 deeper channels stay aligned to oneDNN's
/// 16-channel blocks. The merge BN and the conv after it therefore hold their channels in
/// [deeper | skip] order; the PyTorch parity script permutes them when it exports.
public struct SkipConfig: Sendable, Equatable, Codable {
    public var inputChannels = 32
    public var outputChannels = 3
    public var down = [128, 128, 128, 128, 128]
    public var up = [128, 128, 128, 128, 128]
    public var skip = [4, 4, 4, 4, 4]
    public var filterDown = [3, 3, 3, 3, 3]
    public var filterUp = [3, 3, 3, 3, 3]
    public var filterSkip = 1
    public var upsample: [UpsampleMode] = Array(repeating: .bilinear, count: 5)
    public var downsample: [DownsampleMode] = Array(repeating: .stride, count: 5)
    public var padding = PaddingMode.reflection
    public var activation = Activation.leakyReLU
    public var needSigmoid = true
    public var need1x1Up = true
    public var bias = true
    /// NAS-DIP's stage-1 search net (nasdip-spec §1.4): when set, this upsampling cell replaces
    /// every `upsample` (C → C at each level's width).
    public var cell: NASCell? = nil

    public init() {}

    /// Same width at every level.
    public init(levels: Int, channels: Int, skip: Int, inputChannels: Int = 32, outputChannels: Int = 3) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        down = Array(repeating: channels, count: levels)
        up = down
        self.skip = Array(repeating: skip, count: levels)
        filterDown = Array(repeating: 3, count: levels)
        filterUp = filterDown
        upsample = Array(repeating: .bilinear, count: levels)
        downsample = Array(repeating: .stride, count: levels)
    }

    public var levels: Int { down.count }

    /// Checks that every per-level list has one entry per level.
    public func validate() throws {
        let n = levels
        guard n >= 1, up.count == n, skip.count == n, filterDown.count == n, filterUp.count == n,
            upsample.count == n, downsample.count == n
        else { throw EngineError("skip net: every per-level list needs \(n) entries") }
        guard (down + up).allSatisfy({ $0 >= 1 }), skip.allSatisfy({ $0 >= 0 }), inputChannels >= 1 else {
            throw EngineError("skip net: channel counts must be positive")
        }
    }
}

extension NetSpec {
    public static func skip(_ config: SkipConfig) throws -> NetSpec {
        try config.validate()
        var net = NetSpec(inputChannels: config.inputChannels)
        let last = try net.skipLevel(0, net.input, config)
        let out = net.conv(last, config.outputChannels, kernel: 1, bias: config.bias, pad: config.padding, name: "output.conv")
        net.output = config.needSigmoid ? net.add(.activation(.sigmoid), [out], name: "output.sigmoid") : out
        return net
    }

    /// One level of the skip net; the deeper levels nest inside it before its upsample.
    private mutating func skipLevel(_ i: Int, _ x: Int, _ c: SkipConfig) throws -> Int {
        let name = "level\(i)"
        let a = c.activation
        var skipBranch: Int?
        if c.skip[i] > 0 {
            skipBranch = convBlock(
                x, c.skip[i], kernel: c.filterSkip, bias: c.bias, pad: c.padding, activation: a, name: "\(name).skip")
        }
        var deeper = convBlock(
            x, c.down[i], kernel: c.filterDown[i], stride: 2, bias: c.bias, pad: c.padding,
            downsample: c.downsample[i], activation: a, name: "\(name).down1")
        deeper = convBlock(
            deeper, c.down[i], kernel: c.filterDown[i], bias: c.bias, pad: c.padding, activation: a, name: "\(name).down2")
        if i < c.levels - 1 { deeper = try skipLevel(i + 1, deeper, c) }
        if let cell = c.cell {
            deeper = try appendCell(deeper, cell, name: "\(name).upsample")
        } else {
            deeper = add(.upsample(c.upsample[i]), [deeper], name: "\(name).upsample")
        }
        var y = deeper
        if let skipBranch { y = add(.concat, [deeper, skipBranch], name: "\(name).concat") }
        y = batchNorm(y, name: "\(name).merge.bn")
        y = convBlock(y, c.up[i], kernel: c.filterUp[i], bias: c.bias, pad: c.padding, activation: a, name: "\(name).up")
        if c.need1x1Up {
            y = convBlock(y, c.up[i], kernel: 1, bias: c.bias, pad: c.padding, activation: a, name: "\(name).up1x1")
        }
        return y
    }
}
