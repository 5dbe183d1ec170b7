import Foundation

/// One NAS-DIP upsampling cell (Chen et al., ECCV 2020; nasdip-spec §2): a ×2 spatial
/// primitive P and a feature transform F, each followed by the cell's activation.
///
/// The search space is coded as an index 0…323 (NAS/gen_upsample_layer.py), which `init(index:)`
/// and `index` convert both ways:
///
/// | index   | cell                                                                  |
/// |---------|-----------------------------------------------------------------------|
/// | 0–251   | P = [bilinear, bicubic, nearest, pixel shuffle][i/63], then F from r = i mod 63: r < 60 → F = r/12, kernel = [1,3,5,7][(r/3) mod 4], activation = r mod 3; r ≥ 60 → identity, activation r−60 |
/// | 252–311 | F first (C → 4C), then pixel shuffle; r = i mod 63 as above           |
/// | 312–323 | P = stride-2 transposed conv, kernel [(i/3) mod 4], activation i mod 3; F = identity |
///
/// Activations are [none, ReLU, LeakyReLU(0.2)], applied after P *and* after F (not after
/// identity). Cell convs zero-pad by k/2 and have no bias; transposed convs have a bias.
///
/// The readable name lists the steps in the order they run, then the activation:
/// "bicubic/depthwise5x5/leakyrelu" (119), "conv3x3/pixelshuffle/relu" (F first),
/// "transconv3x3s2/identity/none" (the stride-2 primitive), "bilinear/identity/none" (60, DIP's
/// own upsampling).
public struct NASCell: Hashable, Sendable, CustomStringConvertible {
    /// The ×2 spatial primitive P.
    public enum Spatial: String, CaseIterable, Sendable {
        case bilinear, bicubic, nearest
        case pixelShuffle = "pixelshuffle"
        /// Stride-2 ConvTranspose with kernel k, padding k/2, output padding 1 and bias.
        case transposedConv = "transconv"
    }

    /// The size-preserving feature transform F.
    public enum Transform: String, CaseIterable, Sendable {
        case conv
        /// Stride-1 ConvTranspose with padding k/2 and bias.
        case transposedConv = "transconv"
        /// Sum of the 4 contiguous channel chunks (C → C/4), then a k×k conv to C.
        case splitSum = "splitsum"
        /// k×k depthwise conv then a 1×1 pointwise conv (one activation at the end).
        case separable = "sepconv"
        /// k×k conv with groups = output channels.
        case depthwise
        case identity
    }

    /// The activation options, in index order.
    public static let activations: [Activation] = [.none, .relu, .leakyReLU]
    public static let kernels = [1, 3, 5, 7]
    /// The number of raw codes.
    public static let count = 324

    public var spatial: Spatial
    public var transform: Transform
    /// Kernel of the transform, or of the transposed-conv primitive; 1 (ignored) for identity
    /// after an interpolating primitive.
    public var kernel: Int
    public var activation: Activation
    /// Pixel shuffle only: the transform runs first, mapping C → 4C channels (indices 252–311).
    public var transformFirst: Bool

    /// Decodes a raw index 0…323. Indices that decode but cannot be built (`invalidReason`) are
    /// accepted here, so they can be named and reported.
    public init(index: Int) throws {
        guard (0..<Self.count).contains(index) else {
            throw EngineError("cell index \(index) is outside 0…\(Self.count - 1)")
        }
        transformFirst = false
        if index >= 312 {
            spatial = .transposedConv
            transform = .identity
            kernel = Self.kernels[(index / 3) % 4]
            activation = Self.activations[index % 3]
            return
        }
        let r = index % 63
        if index >= 252 {
            spatial = .pixelShuffle
            transformFirst = true
        } else {
            spatial = [.bilinear, .bicubic, .nearest, .pixelShuffle][index / 63]
        }
        if r >= 60 {
            transform = .identity
            kernel = 1
            activation = Self.activations[r - 60]
        } else {
            transform = [.conv, .transposedConv, .splitSum, .separable, .depthwise][r / 12]
            kernel = Self.kernels[(r / 3) % 4]
            activation = Self.activations[r % 3]
        }
    }

