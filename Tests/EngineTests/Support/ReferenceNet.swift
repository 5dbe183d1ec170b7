import Foundation
@testable import Engine

/// A naive Float64 evaluator of any NetSpec, written from the PyTorch definitions of each op.
/// It is the yardstick for the oneDNN forward and, through finite differences, for every
/// backward: slow, obvious and independent of oneDNN.
struct ReferenceTensor {
    var c: Int, h: Int, w: Int
    var data: [Double]

    init(_ c: Int, _ h: Int, _ w: Int, _ data: [Double]? = nil) {
        self.c = c
        self.h = h
        self.w = w
        self.data = data ?? Array(repeating: 0, count: c * h * w)
    }

    subscript(ch: Int, y: Int, x: Int) -> Double {
        get { data[(ch * h + y) * w + x] }
        set { data[(ch * h + y) * w + x] = newValue }
    }
}

struct ReferenceNet {
    let spec: NetSpec
    /// Parameter values by name ("node.weight", "node.bias").
    var parameters: [String: [Double]]

    init(graph: Graph) {
        spec = graph.spec
        var p: [String: [Double]] = [:]
        for e in graph.parameters.entries { p[e.name] = graph.parameters.values(of: e).map(Double.init) }
        parameters = p
    }

    /// Every node's output; the last element of `outputs[spec.output]` is the image.
    func run(_ input: ReferenceTensor) -> [ReferenceTensor] {
        var outs: [ReferenceTensor] = [input]
        for (i, node) in spec.nodes.enumerated().dropFirst() {
            let xs = node.inputs.map { outs[$0] }
            outs.append(apply(node, xs, scope: spec.parameterScope(i)))
        }
        return outs
    }

    /// `scope` names the node's parameters: its own name, or the name of the node it shares them with.
    private func apply(_ node: NetSpec.Node, _ xs: [ReferenceTensor], scope: String) -> ReferenceTensor {
        let x = xs[0]
        switch node.op {
        case .input: fatalError()
        case .conv(let s):
            return Self.conv(x, weight: parameters["\(scope).weight"]!, bias: parameters["\(scope).bias"], spec: s)
        case .fixedDepthwise(let kernel, let size, let stride):
            let weights = (0..<x.c).flatMap { _ in kernel.map(Double.init) }
            return Self.conv(
                x, weight: weights, bias: nil,
                spec: ConvSpec(outChannels: x.c, kernel: size, stride: stride, groups: x.c, bias: false))
        case .reflectionPad(let p): return Self.pad(x, p) { i, n in i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }
        case .replicationPad(let p): return Self.pad(x, p) { i, n in min(max(i, 0), n - 1) }
        case .batchNorm:
            return Self.batchNorm(x, gamma: parameters["\(scope).weight"]!, beta: parameters["\(scope).bias"]!)
        case .instanceNorm:
            return Self.batchNorm(x, gamma: Array(repeating: 1, count: x.c), beta: Array(repeating: 0, count: x.c))
        case .activation(let a):
            var y = x
            y.data = x.data.map { v in
                switch a {
                case .leakyReLU: return v > 0 ? v : 0.2 * v
                case .relu: return max(v, 0)
                case .sigmoid: return 1 / (1 + exp(-v))
                case .none: return v
                }
            }
            return y
        case .upsample(let mode): return Self.upsample(x, mode)
        case .pixelShuffle:
            var y = ReferenceTensor(x.c / 4, x.h * 2, x.w * 2)
            for c in 0..<y.c { for yy in 0..<y.h { for xx in 0..<y.w {
                y[c, yy, xx] = x[4 * c + 2 * (yy % 2) + xx % 2, yy / 2, xx / 2]
            } } }
            return y
        case .chunkSum:
            let q = x.c / 4
            var y = ReferenceTensor(q, x.h, x.w)
            for c in 0..<q { for i in 0..<(x.h * x.w) {
                y.data[c * x.h * x.w + i] = (0..<4).reduce(0) { $0 + x.data[(c + $1 * q) * x.h * x.w + i] }
            } }
            return y
        case .concat:
            let h = xs.map(\.h).min()!
            let w = xs.map(\.w).min()!
            var y = ReferenceTensor(xs.reduce(0) { $0 + $1.c }, h, w)
            var offset = 0
            for t in xs {
                let dy = (t.h - h) / 2
                let dx = (t.w - w) / 2
                for c in 0..<t.c { for yy in 0..<h { for xx in 0..<w { y[offset + c, yy, xx] = t[c, yy + dy, xx + dx] } } }
                offset += t.c
            }
            return y
        case .add:
            var y = x
            for t in xs.dropFirst() { for i in y.data.indices { y.data[i] += t.data[i] } }
            return y
        case .pool(let kind):
            var y = ReferenceTensor(x.c, x.h / 2, x.w / 2)
            for c in 0..<x.c { for yy in 0..<y.h { for xx in 0..<y.w {
                let v = [x[c, 2 * yy, 2 * xx], x[c, 2 * yy, 2 * xx + 1], x[c, 2 * yy + 1, 2 * xx], x[c, 2 * yy + 1, 2 * xx + 1]]
                y[c, yy, xx] = kind == .max ? v.max()! : v.reduce(0, +) / 4
            } } }
            return y
        }
    }

