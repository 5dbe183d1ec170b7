import Engine
import Foundation

/// One architecture a NAS-DIP search evaluates (nasdip-spec §1, §1.4, §6.2): a cell on one of the
/// two search backbones.
///
/// - `nas-dip`: the NAS-DIP backbone with the cell and a 5×5 connection matrix (stage 2, joint
///   search, the shipped presets).
/// - `skip`: DIP's skip net with every bilinear upsample replaced by the cell (stage 1, the
///   reference's `--net NAS`).
///
/// As JSON (candidates/NNNN.json, the argument of `dip nas evaluate`):
///
///     {"backbone": "nas-dip", "cell": 119, "cellName": "bicubic/depthwise5x5/leakyrelu",
///      "connections": "10010 11001 01100 00110 00011", "channels": 128}
///     {"backbone": "skip", "cell": 158}
///
/// A plain genotype file (`{"cell": …, "connections": …}`) reads as a `nas-dip` candidate; without
/// "backbone" and "connections" it is a `skip` candidate. "channels" is the backbone width
/// (default 128, a multiple of 16). "index" and "choices" record where a search sampled it.
public struct NASCandidate: Equatable, Sendable {
    public enum Backbone: String, Codable, Sendable, CaseIterable {
        case nasDIP = "nas-dip"
        case skip
    }

    public var backbone: Backbone
    public var cell: NASCell
    /// M[t][s]; required for `nas-dip`, nil for `skip`.
    public var connections: [[Bool]]?
    /// Backbone width; nil means 128.
    public var channels: Int?
    /// The search's candidate number, when a search made it.
    public var index: Int?
    /// The controller's decisions that produced it (see `SearchSpace`).
    public var choices: [Int]?

    public init(
        backbone: Backbone, cell: NASCell, connections: [[Bool]]? = nil, channels: Int? = nil, index: Int? = nil,
        choices: [Int]? = nil
    ) {
        self.backbone = backbone
        self.cell = cell
        self.connections = connections
        self.channels = channels
        self.index = index
        self.choices = choices
    }

    public init(genotype: Genotype, channels: Int? = nil) {
        self.init(backbone: .nasDIP, cell: genotype.cell, connections: genotype.connections, channels: channels)
    }

    /// The genotype (nas-dip candidates only).
    public var genotype: Genotype? {
        guard backbone == .nasDIP, let connections else { return nil }
        return Genotype(cell: cell, connections: connections)
    }

    /// The connection pattern as 25 bits in rows of five, or "-" for the skip backbone.
    public var pattern: String { genotype?.pattern ?? "-" }

    /// Throws a one-line reason when the candidate cannot be built.
    public func validate() throws {
        if let why = cell.invalidReason { throw TaskError.badInput("cell \(cell) cannot be built: \(why)") }
        if let c = channels, c < 16 || c % 16 != 0 {
            throw TaskError.badInput("\"channels\" must be a positive multiple of 16 (the cells split channels by 4 twice), got \(c)")
        }
        switch backbone {
        case .nasDIP:
            guard let connections else { throw TaskError.badInput("a nas-dip candidate needs \"connections\" (25 bits)") }
            guard connections.count == 5, connections.allSatisfy({ $0.count == 5 }) else {
                throw TaskError.badInput("\"connections\" must be a 5×5 matrix")
            }
        case .skip:
            if connections != nil {
                throw TaskError.badInput("a skip-backbone candidate has no \"connections\" (only nas-dip does)")
            }
        }
    }

    /// The net for a run with `inputChannels` in and `outputChannels` out.
    public func net(inputChannels: Int, outputChannels: Int) -> NetChoice {
        let options = ArchitectureOptions(inputChannels: inputChannels, outputChannels: outputChannels, channels: channels)
        switch backbone {
        case .nasDIP: return .nas(genotype!, options)
        case .skip: return .nasCell(cell, options)
        }
    }

    /// One line for logs and tables.
    public var summary: String {
        backbone == .nasDIP ? "cell \(cell), connections \(pattern)" : "cell \(cell) on the skip backbone"
    }

    /// Reads a candidate (or plain genotype) file; bad content is a one-line `badInput` naming it.
    public static func load(_ path: String) throws -> NASCandidate {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TaskError.badInput("\(path): no such file")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw TaskError.badInput("\(path): cannot read the candidate file")
        }
        let candidate: NASCandidate
        do {
            candidate = try JSONDecoder().decode(NASCandidate.self, from: data)
        } catch let e as EngineError {
            throw TaskError.badInput("\(path): \(e.message)")
        } catch let e as TaskError {
            throw TaskError.badInput("\(path): \(e.description)")
        } catch {
            throw TaskError.badInput("\(path): not a candidate JSON object (\(decodingReason(error)))")
        }
        do {
            try candidate.validate()
        } catch let e as TaskError {
            throw TaskError.badInput("\(path): \(e.description)")
        }
        return candidate
    }

    /// A short reason for a decoding error (no Swift type dumps).
    static func decodingReason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (at.isEmpty ? "" : "\"\(at)\": ") + context.debugDescription
        case DecodingError.dataCorrupted(let context):
            if let e = context.underlyingError as? EngineError { return e.message }
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            return at.isEmpty ? "malformed JSON" : "\"\(at)\": \(context.debugDescription)"
        default: return "\(error)"
        }
    }

    /// Pretty JSON bytes with a trailing newline.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(self)) + [0x0A]
    }
}

