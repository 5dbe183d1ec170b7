import Foundation

/// A NAS-DIP architecture (Chen et al., ECCV 2020; nasdip-spec §1–§4): one upsampling cell,
/// used by all nine cell instances, and the 5×5 cross-scale connection matrix.
///
/// `connections[t][s]` says whether source scale s (z, e1…e4 at H/2^s) feeds the fusion node
/// A_t at scale t. The diagonal is the ordinary U-Net skip; s > t is an up-path through the
/// shared cells, s < t a down-path through the shared stride-2 conv blocks. As JSON:
///
///     {"cell": 119, "cellName": "bicubic/depthwise5x5/leakyrelu",
///      "connections": "10010 11001 01100 00110 00011"}
///
/// "cell" may also be a name; "connections" may be 25 bits (rows t = 0…4, spaces ignored, the
/// ISNAS-DIP order), 5 row strings, or a 5×5 array of 0/1. "cellName" is optional and, when
/// present, must name the same cell.
public struct Genotype: Equatable, Sendable {
    public var cell: NASCell
    /// 5×5, indexed [target t][source s].
    public var connections: [[Bool]]

    public static let scales = 5

    public init(cell: NASCell, connections: [[Bool]]) {
        self.cell = cell
        self.connections = connections
    }

    /// `pattern` is 25 bits, row by row (t = 0…4); whitespace and underscores are ignored.
    public init(cell: NASCell, pattern: String) throws {
        self.init(cell: cell, connections: try Self.parse(pattern: pattern))
    }

    /// The matrix as 25 bits in rows of five, e.g. "11111 01111 00111 00011 00001".
    public var pattern: String {
        connections.map { row in String(row.map { $0 ? "1" : "0" }) }.joined(separator: " ")
    }

    static func parse(pattern: String) throws -> [[Bool]] {
        let bits = pattern.filter { !$0.isWhitespace && $0 != "_" }
        guard bits.count == scales * scales, bits.allSatisfy({ $0 == "0" || $0 == "1" }) else {
            throw EngineError("connections must be \(scales * scales) bits of 0/1 (rows t = 0…4), got '\(pattern)'")
        }
        let flat = bits.map { $0 == "1" }
        return (0..<scales).map { Array(flat[($0 * scales)..<(($0 + 1) * scales)]) }
    }

    /// Throws when the cell cannot be built or the matrix is not 5×5.
    public func validate() throws {
        if let why = cell.invalidReason { throw EngineError("cell \(cell): \(why)") }
        guard connections.count == Self.scales, connections.allSatisfy({ $0.count == Self.scales }) else {
            throw EngineError("the connection matrix must be \(Self.scales)×\(Self.scales)")
        }
    }

    /// Denoising (nasdip-spec §4): nearest → split-sum → conv 5×5; every encoder feature at
    /// scale ≥ t feeds A_t.
    public static let denoising = try! Genotype(cell: .denoising, pattern: "11111 01111 00111 00011 00001")
    /// Super-resolution: bicubic → depthwise 5×5.
    public static let superResolution = try! Genotype(cell: .superResolution, pattern: "10010 11001 01100 00110 00011")
    /// Inpainting: bicubic → transposed conv 7×7.
    public static let inpainting = try! Genotype(cell: .inpainting, pattern: "11000 01100 10110 01011 00101")
}

extension Genotype: Codable {
    private enum Keys: String, CodingKey { case cell, cellName, connections }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        cell = try c.decode(NASCell.self, forKey: .cell)
        if let name = try c.decodeIfPresent(String.self, forKey: .cellName) {
            let named = try NASCell(name: name)
            guard named == cell else {
                throw EngineError("\"cell\" is \(cell) but \"cellName\" is \(named)")
            }
        }
        if let pattern = try? c.decode(String.self, forKey: .connections) {
            connections = try Self.parse(pattern: pattern)
        } else if let rows = try? c.decode([String].self, forKey: .connections) {
            connections = try Self.parse(pattern: rows.joined())
        } else if let matrix = try? c.decode([[Int]].self, forKey: .connections) {
            guard matrix.joined().allSatisfy({ $0 == 0 || $0 == 1 }) else { throw EngineError("connections must be 0 or 1") }
            connections = matrix.map { $0.map { $0 == 1 } }
        } else {
            throw EngineError("\"connections\" must be a 25-bit string, 5 row strings or a 5×5 array of 0/1")
        }
        try validate()
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(cell, forKey: .cell)
        try c.encode(cell.name, forKey: .cellName)
        try c.encode(pattern, forKey: .connections)
    }
}

