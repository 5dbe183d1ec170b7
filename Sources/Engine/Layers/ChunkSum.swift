/// NAS-DIP's "add every N channels" with N = 4: the input is cut into 4 contiguous chunks of
/// C/4 channels and the chunks are summed, out[c] = Σₖ in[c + k·C/4] (nasdip-spec §2.1, §8.3).
final class ChunkSum: Layer {
    static let chunks = 4
    private var io: LayerIO!

    var kind: String { "chunksum" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        let s = inputs[0]
        guard s.channels % Self.chunks == 0 else {
            throw EngineError("chunk sum needs channels divisible by 4, got \(s.channels)")
        }
        return TensorShape(s.channels / Self.chunks, s.height, s.width)
    }

    func build(_ io: LayerIO) throws { self.io = io }

    func forward() {
        let src = Blocked(io.inputs[0])
        let dst = Blocked(io.output)
        let q = dst.shape.channels
        let height = dst.shape.height
        let width = dst.shape.width
        if q % 16 == 0 {
            Parallel.forEach(dst.blocks * height, grain: 16) { range in
                for job in range {
                    let block = job / height
                    let y = job % height
                    let out = dst.row(block, y)
                    let first = src.row(block, y)
                    let chunk = q / 16 * src.planeStride
                    for x in 0..<width {
                        let o = x * 16
                        out.setVector(
                            first.vector(at: o) + first.vector(at: o + chunk) + first.vector(at: o + 2 * chunk)
                                + first.vector(at: o + 3 * chunk), at: o)
                    }
                }
            }
            return
        }
        Parallel.forEach(height, grain: 4) { range in
            for y in range {
                for c in 0..<q {
                    let out = dst.at(c, y, 0)
                    for x in 0..<width {
                        var total: Float = 0
                        for k in 0..<4 { total += src.at(c + k * q, y, x).pointee }
                        out[x * 16] = total
                    }
                }
            }
        }
    }

    func backward() {
        guard let diffDst = io.outputGrad, let target = io.inputGrads[0] else { return }
        let q = diffDst.shape.channels
        for k in 0..<4 {
            ChannelCopy.copy(from: Blocked(diffDst), channel: 0, to: Blocked(target), channel: k * q, count: q)
        }
    }
}
