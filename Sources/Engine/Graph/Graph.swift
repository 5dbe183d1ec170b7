import CDNNL
import Foundation

/// Settings that change how a net is instantiated, not what it is.
public struct GraphOptions: Sendable {
    /// BatchNorm γ initialisation: U(0,1) as in the authors' PyTorch ≤ 1.1 runs, or 1 (PyTorch ≥ 1.2).
    public enum GammaInit: String, Sendable, CaseIterable { case uniform, one }
    public var batchNormGamma: GammaInit = .uniform
    /// Time every layer (for `dip bench`); adds two clock reads per layer call.
    public var profile = false

    public init(batchNormGamma: GammaInit = .uniform, profile: Bool = false) {
        self.batchNormGamma = batchNormGamma
        self.profile = profile
    }
}

/// A NetSpec instantiated at one input size: oneDNN primitives, planned buffers and parameters.
///
/// `forward()` reads the planar input z and leaves the planar output image; `backward()` reads
/// the loss gradient written into `outputGradient` and leaves parameter gradients in
/// `parameters`. Neither allocates.
public final class Graph {
    public let spec: NetSpec
    public let parameters: ParameterStore
    public let inputShape: TensorShape
    let shapes: [TensorShape]
    private let layers: [Layer?]
    private let values: [Tensor]
    private let grads: [Tensor?]
    /// Gradient additions to run after a node's backward, where a tensor fans out.
    private let accumulations: [[Primitive]]
    /// Nodes that contribute to the loss; others (e.g. NAS-DIP's unused down blocks) never run.
    private let live: [Int]
    private let needsGrad: [Bool]

    /// The input z in plain NCHW; callers write it before `forward()`.
    public let input: PlanarBuffer
    /// The restored image in plain NCHW after `forward()`.
    public let output: PlanarBuffer
    /// What the loss compares (the image, or its degraded version) after `forward()`.
    public let lossOutput: PlanarBuffer
    /// d loss / d lossOutput, written by the loss before `backward()`.
    public let lossGradient: PlanarBuffer
    private let inputReorder: Primitive
    private let outputReorder: Primitive
    private let lossOutputReorder: Primitive?
    /// Nil for a net with nothing to train (e.g. a fixed operator alone).
    private let lossGradientReorder: Primitive?

    private let profile: Bool
    private var forwardSeconds: [Double]
    private var backwardSeconds: [Double]

