import CDNNL
import Foundation

/// Convolution and transposed convolution (any kernel, stride, groups), on oneDNN.
///
/// Master weights stay plain in the parameter arena, in PyTorch's layout, for Adam and
/// checkpoints. Each step they are reordered into whatever layout the chosen kernels want
/// (forward and backward-data may pick different ones). 3×3 stride-1 convs ask for Winograd
/// explicitly, because oneDNN's `auto` does not pick it on this CPU (backend-measurements §6.6).
final class Conv2d: Layer {
    let spec: ConvSpec
    let inChannels: Int
    /// Constant weights for a fixed operator (e.g. the Lanczos downsampler); nil when trained.
    let fixedWeights: [Float]?
    private let name: String

    private var weightIndex = -1
    private var biasIndex: Int?

    private var forwardPrimitive: Primitive!
    private var backwardDataPrimitive: Primitive?
    private var backwardWeightsPrimitive: Primitive?
    private var forwardWeightsReorder: Primitive?
    private var backwardWeightsReorder: Primitive?
    private var weightGradientAccumulate: Primitive?
    /// Layout changes at the edges for narrow inputs (see `build`).
    private var sourceReorder: Primitive?
    private var diffSourceReorder: Primitive?
    private var weightGradientSourceReorder: Primitive?
    private var weightGradientDiffDstReorder: Primitive?
    private var biasGradientAccumulate: Primitive?
    /// Set when oneDNN offers only its reference kernel for this depthwise conv's weight gradient.
    private var depthwiseWeightGradient: (() -> Void)?
    /// The kernels oneDNN chose, for `dip bench` and tests.
    private(set) var implementations: [String] = []

    init(inChannels: Int, spec: ConvSpec, name: String, fixedWeights: [Float]? = nil) throws {
        guard spec.kernel >= 1, spec.stride >= 1, spec.groups >= 1,
            inChannels % spec.groups == 0, spec.outChannels % spec.groups == 0
        else {
            throw EngineError(
                "\(name): conv \(inChannels)→\(spec.outChannels) with groups \(spec.groups) is not valid")
        }
        self.inChannels = inChannels
        self.spec = spec
        self.name = name
        self.fixedWeights = fixedWeights
    }

    var kind: String {
        let base = spec.transposed ? "deconv" : (spec.groups > 1 ? "dwconv" : "conv")
        return "\(base)\(spec.kernel)x\(spec.kernel)" + (spec.stride > 1 ? "s\(spec.stride)" : "")
    }

