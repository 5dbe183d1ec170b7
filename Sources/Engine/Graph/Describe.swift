/// One row of `NetSpec.describe`: what a node computes at one input size.
public struct LayerSummary: Sendable, Equatable {
    public var index: Int
    public var name: String
    /// The op in words, e.g. "conv 3×3 s2 32→128", "batch norm", "upsample bicubic ×2".
    public var operation: String
    public var inputs: [Int]
    /// The node's output, channels × height × width.
    public var shape: TensorShape
    /// Trainable scalars the node declares; 0 when it reuses another node's (`sharesParametersWith`).
    public var parameters: Int
    /// The node whose parameters this one reuses, if any.
    public var sharesParametersWith: Int?
    /// Multiply–adds × 2 of a convolution, bias adds not counted; 0 for every other op (they
    /// are memory-bound data movement or a few flops per element, and are not counted).
    public var flops: Int
    /// False for a node that never runs because nothing it feeds reaches the output or the loss
    /// (e.g. NAS-DIP's unused down blocks); its parameters are still declared and counted.
    public var live: Bool
}

extension Op {
    /// The output shape for these input shapes, computed without oneDNN. It agrees with the
    /// layers' own `outputShape` (ArchitectureTests check every node of every architecture).
    public func outputShape(_ inputs: [TensorShape]) throws -> TensorShape {
        guard let s = inputs.first else { throw EngineError("an op needs at least one input") }
        switch self {
        case .input: return s
        case .conv(let spec):
            guard s.channels % spec.groups == 0, spec.outChannels % spec.groups == 0 else {
                throw EngineError("conv \(s.channels)→\(spec.outChannels) with groups \(spec.groups) is not valid")
            }
            let out = TensorShape(spec.outChannels, spec.outputSide(s.height), spec.outputSide(s.width))
            guard out.height >= 1, out.width >= 1 else {
                throw EngineError("input \(s) is too small for a \(spec.kernel)×\(spec.kernel) conv")
            }
            return out
        case .fixedDepthwise(_, let size, let stride):
            guard s.height >= size, s.width >= size else { throw EngineError("input \(s) is smaller than the \(size)×\(size) kernel") }
            return TensorShape(s.channels, (s.height - size) / stride + 1, (s.width - size) / stride + 1)
        case .reflectionPad(let p):
            guard p < s.height, p < s.width else {
                throw EngineError("reflection padding \(p) needs sides larger than \(p), got \(s)")
            }
            return TensorShape(s.channels, s.height + 2 * p, s.width + 2 * p)
        case .replicationPad(let p): return TensorShape(s.channels, s.height + 2 * p, s.width + 2 * p)
        case .batchNorm, .instanceNorm, .activation: return s
        case .upsample: return TensorShape(s.channels, s.height * 2, s.width * 2)
        case .pixelShuffle:
            guard s.channels % 4 == 0 else { throw EngineError("pixel shuffle needs channels divisible by 4, got \(s)") }
            return TensorShape(s.channels / 4, s.height * 2, s.width * 2)
        case .chunkSum:
            guard s.channels % 4 == 0 else { throw EngineError("chunk sum needs channels divisible by 4, got \(s)") }
            return TensorShape(s.channels / 4, s.height, s.width)
        case .concat:
            return TensorShape(inputs.reduce(0) { $0 + $1.channels }, inputs.map(\.height).min()!, inputs.map(\.width).min()!)
        case .add:
            guard inputs.allSatisfy({ $0 == s }) else {
                throw EngineError("add needs equal shapes, got \(inputs.map(\.description).joined(separator: ", "))")
            }
            return s
        case .pool:
            guard s.height >= 2, s.width >= 2 else { throw EngineError("pooling needs at least 2×2, got \(s)") }
            return TensorShape(s.channels, s.height / 2, s.width / 2)
        }
    }

    /// Trainable scalars for this op on `input` (a conv's weight and bias, a BN's γ and β).
    func trainableParameterCount(input: TensorShape) -> Int {
        switch self {
        case .conv(let spec):
            let weights = spec.outChannels * (input.channels / spec.groups) * spec.kernel * spec.kernel
            return weights + (spec.bias ? spec.outChannels : 0)
        case .batchNorm: return 2 * input.channels
        default: return 0
        }
    }

    /// 2·MACs of a convolution producing `output` from `input`; 0 for other ops.
    func flops(input: TensorShape, output: TensorShape) -> Int {
        switch self {
        case .conv(let spec):
            let k2 = spec.kernel * spec.kernel
            // A transposed conv scatters every input pixel into out/groups channels × k² taps
            // (the taps cropped by padding included, as the kernel computes them).
            return spec.transposed
                ? 2 * input.count * (spec.outChannels / spec.groups) * k2
                : 2 * output.count * (input.channels / spec.groups) * k2
        case .fixedDepthwise(_, let size, _): return 2 * output.count * size * size
        default: return 0
        }
    }

