import Engine
import Foundation

/// How a search proposes candidates.
public enum ControllerKind: String, Codable, Sendable, CaseIterable {
    /// The LSTM policy trained with REINFORCE (nasdip-spec §6.2 fallback).
    case reinforce
    /// Uniform over valid genotypes: the baseline every NAS claim must beat.
    case random
}

/// The hyper-parameters of the REINFORCE controller (AutoGAN's defaults, nasdip-spec §6.2).
public struct ReinforceSettings: Codable, Equatable, Sendable {
    public var hidden = 100
    public var learningRate = 3.5e-4
    /// AutoGAN's search script runs the controller's Adam with β = (0, 0.9).
    public var beta1 = 0.0
    public var beta2 = 0.9
    public var epsilon = 1e-8
    public var baselineDecay = 0.9
    public var entropyWeight = 1e-3

    public init() {}
}

/// One controller update, as controller.json keeps it (and the report plots it).
public struct ControllerStep: Codable, Equatable, Sendable {
    public var step: Int
    /// The candidates whose rewards this step learned from.
    public var candidates: [Int]
    public var meanReward: Double?
    /// The baseline after the step (REINFORCE only).
    public var baseline: Double?
    /// Mean over the batch of Σ_t H(π(·|a_<t)) in nats, i.e. the policy's joint entropy (chain
    /// rule), for the policy that sampled the batch.
    public var entropy: Double
    /// Exact entropy of the marginal distribution over cells after the step (cell searches only).
    public var cellEntropy: Double?
    /// The most likely cell after the step and its probability (cell searches only).
    public var topCell: Int?
    public var topCellProbability: Double?
    public var loss: Double?
}

/// Proposes candidates and learns from their rewards. Sampling is keyed by (seed, candidate
/// number), so it carries no generator state: a resumed search draws what the uninterrupted one
/// would have.
public protocol SearchController: AnyObject {
    var kind: ControllerKind { get }
    var space: SearchSpace { get }
    /// Candidates whose rewards have been learned from (= the next candidate to sample, between
    /// batches).
    var consumed: Int { get }
    var history: [ControllerStep] { get }
    /// The decisions for candidate `index`.
    func sample(index: Int) -> [Int]
    /// Learns from a batch of evaluated candidates; a nil reward (a failed candidate) counts as
    /// the worst reward seen so far.
    @discardableResult
    func update(_ batch: [(index: Int, choices: [Int], reward: Double?)]) throws -> ControllerStep
    /// P(cell index) over all 324 codes, or nil when the stage does not search the cell.
    func cellDistribution() -> [Double]?
    /// Everything needed to continue, as JSON bytes.
    func encodedState() throws -> [UInt8]
}

extension SearchController {
    /// The entropy (nats) of a cell distribution.
    static func entropy(_ p: [Double]) -> Double { -p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) } }

    func cellSummary() -> (entropy: Double?, top: Int?, probability: Double?) {
        guard let p = cellDistribution(), let best = p.indices.max(by: { p[$0] < p[$1] }) else { return (nil, nil, nil) }
        return (Self.entropy(p), best, p[best])
    }
}

/// The on-disk form of a controller (controller.json). Parameters and Adam moments are stored as
/// base64 of little-endian Float64, so a resumed search continues bit for bit.
struct ControllerState: Codable {
    var format = "dip-nas-controller"
    var version = 1
    var kind: ControllerKind
    var seed: UInt64
    var consumed: Int
    var step: Int
    var worstReward: Double?
    var history: [ControllerStep]
    // REINFORCE only:
    var settings: ReinforceSettings?
    var sizes: [Int]?
    var baseline: Double?
    var theta: String?
    var adamM: String?
    var adamV: String?

    static func pack(_ values: [Double]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        return Data(bytes).base64EncodedString()
    }

    static func unpack(_ text: String?, count: Int, what: String) throws -> [Double] {
        guard let text, let data = Data(base64Encoded: text), data.count == count * 8 else {
            throw TaskError.corrupt("controller.json: \(what) is missing or has the wrong size")
        }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
    }

    static func decode(_ bytes: Data, path: String) throws -> ControllerState {
        do {
            let s = try JSONDecoder().decode(ControllerState.self, from: bytes)
            guard s.format == "dip-nas-controller" else { throw TaskError.corrupt("\(path) is not a dip controller state") }
            return s
        } catch let e as TaskError {
            throw e
        } catch {
            throw TaskError.corrupt("\(path): \(NASCandidate.decodingReason(error))")
        }
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return [UInt8](try encoder.encode(self)) + [0x0A]
    }
}

/// Draws one categorical sample from `p` with the uniform `u`.
@inline(__always)
func categorical(_ p: [Double], _ u: Double) -> Int {
    var acc = 0.0
    var last = 0
    for (j, q) in p.enumerated() where q > 0 {
        acc += q
        last = j
        if u < acc { return j }
    }
    return last
}

// MARK: - REINFORCE

