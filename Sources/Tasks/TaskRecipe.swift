import Engine

/// The net a run uses: a skip-net configuration (the reference's per-task nets), a named
/// architecture with options (`--arch`), or a NAS-DIP candidate (`--genotype`, `dip nas`).
public enum NetChoice: Codable, Equatable, Sendable {
    case skip(SkipConfig)
    case named(Architecture, ArchitectureOptions)
    /// Any genotype on the NAS-DIP backbone (nasdip-spec §1); `channels` is the width (128).
    case nas(Genotype, ArchitectureOptions)
    /// A cell on the stage-1 search backbone: DIP's skip net with the cell as its upsampler (§1.4).
    case nasCell(NASCell, ArchitectureOptions)

    public func spec() throws -> NetSpec {
        switch self {
        case .skip(let config): return try .skip(config)
        case .named(let arch, let options): return try .architecture(arch, options)
        case .nas(let genotype, let o):
            if let d = o.depth, d != Genotype.scales { throw EngineError("a NAS-DIP genotype has a fixed 5-scale backbone; --depth must be 5") }
            return try .nasDIP(
                genotype: genotype, inputChannels: o.inputChannels, outputChannels: o.outputChannels, channels: o.channels ?? 128)
        case .nasCell(let cell, let o):
            if let d = o.depth, d != 5 { throw EngineError("the NAS-DIP cell-search backbone has 5 levels; --depth must be 5") }
            return try .nasSearchBackbone(
                cell: cell, inputChannels: o.inputChannels, outputChannels: o.outputChannels, channels: o.channels ?? 128)
        }
    }

    public var summary: String {
        switch self {
        case .skip(let c):
            return "skip \(c.inputChannels)→\(c.outputChannels), down \(c.down), skip \(c.skip), \(Set(c.upsample).map(\.rawValue).sorted().joined(separator: "/"))"
        case .named(let a, let o):
            return "\(a.rawValue) \(o.inputChannels)→\(o.outputChannels)" + (o.channels.map { ", \($0) channels" } ?? "") + (o.depth.map { ", depth \($0)" } ?? "")
        case .nas(let g, let o):
            return "NAS-DIP \(o.inputChannels)→\(o.outputChannels), cell \(g.cell), connections \(g.pattern)" + (o.channels.map { ", \($0) channels" } ?? "")
        case .nasCell(let cell, let o):
            return "skip \(o.inputChannels)→\(o.outputChannels) with NAS cell \(cell)" + (o.channels.map { ", \($0) channels" } ?? "")
        }
    }
}

/// What z is made of.
public enum InputKind: String, Codable, Sendable, CaseIterable {
    /// U[0,1)·0.1, the reference's default.
    case noise
    /// N(0,1)·0.1.
    case normal
    /// Two channels of normalised x and y coordinates.
    case meshgrid
    /// The flash photo itself (flash/no-flash only).
    case image
}

/// One task's reference settings (dip-spec.md §8), every one of which the user can override.
public struct TaskRecipe: Codable, Equatable, Sendable {
    public var net: NetChoice
    public var input: InputKind
    public var inputDepth: Int
    public var learningRate: Float
    public var regularisationNoise: Float
    public var iterations: Int
    /// The reference smooths the output with an EMA (0.99) for denoising and JPEG only; dip keeps
    /// the EMA for every task and the default result uses it where `preferEMA` is set.
    public var preferEMA: Bool
    /// The reference's backtracking guard (restore weights after a >5 dB drop), where it uses it.
    public var backtrackDrop: Double?
    /// Where the numbers come from, for `--help` and run.json.
    public var source: String

    /// The reference settings for `task` on an image with `channels` colour channels.
    public static func reference(_ task: TaskKind, channels: Int, scale: Int = 4) -> TaskRecipe {
        var skip = SkipConfig()
        skip.outputChannels = channels
        switch task {
        case .denoise:
            return TaskRecipe(
                net: .skip(skip), input: .noise, inputDepth: 32, learningRate: 0.01, regularisationNoise: 1.0 / 30,
                iterations: 3000, preferEMA: true, backtrackDrop: 5, source: "denoising.ipynb (F16, σ=25)")
        case .jpeg:
            var snail = SkipConfig()
            snail.inputChannels = 3
            snail.outputChannels = channels
            snail.down = [8, 16, 32, 64, 128]
            snail.up = snail.down
            snail.skip = [0, 0, 0, 4, 4]
            return TaskRecipe(
                net: .skip(snail), input: .noise, inputDepth: 3, learningRate: 0.01, regularisationNoise: 1.0 / 30,
                iterations: 2400, preferEMA: true, backtrackDrop: 5, source: "denoising.ipynb (snail JPEG)")
        case .sr:
            let eight = scale >= 8
            return TaskRecipe(
                net: .skip(skip), input: .noise, inputDepth: 32, learningRate: 0.01,
                regularisationNoise: eight ? 0.05 : 0.03, iterations: eight ? 4000 : 2000, preferEMA: true,
                backtrackDrop: nil, source: "super-resolution.ipynb (×\(eight ? 8 : 4))")
        case .inpaint:
            var kate = SkipConfig()
            kate.outputChannels = channels
            kate.skip = Array(repeating: 128, count: 5)
            kate.upsample = Array(repeating: .nearest, count: 5)
            return TaskRecipe(
                net: .skip(kate), input: .noise, inputDepth: 32, learningRate: 0.01, regularisationNoise: 0.03,
                iterations: 6001, preferEMA: true, backtrackDrop: nil, source: "inpainting.ipynb (kate text)")
        case .restore:
            return TaskRecipe(
                net: .skip(skip), input: .noise, inputDepth: 32, learningRate: 0.001, regularisationNoise: 0.03,
                iterations: 11000, preferEMA: true, backtrackDrop: 5, source: "restoration.ipynb (barbara, 50% missing)")
        case .flash:
            var flash = SkipConfig()
            flash.inputChannels = 3
            flash.outputChannels = channels
            flash.upsample = [.nearest, .nearest, .bilinear, .bilinear, .bilinear]
            return TaskRecipe(
                net: .skip(flash), input: .image, inputDepth: 3, learningRate: 0.1, regularisationNoise: 0,
                iterations: 601, preferEMA: false, backtrackDrop: nil, source: "flash-no-flash.ipynb")
        }
    }

    /// One line per setting, for `--help`.
    public var helpLine: String {
        let reg = regularisationNoise == 1.0 / 30 ? "1/30" : String(format: "%g", regularisationNoise)
        return "\(net.summary); z: \(input.rawValue) depth \(inputDepth); lr \(learningRate); "
            + "\(iterations) iterations; reg noise \(reg); EMA 0.99"
            + (backtrackDrop != nil ? "; backtracking" : "") + " [\(source)]"
    }
}