    var backwardNeeds: BackwardNeeds { fixedWeights == nil ? .inputs : .nothing }

    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        let s = inputs[0]
        guard s.channels == inChannels else {
            throw EngineError("\(name): expects \(inChannels) channels, got \(s.channels)")
        }
        let out = TensorShape(spec.outChannels, spec.outputSide(s.height), spec.outputSide(s.width))
        guard out.height >= 1, out.width >= 1 else {
            throw EngineError("\(name): input \(s) is too small for a \(spec.kernel)×\(spec.kernel) conv")
        }
        return out
    }

    /// The weight shape in PyTorch's layout.
    var weightShape: [Int] {
        let k = spec.kernel
        return spec.transposed
            ? [inChannels, spec.outChannels / spec.groups, k, k]
            : [spec.outChannels, inChannels / spec.groups, k, k]
    }

    /// PyTorch's fan_in: dimension 1 of the weight times the kernel area.
    var fanIn: Int { weightShape[1] * spec.kernel * spec.kernel }

    func declareParameters(_ parameters: ParameterStore, inputShapes: [TensorShape]) throws {
        if let fixedWeights {
            weightIndex = parameters.declareFrozen("\(name).weight", shape: weightShape, values: fixedWeights)
            return
        }
        let bound = 1 / Float(fanIn).squareRoot()
        weightIndex = parameters.declare("\(name).weight", shape: weightShape, initializer: .uniform(bound: bound))
        if spec.bias {
            biasIndex = parameters.declare("\(name).bias", shape: [spec.outChannels], initializer: .uniform(bound: bound))
        }
    }

    /// oneDNN's logical weight dims and the plain tag that matches PyTorch's memory order.
    private var plainWeightDesc: MemoryDesc {
        let k = spec.kernel
        let (o, i, g) = (spec.outChannels, inChannels, spec.groups)
        if g == 1 {
            return MemoryDesc(dims: [o, i, k, k], tag: spec.transposed ? dnnl_iohw : dnnl_oihw)
        }
        return MemoryDesc(dims: [g, o / g, i / g, k, k], tag: spec.transposed ? dnnl_giohw : dnnl_goihw)
    }

    private var anyWeightDesc: MemoryDesc {
        let k = spec.kernel
        let (o, i, g) = (spec.outChannels, inChannels, spec.groups)
        return g == 1 ? .any([o, i, k, k]) : .any([g, o / g, i / g, k, k])
    }

    private var usesWinograd: Bool {
        spec.kernel == 3 && spec.stride == 1 && spec.groups == 1 && !spec.transposed
    }

    func build(_ io: LayerIO) throws {
        let parameters = io.parameters
        // With few input channels (z of depth 1–8), oneDNN's fast kernels want a plain layout
        // rather than 16-lane blocks padded mostly with zeros (its blocked fallback is a
        // reference kernel, ~100× slower). Let it choose, and reorder at the layer's edge.
        let narrowInput = inChannels % 16 != 0
        let originalSource = io.inputs[0]
        var src = originalSource
        let dst = io.output
        let strides = [Int64(spec.stride), Int64(spec.stride)]
        let padL = [Int64(spec.padding), Int64(spec.padding)]
        let padR = [Int64(spec.padding - spec.outputPadding), Int64(spec.padding - spec.outputPadding)]
        var srcMD = narrowInput ? MemoryDesc.any([1, inChannels, src.shape.height, src.shape.width]).raw : src.desc.raw
        var dstMD = dst.desc.raw
        var weightsAny = anyWeightDesc.raw
        let biasMD = MemoryDesc(dims: [spec.outChannels], tag: dnnl_a).raw
        // oneDNN takes a null bias descriptor for a conv without bias.
        let biasPointer = UnsafeMutablePointer<dnnl_memory_desc_t>.allocate(capacity: 1)
        biasPointer.initialize(to: biasMD)
        defer { biasPointer.deallocate() }
        let optionalBias: UnsafeMutablePointer<dnnl_memory_desc_t>? = biasIndex != nil ? biasPointer : nil

        let plainWeights = Tensor(
            borrowing: parameters.value(weightIndex), count: parameters.entries[weightIndex].count,
            shape: TensorShape(weightShape.reduce(1, *), 1, 1), desc: plainWeightDesc)
        let plainBias = biasIndex.map {
            Tensor(
                borrowing: parameters.value($0), count: spec.outChannels,
                shape: TensorShape(spec.outChannels, 1, 1), desc: MemoryDesc(dims: [spec.outChannels], tag: dnnl_a))
        }

        // Forward: Winograd where it applies and exists, direct otherwise.
        func forwardDescriptor(_ algorithm: dnnl_alg_kind_t) throws -> PrimitiveDescriptor? {
            if spec.transposed {
                var d = dnnl_deconvolution_desc_t()
                try dnnl(
                    dnnl_deconvolution_forward_desc_init(
                        &d, dnnl_forward_training, algorithm, &srcMD, &weightsAny, optionalBias, &dstMD,
                        strides, padL, padR), "deconvolution_forward_desc_init")
                return try PrimitiveDescriptor.create(&d)
            }
            var d = dnnl_convolution_desc_t()
            try dnnl(
                dnnl_convolution_forward_desc_init(
                    &d, dnnl_forward_training, algorithm, &srcMD, &weightsAny, optionalBias, &dstMD,
                    strides, padL, padR), "convolution_forward_desc_init")
            return try PrimitiveDescriptor.create(&d)
        }
        let direct = spec.transposed ? dnnl_deconvolution_direct : dnnl_convolution_direct
        var algorithm = direct
        var forwardPD: PrimitiveDescriptor?
        if usesWinograd, let pd = try forwardDescriptor(dnnl_convolution_winograd) {
            forwardPD = pd
            algorithm = dnnl_convolution_winograd
        }
        if forwardPD == nil { forwardPD = try forwardDescriptor(direct) }
        guard let forwardPD else { throw EngineError("\(name): oneDNN has no kernel for \(kind) on \(src.shape)") }
        implementations.append(forwardPD.implementation)
        let chosenSource = forwardPD.md(dnnl_query_src_md)
        srcMD = chosenSource.raw
        if chosenSource != src.desc {
            let local = Tensor(shape: src.shape, desc: chosenSource)
            sourceReorder = try Reorder.make(from: src, to: local)
            src = local
        }

        let forwardWeights = try weightsTensor(for: forwardPD.md(dnnl_query_weights_md), plain: plainWeights)
        if forwardWeights !== plainWeights {
            forwardWeightsReorder = try Reorder.make(from: plainWeights, to: forwardWeights)
        }
        var forwardArgs: [(Int32, Tensor)] = [
            (DNNL_ARG_SRC, src), (DNNL_ARG_WEIGHTS, forwardWeights), (DNNL_ARG_DST, dst),
        ]
        if let plainBias { forwardArgs.append((DNNL_ARG_BIAS, plainBias)) }
        forwardPrimitive = try Primitive(descriptor: forwardPD, args: forwardArgs)

        guard let diffDst = io.outputGrad else { return }
        var diffDstMD = diffDst.desc.raw

        if var diffSrc = io.inputGrads[0] {
            var diffSrcMD = narrowInput ? MemoryDesc.any([1, inChannels, src.shape.height, src.shape.width]).raw : diffSrc.desc.raw
            func backwardDataDescriptor(_ algorithm: dnnl_alg_kind_t) throws -> PrimitiveDescriptor? {
                if spec.transposed {
                    var d = dnnl_deconvolution_desc_t()
                    try dnnl(
                        dnnl_deconvolution_backward_data_desc_init(
                            &d, algorithm, &diffSrcMD, &weightsAny, &diffDstMD, strides, padL, padR),
                        "deconvolution_backward_data_desc_init")
                    return try PrimitiveDescriptor.create(&d, hint: forwardPD)
                }
                var d = dnnl_convolution_desc_t()
                try dnnl(
                    dnnl_convolution_backward_data_desc_init(
                        &d, algorithm, &diffSrcMD, &weightsAny, &diffDstMD, strides, padL, padR),
                    "convolution_backward_data_desc_init")
                return try PrimitiveDescriptor.create(&d, hint: forwardPD)
            }
            guard let pd = try backwardDataDescriptor(algorithm) ?? backwardDataDescriptor(direct) else {
                throw EngineError("\(name): oneDNN has no backward-data kernel for \(kind)")
            }
            implementations.append(pd.implementation)
            let chosenDiffSource = pd.md(dnnl_query_diff_src_md)
            if chosenDiffSource != diffSrc.desc {
                let local = Tensor(shape: diffSrc.shape, desc: chosenDiffSource)
                diffSourceReorder = try Reorder.make(from: local, to: diffSrc)
                diffSrc = local
            }
            let weights = pd.md(dnnl_query_weights_md)
            let backwardWeights: Tensor
            if weights == forwardWeights.desc {
                backwardWeights = forwardWeights
            } else {
                backwardWeights = try weightsTensor(for: weights, plain: plainWeights)
                if backwardWeights !== plainWeights {
                    backwardWeightsReorder = try Reorder.make(from: plainWeights, to: backwardWeights)
                }
            }
            backwardDataPrimitive = try Primitive(
                descriptor: pd,
                args: [(DNNL_ARG_DIFF_DST, diffDst), (DNNL_ARG_WEIGHTS, backwardWeights), (DNNL_ARG_DIFF_SRC, diffSrc)])
        }

        guard fixedWeights == nil else { return }
        // For narrow inputs the jit weight-gradient kernels also want their own diff_dst layout
        // (with blocked diff_dst only a reference kernel exists for 4–12 input channels).
        var weightGradientDiffDst = diffDst
        if narrowInput {
            srcMD = MemoryDesc.any([1, inChannels, src.shape.height, src.shape.width]).raw
            diffDstMD = MemoryDesc.any([1, spec.outChannels, diffDst.shape.height, diffDst.shape.width]).raw
        }
        func backwardWeightsDescriptor(_ algorithm: dnnl_alg_kind_t) throws -> PrimitiveDescriptor? {
            if spec.transposed {
                var d = dnnl_deconvolution_desc_t()
                try dnnl(
                    dnnl_deconvolution_backward_weights_desc_init(
                        &d, algorithm, &srcMD, &weightsAny, optionalBias, &diffDstMD, strides, padL,
                        padR), "deconvolution_backward_weights_desc_init")
                return try PrimitiveDescriptor.create(&d, hint: forwardPD)
            }
            var d = dnnl_convolution_desc_t()
            try dnnl(
                dnnl_convolution_backward_weights_desc_init(
                    &d, algorithm, &srcMD, &weightsAny, optionalBias, &diffDstMD, strides, padL, padR),
                "convolution_backward_weights_desc_init")
            return try PrimitiveDescriptor.create(&d, hint: forwardPD)
        }
        guard let pd = try backwardWeightsDescriptor(algorithm) ?? backwardWeightsDescriptor(direct) else {
            throw EngineError("\(name): oneDNN has no backward-weights kernel for \(kind)")
        }
        implementations.append(pd.implementation)
        let depthwise = spec.groups == inChannels && spec.outChannels == inChannels && !spec.transposed
        if depthwise && !narrowInput && pd.implementation.hasPrefix("ref") {
            let kernel = DepthwiseWeightGradient(kernel: spec.kernel, stride: spec.stride, padding: spec.padding, channels: inChannels)
            let (source, diff, channels) = (originalSource, diffDst, inChannels)
            let (weights, bias) = (weightIndex, biasIndex)
            // Views made at each call: buffers are placed after the layers are built.
            depthwiseWeightGradient = {
                kernel.accumulate(
                    source: Blocked(source), diffDestination: Blocked(diff), channels: channels,
                    weightGrad: parameters.grad(weights), biasGrad: bias.map { parameters.grad($0) })
            }
            implementations[implementations.count - 1] = "depthwise weight gradient by hand"
            return
        }
        // The weight-gradient kernel may want the input in yet another layout.
        let weightGradientSource = pd.md(dnnl_query_src_md)
        if weightGradientSource != src.desc {
            if weightGradientSource == originalSource.desc {
                src = originalSource
            } else {
                let local = Tensor(shape: src.shape, desc: weightGradientSource)
                weightGradientSourceReorder = try Reorder.make(from: originalSource, to: local)
                src = local
            }
        }
        let weightGradientDiffDstDesc = pd.md(dnnl_query_diff_dst_md)
        if weightGradientDiffDstDesc != diffDst.desc {
            weightGradientDiffDst = Tensor(shape: diffDst.shape, desc: weightGradientDiffDstDesc)
            weightGradientDiffDstReorder = try Reorder.make(from: diffDst, to: weightGradientDiffDst)
        }
        let diffWeights = Tensor(shape: plainWeights.shape, desc: pd.md(dnnl_query_diff_weights_md))
        let plainWeightGrad = Tensor(
            borrowing: parameters.grad(weightIndex), count: parameters.entries[weightIndex].count,
            shape: plainWeights.shape, desc: plainWeightDesc)
        weightGradientAccumulate = try Reorder.make(from: diffWeights, to: plainWeightGrad, accumulate: true)
        var args: [(Int32, Tensor)] = [
            (DNNL_ARG_SRC, src), (DNNL_ARG_DIFF_DST, weightGradientDiffDst), (DNNL_ARG_DIFF_WEIGHTS, diffWeights),
        ]
        if let biasIndex {
            let diffBias = Tensor(shape: TensorShape(spec.outChannels, 1, 1), desc: MemoryDesc(raw: biasMD))
            let plainBiasGrad = Tensor(
                borrowing: parameters.grad(biasIndex), count: spec.outChannels, shape: diffBias.shape,
                desc: MemoryDesc(raw: biasMD))
            biasGradientAccumulate = try Reorder.make(from: diffBias, to: plainBiasGrad, accumulate: true)
            args.append((DNNL_ARG_DIFF_BIAS, diffBias))
        }
        backwardWeightsPrimitive = try Primitive(descriptor: pd, args: args)
    }

    /// The plain master tensor itself when the kernel accepts its layout, else a new buffer.
    private func weightsTensor(for desc: MemoryDesc, plain: Tensor) throws -> Tensor {
        desc == plain.desc ? plain : Tensor(shape: plain.shape, desc: desc)
    }

    func forward() {
        sourceReorder?.execute()
        forwardWeightsReorder?.execute()
        forwardPrimitive.execute()
    }

    func backward() {
        if let backwardDataPrimitive {
            backwardWeightsReorder?.execute()
            backwardDataPrimitive.execute()
            diffSourceReorder?.execute()
        }
        if let backwardWeightsPrimitive {
            weightGradientSourceReorder?.execute()
            weightGradientDiffDstReorder?.execute()
            backwardWeightsPrimitive.execute()
            weightGradientAccumulate?.execute()
            biasGradientAccumulate?.execute()
        }
        depthwiseWeightGradient?()
    }
}

extension Conv2d {
    var hasTrainableParameters: Bool { fixedWeights == nil }
}
