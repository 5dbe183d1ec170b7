import Engine
import Foundation

/// What a NAS-DIP search varies (nasdip-spec §6.2: two stages, as the code hints, or joint).
public enum SearchStage: String, Codable, Sendable, CaseIterable {
    /// Stage 1: the cell on DIP's skip backbone (the reference's `--net NAS`).
    case cell
    /// Stage 2: the 25 connections on the NAS-DIP backbone, with the cell fixed.
    case connections
    /// Cell and connections together on the NAS-DIP backbone.
    case joint
}

/// How the controller picks a cell.
public enum CellEncoding: String, Codable, Sendable, CaseIterable {
    /// Four decisions in the order they run: spatial step, transform, kernel, activation; each
    /// masked by the ones before, so only buildable cells can come out.
    case factored
    /// One categorical decision over the 324 codes with the 27 unbuildable ones masked.
    case flat
}

/// The decision sequence a controller emits for a stage, with the rules that mask invalid
/// options, and the map from decisions to candidates (and back).
///
/// Factored cell decisions (`CellEncoding.factored`):
///
/// | # | decision  | options                                                                       |
/// |---|-----------|-------------------------------------------------------------------------------|
/// | 0 | spatial   | bilinear, bicubic, nearest, pixelshuffle (P first), pixelshuffle (F first), transconv s2 |
/// | 1 | transform | conv, transconv, splitsum, sepconv, depthwise, identity                      |
/// | 2 | kernel    | 1, 3, 5, 7                                                                    |
/// | 3 | activation| none, relu, leakyrelu                                                         |
///
/// Masks (§2.3): the stride-2 transposed conv pairs only with identity; pixel shuffle never takes
/// identity or depthwise; identity after an interpolation has no kernel (only "1" is left).
/// Exactly the 297 buildable codes are reachable, each by one decision sequence.
///
/// Connections are 25 binary decisions, M[t][s] row by row (t = 0…4), all always valid.
public struct SearchSpace: Sendable {
    public struct Decision: Sendable, Equatable {
        public var name: String
        public var options: [String]
        public var count: Int { options.count }
    }

    public let stage: SearchStage
    public let encoding: CellEncoding
    /// The cell of a connections-only search.
    public let fixedCell: NASCell?
    /// Backbone width written into every candidate (nil = 128).
    public let channels: Int?
    public let decisions: [Decision]

    public static let spatialOptions = ["bilinear", "bicubic", "nearest", "pixelshuffle", "pixelshuffle-after", "transconv-s2"]
    public static let transformOptions = NASCell.Transform.allCases.map(\.rawValue)
    public static let kernelOptions = NASCell.kernels.map { "\($0)x\($0)" }
    public static let activationOptions = NASCell.activations.map { $0.rawValue.lowercased() }

    public init(stage: SearchStage, encoding: CellEncoding = .factored, fixedCell: NASCell? = nil, channels: Int? = nil) throws {
        self.stage = stage
        self.encoding = encoding
        self.channels = channels
        if stage == .connections {
            guard let fixedCell else { throw TaskError.badInput("a connections search needs a fixed cell (--cell)") }
            if let why = fixedCell.invalidReason { throw TaskError.badInput("cell \(fixedCell) cannot be built: \(why)") }
            self.fixedCell = fixedCell
        } else {
            self.fixedCell = nil
        }
        var d: [Decision] = []
        if stage != .connections {
            switch encoding {
            case .factored:
                d.append(Decision(name: "spatial", options: Self.spatialOptions))
                d.append(Decision(name: "transform", options: Self.transformOptions))
                d.append(Decision(name: "kernel", options: Self.kernelOptions))
                d.append(Decision(name: "activation", options: Self.activationOptions))
            case .flat:
                d.append(Decision(name: "cell", options: (0..<NASCell.count).map { try! NASCell(index: $0).name }))
            }
        }
        if stage != .cell {
            for t in 0..<5 {
                for s in 0..<5 { d.append(Decision(name: "M[\(t)][\(s)]", options: ["0", "1"])) }
            }
        }
        decisions = d
    }

    /// How many leading decisions pick the cell.
    public var cellDecisionCount: Int {
        stage == .connections ? 0 : (encoding == .factored ? 4 : 1)
    }

