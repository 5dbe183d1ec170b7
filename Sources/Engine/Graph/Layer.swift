/// The tensors a layer reads and writes, fixed when the graph is built.
///
/// Gradient tensors are nil where no gradient is needed (e.g. the input noise z).
/// A layer's backward *overwrites* `inputGrads`; the graph adds up fan-in itself.
struct LayerIO {
    var inputs: [Tensor]
    var output: Tensor
    var outputGrad: Tensor?
    var inputGrads: [Tensor?]
    var parameters: ParameterStore
}

/// What a layer keeps alive for its backward pass, so the memory planner can reuse the rest.
struct BackwardNeeds {
    var inputs: Bool
    var output: Bool

    static let nothing = BackwardNeeds(inputs: false, output: false)
    static let inputs = BackwardNeeds(inputs: true, output: false)
    static let output = BackwardNeeds(inputs: false, output: true)
}

/// One operation in a net: forward and backward side by side, primitives created once in `build`.
protocol Layer: AnyObject {
    /// A short name for per-kind timing, e.g. "conv3x3", "bn", "lrelu".
    var kind: String { get }
    func outputShape(_ inputs: [TensorShape]) throws -> TensorShape
    var backwardNeeds: BackwardNeeds { get }
    /// True when the output may overwrite input 0 (elementwise layers whose backward reads only the output).
    var canRunInPlace: Bool { get }
    /// True when the backward may write the input gradient over the output gradient.
    var canBackwardInPlace: Bool { get }
    /// True when the layer owns parameters that the optimiser updates.
    var hasTrainableParameters: Bool { get }
    /// Registers trainable (or frozen) tensors; called once, before `build`.
    func declareParameters(_ parameters: ParameterStore, inputShapes: [TensorShape]) throws
    /// Creates the oneDNN primitives bound to these tensors.
    func build(_ io: LayerIO) throws
    func forward()
    /// Computes input gradients (overwriting) and adds parameter gradients into the store.
    func backward()
}

extension Layer {
    var canRunInPlace: Bool { false }
    var canBackwardInPlace: Bool { false }
    var hasTrainableParameters: Bool { false }
    func declareParameters(_ parameters: ParameterStore, inputShapes: [TensorShape]) throws {}
}
