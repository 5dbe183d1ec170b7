import Foundation

/// Reflection padding (numpy 'reflect': mirror without repeating the edge) and replication
/// padding, on the blocked layout. oneDNN 2.6 has neither, so they are written here.
final class Padding: Layer {
    enum Mode { case reflection, replication }
    let mode: Mode
    let amount: Int
    private var io: LayerIO!
    /// For each padded index, the source index it reads (rows and columns share the rule).
    private var rowSource: [Int] = []
    private var columnSource: [Int] = []
    /// For each source row, the padded rows that read it (backward gathers through this).
    private var rowReaders: [[Int]] = []

    init(_ mode: Mode, amount: Int) {
        self.mode = mode
        self.amount = amount
    }

    var kind: String { mode == .reflection ? "reflectpad" : "replicatepad" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        let s = inputs[0]
        if mode == .reflection && (amount >= s.height || amount >= s.width) {
            throw EngineError("reflection padding \(amount) needs sides larger than \(amount), got \(s)")
        }
        return TensorShape(s.channels, s.height + 2 * amount, s.width + 2 * amount)
    }

    private func source(_ i: Int, _ n: Int) -> Int {
        switch mode {
        case .reflection:
            if i < 0 { return -i }
            if i >= n { return 2 * (n - 1) - i }
            return i
        case .replication:
            return min(max(i, 0), n - 1)
        }
    }

    func build(_ io: LayerIO) throws {
        self.io = io
        let s = io.inputs[0].shape
        rowSource = (0..<(s.height + 2 * amount)).map { source($0 - amount, s.height) }
        columnSource = (0..<(s.width + 2 * amount)).map { source($0 - amount, s.width) }
        rowReaders = Array(repeating: [], count: s.height)
        for (y, sy) in rowSource.enumerated() { rowReaders[sy].append(y) }
    }

    func forward() {
        let src = Blocked(io.inputs[0])
        let dst = Blocked(io.output)
        let rows = dst.shape.height
        let width = src.shape.width
        let p = amount
        rowSource.withUnsafeBufferPointer { rowSource in
            columnSource.withUnsafeBufferPointer { columnSource in
                Parallel.forEach(src.blocks * rows, grain: 8) { range in
                    for job in range {
                        let block = job / rows
                        let y = job % rows
                        let from = src.row(block, rowSource[y])
                        let to = dst.row(block, y)
                        (to + p * 16).update(from: from, count: width * 16)
                        for x in 0..<p {
                            to.setVector(from.vector(at: columnSource[x] * 16), at: x * 16)
                            let right = p + width + x
                            to.setVector(from.vector(at: columnSource[right] * 16), at: right * 16)
                        }
                    }
                }
            }
        }
    }

    func backward() {
        guard let diffSrcTensor = io.inputGrads[0], let diffDstTensor = io.outputGrad else { return }
        let diffSrc = Blocked(diffSrcTensor)
        let diffDst = Blocked(diffDstTensor)
        let rows = diffSrc.shape.height
        let width = diffSrc.shape.width
        let p = amount
        rowReaders.withUnsafeBufferPointer { rowReaders in
            columnSource.withUnsafeBufferPointer { columnSource in
                Parallel.forEach(diffSrc.blocks * rows, grain: 8) { range in
                    for job in range {
                        let block = job / rows
                        let sy = job % rows
                        let to = diffSrc.row(block, sy)
                        to.update(repeating: 0, count: width * 16)
                        for y in rowReaders[sy] {
                            let from = diffDst.row(block, y)
                            for x in 0..<width { to.addVector(from.vector(at: (p + x) * 16), at: x * 16) }
                            for x in 0..<p {
                                to.addVector(from.vector(at: x * 16), at: columnSource[x] * 16)
                                let right = p + width + x
                                to.addVector(from.vector(at: right * 16), at: columnSource[right] * 16)
                            }
                        }
                    }
                }
            }
        }
    }
}