    /// The raw index of this cell.
    public var index: Int {
        let act = Self.activations.firstIndex(of: activation) ?? 0
        let k = Self.kernels.firstIndex(of: kernel) ?? 0
        if spatial == .transposedConv { return 312 + 3 * k + act }
        let r = transform == .identity
            ? 60 + act
            : 12 * Transform.allCases.firstIndex(of: transform)! + 3 * k + act
        if transformFirst { return 252 + r }
        return 63 * Spatial.allCases.firstIndex(of: spatial)! + r
    }

    /// A cell from parts already checked by the decoders.
    private init(spatial: Spatial, transform: Transform, kernel: Int, activation: Activation, transformFirst: Bool = false) {
        self.spatial = spatial
        self.transform = transform
        self.kernel = kernel
        self.activation = activation
        self.transformFirst = transformFirst
    }

    /// Parses a readable name (case-insensitive), e.g. "nearest/splitsum5x5/leakyrelu", or a
    /// bare index such as "158".
    public init(name: String) throws {
        if let index = Int(name.trimmingCharacters(in: .whitespaces)) {
            try self.init(index: index)
        } else {
            self = try Self.parse(name)
        }
    }

    private static func parse(_ name: String) throws -> NASCell {
        let parts = name.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { throw badName(name, "expected three parts: P/F/activation") }
        guard let act = activations.first(where: { $0.rawValue.lowercased() == parts[2] }) else {
            throw badName(name, "the activation must be none, relu or leakyrelu")
        }
        let transformFirst = parts[1] == Spatial.pixelShuffle.rawValue
        let (first, second) = transformFirst ? (parts[1], parts[0]) : (parts[0], parts[1])
        // The stride-2 primitive is spelled "transconv<k>x<k>s2" and pairs only with identity.
        if first.hasPrefix("transconv"), first.hasSuffix("s2") {
            guard let k = parseKernel(String(first.dropFirst("transconv".count).dropLast(2))) else {
                throw badName(name, "bad kernel in '\(first)'")
            }
            guard second == "identity" else { throw badName(name, "a stride-2 transposed conv pairs only with identity") }
            return NASCell(spatial: .transposedConv, transform: .identity, kernel: k, activation: act)
        }
        guard let p = Spatial(rawValue: first), p != .transposedConv else {
            throw badName(name, "unknown spatial step '\(first)'")
        }
        if second == "identity" {
            guard !transformFirst else { throw badName(name, "identity cannot run before pixel shuffle") }
            return NASCell(spatial: p, transform: .identity, kernel: 1, activation: act)
        }
        guard let t = Transform.allCases.first(where: { $0 != .identity && second.hasPrefix($0.rawValue) }),
            let k = parseKernel(String(second.dropFirst(t.rawValue.count)))
        else { throw badName(name, "unknown transform '\(second)'") }
        return NASCell(spatial: p, transform: t, kernel: k, activation: act, transformFirst: transformFirst)
    }

    private static func parseKernel(_ text: String) -> Int? {
        let sides = text.split(separator: "x").compactMap { Int($0) }
        guard sides.count == 2, sides[0] == sides[1], kernels.contains(sides[0]) else { return nil }
        return sides[0]
    }

    private static func badName(_ name: String, _ why: String) -> EngineError {
        EngineError("cell name '\(name)': \(why) (e.g. bicubic/depthwise5x5/leakyrelu)")
    }

    /// The readable name (see the type's documentation).
    public var name: String {
        let act = activation.rawValue.lowercased()
        if spatial == .transposedConv { return "transconv\(kernel)x\(kernel)s2/identity/\(act)" }
        let f = transform == .identity ? "identity" : "\(transform.rawValue)\(kernel)x\(kernel)"
        return transformFirst ? "\(f)/\(spatial.rawValue)/\(act)" : "\(spatial.rawValue)/\(f)/\(act)"
    }

    public var description: String { "\(index) \(name)" }

    /// Why this cell cannot be built, or nil (nasdip-spec §2.3). The reasons hold for any width
    /// C divisible by 16; 297 of the 324 codes are buildable.
    public var invalidReason: String? {
        guard spatial == .pixelShuffle else { return nil }
        if transform == .identity {
            return "pixel shuffle followed by identity leaves C/4 channels where the decoder needs C"
        }
        if transform == .depthwise {
            return transformFirst
                ? "a depthwise conv before pixel shuffle has groups = 4C, which does not divide its C input channels"
                : "a depthwise conv after pixel shuffle has groups = C, which does not divide its C/4 input channels"
        }
        return nil
    }