    /// Which options of decision `step` are allowed after `prefix` (the decisions so far).
    public func validOptions(step: Int, prefix: [Int]) -> [Bool] {
        let n = decisions[step].count
        guard step < cellDecisionCount else { return [Bool](repeating: true, count: n) }
        if encoding == .flat { return (0..<n).map { (try? NASCell(index: $0))?.isBuildable == true } }
        switch step {
        case 0: return [Bool](repeating: true, count: n)
        case 1:
            let spatial = prefix[0]
            if spatial == 5 { return (0..<n).map { $0 == 5 } }  // transconv s2 → identity only
            if spatial == 3 || spatial == 4 { return (0..<n).map { $0 != 4 && $0 != 5 } }  // pixel shuffle
            return [Bool](repeating: true, count: n)
        case 2:
            if prefix[1] == 5 && prefix[0] != 5 { return (0..<n).map { $0 == 0 } }  // identity: no kernel
            return [Bool](repeating: true, count: n)
        default: return [Bool](repeating: true, count: n)
        }
    }

    /// The cell index that factored decisions (spatial, transform, kernel, activation) name.
    static func cellIndex(spatial: Int, transform: Int, kernel: Int, activation: Int) -> Int {
        if spatial == 5 { return 312 + 3 * kernel + activation }
        let r = transform == 5 ? 60 + activation : 12 * transform + 3 * kernel + activation
        return spatial == 4 ? 252 + r : 63 * spatial + r
    }

    /// The factored decisions for a cell (the inverse of `cellIndex`).
    static func factored(_ cell: NASCell) -> [Int] {
        let i = cell.index
        if i >= 312 { return [5, 5, (i / 3) % 4, i % 3] }
        let r = i % 63
        let spatial = i >= 252 ? 4 : i / 63
        if r >= 60 { return [spatial, 5, 0, r - 60] }
        return [spatial, r / 12, (r / 3) % 4, r % 3]
    }

    /// The candidate a full decision sequence describes.
    public func candidate(_ choices: [Int], index: Int? = nil) throws -> NASCandidate {
        guard choices.count == decisions.count else {
            throw TaskError.corrupt("\(choices.count) decisions recorded, the \(stage.rawValue) search makes \(decisions.count)")
        }
        for (step, choice) in choices.enumerated() {
            let valid = validOptions(step: step, prefix: Array(choices[..<step]))
            guard valid.indices.contains(choice), valid[choice] else {
                throw TaskError.corrupt("decision \(step) (\(decisions[step].name)) = \(choice) is not allowed there")
            }
        }
        let cell: NASCell
        switch (stage, encoding) {
        case (.connections, _): cell = fixedCell!
        case (_, .flat): cell = try NASCell(index: choices[0])
        case (_, .factored):
            cell = try NASCell(index: Self.cellIndex(spatial: choices[0], transform: choices[1], kernel: choices[2], activation: choices[3]))
        }
        guard cell.isBuildable else { throw TaskError.corrupt("decisions \(choices) name the unbuildable cell \(cell)") }
        if stage == .cell {
            return NASCandidate(backbone: .skip, cell: cell, channels: channels, index: index, choices: choices)
        }
        let bits = choices[cellDecisionCount...]
        let matrix = (0..<5).map { t in (0..<5).map { s in bits[bits.startIndex + 5 * t + s] == 1 } }
        return NASCandidate(backbone: .nasDIP, cell: cell, connections: matrix, channels: channels, index: index, choices: choices)
    }

    /// The decisions that produce `cell` (and `connections`, when the stage searches them).
    public func choices(cell: NASCell, connections: [[Bool]]?) -> [Int] {
        var out: [Int] = []
        if stage != .connections { out += encoding == .flat ? [cell.index] : Self.factored(cell) }
        if stage != .cell, let connections { out += connections.joined().map { $0 ? 1 : 0 } }
        return out
    }

    /// Which cell index each cell-decision sequence names, for marginal distributions; nil when
    /// the stage does not search the cell.
    public var searchesCell: Bool { stage != .connections }

    /// log(number of valid genotypes): the entropy of the uniform (random-search) policy.
    public var uniformEntropy: Double {
        var h = 0.0
        if searchesCell { h += log(Double(NASCell.buildableIndices.count)) }
        if stage != .cell { h += 25 * log(2.0) }
        return h
    }
}
