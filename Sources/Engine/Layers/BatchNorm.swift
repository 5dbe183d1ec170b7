import CDNNL

/// BatchNorm2d in training mode: every pass normalises with the current image's per-channel
/// mean and (biased) variance over H×W. The reference never calls `.eval()`, so running
/// statistics would never be read and are not kept.
///
/// Without `gammaInit` it is InstanceNorm2d(affine=False) (U-Net's norm): for batch 1 the
/// instance statistics are the batch statistics, so it is the same primitive without scale and
/// shift (oneDNN flags 0) and with no parameters.
final class BatchNorm: Layer {
    static let epsilon: Float = 1e-5
    private let name: String
    /// γ's initialiser; nil for the parameterless instance norm.
    private let gammaInit: ParameterInit?
    private var affine: Bool { gammaInit != nil }
    private var scaleIndex = -1
    private var shiftIndex = -1
    private var forwardPrimitive: Primitive!
    private var backwardPrimitive: Primitive?
    private var scaleGradAccumulate: Primitive?
    private var shiftGradAccumulate: Primitive?

    init(name: String, gammaInit: ParameterInit?) {
        self.name = name
        self.gammaInit = gammaInit
    }

    var kind: String { affine ? "bn" : "instancenorm" }
    /// oneDNN's batch norm may write diff_src over diff_dst, which saves a full-size gradient
    /// buffer per BN at the top level of the net.
    var canBackwardInPlace: Bool { true }
    var backwardNeeds: BackwardNeeds { .inputs }
    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape { inputs[0] }

    func declareParameters(_ parameters: ParameterStore, inputShapes: [TensorShape]) throws {
        guard let gammaInit else { return }
        let c = inputShapes[0].channels
        scaleIndex = parameters.declare("\(name).weight", shape: [c], initializer: gammaInit)
        shiftIndex = parameters.declare("\(name).bias", shape: [c], initializer: .constant(0))
    }

    func build(_ io: LayerIO) throws {
        let c = io.inputs[0].shape.channels
        let flags = affine ? dnnl_use_scale.rawValue | dnnl_use_shift.rawValue : 0
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
        let mean = Tensor(shape: vectorShape, desc: vector)
        let variance = Tensor(shape: vectorShape, desc: vector)
        var forwardArgs: [(Int32, Tensor)] = [
            (DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DST, io.output), (DNNL_ARG_MEAN, mean), (DNNL_ARG_VARIANCE, variance),
        ]
        guard affine else {
            forwardPrimitive = try Primitive(descriptor: forwardPD, args: forwardArgs)
            guard let diffDst = io.outputGrad, let diffSrc = io.inputGrads[0] else { return }
            var diff = diffDst.desc.raw
            var b = dnnl_batch_normalization_desc_t()
            try dnnl(
                dnnl_batch_normalization_backward_desc_init(&b, dnnl_backward_data, &diff, &data, Self.epsilon, flags),
                "batch_normalization_backward_desc_init")
            let backwardPD = try PrimitiveDescriptor.require(&b, "instance norm backward", hint: forwardPD)
            backwardPrimitive = try Primitive(
                descriptor: backwardPD,
                args: [
                    (DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_MEAN, mean),
                    (DNNL_ARG_VARIANCE, variance), (DNNL_ARG_DIFF_SRC, diffSrc),
                ])
            return
        }
        let scale = arena(io.parameters.value(scaleIndex))
        let shift = arena(io.parameters.value(shiftIndex))
        forwardArgs += [(DNNL_ARG_SCALE, scale), (DNNL_ARG_SHIFT, shift)]
        forwardPrimitive = try Primitive(descriptor: forwardPD, args: forwardArgs)

        guard let diffDst = io.outputGrad else { return }
        // γ and β need the backward even when the input takes no gradient (BN straight on z):
        // oneDNN always writes diff_src, so give it a private buffer then.
        let diffSrc = io.inputGrads[0] ?? Tensor(shape: io.inputs[0].shape, desc: io.inputs[0].desc)
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
    var hasTrainableParameters: Bool { affine }
}