    /// PyTorch Conv2d / ConvTranspose2d semantics, weights in PyTorch layout.
    static func conv(_ x: ReferenceTensor, weight: [Double], bias: [Double]?, spec s: ConvSpec) -> ReferenceTensor {
        let k = s.kernel
        let g = s.groups
        let inPerGroup = x.c / g
        let outPerGroup = s.outChannels / g
        if !s.transposed {
            let oh = (x.h + 2 * s.padding - k) / s.stride + 1
            let ow = (x.w + 2 * s.padding - k) / s.stride + 1
            var y = ReferenceTensor(s.outChannels, oh, ow)
            for o in 0..<s.outChannels {
                let group = o / outPerGroup
                for yy in 0..<oh { for xx in 0..<ow {
                    var acc = bias?[o] ?? 0
                    for ci in 0..<inPerGroup {
                        let c = group * inPerGroup + ci
                        for ky in 0..<k { for kx in 0..<k {
                            let iy = yy * s.stride - s.padding + ky
                            let ix = xx * s.stride - s.padding + kx
                            if iy < 0 || iy >= x.h || ix < 0 || ix >= x.w { continue }
                            acc += weight[((o * inPerGroup + ci) * k + ky) * k + kx] * x[c, iy, ix]
                        } }
                    }
                    y[o, yy, xx] = acc
                } }
            }
            return y
        }
        let oh = (x.h - 1) * s.stride - 2 * s.padding + k + s.outputPadding
        let ow = (x.w - 1) * s.stride - 2 * s.padding + k + s.outputPadding
        var y = ReferenceTensor(s.outChannels, oh, ow)
        for i in 0..<x.c {
            let group = i / inPerGroup
            for yy in 0..<x.h { for xx in 0..<x.w {
                let v = x[i, yy, xx]
                for oo in 0..<outPerGroup {
                    let o = group * outPerGroup + oo
                    for ky in 0..<k { for kx in 0..<k {
                        let py = yy * s.stride - s.padding + ky
                        let px = xx * s.stride - s.padding + kx
                        if py < 0 || py >= oh || px < 0 || px >= ow { continue }
                        y[o, py, px] += v * weight[((i * outPerGroup + oo) * k + ky) * k + kx]
                    } }
                }
            } }
        }
        if let bias { for o in 0..<s.outChannels { for i in 0..<(oh * ow) { y.data[o * oh * ow + i] += bias[o] } } }
        return y
    }

    static func pad(_ x: ReferenceTensor, _ p: Int, _ map: (Int, Int) -> Int) -> ReferenceTensor {
        var y = ReferenceTensor(x.c, x.h + 2 * p, x.w + 2 * p)
        for c in 0..<x.c { for yy in 0..<y.h { for xx in 0..<y.w { y[c, yy, xx] = x[c, map(yy - p, x.h), map(xx - p, x.w)] } } }
        return y
    }

    static func batchNorm(_ x: ReferenceTensor, gamma: [Double], beta: [Double]) -> ReferenceTensor {
        var y = x
        let n = Double(x.h * x.w)
        for c in 0..<x.c {
            let slice = x.data[(c * x.h * x.w)..<((c + 1) * x.h * x.w)]
            let mean = slice.reduce(0, +) / n
            let variance = slice.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
            for i in 0..<(x.h * x.w) {
                y.data[c * x.h * x.w + i] = gamma[c] * (x.data[c * x.h * x.w + i] - mean) / (variance + 1e-5).squareRoot() + beta[c]
            }
        }
        return y
    }

    /// nn.Upsample(scale_factor=2) with align_corners=False.
    static func upsample(_ x: ReferenceTensor, _ mode: UpsampleMode) -> ReferenceTensor {
        var y = ReferenceTensor(x.c, x.h * 2, x.w * 2)
        func taps(_ o: Int, _ n: Int) -> [(Int, Double)] {
            switch mode {
            case .nearest: return [(o / 2, 1)]
            case .bilinear:
                let real = max((Double(o) + 0.5) / 2 - 0.5, 0)
                let i0 = Int(real)
                let t = real - Double(i0)
                return [(i0, 1 - t), (min(i0 + 1, n - 1), t)]
            case .bicubic:
                let a = -0.75
                let real = (Double(o) + 0.5) / 2 - 0.5
                let i0 = Int(real.rounded(.down))
                let t = real - Double(i0)
                func near(_ v: Double) -> Double { ((a + 2) * v - (a + 3)) * v * v + 1 }
                func far(_ v: Double) -> Double { ((a * v - 5 * a) * v + 8 * a) * v - 4 * a }
                let w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
                return (0..<4).map { (min(max(i0 - 1 + $0, 0), n - 1), w[$0]) }
            }
        }
        for c in 0..<x.c { for yy in 0..<y.h { for xx in 0..<y.w {
            var acc = 0.0
            for (iy, wy) in taps(yy, x.h) { for (ix, wx) in taps(xx, x.w) { acc += wy * wx * x[c, iy, ix] } }
            y[c, yy, xx] = acc
        } } }
        return y
    }
}
