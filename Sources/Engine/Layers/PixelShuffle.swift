/// Depth-to-space ×2 (PyTorch's PixelShuffle(2)): out(c, 2h+i, 2w+j) = in(4c+2i+j, h, w).
final class PixelShuffle: Layer {
    private var io: LayerIO!

    var kind: String { "pixelshuffle" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        let s = inputs[0]
        guard s.channels % 4 == 0 else { throw EngineError("pixel shuffle needs channels divisible by 4, got \(s)") }
        return TensorShape(s.channels / 4, s.height * 2, s.width * 2)
    }

    func build(_ io: LayerIO) throws { self.io = io }

    func forward() {
        let src = Blocked(io.inputs[0])
        let dst = Blocked(io.output)
        let channels = dst.shape.channels
        let height = dst.shape.height
        let width = dst.shape.width
        Parallel.forEach(dst.blocks * height, grain: 8) { range in
            for job in range {
                let block = job / height
                let y = job % height
                let lanes = min(16, channels - block * 16)
                let to = dst.row(block, y)
                for x in 0..<width {
                    for lane in 0..<lanes {
                        let c = block * 16 + lane
                        to[x * 16 + lane] = src.at(4 * c + 2 * (y & 1) + (x & 1), y >> 1, x >> 1).pointee
                    }
                }
            }
        }
    }

    func backward() {
        guard let diffDst = io.outputGrad, let target = io.inputGrads[0] else { return }
        let src = Blocked(diffDst)
        let dst = Blocked(target)
        let channels = dst.shape.channels
        let height = dst.shape.height
        let width = dst.shape.width
        Parallel.forEach(dst.blocks * height, grain: 8) { range in
            for job in range {
                let block = job / height
                let h = job % height
                let lanes = min(16, channels - block * 16)
                let to = dst.row(block, h)
                for w in 0..<width {
                    for lane in 0..<lanes {
                        let c = block * 16 + lane
                        to[w * 16 + lane] = src.at(c >> 2, 2 * h + ((c >> 1) & 1), 2 * w + (c & 1)).pointee
                    }
                }
            }
        }
    }
}
