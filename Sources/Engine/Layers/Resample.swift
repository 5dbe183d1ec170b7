import CDNNL

/// ×2 nearest upsampling on oneDNN (out[j] = in[⌊j/2⌋]). Bilinear and bicubic are
/// `SeparableUpsample`.
final class Resample: Layer {
    let mode: UpsampleMode
    private var forwardPrimitive: Primitive!
    private var backwardPrimitive: Primitive?

    init(_ mode: UpsampleMode) {
        precondition(mode == .nearest, "bilinear and bicubic are SeparableUpsample")
        self.mode = mode
    }

    var kind: String { "up-\(mode.rawValue)" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        TensorShape(inputs[0].channels, inputs[0].height * 2, inputs[0].width * 2)
    }

    func build(_ io: LayerIO) throws {
        let alg = dnnl_resampling_nearest
        let factors: [Float] = [2, 2]
        var src = io.inputs[0].desc.raw
        var dst = io.output.desc.raw
        var d = dnnl_resampling_desc_t()
        try dnnl(dnnl_resampling_forward_desc_init(&d, dnnl_forward_training, alg, factors, &src, &dst), "resampling")
        let forwardPD = try PrimitiveDescriptor.require(&d, kind)
        forwardPrimitive = try Primitive(
            descriptor: forwardPD, args: [(DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DST, io.output)])
        guard let diffDst = io.outputGrad, let diffSrc = io.inputGrads[0] else { return }
        var diffSrcMD = diffSrc.desc.raw
        var diffDstMD = diffDst.desc.raw
        var b = dnnl_resampling_desc_t()
        try dnnl(dnnl_resampling_backward_desc_init(&b, alg, factors, &diffSrcMD, &diffDstMD), "resampling backward")
        let backwardPD = try PrimitiveDescriptor.require(&b, "\(kind) backward", hint: forwardPD)
        backwardPrimitive = try Primitive(
            descriptor: backwardPD, args: [(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_DIFF_SRC, diffSrc)])
    }

    func forward() { forwardPrimitive.execute() }
    func backward() { backwardPrimitive?.execute() }
}

/// 2×2 stride-2 max or average pooling on oneDNN (the reference's 'max'/'avg' downsample modes).
final class Pool: Layer {
    let pool: PoolKind
    private var forwardPrimitive: Primitive!
    private var backwardPrimitive: Primitive?

    init(_ pool: PoolKind) { self.pool = pool }

    var kind: String { "\(pool.rawValue)pool" }
    var backwardNeeds: BackwardNeeds { .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        let s = inputs[0]
        guard s.height >= 2, s.width >= 2 else { throw EngineError("pooling needs at least 2×2, got \(s)") }
        return TensorShape(s.channels, s.height / 2, s.width / 2)
    }

    func build(_ io: LayerIO) throws {
        let alg = pool == .max ? dnnl_pooling_max : dnnl_pooling_avg_exclude_padding
        let two: [Int64] = [2, 2]
        let zero: [Int64] = [0, 0]
        var src = io.inputs[0].desc.raw
        var dst = io.output.desc.raw
        var d = dnnl_pooling_v2_desc_t()
        try dnnl(
            dnnl_pooling_v2_forward_desc_init(&d, dnnl_forward_training, alg, &src, &dst, two, two, zero, zero, zero),
            "pooling")
        let forwardPD = try PrimitiveDescriptor.require(&d, kind)
        var args: [(Int32, Tensor)] = [(DNNL_ARG_SRC, io.inputs[0]), (DNNL_ARG_DST, io.output)]
        // Max pooling remembers where each maximum came from for the backward pass.
        var workspace: Tensor?
        let workspaceMD = forwardPD.md(dnnl_query_workspace_md)
        if workspaceMD.byteCount > 0 {
            workspace = Tensor(shape: io.output.shape, desc: workspaceMD)
            args.append((DNNL_ARG_WORKSPACE, workspace!))
        }
        forwardPrimitive = try Primitive(descriptor: forwardPD, args: args)
        guard let diffDst = io.outputGrad, let diffSrc = io.inputGrads[0] else { return }
        var diffSrcMD = diffSrc.desc.raw
        var diffDstMD = diffDst.desc.raw
        var b = dnnl_pooling_v2_desc_t()
        try dnnl(
            dnnl_pooling_v2_backward_desc_init(&b, alg, &diffSrcMD, &diffDstMD, two, two, zero, zero, zero),
            "pooling backward")
        let backwardPD = try PrimitiveDescriptor.require(&b, "\(kind) backward", hint: forwardPD)
        var backwardArgs: [(Int32, Tensor)] = [(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_DIFF_SRC, diffSrc)]
        if let workspace { backwardArgs.append((DNNL_ARG_WORKSPACE, workspace)) }
        backwardPrimitive = try Primitive(descriptor: backwardPD, args: backwardArgs)
    }

    func forward() { forwardPrimitive.execute() }
    func backward() { backwardPrimitive?.execute() }
}