/// REINFORCE with an EMA baseline and an entropy bonus (Williams 1992; AutoGAN's controller).
///
/// For a batch of B candidates with rewards R_i (mean PSNR, dB):
///
///     A_i = R_i − b                      (b: EMA of batch-mean rewards; the first batch sets b)
///     L   = (1/B) Σ_i [ −A_i · log π(a_i) − β · H_i ]
///     b  ← decay·b + (1 − decay)·mean(R)
///
/// and one Adam step on L. A single-candidate first batch has zero advantage, as in AutoGAN.
public final class ReinforceController: SearchController {
    public let kind = ControllerKind.reinforce
    public let space: SearchSpace
    public let settings: ReinforceSettings
    public let seed: UInt64
    public private(set) var policy: LSTMPolicy
    public private(set) var consumed = 0
    public private(set) var history: [ControllerStep] = []
    public private(set) var baseline: Double?
    private(set) var worstReward: Double?
    private var m: [Double]
    private var v: [Double]
    private var step = 0

    public init(space: SearchSpace, settings: ReinforceSettings = ReinforceSettings(), seed: UInt64) {
        self.space = space
        self.settings = settings
        self.seed = seed
        policy = LSTMPolicy(hidden: settings.hidden, sizes: space.decisions.map(\.count), seed: seed)
        m = [Double](repeating: 0, count: policy.parameterCount)
        v = m
    }

    init(space: SearchSpace, state: ControllerState, path: String) throws {
        guard state.kind == .reinforce, let settings = state.settings, let sizes = state.sizes else {
            throw TaskError.corrupt("\(path) holds a \(state.kind.rawValue) controller, not a reinforce one")
        }
        guard sizes == space.decisions.map(\.count) else {
            throw TaskError.corrupt("\(path) was saved for another search space (decision sizes differ)")
        }
        self.space = space
        self.settings = settings
        seed = state.seed
        var policy = LSTMPolicy(hidden: settings.hidden, sizes: sizes, seed: state.seed)
        let n = policy.parameterCount
        policy.theta = try ControllerState.unpack(state.theta, count: n, what: "theta")
        self.policy = policy
        m = try ControllerState.unpack(state.adamM, count: n, what: "adamM")
        v = try ControllerState.unpack(state.adamV, count: n, what: "adamV")
        consumed = state.consumed
        step = state.step
        history = state.history
        baseline = state.baseline
        worstReward = state.worstReward
    }

    private func valid(_ t: Int, _ prefix: [Int]) -> [Bool] { space.validOptions(step: t, prefix: prefix) }

    public func sample(index: Int) -> [Int] {
        var rng = RandomStream(seed: seed, stream: RandomPurpose.search.rawValue, counter: UInt64(index), chunk: 1)
        return policy.unroll(valid: valid) { _, p in
            categorical(p, Double(rng.next() >> 11) * 0x1p-53)
        }.actions
    }

    /// Replays recorded decisions through the current policy.
    public func trajectory(_ choices: [Int]) -> LSTMPolicy.Trajectory {
        policy.unroll(valid: valid) { t, _ in choices[t] }
    }

    /// The batch loss and its gradient for given advantages (no update; for tests and `update`).
    public func lossAndGradient(_ batch: [(choices: [Int], advantage: Double)]) -> (loss: Double, gradient: [Double], entropy: Double) {
        var g = [Double](repeating: 0, count: policy.parameterCount)
        var loss = 0.0
        var entropy = 0.0
        let w = 1 / Double(max(batch.count, 1))
        for item in batch {
            let tr = trajectory(item.choices)
            loss += policy.accumulateGradient(
                tr, advantage: item.advantage, entropyWeight: settings.entropyWeight, weight: w, into: &g)
            entropy += tr.entropy * w
        }
        return (loss, g, entropy)
    }

    /// The batch loss alone, for finite differences.
    public func loss(_ batch: [(choices: [Int], advantage: Double)], theta: [Double]) -> Double {
        var p = policy
        p.theta = theta
        let w = 1 / Double(max(batch.count, 1))
        return batch.reduce(0) { acc, item in
            let tr = p.unroll(valid: valid) { t, _ in item.choices[t] }
            return acc + w * (-item.advantage * tr.logProbability - settings.entropyWeight * tr.entropy)
        }
    }

    @discardableResult
    public func update(_ batch: [(index: Int, choices: [Int], reward: Double?)]) throws -> ControllerStep {
        guard !batch.isEmpty else { throw TaskError.runtime("controller update with no candidates") }
        let seen = batch.compactMap(\.reward)
        if let low = seen.min() { worstReward = min(worstReward ?? low, low) }
        let rewards = batch.map { $0.reward ?? worstReward ?? 0 }
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        let b = baseline ?? mean
        let items = zip(batch, rewards).map { (choices: $0.choices, advantage: $1 - b) }
        let (loss, g, entropy) = lossAndGradient(items)
        adamStep(g)
        baseline = settings.baselineDecay * b + (1 - settings.baselineDecay) * mean
        step += 1
        consumed = max(consumed, (batch.map(\.index).max() ?? -1) + 1)
        let cell = cellSummary()
        let record = ControllerStep(
            step: step, candidates: batch.map(\.index), meanReward: seen.isEmpty ? nil : seen.reduce(0, +) / Double(seen.count),
            baseline: baseline, entropy: entropy, cellEntropy: cell.entropy, topCell: cell.top,
            topCellProbability: cell.probability, loss: loss)
        history.append(record)
        return record
    }

