import Engine
import Foundation

/// The controller's policy network (nasdip-spec §6.2 fallback, AutoGAN's controller): an
/// LSTMCell with hidden size H unrolled once per decision. Step 0 reads a learned start token;
/// step t > 0 reads the embedding of decision t−1's chosen option (one table per decision).
/// Decision t's logits are a linear head on h_{t+1}; invalid options are masked out before the
/// softmax.
///
/// Plain Swift in Float64, forward and backward written by hand: the net is ~100k parameters
/// and runs once per candidate, so the oneDNN engine would only add overhead.
///
///     gates = W_ih·x_t + W_hh·h_t + b              // (4H), PyTorch order i, f, g, o
///     c_{t+1} = σ(f)⊙c_t + σ(i)⊙tanh(g)
///     h_{t+1} = σ(o)⊙tanh(c_{t+1})
///     logits_t = W_t·h_{t+1} + b_t                  // (n_t), masked
///
/// (PyTorch's two LSTM biases are folded into one b.)
public struct LSTMPolicy: Sendable {
    public let hidden: Int
    /// Options per decision.
    public let sizes: [Int]
    /// Every parameter in one arena; see `Layout` for the views.
    public var theta: [Double]
    let layout: Layout

    /// Offsets of the named views into `theta`.
    struct Layout: Sendable {
        let start: Int  // (H) the first step's input
        let wIH: Int  // (4H, H) row-major
        let wHH: Int  // (4H, H)
        let bias: Int  // (4H)
        let embed: [Int]  // per decision: (n_t, H)
        let headW: [Int]  // per decision: (n_t, H)
        let headB: [Int]  // per decision: (n_t)
        let count: Int

        init(hidden h: Int, sizes: [Int]) {
            var o = 0
            func take(_ n: Int) -> Int {
                defer { o += n }
                return o
            }
            start = take(h)
            wIH = take(4 * h * h)
            wHH = take(4 * h * h)
            bias = take(4 * h)
            embed = sizes.map { take($0 * h) }
            headW = sizes.map { take($0 * h) }
            headB = sizes.map { take($0) }
            count = o
        }
    }

    /// PyTorch's initialisation: LSTM and linear weights and biases U(±1/√H), embeddings and the
    /// start token N(0, 1); keyed by `seed` so a search is reproducible.
    public init(hidden: Int, sizes: [Int], seed: UInt64) {
        self.hidden = hidden
        self.sizes = sizes
        layout = Layout(hidden: hidden, sizes: sizes)
        var theta = [Double](repeating: 0, count: layout.count)
        var rng = RandomStream(seed: seed, stream: RandomPurpose.search.rawValue, counter: 0x4C53_544D)  // "LSTM"
        let bound = 1 / Double(hidden).squareRoot()
        func uniform(_ from: Int, _ n: Int) {
            for i in from..<(from + n) { theta[i] = (2 * Double(rng.nextUniform()) - 1) * bound }
        }
        func normal(_ from: Int, _ n: Int) {
            for i in from..<(from + n) { theta[i] = Double(rng.nextNormal()) }
        }
        normal(layout.start, hidden)
        uniform(layout.wIH, 4 * hidden * hidden)
        uniform(layout.wHH, 4 * hidden * hidden)
        uniform(layout.bias, 4 * hidden)
        for (t, n) in sizes.enumerated() {
            normal(layout.embed[t], n * hidden)
            uniform(layout.headW[t], n * hidden)
            uniform(layout.headB[t], n)
        }
        self.theta = theta
    }

    public var parameterCount: Int { layout.count }

    // MARK: Forward

    /// What one step keeps for the backward pass.
    struct StepCache {
        var x: [Double]
        var hPrev: [Double]
        var cPrev: [Double]
        var gi: [Double], gf: [Double], gg: [Double], go: [Double]  // after σ / tanh
        var c: [Double]
        var tanhC: [Double]
        var h: [Double]
        var probabilities: [Double]  // 0 where masked
        var valid: [Bool]
        var action: Int
        var entropy: Double
    }

    /// One unrolled decision sequence.
    public struct Trajectory: Sendable {
        public var actions: [Int]
        /// Σ_t log π(a_t | a_<t).
        public var logProbability: Double
        /// Σ_t H(π(· | a_<t)), nats: an unbiased estimate of the joint entropy (chain rule).
        public var entropy: Double
        /// Each step's masked distribution.
        public var probabilities: [[Double]]
        var steps: [StepCache]
    }

