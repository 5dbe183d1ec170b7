/// The closed set of operations every dip net is built from.
public enum Op: Sendable, Equatable {
    /// The net's input z (node 0 only).
    case input
    case conv(ConvSpec)
    case reflectionPad(Int)
    case replicationPad(Int)
    case batchNorm
    /// InstanceNorm2d(affine=False): per-channel normalisation over H×W with no parameters
    /// (for batch 1, BatchNorm in training mode without scale and shift).
    case instanceNorm
    case activation(Activation)
    case upsample(UpsampleMode)
    /// Depth-to-space ×2: out(c, 2h+i, 2w+j) = in(4c+2i+j, h, w).
    case pixelShuffle
    /// NAS-DIP's "add every N channels": out[c] = Σₖ in[c + k·C/4], k = 0…3.
    case chunkSum
    /// Channel concatenation in input order, centre-cropping every input to the smallest H and W.
    case concat
    /// Elementwise sum of all inputs (same shape).
    case add
    case pool(PoolKind)
    /// A fixed (untrained) depthwise conv, e.g. the Lanczos downsampler; weights [C,1,k,k].
    case fixedDepthwise(kernel: [Float], size: Int, stride: Int)
}

/// A convolution (or transposed convolution). Padding here is zero padding; reflection
/// padding is a separate `reflectionPad` node, as in the reference (ReflectionPad2d + Conv2d).
public struct ConvSpec: Sendable, Equatable {
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int = 1
    public var padding: Int = 0
    public var groups: Int = 1
    public var bias: Bool = true
    public var transposed: Bool = false
    /// Extra rows/columns on the bottom/right of a transposed conv's output (PyTorch's output_padding).
    public var outputPadding: Int = 0

    public init(
        outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = true,
        transposed: Bool = false, outputPadding: Int = 0
    ) {
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.bias = bias
        self.transposed = transposed
        self.outputPadding = outputPadding
    }

    /// The output size along one axis for an input of `n`, as PyTorch's (transposed) conv.
    public func outputSide(_ n: Int) -> Int {
        transposed ? (n - 1) * stride - 2 * padding + kernel + outputPadding : (n + 2 * padding - kernel) / stride + 1
    }
}

public enum Activation: String, Sendable, Equatable, CaseIterable, Codable {
    case leakyReLU = "LeakyReLU"
    case relu = "ReLU"
    case sigmoid = "Sigmoid"
    case none = "none"
}

public enum UpsampleMode: String, Sendable, Equatable, CaseIterable, Codable {
    case nearest, bilinear, bicubic
}

public enum PoolKind: String, Sendable, Equatable, Codable {
    case max, avg
}

/// A net as data: nodes in execution order, each naming its inputs by index.
///
/// Every architecture (skip, NAS-DIP, U-Net, ResNet, deep decoder) is a function that returns
/// one of these, and one `Graph` builder turns any of them into oneDNN primitives.
public struct NetSpec: Sendable {
    public struct Node: Sendable {
        public var op: Op
        public var inputs: [Int]
        /// A dotted path used to name parameters, e.g. "level0.skip.conv".
        public var name: String
        /// The node whose parameters this node uses instead of declaring its own: one module
        /// applied on several paths (NAS-DIP's shared up/down modules). Nil when it owns them.
        public var sharesParametersWith: Int? = nil
    }

    public private(set) var nodes: [Node]
    public private(set) var outputChannels: [Int]
    /// The node whose output is the restored image.
    public var output: Int
    /// The node the loss compares with the observation: the image itself, or the image passed
    /// through a degradation operator such as the Lanczos downsampler. Nil means `output`.
    public var lossOutput: Int?
    public var inputChannels: Int { outputChannels[0] }
    /// How much smaller than the image the input z is: z is (H/inputDownscale)×(W/inputDownscale)
    /// for an H×W image. 1 for every encoder–decoder; 2^depth for the deep decoder, whose net
    /// only upsamples. `Graph(height:width:)` takes the *input* size, so divide first.
    public var inputDownscale = 1

    public init(inputChannels: Int) {
        nodes = [Node(op: .input, inputs: [], name: "input")]
        outputChannels = [inputChannels]
        output = 0
        lossOutput = nil
    }

    /// The input node.
    public var input: Int { 0 }

    public func channels(_ node: Int) -> Int { outputChannels[node] }

    /// Appends a node; channel counts are tracked here so builders can chain convs.
    ///
    /// With `sharing`, the node reuses that node's parameters (see `sharesParametersWith`); it
    /// must be the same op on inputs with the same channel counts, so the tensors match.
    @discardableResult
    public mutating func add(_ op: Op, _ inputs: [Int], name: String, sharing owner: Int? = nil) -> Int {
        let c = inputs.map { outputChannels[$0] }
        var owner = owner
        if let o = owner {
            let root = nodes[o].sharesParametersWith ?? o
            precondition(
                nodes[root].op == op && nodes[root].inputs.map { outputChannels[$0] } == c,
                "\(name) can only share the parameters of the same op on the same channel counts")
            owner = root
        }
        let channels: Int
        switch op {
        case .input: preconditionFailure("only node 0 is an input")
        case .conv(let spec): channels = spec.outChannels
        case .concat: channels = c.reduce(0, +)
        case .pixelShuffle: channels = c[0] / 4
        case .chunkSum: channels = c[0] / 4
        default: channels = c[0]
        }
        nodes.append(Node(op: op, inputs: inputs, name: name, sharesParametersWith: owner))
        outputChannels.append(channels)
        output = nodes.count - 1
        return nodes.count - 1
    }

    /// The smallest image side multiple the net needs so that every stride-2 stage divides
    /// evenly (and, for a net whose input is smaller than the image, so the input is whole).
    public var sizeMultiple: Int {
        var multiple = max(inputDownscale, 1)
        var depth = [Int](repeating: 0, count: nodes.count)
        for (i, node) in nodes.enumerated() where i > 0 {
            var d = node.inputs.map { depth[$0] }.max() ?? 0
            switch node.op {
            case .conv(let s) where s.stride > 1 && !s.transposed: d += 1
            case .pool: d += 1
            case .upsample, .pixelShuffle: d -= 1
            case .conv(let s) where s.transposed && s.stride > 1: d -= 1
            default: break
            }
            depth[i] = d
            multiple = max(multiple, 1 << max(d, 0))
        }
        return multiple
    }
}