    /// The op in a few words, for `dip arch describe`.
    func summary(inputChannels c: Int) -> String {
        switch self {
        case .input: return "input"
        case .conv(let s):
            var text = (s.transposed ? "conv-transpose " : (s.groups > 1 ? (s.groups == c ? "depthwise " : "grouped ") : "conv "))
            text += "\(s.kernel)×\(s.kernel)"
            if s.stride > 1 { text += " s\(s.stride)" }
            if s.padding > 0 { text += " p\(s.padding)" }
            if s.groups > 1 && s.groups != c { text += " g\(s.groups)" }
            text += " \(c)→\(s.outChannels)"
            if !s.bias { text += " no bias" }
            return text
        case .reflectionPad(let p): return "reflection pad \(p)"
        case .replicationPad(let p): return "replication pad \(p)"
        case .batchNorm: return "batch norm"
        case .instanceNorm: return "instance norm"
        case .activation(let a): return a.rawValue.lowercased()
        case .upsample(let mode): return "upsample \(mode.rawValue) ×2"
        case .pixelShuffle: return "pixel shuffle ×2"
        case .chunkSum: return "chunk sum (4 chunks)"
        case .concat: return "concat (centre crop)"
        case .add: return "add"
        case .pool(let kind): return "\(kind.rawValue) pool 2×2"
        case .fixedDepthwise(_, let size, let stride): return "fixed depthwise \(size)×\(size) s\(stride)"
        }
    }
}

extension NetSpec {
    /// The nodes that run: those feeding the output or the loss (as `Graph` decides).
    public var liveNodes: [Bool] {
        var live = [Bool](repeating: false, count: nodes.count)
        live[output] = true
        live[lossOutput ?? output] = true
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where live[i] {
            for j in nodes[i].inputs { live[j] = true }
        }
        return live
    }

    /// The net layer by layer for a `height`×`width` *input* (z's size, as `Graph` takes it;
    /// for an H×W image that is H/inputDownscale × W/inputDownscale). Shapes, parameters and
    /// FLOPs are computed from the spec alone, without oneDNN. The parameter total equals
    /// `Graph.parameters.trainableCount`: shared tensors count once, unused nodes count too.
    public func describe(height: Int, width: Int) throws -> [LayerSummary] {
        try validateParameterNames()
        let live = liveNodes
        var shapes = [TensorShape(inputChannels, height, width)]
        var rows = [
            LayerSummary(
                index: 0, name: nodes[0].name, operation: "input", inputs: [], shape: shapes[0], parameters: 0,
                sharesParametersWith: nil, flops: 0, live: true)
        ]
        for (i, node) in nodes.enumerated().dropFirst() {
            let inputShapes = node.inputs.map { shapes[$0] }
            let shape: TensorShape
            do {
                shape = try node.op.outputShape(inputShapes)
            } catch let error as EngineError {
                throw EngineError("\(node.name): \(error.message)")
            }
            shapes.append(shape)
            rows.append(
                LayerSummary(
                    index: i, name: node.name, operation: node.op.summary(inputChannels: inputShapes[0].channels),
                    inputs: node.inputs, shape: shape,
                    parameters: node.sharesParametersWith == nil ? node.op.trainableParameterCount(input: inputShapes[0]) : 0,
                    sharesParametersWith: node.sharesParametersWith,
                    flops: node.op.flops(input: inputShapes[0], output: shape), live: live[i]))
        }
        return rows
    }

    /// The input size for an `height`×`width` image (see `inputDownscale`).
    public func inputSize(forImageHeight height: Int, width: Int) throws -> (height: Int, width: Int) {
        guard height % inputDownscale == 0, width % inputDownscale == 0 else {
            throw EngineError("the image sides must be multiples of \(inputDownscale), got \(height)×\(width)")
        }
        return (height / inputDownscale, width / inputDownscale)
    }
}

extension Array where Element == LayerSummary {
    /// All trainable parameters (shared tensors once): `Graph.parameters.trainableCount`.
    public var totalParameters: Int { reduce(0) { $0 + $1.parameters } }

    /// Parameters that no running node uses: declared by unused nodes and not shared into a
    /// live one (NAS-DIP denoising's four down blocks).
    public var unusedParameters: Int {
        let usedOwners = Set(filter(\.live).map { $0.sharesParametersWith ?? $0.index })
        return filter { !usedOwners.contains($0.index) }.reduce(0) { $0 + $1.parameters }
    }

    /// FLOPs of one forward pass: the nodes that run.
    public var forwardFLOPs: Int { filter(\.live).reduce(0) { $0 + $1.flops } }
}
