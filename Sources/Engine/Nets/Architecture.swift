/// The named architectures every task accepts with `--arch`.
public enum Architecture: String, Sendable, CaseIterable, Codable {
    /// DIP's encoder–decoder with skip connections (the default).
    case skip
    /// The skip net without skip channels: the paper's plain encoder–decoder.
    case hourglass
    case unet
    case resnet
    /// Heckel & Hand's deep decoder: 1×1 convs, bilinear upsampling, ReLU, channel norm.
    case deepDecoder = "deep-decoder"
    case nasDenoise = "nas-denoise"
    case nasSR = "nas-sr"
    case nasInpaint = "nas-inpaint"

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The knobs that apply across architectures; nil means the architecture's default.
///
/// | arch         | channels                         | depth                                   | upsample                     |
/// |--------------|----------------------------------|-----------------------------------------|------------------------------|
/// | skip         | width of every level (128)       | levels (5)                              | mode of every level (bilinear) |
/// | hourglass    | width of every level (128)       | levels (5)                              | as skip                      |
/// | unet         | base width, 64/feature_scale (8) | downsampling levels, 4 + more_layers (5) | nil = ConvTranspose 4×4; a mode = ×2 interpolation + conv3×3 |
/// | resnet       | width (32)                       | residual blocks (8)                     | —                            |
/// | deep-decoder | k, width of every layer (128)    | upsampling layers (5); z is H/2^depth   | mode (bilinear)              |
/// | nas-*        | width of the backbone (128; a multiple of 16) | fixed: 5 scales            | — (the cell upsamples)       |
///
/// `skipChannels` applies to skip only (4). An option marked "—", or `skipChannels` elsewhere,
/// is rejected rather than ignored.
public struct ArchitectureOptions: Sendable, Equatable, Codable {
    public var inputChannels: Int
    public var outputChannels: Int
    /// Width of every level (skip, hourglass, NAS-DIP, deep decoder) or the base width (U-Net,
    /// ResNet).
    public var channels: Int?
    /// Number of scales (skip, hourglass, U-Net), upsamplings (deep decoder) or residual blocks
    /// (ResNet).
    public var depth: Int?
    public var upsample: UpsampleMode?
    public var skipChannels: Int?

    public init(
        inputChannels: Int, outputChannels: Int, channels: Int? = nil, depth: Int? = nil,
        upsample: UpsampleMode? = nil, skipChannels: Int? = nil
    ) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.channels = channels
        self.depth = depth
        self.upsample = upsample
        self.skipChannels = skipChannels
    }
}

extension Architecture {
    /// The NAS-DIP preset's genotype and training recipe (nil for the other architectures).
    public var nasRecipe: NASRecipe? {
        switch self {
        case .nasDenoise: return .denoising
        case .nasSR: return .superResolution
        case .nasInpaint: return .inpainting
        default: return nil
        }
    }

    /// The depth of z the reference feeds this architecture, when it is not the task's usual
    /// 32: the deep decoder's z has as many channels as its layers (`channels`, 128 by default).
    public func referenceInputDepth(channels: Int?) -> Int? {
        self == .deepDecoder ? (channels ?? 128) : nil
    }

    /// The input jitter ("reg noise") the architecture's authors train with, when it is not the
    /// task's. Heckel & Hand fit the deep decoder without any: on its small z (H/32 × W/32) the
    /// skip net's 1/30 stalls it below the noisy input (F16 σ=25, 256², 1000 iterations: best EMA
    /// 17.99 dB with 1/30, 28.74 dB with none).
    public var referenceRegularisationNoise: Float? { self == .deepDecoder ? 0 : nil }

    /// What `depth` and `channels` mean here, for help texts.
    public var optionsHelp: String {
        switch self {
        case .skip, .hourglass: return "channels: width of every level (128); depth: levels (5)"
        case .unet: return "channels: base width (8); depth: downsampling levels (5)"
        case .resnet: return "channels: width (32); depth: residual blocks (8)"
        case .deepDecoder: return "channels: width k (128); depth: upsampling layers (5), z is H/2^depth"
        case .nasDenoise, .nasSR, .nasInpaint: return "channels: backbone width (128, a multiple of 16); depth: fixed at 5"
        }
    }
}

extension NetSpec {
    /// Builds a named architecture with `o`'s overrides (see `ArchitectureOptions` for what
    /// each option means per architecture). Throws for an option that does not apply.
    public static func architecture(_ arch: Architecture, _ o: ArchitectureOptions) throws -> NetSpec {
        func reject(_ option: String, _ given: Bool) throws {
            if given { throw EngineError("--\(option) does not apply to --arch \(arch.rawValue)") }
        }
        if let c = o.channels, c < 1 { throw EngineError("--channels must be at least 1") }
        if let d = o.depth, d < (arch == .resnet ? 0 : 1) { throw EngineError("--depth must be at least 1") }
        if arch != .skip { try reject("skip-channels", o.skipChannels != nil) }
        switch arch {
        case .skip, .hourglass:
            let levels = o.depth ?? 5
            var config = SkipConfig(
                levels: levels, channels: o.channels ?? 128, skip: arch == .hourglass ? 0 : (o.skipChannels ?? 4),
                inputChannels: o.inputChannels, outputChannels: o.outputChannels)
            if let mode = o.upsample { config.upsample = Array(repeating: mode, count: levels) }
            return try .skip(config)
        case .unet:
            var config = UNetConfig()
            config.inputChannels = o.inputChannels
            config.outputChannels = o.outputChannels
            config.baseChannels = o.channels ?? config.baseChannels
            config.levels = o.depth ?? config.levels
            config.upsample = o.upsample
            return try .unet(config)
        case .resnet:
            try reject("upsample", o.upsample != nil)
            return try .resnet(
                inputChannels: o.inputChannels, outputChannels: o.outputChannels, blocks: o.depth ?? 8,
                channels: o.channels ?? 32)
        case .deepDecoder:
            return try .deepDecoder(
                inputChannels: o.inputChannels, outputChannels: o.outputChannels, channels: o.channels ?? 128,
                upsamplings: o.depth ?? 5, upsample: o.upsample ?? .bilinear)
        case .nasDenoise, .nasSR, .nasInpaint:
            try reject("upsample", o.upsample != nil)
            if let d = o.depth, d != Genotype.scales {
                throw EngineError("--arch \(arch.rawValue) has a fixed 5-scale backbone (its connection matrix is 5×5); --depth must be 5")
            }
            return try .nasDIP(
                genotype: arch.nasRecipe!.genotype, inputChannels: o.inputChannels, outputChannels: o.outputChannels,
                channels: o.channels ?? 128)
        }
    }
}
