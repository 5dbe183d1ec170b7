/// A 1-D linear resampling as a sparse matrix: output i = Σ weight·input[index] over its taps.
/// Bicubic ×2 applies one along rows and one along columns; the backward applies the transposes.
struct SparseResampling {
    var start: [Int] = [0]
    var index: [Int] = []
    var weight: [Float] = []

    var outputs: Int { start.count - 1 }

    mutating func appendOutput(_ taps: [(Int, Float)]) {
        for (i, w) in taps {
            index.append(i)
            weight.append(w)
        }
        start.append(index.count)
    }

    /// The transpose, with `inputs` outputs.
    func transposed(inputs: Int) -> SparseResampling {
        var lists = [[(Int, Float)]](repeating: [], count: inputs)
        for o in 0..<outputs {
            for t in start[o]..<start[o + 1] { lists[index[t]].append((o, weight[t])) }
        }
        var result = SparseResampling()
        for taps in lists { result.appendOutput(taps) }
        return result
    }

    /// PyTorch's ×2 bicubic (A = −0.75, align_corners=False, borders clamped) over `n` inputs.
    static func bicubicDouble(_ n: Int) -> SparseResampling {
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        var m = SparseResampling()
        for o in 0..<(2 * n) {
            let real = (Float(o) + 0.5) / 2 - 0.5
            let base = Int(real.rounded(.down))
            let t = real - Float(base)
            let weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            var taps: [(Int, Float)] = []
            for k in 0..<4 {
                let i = min(max(base - 1 + k, 0), n - 1)
                if let j = taps.firstIndex(where: { $0.0 == i }) { taps[j].1 += weights[k] } else { taps.append((i, weights[k])) }
            }
            m.appendOutput(taps)
        }
        return m
    }
}

/// ×2 bicubic upsampling, as PyTorch's `nn.Upsample(mode='bicubic')`. oneDNN has no cubic
/// resampling, so it is two separable gathers over the blocked layout.
final class Bicubic: Layer {
    private var io: LayerIO!
    private var columns = SparseResampling()
    private var rows = SparseResampling()
    private var columnsT = SparseResampling()
    private var rowsT = SparseResampling()
    /// The horizontally resampled intermediate (C, H, 2W), and its gradient.
    private var middle: Tensor!
    private var middleGrad: Tensor!

    var kind: String { "up-bicubic" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        TensorShape(inputs[0].channels, inputs[0].height * 2, inputs[0].width * 2)
    }

    func build(_ io: LayerIO) throws {
        self.io = io
        let s = io.inputs[0].shape
        columns = .bicubicDouble(s.width)
        rows = .bicubicDouble(s.height)
        columnsT = columns.transposed(inputs: s.width)
        rowsT = rows.transposed(inputs: s.height)
        middle = Tensor(activation: TensorShape(s.channels, s.height, 2 * s.width))
        if io.outputGrad != nil, io.inputGrads[0] != nil {
            middleGrad = Tensor(activation: middle.shape)
        }
    }

    func forward() {
        Self.alongRows(columns, from: Blocked(io.inputs[0]), to: Blocked(middle))
        Self.alongColumns(rows, from: Blocked(middle), to: Blocked(io.output))
    }

    func backward() {
        guard let diffDst = io.outputGrad, let diffSrc = io.inputGrads[0] else { return }
        Self.alongColumns(rowsT, from: Blocked(diffDst), to: Blocked(middleGrad))
        Self.alongRows(columnsT, from: Blocked(middleGrad), to: Blocked(diffSrc))
    }

    /// Resamples each row: out[y][x] = Σ w · in[y][index].
    static func alongRows(_ m: SparseResampling, from src: Blocked, to dst: Blocked) {
        let height = dst.shape.height
        m.start.withUnsafeBufferPointer { start in
            m.index.withUnsafeBufferPointer { index in
                m.weight.withUnsafeBufferPointer { weight in
                    Parallel.forEach(dst.blocks * height, grain: 8) { range in
                        for job in range {
                            let block = job / height
                            let y = job % height
                            let from = src.row(block, y)
                            let to = dst.row(block, y)
                            for x in 0..<(start.count - 1) {
                                var acc = SIMD16<Float>(repeating: 0)
                                for t in start[x]..<start[x + 1] { acc += weight[t] * from.vector(at: index[t] * 16) }
                                to.setVector(acc, at: x * 16)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Resamples each column: out[y] = Σ w · in[index] (whole rows at a time).
    static func alongColumns(_ m: SparseResampling, from src: Blocked, to dst: Blocked) {
        let height = dst.shape.height
        let width = dst.shape.width
        m.start.withUnsafeBufferPointer { start in
            m.index.withUnsafeBufferPointer { index in
                m.weight.withUnsafeBufferPointer { weight in
                    Parallel.forEach(dst.blocks * height, grain: 8) { range in
                        for job in range {
                            let block = job / height
                            let y = job % height
                            let to = dst.row(block, y)
                            to.update(repeating: 0, count: width * 16)
                            for t in start[y]..<start[y + 1] {
                                let from = src.row(block, index[t])
                                let w = weight[t]
                                for x in 0..<width { to.addVector(w * from.vector(at: x * 16), at: x * 16) }
                            }
                        }
                    }
                }
            }
        }
    }
}