    /// Adam (Kingma & Ba) with bias correction, over the whole arena.
    private func adamStep(_ g: [Double]) {
        let t = Double(step + 1)
        let b1 = settings.beta1, b2 = settings.beta2
        let c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t)
        let lr = settings.learningRate
        for i in g.indices {
            m[i] = b1 * m[i] + (1 - b1) * g[i]
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
            policy.theta[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + settings.epsilon)
        }
    }

    public func cellDistribution() -> [Double]? {
        guard space.searchesCell else { return nil }
        var p = [Double](repeating: 0, count: NASCell.count)
        for (prefix, mass) in policy.prefixDistribution(count: space.cellDecisionCount, valid: valid) {
            let index = space.encoding == .flat
                ? prefix[0]
                : SearchSpace.cellIndex(spatial: prefix[0], transform: prefix[1], kernel: prefix[2], activation: prefix[3])
            p[index] += mass
        }
        return p
    }

    public func encodedState() throws -> [UInt8] {
        try ControllerState(
            kind: .reinforce, seed: seed, consumed: consumed, step: step, worstReward: worstReward, history: history,
            settings: settings, sizes: policy.sizes, baseline: baseline, theta: ControllerState.pack(policy.theta),
            adamM: ControllerState.pack(m), adamV: ControllerState.pack(v)
        ).encoded()
    }
}

// MARK: - Random

/// Uniform over valid genotypes: the cell uniform over the 297 buildable codes (not uniform per
/// factored decision, which would favour cells with fewer siblings), each connection a fair coin.
public final class RandomController: SearchController {
    public let kind = ControllerKind.random
    public let space: SearchSpace
    public let seed: UInt64
    public private(set) var consumed = 0
    public private(set) var history: [ControllerStep] = []
    private var step = 0
    private static let buildable = NASCell.buildableIndices

    public init(space: SearchSpace, seed: UInt64) {
        self.space = space
        self.seed = seed
    }

    init(space: SearchSpace, state: ControllerState, path: String) throws {
        guard state.kind == .random else {
            throw TaskError.corrupt("\(path) holds a \(state.kind.rawValue) controller, not a random one")
        }
        self.space = space
        seed = state.seed
        consumed = state.consumed
        step = state.step
        history = state.history
    }

    public func sample(index: Int) -> [Int] {
        var rng = RandomStream(seed: seed, stream: RandomPurpose.search.rawValue, counter: UInt64(index), chunk: 2)
        var cell = space.fixedCell
        if space.searchesCell {
            let pick = Int(Double(rng.next() >> 11) * 0x1p-53 * Double(Self.buildable.count))
            cell = try! NASCell(index: Self.buildable[min(pick, Self.buildable.count - 1)])
        }
        var matrix: [[Bool]]?
        if space.stage != .cell { matrix = (0..<5).map { _ in (0..<5).map { _ in rng.next() >> 63 == 1 } } }
        return space.choices(cell: cell!, connections: matrix)
    }

    @discardableResult
    public func update(_ batch: [(index: Int, choices: [Int], reward: Double?)]) throws -> ControllerStep {
        step += 1
        consumed = max(consumed, (batch.map(\.index).max() ?? -1) + 1)
        let seen = batch.compactMap(\.reward)
        let cell = cellSummary()
        let record = ControllerStep(
            step: step, candidates: batch.map(\.index), meanReward: seen.isEmpty ? nil : seen.reduce(0, +) / Double(seen.count),
            baseline: nil, entropy: space.uniformEntropy, cellEntropy: cell.entropy, topCell: nil, topCellProbability: nil,
            loss: nil)
        history.append(record)
        return record
    }

    public func cellDistribution() -> [Double]? {
        guard space.searchesCell else { return nil }
        let p = 1 / Double(Self.buildable.count)
        return (0..<NASCell.count).map { (try? NASCell(index: $0))?.isBuildable == true ? p : 0 }
    }

    public func encodedState() throws -> [UInt8] {
        try ControllerState(kind: .random, seed: seed, consumed: consumed, step: step, worstReward: nil, history: history).encoded()
    }
}

/// Makes a fresh controller, or restores one from controller.json bytes.
public enum Controllers {
    public static func make(_ kind: ControllerKind, space: SearchSpace, seed: UInt64, settings: ReinforceSettings = ReinforceSettings())
        -> SearchController
    {
        switch kind {
        case .reinforce: return ReinforceController(space: space, settings: settings, seed: seed)
        case .random: return RandomController(space: space, seed: seed)
        }
    }

    public static func restore(_ data: Data, path: String, space: SearchSpace) throws -> SearchController {
        let state = try ControllerState.decode(data, path: path)
        switch state.kind {
        case .reinforce: return try ReinforceController(space: space, state: state, path: path)
        case .random: return try RandomController(space: space, state: state, path: path)
        }
    }
}