extension NASCandidate: Codable {
    private enum Keys: String, CodingKey { case backbone, cell, cellName, connections, channels, index, choices }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let hasConnections = c.contains(.connections)
        if let name = try c.decodeIfPresent(String.self, forKey: .backbone) {
            guard let b = Backbone(rawValue: name) else {
                throw TaskError.badInput("\"backbone\" must be nas-dip or skip, got \"\(name)\"")
            }
            backbone = b
        } else {
            backbone = hasConnections ? .nasDIP : .skip
        }
        channels = try c.decodeIfPresent(Int.self, forKey: .channels)
        index = try c.decodeIfPresent(Int.self, forKey: .index)
        choices = try c.decodeIfPresent([Int].self, forKey: .choices)
        if backbone == .nasDIP {
            guard hasConnections else { throw TaskError.badInput("a nas-dip candidate needs \"connections\" (25 bits)") }
            // The genotype decoder checks the cell, the optional cellName and the matrix.
            let g = try Genotype(from: decoder)
            cell = g.cell
            connections = g.connections
        } else {
            guard !hasConnections else {
                throw TaskError.badInput("a skip-backbone candidate has no \"connections\" (only nas-dip does)")
            }
            cell = try c.decode(NASCell.self, forKey: .cell)
            if let name = try c.decodeIfPresent(String.self, forKey: .cellName) {
                let named = try NASCell(name: name)
                guard named == cell else { throw EngineError("\"cell\" is \(cell) but \"cellName\" is \(named)") }
            }
            connections = nil
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(backbone.rawValue, forKey: .backbone)
        try c.encode(cell, forKey: .cell)
        try c.encode(cell.name, forKey: .cellName)
        if let g = genotype { try c.encode(g.pattern, forKey: .connections) }
        try c.encodeIfPresent(channels, forKey: .channels)
        try c.encodeIfPresent(index, forKey: .index)
        try c.encodeIfPresent(choices, forKey: .choices)
    }
}

/// The NAS-DIP tasks and their recipes (nasdip-spec §5.2).
public enum NASTask: String, Codable, Sendable, CaseIterable {
    case denoise, sr, inpaint

    /// The dip task that runs it.
    public var taskKind: TaskKind {
        switch self {
        case .denoise: return .denoise
        case .sr: return .sr
        case .inpaint: return .inpaint
        }
    }

    /// The script's settings: iterations, lr, σ_r, EMA, backtracking.
    public var recipe: NASRecipe {
        switch self {
        case .denoise: return .denoising
        case .sr: return .superResolution
        case .inpaint: return .inpainting
        }
    }

    /// How the search degrades a clean image (§5.2), in words.
    public var degradation: String {
        switch self {
        case .denoise: return "Gaussian noise σ = 25/255, clipped"
        case .sr: return "×4 Pillow-Lanczos downscale"
        case .inpaint: return "Bernoulli mask, 50% of pixels missing"
        }
    }
}

extension TaskKind {
    /// The NAS-DIP script recipe that applies to this task (nasdip-spec §5.2), or nil where
    /// NAS-DIP has no script (JPEG, flash/no-flash): denoise → denoising.py, sr →
    /// super-resolution.py, inpaint and restore (both masked) → inpainting.py.
    public var nasRecipe: NASRecipe? {
        switch self {
        case .denoise: return .denoising
        case .sr: return .superResolution
        case .inpaint, .restore: return .inpainting
        case .jpeg, .flash: return nil
        }
    }
}

extension TaskRecipe {
    /// Replaces the optimisation settings with a NAS-DIP script's (§5.2): z ~ U[0,1)·0.1 with 32
    /// channels, the script's lr, σ_r and iteration count, its EMA (the result prefers the EMA only
    /// where the script computes PSNR on it) and its backtracking guard. The net is left alone.
    public mutating func applyNAS(_ nas: NASRecipe, script: String) {
        input = .noise
        inputDepth = nas.inputDepth
        learningRate = nas.learningRate
        regularisationNoise = nas.regularisationNoise
        iterations = nas.iterations
        preferEMA = nas.emaGamma != nil
        backtrackDrop = nas.backtrackDrop
        source = "NAS-DIP \(script)"
    }
}

extension NASRecipe {
    /// The script a recipe comes from, for run.json and --help.
    public var script: String {
        if self == .denoising { return "denoising.py" }
        if self == .superResolution { return "super-resolution.py" }
        if self == .inpainting { return "inpainting.py" }
        return "custom"
    }
}