    public init(spec: NetSpec, height: Int, width: Int, seed: UInt64, options: GraphOptions = GraphOptions()) throws {
        self.spec = spec
        self.profile = options.profile
        let n = spec.nodes.count
        inputShape = TensorShape(spec.inputChannels, height, width)
        let lossNode = spec.lossOutput ?? spec.output
        try spec.validateParameterNames()

        // Layers and shapes. A node that shares another's parameters declares them under the
        // owner's name, and the store hands back the owner's tensors.
        var layers: [Layer?] = [nil]
        var shapes = [inputShape]
        var flops = 0.0
        for (i, node) in spec.nodes.enumerated().dropFirst() {
            let inputShapes = node.inputs.map { shapes[$0] }
            let layer = try makeLayer(
                node, parameterScope: spec.parameterScope(i), inputChannels: inputShapes.map(\.channels), options: options)
            do {
                shapes.append(try layer.outputShape(inputShapes))
                if case .conv(let c) = node.op { flops += Self.convolutionFLOPs(c, input: inputShapes[0], output: shapes.last!) }
            } catch let error as EngineError {
                throw EngineError("\(node.name): \(error.message)")
            }
            layers.append(layer)
        }
        self.layers = layers
        self.shapes = shapes

        // Parameters, initialised in declaration order from one keyed stream.
        let parameters = ParameterStore()
        for (i, node) in spec.nodes.enumerated() where i > 0 {
            try layers[i]!.declareParameters(parameters, inputShapes: node.inputs.map { shapes[$0] })
        }
        var random = RandomStream(seed: seed, stream: RandomPurpose.parameterInit.rawValue)
        parameters.finalize(random: &random)
        self.parameters = parameters

        // Which nodes run, and which carry gradients.
        var feedsLoss = [Bool](repeating: false, count: n)
        feedsLoss[lossNode] = true
        feedsLoss[spec.output] = true
        for i in stride(from: n - 1, through: 0, by: -1) where feedsLoss[i] {
            for j in spec.nodes[i].inputs { feedsLoss[j] = true }
        }
        var trainableUpstream = [Bool](repeating: false, count: n)
        for i in 1..<n {
            trainableUpstream[i] =
                layers[i]!.hasTrainableParameters || spec.nodes[i].inputs.contains { trainableUpstream[$0] }
        }
        var lossReaches = [Bool](repeating: false, count: n)
        lossReaches[lossNode] = true
        for i in stride(from: n - 1, through: 0, by: -1) where lossReaches[i] {
            for j in spec.nodes[i].inputs { lossReaches[j] = true }
        }
        let needsGrad = (0..<n).map { $0 > 0 && trainableUpstream[$0] && lossReaches[$0] }
        self.needsGrad = needsGrad
        live = (1..<n).filter { feedsLoss[$0] }
        var consumers = [[Int]](repeating: [], count: n)
        for j in live { for i in spec.nodes[j].inputs { consumers[i].append(j) } }

        // Tensors; aliasing is recorded here and realised by the memory plan.
        var plan = MemoryPlan()
        func backwardTime(_ j: Int) -> Int { 2 * n - j }
        var values: [Tensor] = []
        for i in 0..<n {
            let tensor = Tensor(planned: shapes[i])
            var aliasOf: Tensor?
            if i > 0, let layer = layers[i], layer.canRunInPlace {
                let source = spec.nodes[i].inputs[0]
                if source > 0, consumers[source] == [i], source != spec.output, source != lossNode,
                    !(layers[source]!.backwardNeeds.output)
                {
                    aliasOf = values[source]
                }
            }
            plan.add(tensor, from: i, aliasOf: aliasOf)
            values.append(tensor)
        }
        for i in 0..<n {
            for j in consumers[i] {
                plan.extend(values[i], to: j)
                if layers[j]!.backwardNeeds.inputs && needsGrad[j] { plan.extend(values[i], to: backwardTime(j)) }
            }
            if i > 0, layers[i]!.backwardNeeds.output && needsGrad[i] { plan.extend(values[i], to: backwardTime(i)) }
        }
        plan.extend(values[spec.output], to: 2 * n + 1)
        plan.extend(values[lossNode], to: 2 * n + 1)

        var grads = [Tensor?](repeating: nil, count: n)
        for i in 0..<n where needsGrad[i] { grads[i] = Tensor(planned: shapes[i]) }
        var accumulations = [[Primitive]](repeating: [], count: n)
        var inputGrads = [[Tensor?]](repeating: [], count: n)
        var written = [Bool](repeating: false, count: n)
        written[lossNode] = true
        if let g = grads[lossNode] { plan.add(g, from: n, aliasOf: nil) }
        for j in live.reversed() {
            inputGrads[j] = spec.nodes[j].inputs.map { _ in nil }
            guard needsGrad[j] else { continue }
            for (position, i) in spec.nodes[j].inputs.enumerated() where needsGrad[i] {
                if !written[i] {
                    written[i] = true
                    let inPlace = layers[j]!.canBackwardInPlace && position == 0
                    plan.add(grads[i]!, from: backwardTime(j), aliasOf: inPlace ? grads[j] : nil)
                    inputGrads[j][position] = grads[i]
                } else {
                    let scratch = Tensor(planned: shapes[i])
                    plan.add(scratch, from: backwardTime(j), aliasOf: nil)
                    inputGrads[j][position] = scratch
                    accumulations[j].append(try Sum.make([grads[i]!, scratch], into: grads[i]!))
                }
            }
            plan.extend(grads[j]!, to: backwardTime(j))
        }
        self.values = values
        self.grads = grads
        self.accumulations = accumulations

        for j in live {
            let io = LayerIO(
                inputs: spec.nodes[j].inputs.map { values[$0] }, output: values[j],
                outputGrad: needsGrad[j] ? grads[j] : nil, inputGrads: inputGrads[j], parameters: parameters)
            do {
                try layers[j]!.build(io)
            } catch let error as EngineError {
                throw EngineError("\(spec.nodes[j].name): \(error.message)")
            }
        }
        plannedBytes = plan.bytesNeeded()
        pendingPlan = plan
        forwardFLOPs = flops

        input = PlanarBuffer(shapes[0])
        output = PlanarBuffer(shapes[spec.output])
        lossOutput = lossNode == spec.output ? output : PlanarBuffer(shapes[lossNode])
        lossGradient = PlanarBuffer(shapes[lossNode])
        inputReorder = try Reorder.make(from: input.tensor, to: values[0])
        outputReorder = try Reorder.make(from: values[spec.output], to: output.tensor)
        lossOutputReorder = lossNode == spec.output ? nil : try Reorder.make(from: values[lossNode], to: lossOutput.tensor)
        let lossGradientTensor = lossGradient.tensor
        lossGradientReorder = try grads[lossNode].map { try Reorder.make(from: lossGradientTensor, to: $0) }
        forwardSeconds = Array(repeating: 0, count: n)
        backwardSeconds = Array(repeating: 0, count: n)
    }

    public var outputShape: TensorShape { shapes[spec.output] }
    public var lossOutputShape: TensorShape { shapes[spec.lossOutput ?? spec.output] }

    /// Runs the net on `input`, leaving `output` and `lossOutput`.
    public func forward() {
        if pendingPlan != nil { allocate() }
        inputReorder.execute()
        for i in live {
            if profile {
                let t = now()
                layers[i]!.forward()
                forwardSeconds[i] += now() - t
            } else {
                layers[i]!.forward()
            }
        }
        outputReorder.execute()
        lossOutputReorder?.execute()
    }