    @inline(__always) private static func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }

    /// One LSTM step from (x, h, c).
    func cell(x: [Double], h: [Double], c: [Double]) -> StepCache {
        let n = hidden
        var gates = [Double](repeating: 0, count: 4 * n)
        theta.withUnsafeBufferPointer { p in
            let wi = p.baseAddress! + layout.wIH
            let wh = p.baseAddress! + layout.wHH
            let b = p.baseAddress! + layout.bias
            x.withUnsafeBufferPointer { xp in
                h.withUnsafeBufferPointer { hp in
                    for r in 0..<(4 * n) {
                        var s = b[r]
                        let ri = wi + r * n
                        let rh = wh + r * n
                        for k in 0..<n { s += ri[k] * xp[k] + rh[k] * hp[k] }
                        gates[r] = s
                    }
                }
            }
        }
        var step = StepCache(
            x: x, hPrev: h, cPrev: c, gi: [], gf: [], gg: [], go: [], c: [], tanhC: [], h: [], probabilities: [], valid: [],
            action: 0, entropy: 0)
        step.gi = (0..<n).map { Self.sigmoid(gates[$0]) }
        step.gf = (0..<n).map { Self.sigmoid(gates[n + $0]) }
        step.gg = (0..<n).map { tanh(gates[2 * n + $0]) }
        step.go = (0..<n).map { Self.sigmoid(gates[3 * n + $0]) }
        step.c = (0..<n).map { step.gf[$0] * c[$0] + step.gi[$0] * step.gg[$0] }
        step.tanhC = step.c.map { tanh($0) }
        step.h = (0..<n).map { step.go[$0] * step.tanhC[$0] }
        return step
    }

    /// The masked softmax of decision `t`'s head on `h`.
    func distribution(decision t: Int, h: [Double], valid: [Bool]) -> [Double] {
        let n = sizes[t]
        var logits = [Double](repeating: -.infinity, count: n)
        theta.withUnsafeBufferPointer { p in
            for j in 0..<n where valid[j] {
                var s = p[layout.headB[t] + j]
                let row = layout.headW[t] + j * hidden
                for k in 0..<hidden { s += p[row + k] * h[k] }
                logits[j] = s
            }
        }
        let top = logits.max() ?? 0
        var e = logits.map { $0 == -.infinity ? 0 : exp($0 - top) }
        let total = e.reduce(0, +)
        for j in 0..<n { e[j] /= total }
        return e
    }

    /// The input to step t+1 after choosing `action` at step t.
    func embedding(decision t: Int, action: Int) -> [Double] {
        let from = layout.embed[t] + action * hidden
        return Array(theta[from..<(from + hidden)])
    }

    /// Unrolls the policy: `valid(t, prefix)` masks decision t, `pick(t, probabilities)` chooses
    /// (a sampler, or a replay of recorded actions).
    public func unroll(valid: (Int, [Int]) -> [Bool], pick: (Int, [Double]) -> Int) -> Trajectory {
        var x = Array(theta[layout.start..<(layout.start + hidden)])
        var h = [Double](repeating: 0, count: hidden)
        var c = h
        var steps: [StepCache] = []
        var actions: [Int] = []
        var logp = 0.0
        var entropy = 0.0
        for t in sizes.indices {
            var step = cell(x: x, h: h, c: c)
            let mask = valid(t, actions)
            precondition(mask.count == sizes[t] && mask.contains(true), "decision \(t) has no valid option")
            let p = distribution(decision: t, h: step.h, valid: mask)
            let a = pick(t, p)
            precondition(mask.indices.contains(a) && mask[a], "decision \(t): option \(a) is masked")
            step.probabilities = p
            step.valid = mask
            step.action = a
            step.entropy = -p.reduce(0) { $0 + ($1 > 0 ? $1 * log($1) : 0) }
            logp += log(p[a])
            entropy += step.entropy
            actions.append(a)
            h = step.h
            c = step.c
            x = embedding(decision: t, action: a)
            steps.append(step)
        }
        return Trajectory(
            actions: actions, logProbability: logp, entropy: entropy, probabilities: steps.map(\.probabilities), steps: steps)
    }

    // MARK: Backward

    /// Adds ∇θ of  −advantage·log π(a) − entropyWeight·H  for `trajectory` into `gradient`
    /// (scaled by `weight`) and returns that loss.
    @discardableResult
    public func accumulateGradient(
        _ trajectory: Trajectory, advantage: Double, entropyWeight: Double, weight: Double = 1, into gradient: inout [Double]
    ) -> Double {
        let n = hidden
        var dhNext = [Double](repeating: 0, count: n)
        var dcNext = dhNext
        var da = [Double](repeating: 0, count: 4 * n)
        gradient.withUnsafeMutableBufferPointer { g in
            theta.withUnsafeBufferPointer { p in
                for t in stride(from: trajectory.steps.count - 1, through: 0, by: -1) {
                    let s = trajectory.steps[t]
                    // Softmax head: ∂(−A log p_a − βH)/∂z_j = −A(δ_ja − p_j) + β p_j (log p_j + H).
                    var dh = dhNext
                    for j in 0..<sizes[t] where s.valid[j] {
                        let pj = s.probabilities[j]
                        var dz = -advantage * ((j == s.action ? 1 : 0) - pj)
                        if pj > 0 { dz += entropyWeight * pj * (log(pj) + s.entropy) }
                        dz *= weight
                        g[layout.headB[t] + j] += dz
                        let row = layout.headW[t] + j * n
                        for k in 0..<n {
                            g[row + k] += dz * s.h[k]
                            dh[k] += dz * p[row + k]
                        }
                    }
                    // LSTM cell.
                    var dcPrev = [Double](repeating: 0, count: n)
                    for k in 0..<n {
                        let dc = dcNext[k] + dh[k] * s.go[k] * (1 - s.tanhC[k] * s.tanhC[k])
                        let dgo = dh[k] * s.tanhC[k]
                        let dgi = dc * s.gg[k]
                        let dgg = dc * s.gi[k]
                        let dgf = dc * s.cPrev[k]
                        dcPrev[k] = dc * s.gf[k]
                        da[k] = dgi * s.gi[k] * (1 - s.gi[k])
                        da[n + k] = dgf * s.gf[k] * (1 - s.gf[k])
                        da[2 * n + k] = dgg * (1 - s.gg[k] * s.gg[k])
                        da[3 * n + k] = dgo * s.go[k] * (1 - s.go[k])
                    }
                    var dx = [Double](repeating: 0, count: n)
                    var dhPrev = [Double](repeating: 0, count: n)
                    for r in 0..<(4 * n) {
                        let d = da[r]
                        if d == 0 { continue }
                        g[layout.bias + r] += d
                        let ri = layout.wIH + r * n
                        let rh = layout.wHH + r * n
                        for k in 0..<n {
                            g[ri + k] += d * s.x[k]
                            g[rh + k] += d * s.hPrev[k]
                            dx[k] += d * p[ri + k]
                            dhPrev[k] += d * p[rh + k]
                        }
                    }
                    // x_t is the start token (t = 0) or the embedding of the previous choice.
                    let target = t == 0 ? layout.start : layout.embed[t - 1] + trajectory.actions[t - 1] * n
                    for k in 0..<n { g[target + k] += dx[k] }
                    dhNext = dhPrev
                    dcNext = dcPrev
                }
            }
        }
        return weight * (-advantage * trajectory.logProbability - entropyWeight * trajectory.entropy)
    }

    // MARK: Marginals

    /// The exact marginal probability of every outcome of the first `count` decisions (a tree
    /// walk; used for the cell distribution, where count ≤ 4 and the tree has a few hundred
    /// leaves). Keys are the decision prefixes.
    public func prefixDistribution(count: Int, valid: (Int, [Int]) -> [Bool]) -> [([Int], Double)] {
        var out: [([Int], Double)] = []
        func walk(_ t: Int, _ x: [Double], _ h: [Double], _ c: [Double], _ prefix: [Int], _ mass: Double) {
            if t == count {
                out.append((prefix, mass))
                return
            }
            let step = cell(x: x, h: h, c: c)
            let mask = valid(t, prefix)
            let p = distribution(decision: t, h: step.h, valid: mask)
            for a in p.indices where mask[a] && p[a] > 0 {
                walk(t + 1, embedding(decision: t, action: a), step.h, step.c, prefix + [a], mass * p[a])
            }
        }
        let zero = [Double](repeating: 0, count: hidden)
        walk(0, Array(theta[layout.start..<(layout.start + hidden)]), zero, zero, [], 1)
        return out
    }
}
