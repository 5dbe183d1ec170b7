/// What the net's fixed input z is (dip-spec.md §1.3).
public enum NetInput: Sendable, Equatable {
    /// U[0,1)·0.1 (`noise_type='u'`, `var=0.1`): not zero-mean, as the reference draws it.
    case uniformNoise(depth: Int)
    /// N(0,1)·0.1 (`noise_type='n'`).
    case normalNoise(depth: Int)
    /// Two channels: X = column/(W−1) and Y = row/(H−1).
    case meshgrid
    /// A given C×H×W tensor (flash/no-flash feeds the flash image itself).
    case image(channels: Int)

    public var depth: Int {
        switch self {
        case .uniformNoise(let d), .normalNoise(let d): return d
        case .meshgrid: return 2
        case .image(let c): return c
        }
    }

    /// The tensor z for an H×W net, drawn from `seed`. For `.image`, call sites supply z themselves.
    public func make(height: Int, width: Int, seed: UInt64) -> [Float] {
        let count = depth * height * width
        switch self {
        case .uniformNoise:
            return NoiseFill.make(count: count, seed: seed, purpose: .inputNoise, distribution: .uniform, scale: 0.1)
        case .normalNoise:
            return NoiseFill.make(count: count, seed: seed, purpose: .inputNoise, distribution: .normal, scale: 0.1)
        case .meshgrid:
            var z = [Float](repeating: 0, count: count)
            let plane = height * width
            for y in 0..<height {
                for x in 0..<width {
                    z[y * width + x] = width > 1 ? Float(x) / Float(width - 1) : 0
                    z[plane + y * width + x] = height > 1 ? Float(y) / Float(height - 1) : 0
                }
            }
            return z
        case .image:
            return [Float](repeating: 0, count: count)
        }
    }
}