/// The settings the NAS-DIP scripts train each shipped architecture with (nasdip-spec §5):
/// Adam, MSE, z ~ U[0,1)·0.1 with `inputDepth` channels, jittered by σ_r·N(0,1) every step.
public struct NASRecipe: Sendable, Equatable {
    public var genotype: Genotype
    public var iterations: Int
    public var learningRate: Float
    /// σ_r, the standard deviation of the fresh input jitter.
    public var regularisationNoise: Float
    /// The output EMA factor γ (avg ← γ·avg + (1−γ)·out), or nil where the script keeps none.
    public var emaGamma: Float?
    /// The backtracking guard: restore the last saved weights after a PSNR(out, observation)
    /// drop larger than this many dB (denoising only).
    public var backtrackDrop: Double?
    public var inputDepth: Int
    public var outputChannels: Int

    /// denoising.py: 3000 iterations, lr 0.01, σ_r 1/30, EMA 0.99, backtracking, RGB.
    public static let denoising = NASRecipe(
        genotype: .denoising, iterations: 3000, learningRate: 0.01, regularisationNoise: 1.0 / 30, emaGamma: 0.99,
        backtrackDrop: 5, inputDepth: 32, outputChannels: 3)
    /// super-resolution.py: 2000 iterations, lr 0.01, σ_r 0.03, RGB.
    public static let superResolution = NASRecipe(
        genotype: .superResolution, iterations: 2000, learningRate: 0.01, regularisationNoise: 0.03, emaGamma: nil,
        backtrackDrop: nil, inputDepth: 32, outputChannels: 3)
    /// inpainting.py: 11000 iterations, lr 0.001, σ_r 0.03, grayscale output.
    public static let inpainting = NASRecipe(
        genotype: .inpainting, iterations: 11000, learningRate: 0.001, regularisationNoise: 0.03, emaGamma: nil,
        backtrackDrop: nil, inputDepth: 32, outputChannels: 1)
}

