import Foundation

/// A xoshiro256** generator keyed by (seed, stream, counter).
///
/// dip never carries generator state across iterations: every draw is addressed by its purpose
/// (init, input z, regularisation noise of iteration t, …) and a chunk index. So a run resumed
/// from a checkpoint at iteration t draws exactly the numbers the uninterrupted run would, and
/// noise can be filled in parallel chunks without depending on the thread count.
public struct RandomStream {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64, stream: UInt64 = 0, counter: UInt64 = 0, chunk: UInt64 = 0) {
        var x = seed &* 0x9E37_79B9_7F4A_7C15
        x ^= RandomStream.mix(stream &+ 0x632B_E59B_D9B4_E019)
        x ^= RandomStream.mix(counter &+ 0x8CB9_2BA7_2F3D_8DD7) &* 3
        x ^= RandomStream.mix(chunk &+ 0x5851_F42D_4C95_7F2D) &* 7
        s0 = RandomStream.splitMix(&x)
        s1 = RandomStream.splitMix(&x)
        s2 = RandomStream.splitMix(&x)
        s3 = RandomStream.splitMix(&x)
    }

    private static func mix(_ v: UInt64) -> UInt64 {
        var z = v
        return splitMix(&z)
    }

    private static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) <<< 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 <<< 45
        return result
    }

    /// U[0, 1) with 24 random bits, the resolution of a Float.
    @inline(__always)
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// N(0, 1) by Marsaglia and Tsang's ziggurat (128 layers), a few ns per draw.
    @inline(__always)
    public mutating func nextNormal() -> Float {
        let bits = next()
        let layer = Int(bits & 127)
        let hz = Int32(truncatingIfNeeded: bits >> 32)
        let z = Ziggurat.table
        if UInt32(hz.magnitude) < z.k[layer] { return Float(hz) * z.w[layer] }
        return slowNormal(hz: hz, layer: layer)
    }

    private mutating func slowNormal(hz: Int32, layer: Int) -> Float {
        let z = Ziggurat.table
        var hz = hz
        var layer = layer
        while true {
            let x = Float(hz) * z.w[layer]
            if layer == 0 {
                // The tail beyond r, sampled exactly by Marsaglia's method.
                var tx: Float
                var ty: Float
                repeat {
                    tx = -logf(1 - nextUniform()) / Ziggurat.r
                    ty = -logf(1 - nextUniform())
                } while ty + ty < tx * tx
                return hz > 0 ? Ziggurat.r + tx : -Ziggurat.r - tx
            }
            if z.f[layer] + nextUniform() * (z.f[layer - 1] - z.f[layer]) < expf(-0.5 * x * x) { return x }
            let bits = next()
            layer = Int(bits & 127)
            hz = Int32(truncatingIfNeeded: bits >> 32)
            if UInt32(hz.magnitude) < z.k[layer] { return Float(hz) * z.w[layer] }
        }
    }
}

infix operator <<< : BitwiseShiftPrecedence
@inline(__always) private func <<< (x: UInt64, k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

/// The precomputed layer tables of the 128-layer normal ziggurat.
private struct Ziggurat {
    static let r: Float = 3.442_619_855_899
    let k: [UInt32]
    let w: [Float]
    let f: [Float]

    static let table = Ziggurat()

    private init() {
        let m1 = 2_147_483_648.0
        var dn = 3.442_619_855_899
        var tn = dn
        let vn = 9.912_563_035_262_17e-3
        var k = [UInt32](repeating: 0, count: 128)
        var w = [Double](repeating: 0, count: 128)
        var f = [Double](repeating: 0, count: 128)
        let q = vn / exp(-0.5 * dn * dn)
        k[0] = UInt32((dn / q) * m1)
        k[1] = 0
        w[0] = q / m1
        w[127] = dn / m1
        f[0] = 1
        f[127] = exp(-0.5 * dn * dn)
        for i in stride(from: 126, through: 1, by: -1) {
            dn = (-2 * log(vn / dn + exp(-0.5 * dn * dn))).squareRoot()
            k[i + 1] = UInt32((dn / tn) * m1)
            tn = dn
            f[i] = exp(-0.5 * dn * dn)
            w[i] = dn / m1
        }
        self.k = k
        self.w = w.map(Float.init)
        self.f = f.map(Float.init)
    }
}

/// What a block of random numbers is for; part of the key of every draw.
public enum RandomPurpose: UInt64, Sendable {
    case parameterInit = 1
    case inputNoise = 2
    case regularisationNoise = 3
    case degradation = 4
    case mask = 5
    case search = 6
    case impedanceTarget = 7
}

/// Fills large buffers with noise in fixed-size chunks, each from its own keyed stream,
/// so the result does not depend on how many threads run.
public enum NoiseFill {
    static let chunk = 65_536

    public enum Distribution: Sendable { case uniform, normal }

    /// Writes `base + scale · X + offset` into `buffer` (base 0 when nil), X from `distribution`,
    /// keyed by (seed, purpose, counter).
    public static func fill(
        _ buffer: UnsafeMutablePointer<Float>, count: Int, seed: UInt64, purpose: RandomPurpose,
        counter: UInt64 = 0, distribution: Distribution, scale: Float = 1, offset: Float = 0,
        adding base: UnsafePointer<Float>? = nil
    ) {
        let chunks = (count + chunk - 1) / chunk
        Parallel.forEach(chunks, grain: 1) { range in
            for c in range {
                var rng = RandomStream(seed: seed, stream: purpose.rawValue, counter: counter, chunk: UInt64(c))
                let lo = c * chunk
                let hi = min(count, lo + chunk)
                switch distribution {
                case .uniform:
                    for i in lo..<hi { buffer[i] = rng.nextUniform() * scale + offset }
                case .normal:
                    for i in lo..<hi { buffer[i] = rng.nextNormal() * scale + offset }
                }
                if let base { for i in lo..<hi { buffer[i] += base[i] } }
            }
        }
    }

    /// Array convenience for callers outside the hot loop.
    public static func make(
        count: Int, seed: UInt64, purpose: RandomPurpose, counter: UInt64 = 0,
        distribution: Distribution, scale: Float = 1, offset: Float = 0
    ) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer {
            fill(
                $0.baseAddress!, count: count, seed: seed, purpose: purpose, counter: counter,
                distribution: distribution, scale: scale, offset: offset)
        }
        return out
    }
}
