import CDNNL

/// BatchNorm2d in training mode: every pass normalises with the current image's per-channel
/// mean and (biased) variance over H×W. The reference never calls `.eval()`, so running
/// statistics would never be read and are not kept.
final class BatchNorm: Layer {
    static let epsilon: Float = 1e-5
    private let name: String
    private let gammaInit: ParameterInit
    private var scaleIndex = -1
    private var shiftIndex = -1
    private var forwardPrimitive: Primitive!
    private var backwardPrimitive: Primitive?
    private var scaleGradAccumulate: Primitive?
    private var shiftGradAccumulate: Primitive?

    init(name: String, gammaInit: ParameterInit) {
        self.name = name
        self.gammaInit = gammaInit
    }

    var kind: String { "bn" }
    var backwardNeeds: BackwardNeeds { .inputs }
    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape { inputs[0] }

    func declareParameters(_ parameters: ParameterStore, inputShapes: [TensorShape]) throws {
        let c = inputShapes[0].channels
        scaleIndex = parameters.declare("\(name).weight", shape: [c], initializer: gammaInit)
        shiftIndex = parameters.declare("\(name).bias", shape: [c], initializer: .constant(0))
    }

    func build(_ io: LayerIO) throws {
        let c = io.inputs[0].shape.channels
        let flags = dnnl_use_scale.rawValue | dnnl_use_shift.rawValue
        var data = io.inputs[0].desc.raw
        var d = dnnl_batch_normalization_desc_t()
        try dnnl(
            dnnl_batch_normalization_forward_desc_init(&d, dnnl_forward_training, &data, Self.epsilon, flags),
            "batch_normalization_forward_desc_init")
        let forwardPD = try PrimitiveDescriptor.require(&d, "batch norm on \(io.inputs[0].shape)")
        let vector = MemoryDesc(dims: [c], tag: dnnl_a)
        let vectorShape = TensorShape(c, 1, 1)
        func arena(_ pointer: UnsafeMutablePointer<Float>) -> Tensor {
            Tensor(borrowing: pointer, count: c, shape: vectorShape, desc: vector)
        }
        let scale = arena(io.parameters.value(scaleIndex))
        let shift = arena(io.parameters.value(shiftIndex))
        let mean = Tensor(shape: vectorShape, desc: vector)
        let variance = Tensor(shape: vectorShape, desc: vector)
        forwardPrimitive = try Primitive(
            descriptor: forwardPD,
            args: [
                (DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DST, io.output), (DNNL_ARG_SCALE, scale),
                (DNNL_ARG_SHIFT, shift), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
            ])

        guard let diffDst = io.outputGrad, let diffSrc = io.inputGrads[0] else { return }
        var diff = diffDst.desc.raw
        var b = dnnl_batch_normalization_desc_t()
        try dnnl(
            dnnl_batch_normalization_backward_desc_init(&b, dnnl_backward, &diff, &data, Self.epsilon, flags),
            "batch_normalization_backward_desc_init")
        let backwardPD = try PrimitiveDescriptor.require(&b, "batch norm backward", hint: forwardPD)
        let diffScale = Tensor(shape: vectorShape, desc: vector)
        let diffShift = Tensor(shape: vectorShape, desc: vector)
        backwardPrimitive = try Primitive(
            descriptor: backwardPD,
            args: [
                (DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_SCALE, scale), (DNNL_ARG_SHIFT, shift),
                (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance), (DNNL_ARG_DIFF_SRC, diffSrc),
                (DNNL_ARG_DIFF_SCALE, diffScale), (DNNL_ARG_DIFF_SHIFT, diffShift),
            ])
        scaleGradAccumulate = try Reorder.make(
            from: diffScale, to: arena(io.parameters.grad(scaleIndex)), accumulate: true)
        shiftGradAccumulate = try Reorder.make(
            from: diffShift, to: arena(io.parameters.grad(shiftIndex)), accumulate: true)
    }

    func forward() { forwardPrimitive.execute() }

    func backward() {
        guard let backwardPrimitive else { return }
        backwardPrimitive.execute()
        scaleGradAccumulate?.execute()
        shiftGradAccumulate?.execute()
    }
}

extension BatchNorm {
    var hasTrainableParameters: Bool { true }
}
