/// Elementwise sum of same-shaped inputs (NAS-DIP's additive fusion and residual joins).
final class Add: Layer {
    private var io: LayerIO!
    private var sum: Primitive!

    var kind: String { "add" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        guard inputs.allSatisfy({ $0 == inputs[0] }) else {
            throw EngineError("add needs equal shapes, got \(inputs.map(\.description).joined(separator: ", "))")
        }
        return inputs[0]
    }

    func build(_ io: LayerIO) throws {
        self.io = io
        sum = try Sum.make(io.inputs, into: io.output)
    }

    func forward() { sum.execute() }

    func backward() {
        guard let diffDst = io.outputGrad else { return }
        for case let target? in io.inputGrads { copyTensor(diffDst, into: target) }
    }
}