    public var isBuildable: Bool { invalidReason == nil }

    /// Every buildable index, in order.
    public static var buildableIndices: [Int] { (0..<count).filter { (try? NASCell(index: $0))?.isBuildable == true } }

    /// The cells the shipped architectures use (nasdip-spec §4.1).
    public static let denoising = try! NASCell(index: 158)
    public static let superResolution = try! NASCell(index: 119)
    public static let inpainting = try! NASCell(index: 86)
    /// Index 60, bilinear → identity → none: DIP's own upsampling as a cell.
    public static let dipBilinear = try! NASCell(index: 60)
}

extension NASCell: Codable {
    /// Encoded as its index; decoded from an index or a readable name.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let index = try? container.decode(Int.self) {
            try self.init(index: index)
        } else {
            try self.init(name: try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(index)
    }
}

extension NetSpec {
    /// Appends `cell` on `x`, C → C channels, with parameter names under `name`. Throws for an
    /// unbuildable cell or a width the cell cannot split.
    public mutating func appendCell(_ x: Int, _ cell: NASCell, name: String) throws -> Int {
        if let why = cell.invalidReason { throw EngineError("cell \(cell): \(why)") }
        let c = channels(x)
        guard c % 16 == 0 else { throw EngineError("NAS-DIP cells need a width divisible by 16, got \(c)") }
        let act = cell.activation
        var y = x
        switch (cell.spatial, cell.transformFirst) {
        case (.transposedConv, _):
            let k = cell.kernel
            y = add(
                .conv(ConvSpec(outChannels: c, kernel: k, stride: 2, padding: k / 2, transposed: true, outputPadding: 1)),
                [y], name: "\(name).up")
            y = activation(y, act, name: "\(name).up.act")
        case (.pixelShuffle, true):
            y = appendTransform(y, cell, out: 4 * c, name: name)
            y = add(.pixelShuffle, [y], name: "\(name).up")
            y = activation(y, act, name: "\(name).up.act")
        case (.pixelShuffle, false):
            y = add(.pixelShuffle, [y], name: "\(name).up")
            y = activation(y, act, name: "\(name).up.act")
            y = appendTransform(y, cell, out: c, name: name)
        case (let p, _):
            let mode: UpsampleMode = p == .bilinear ? .bilinear : (p == .bicubic ? .bicubic : .nearest)
            y = add(.upsample(mode), [y], name: "\(name).up")
            y = activation(y, act, name: "\(name).up.act")
            y = appendTransform(y, cell, out: c, name: name)
        }
        return y
    }

    /// The feature transform F (operations.py), then the cell activation (none after identity).
    private mutating func appendTransform(_ x: Int, _ cell: NASCell, out: Int, name: String) -> Int {
        let k = cell.kernel
        let p = k / 2
        let cin = channels(x)
        var y = x
        switch cell.transform {
        case .identity: return x
        case .conv:
            y = add(.conv(ConvSpec(outChannels: out, kernel: k, padding: p, bias: false)), [y], name: "\(name).conv")
        case .transposedConv:
            y = add(.conv(ConvSpec(outChannels: out, kernel: k, padding: p, transposed: true)), [y], name: "\(name).conv")
        case .splitSum:
            y = add(.chunkSum, [y], name: "\(name).chunksum")
            y = add(.conv(ConvSpec(outChannels: out, kernel: k, padding: p, bias: false)), [y], name: "\(name).conv")
        case .separable:
            y = add(.conv(ConvSpec(outChannels: cin, kernel: k, padding: p, groups: cin, bias: false)), [y], name: "\(name).depthwise")
            y = add(.conv(ConvSpec(outChannels: out, kernel: 1, bias: false)), [y], name: "\(name).pointwise")
        case .depthwise:
            y = add(.conv(ConvSpec(outChannels: out, kernel: k, padding: p, groups: out, bias: false)), [y], name: "\(name).conv")
        }
        return activation(y, cell.activation, name: "\(name).act")
    }
}
