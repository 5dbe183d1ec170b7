import Foundation

/// Adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e-8, no weight decay), in PyTorch ≥ 1.0's
/// form: ε is added after bias-correcting √v. One flat loop over the parameter arena.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float = 0.9
    public let beta2: Float = 0.999
    public let epsilon: Float = 1e-8
    /// Steps taken so far (bias correction uses it).
    public internal(set) var step = 0
    let count: Int
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>

    public init(parameterCount: Int, learningRate: Float) {
        self.learningRate = learningRate
        count = parameterCount
        m = .allocate(capacity: max(count, 1))
        v = .allocate(capacity: max(count, 1))
        m.initialize(repeating: 0, count: max(count, 1))
        v.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        m.deallocate()
        v.deallocate()
    }

    /// Applies one update to `parameters` from their current gradients.
    public func update(_ parameters: ParameterStore) {
        precondition(parameters.count == count)
        step += 1
        let b1 = beta1
        let b2 = beta2
        let stepSize = learningRate / (1 - powf(b1, Float(step)))
        let correction2 = (1 - powf(b2, Float(step))).squareRoot()
        let eps = epsilon
        let p = parameters.values!
        let g = parameters.grads!
        let m = self.m
        let v = self.v
        Parallel.forEach(count, grain: 1 << 15) { range in
            for i in range {
                let gi = g[i]
                let mi = b1 * m[i] + (1 - b1) * gi
                let vi = b2 * v[i] + (1 - b2) * gi * gi
                m[i] = mi
                v[i] = vi
                p[i] -= stepSize * mi / (vi.squareRoot() / correction2 + eps)
            }
        }
    }

    /// First and second moments, for checkpoints.
    public var moments: (m: UnsafeMutableBufferPointer<Float>, v: UnsafeMutableBufferPointer<Float>) {
        (UnsafeMutableBufferPointer(start: m, count: count), UnsafeMutableBufferPointer(start: v, count: count))
    }

    public func restore(step: Int, m newM: [Float], v newV: [Float]) {
        precondition(newM.count == count && newV.count == count)
        self.step = step
        newM.withUnsafeBufferPointer { m.update(from: $0.baseAddress!, count: count) }
        newV.withUnsafeBufferPointer { v.update(from: $0.baseAddress!, count: count) }
    }
}
