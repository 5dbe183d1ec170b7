import CDNNL

/// LeakyReLU(0.2), ReLU and Sigmoid on oneDNN, run in place over their input.
///
/// The `use_dst_for_bwd` variants compute the gradient from the output alone, so the input
/// buffer can be overwritten and the backward can write over the incoming gradient.
final class Eltwise: Layer {
    static let leakySlope: Float = 0.2
    let activation: Activation
    private var forwardPrimitive: Primitive?
    private var backwardPrimitive: Primitive?

    init(_ activation: Activation) { self.activation = activation }

    var kind: String { activation == .leakyReLU ? "lrelu" : activation.rawValue.lowercased() }
    var backwardNeeds: BackwardNeeds { .output }
    var canRunInPlace: Bool { true }
    var canBackwardInPlace: Bool { true }
    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape { inputs[0] }

    private var algorithm: (dnnl_alg_kind_t, Float) {
        switch activation {
        case .leakyReLU: return (dnnl_eltwise_relu_use_dst_for_bwd, Self.leakySlope)
        case .relu: return (dnnl_eltwise_relu_use_dst_for_bwd, 0)
        case .sigmoid: return (dnnl_eltwise_logistic_use_dst_for_bwd, 0)
        case .none: return (dnnl_eltwise_linear, 1)
        }
    }

    func build(_ io: LayerIO) throws {
        let (alg, alpha) = algorithm
        var data = io.inputs[0].desc.raw
        var d = dnnl_eltwise_desc_t()
        try dnnl(dnnl_eltwise_forward_desc_init(&d, dnnl_forward_training, alg, &data, alpha, 0), "eltwise_forward")
        let forwardPD = try PrimitiveDescriptor.require(&d, "\(kind) forward")
        forwardPrimitive = try Primitive(
            descriptor: forwardPD, args: [(DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DST, io.output)])
        guard let diffDst = io.outputGrad, let diffSrc = io.inputGrads[0] else { return }
        var diff = diffDst.desc.raw
        var b = dnnl_eltwise_desc_t()
        try dnnl(dnnl_eltwise_backward_desc_init(&b, alg, &diff, &data, alpha, 0), "eltwise_backward")
        let backwardPD = try PrimitiveDescriptor.require(&b, "\(kind) backward", hint: forwardPD)
        backwardPrimitive = try Primitive(
            descriptor: backwardPD,
            args: [(DNNL_ARG_DST, io.output), (DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_DIFF_SRC, diffSrc)])
    }

    func forward() { forwardPrimitive?.execute() }
    func backward() { backwardPrimitive?.execute() }
}