extension NetSpec {
    /// The NAS-DIP backbone (nasdip-spec §1) with `genotype`'s cell and connections.
    ///
    /// Five encoder levels (stride-2 conv3×3, BN, LReLU, conv3×3, BN, LReLU; reflection padding,
    /// biases), additive fusion A_t = up_{t+1}(D_{t+1}) + Σ connections, decoder blocks
    /// BN → [conv3×3 BN LReLU] ×2 → conv1×1 BN LReLU, output conv1×1 → sigmoid. Every module the
    /// reference class builds is declared, used or not: the five skip blocks, the four shared
    /// up-cells ("skip_up_5_4"…) and the four shared down blocks ("skip_down_1_2"…) each get a
    /// node on their own scale's source, which stays unused (and never runs) when no path needs
    /// it; longer paths reuse those modules' parameters. H and W must be multiples of 32.
    public static func nasDIP(
        genotype: Genotype, inputChannels: Int = 32, outputChannels: Int = 3, channels: Int = 128
    ) throws -> NetSpec {
        try genotype.validate()
        guard inputChannels >= 1, outputChannels >= 1 else { throw EngineError("NAS-DIP: channel counts must be positive") }
        guard channels >= 16, channels % 16 == 0 else {
            throw EngineError("NAS-DIP: --channels must be a multiple of 16 (the cells split channels by 4 twice), got \(channels)")
        }
        let cell = genotype.cell
        let c = channels
        let a = Activation.leakyReLU
        var net = NetSpec(inputChannels: inputChannels)

        var x = net.input
        var encoders: [Int] = []
        for k in 1...5 {
            x = net.convBlock(x, c, kernel: 3, stride: 2, pad: .reflection, activation: a, name: "enc\(k).conv1")
            x = net.convBlock(x, c, kernel: 3, pad: .reflection, activation: a, name: "enc\(k).conv2")
            encoders.append(x)
        }
        // Sources S_0…S_4 = z, e1…e4; "level" names follow the code (level k is scale k−1).
        let sources = [net.input] + encoders[0..<4]
        let sourceNames = ["z", "e1", "e2", "e3", "e4"]
        let skips = (0..<5).map { s in
            net.convBlock(sources[s], c, kernel: 1, pad: .reflection, activation: a, name: "skip\(s + 1)")
        }
        // U_s: scale s → s−1 (s = 1…4); D_s: scale s → s+1 (s = 0…3). Each is built once on S_s.
        var upModules: [Int: ClosedRange<Int>] = [:]
        var downModules: [Int: ClosedRange<Int>] = [:]
        var paths: [[Int: Int]] = Array(repeating: [:], count: 5)  // paths[s][t]: S_s carried to scale t
        for s in 1...4 {
            let start = net.nodes.count
            let out = try net.appendCell(sources[s], cell, name: "skip_up_\(s + 1)_\(s)")
            upModules[s] = start...out
            paths[s][s - 1] = out
        }
        for s in 0...3 {
            let start = net.nodes.count
            let out = net.convBlock(
                sources[s], c, kernel: 3, stride: 2, pad: .reflection, activation: a, name: "skip_down_\(s + 1)_\(s + 2)")
            downModules[s] = start...out
            paths[s][s + 1] = out
        }
        /// S_s brought to scale t through the chain of shared modules, each step built once.
        func path(_ s: Int, _ t: Int) -> Int {
            if s == t { return skips[s] }
            if let node = paths[s][t] { return node }
            let node = s > t
                ? net.reuse(upModules[t + 1]!, on: path(s, t + 1), tag: sourceNames[s])
                : net.reuse(downModules[t - 1]!, on: path(s, t - 1), tag: sourceNames[s])
            paths[s][t] = node
            return node
        }

        var d = encoders[4]
        for t in stride(from: 4, through: 0, by: -1) {
            let level = t + 1
            var terms = [try net.appendCell(d, cell, name: "up\(level)")]
            for s in 0..<5 where genotype.connections[t][s] { terms.append(path(s, t)) }
            let fused = terms.count == 1 ? terms[0] : net.add(.add, terms, name: "add\(level)")
            d = net.batchNorm(fused, name: "dec\(level).bn")
            d = net.convBlock(d, c, kernel: 3, pad: .reflection, activation: a, name: "dec\(level).conv1")
            d = net.convBlock(d, c, kernel: 3, pad: .reflection, activation: a, name: "dec\(level).conv2")
            d = net.convBlock(d, c, kernel: 1, pad: .reflection, activation: a, name: "dec\(level).conv3")
        }
        let out = net.conv(d, outputChannels, kernel: 1, pad: .reflection, name: "output.conv")
        net.output = net.add(.activation(.sigmoid), [out], name: "output.sigmoid")
        return net
    }

    /// The stage-1 search net (nasdip-spec §1.4): DIP's skip net (5 levels of `channels`, 4 skip
    /// channels, reflection padding) with every bilinear upsample replaced by `cell`.
    public static func nasSearchBackbone(
        cell: NASCell, inputChannels: Int = 32, outputChannels: Int = 3, channels: Int = 128
    ) throws -> NetSpec {
        var config = SkipConfig(
            levels: 5, channels: channels, skip: 4, inputChannels: inputChannels, outputChannels: outputChannels)
        config.cell = cell
        return try .skip(config)
    }
}
