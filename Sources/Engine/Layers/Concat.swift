/// Copies a run of channels between two blocked views of the same H×W.
///
/// Whole 16-channel blocks move as rows of vectors when both runs start on a block boundary;
/// the remaining channels move one lane at a time, so padding lanes of the destination are
/// never written with another tensor's data.
enum ChannelCopy {
    static func copy(from src: Blocked, channel srcChannel: Int, to dst: Blocked, channel dstChannel: Int, count: Int) {
        let height = dst.shape.height
        let width = dst.shape.width
        let fullBlocks = srcChannel % 16 == 0 && dstChannel % 16 == 0 ? count / 16 : 0
        Parallel.forEach(fullBlocks * height, grain: 16) { range in
            for job in range {
                let block = job / height
                let y = job % height
                dst.row(dstChannel / 16 + block, y).update(from: src.row(srcChannel / 16 + block, y), count: width * 16)
            }
        }
        let first = fullBlocks * 16
        guard first < count else { return }
        Parallel.forEach(height, grain: 16) { range in
            for y in range {
                for c in first..<count {
                    let from = src.at(srcChannel + c, y, 0)
                    let to = dst.at(dstChannel + c, y, 0)
                    for x in 0..<width { to[x * 16] = from[x * 16] }
                }
            }
        }
    }
}

/// Channel concatenation in input order, centre-cropping each input to the smallest H×W
/// (offset ⌊(size − min)/2⌋), as the reference's `Concat` does.
final class Concat: Layer {
    private var io: LayerIO!
    /// Each input's first output channel and crop offset.
    private var placements: [(channel: Int, y: Int, x: Int)] = []

    var kind: String { "concat" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        let height = inputs.map(\.height).min()!
        let width = inputs.map(\.width).min()!
        return TensorShape(inputs.reduce(0) { $0 + $1.channels }, height, width)
    }

    func build(_ io: LayerIO) throws {
        self.io = io
        var channel = 0
        let out = io.output.shape
        placements = io.inputs.map { input in
            let s = input.shape
            defer { channel += s.channels }
            return (channel, (s.height - out.height) / 2, (s.width - out.width) / 2)
        }
    }

    private func cropWindow(_ tensor: Tensor, _ i: Int) -> Blocked {
        let out = io.output.shape
        return Blocked(tensor).window(y: placements[i].y, x: placements[i].x, height: out.height, width: out.width)
    }

    func forward() {
        let dst = Blocked(io.output)
        for (i, input) in io.inputs.enumerated() {
            ChannelCopy.copy(
                from: cropWindow(input, i), channel: 0, to: dst, channel: placements[i].channel,
                count: input.shape.channels)
        }
    }

    func backward() {
        guard let diffDst = io.outputGrad else { return }
        for (i, target) in io.inputGrads.enumerated() {
            guard let target else { continue }
            // Pixels the crop dropped get zero gradient.
            if target.shape.height != diffDst.shape.height || target.shape.width != diffDst.shape.width {
                target.zero()
            }
            ChannelCopy.copy(
                from: Blocked(diffDst), channel: placements[i].channel, to: cropWindow(target, i), channel: 0,
                count: target.shape.channels)
        }
    }
}