    /// Back-propagates `lossGradient`, leaving fresh parameter gradients (previous ones are cleared).
    public func backward() {
        parameters.zeroGrads()
        guard let lossGradientReorder else { return }
        lossGradientReorder.execute()
        for j in live.reversed() where needsGrad[j] {
            let t = profile ? now() : 0
            layers[j]!.backward()
            for sum in accumulations[j] { sum.execute() }
            if profile { backwardSeconds[j] += now() - t }
        }
    }

    /// Seconds spent per layer kind since the last reset (forward + backward), when profiling.
    public func timeByKind() -> [(kind: String, forward: Double, backward: Double)] {
        var totals: [String: (Double, Double)] = [:]
        for i in live {
            let kind = layers[i]!.kind
            let t = totals[kind] ?? (0, 0)
            totals[kind] = (t.0 + forwardSeconds[i], t.1 + backwardSeconds[i])
        }
        return totals.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.forward + $0.backward > $1.forward + $1.backward }
    }

    public func resetProfile() {
        for i in forwardSeconds.indices {
            forwardSeconds[i] = 0
            backwardSeconds[i] = 0
        }
    }

    /// The oneDNN kernels chosen for each conv (forward, backward-data, backward-weights).
    public var convolutionKernels: [(node: String, kernels: [String])] {
        live.compactMap { i in (layers[i] as? Conv2d).map { (spec.nodes[i].name, $0.implementations) } }
    }

    /// Bytes held by planned activation and gradient buffers.
    public let plannedBytes: Int
    /// The plan waits until the first forward pass (or `allocate()`), so a caller can compare
    /// `plannedBytes` with the free memory before committing to it.
    private var pendingPlan: MemoryPlan?

    /// Allocates the planned buffers (done by the first `forward()` otherwise).
    public func allocate() {
        pendingPlan?.realise()
        pendingPlan = nil
    }

    /// Multiply-add FLOPs (2 per MAC) of all convolutions in one forward pass.
    public let forwardFLOPs: Double

    /// A rough time per training step: forward + backward ≈ 3 forward passes of conv work at the
    /// effective rate measured for the skip net with oneDNN (about 157 GFLOP/s per thread on the
    /// reference machine, including the non-conv layers), so only a guide on other CPUs.
    public var estimatedSecondsPerIteration: Double {
        3 * forwardFLOPs / (157e9 * Double(max(Parallel.threadCount, 1)))
    }

    static func convolutionFLOPs(_ c: ConvSpec, input: TensorShape, output: TensorShape) -> Double {
        let k = Double(c.kernel * c.kernel)
        if c.transposed {
            return 2 * Double(input.channels) * Double(c.outChannels / c.groups) * k * Double(input.pixels)
        }
        return 2 * Double(c.outChannels) * Double(input.channels / c.groups) * k * Double(output.pixels)
    }
}

@inline(__always)
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// A plain NCHW float buffer at the edge of a graph (input z, output image, loss gradient).
public final class PlanarBuffer {
    public let shape: TensorShape
    let tensor: Tensor

    init(_ shape: TensorShape) {
        self.shape = shape
        tensor = Tensor(planar: shape)
    }

    public var pointer: UnsafeMutablePointer<Float> { tensor.floats }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: tensor.floats, count: shape.count) }
    public var array: [Float] { Array(buffer) }
    public func set(_ values: [Float]) {
        precondition(values.count == shape.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: shape.count) }
    }
}

private func makeLayer(
    _ node: NetSpec.Node, parameterScope: String, inputChannels: [Int], options: GraphOptions
) throws -> Layer {
    switch node.op {
    case .input: throw EngineError("only node 0 may be an input")
    case .conv(let spec): return try Conv2d(inChannels: inputChannels[0], spec: spec, name: parameterScope)
    case .reflectionPad(let p): return Padding(.reflection, amount: p)
    case .replicationPad(let p): return Padding(.replication, amount: p)
    case .batchNorm:
        return BatchNorm(name: parameterScope, gammaInit: options.batchNormGamma == .uniform ? .unitUniform : .constant(1))
    case .instanceNorm: return BatchNorm(name: node.name, gammaInit: nil)
    case .activation(let a):
        guard a != .none else { throw EngineError("\(node.name): 'none' activation should not be a node") }
        return Eltwise(a)
    case .upsample(let mode): return mode == .nearest ? Resample(mode) : SeparableUpsample(mode)
    case .pixelShuffle: return PixelShuffle()
    case .chunkSum: return ChunkSum()
    case .concat: return Concat()
    case .add: return Add()
    case .pool(let kind): return Pool(kind)
    case .fixedDepthwise(let kernel, let size, let stride):
        let c = inputChannels[0]
        let weights = (0..<c).flatMap { _ in kernel }
        return try Conv2d(
            inChannels: c, spec: ConvSpec(outChannels: c, kernel: size, stride: stride, groups: c, bias: false),
            name: parameterScope, fixedWeights: weights)
    }
}
