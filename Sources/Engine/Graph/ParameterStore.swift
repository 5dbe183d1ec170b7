import Foundation

/// How a parameter is initialised (PyTorch's defaults, in distribution).
public enum ParameterInit: Sendable, Equatable {
    /// U(−bound, bound): conv weights (kaiming-uniform a=√5 reduces to 1/√fan_in) and biases.
    case uniform(bound: Float)
    /// U(0, 1): BatchNorm γ in PyTorch ≤ 1.1, which the DIP authors ran.
    case unitUniform
    case constant(Float)
}

/// One named tensor in the parameter arena.
public struct ParameterEntry: Sendable {
    public let name: String
    /// The shape in PyTorch's layout (e.g. [out, in, k, k] for a conv weight).
    public let shape: [Int]
    public let offset: Int
    public let count: Int
    public let initializer: ParameterInit
    /// Frozen tensors (e.g. the Lanczos kernel) are stored but never optimised or checkpointed.
    public let trainable: Bool
}

/// All parameters of a net in one contiguous arena (values and gradients), with named views.
///
/// One arena makes Adam a single flat loop and a checkpoint a single write.
public final class ParameterStore {
    public private(set) var entries: [ParameterEntry] = []
    public private(set) var count = 0
    private var frozenValues: [Int: [Float]] = [:]
    private var indexByName: [String: Int] = [:]
    private(set) var values: UnsafeMutablePointer<Float>?
    private(set) var grads: UnsafeMutablePointer<Float>?

    init() {}

    deinit {
        values?.deallocate()
        grads?.deallocate()
    }

    /// Reserves a tensor and returns its index; the memory exists after `finalize`.
    ///
    /// A name is one tensor: declaring a name again (a node that shares another node's
    /// parameters, `NetSpec.Node.sharesParametersWith`) returns the existing index, so every
    /// user reads the same values and accumulates into the same gradient. The shapes must agree;
    /// `Graph` checks that only sharing nodes repeat a name, so a mismatch is a builder bug.
    func declare(_ name: String, shape: [Int], initializer: ParameterInit) -> Int {
        precondition(values == nil, "parameters declared after finalize")
        if let existing = indexByName[name] {
            precondition(
                entries[existing].shape == shape && entries[existing].trainable,
                "\(name) declared twice with shapes \(entries[existing].shape) and \(shape)")
            return existing
        }
        indexByName[name] = entries.count
        let n = shape.reduce(1, *)
        entries.append(
            ParameterEntry(
                name: name, shape: shape, offset: count, count: n, initializer: initializer, trainable: true))
        count += n
        return entries.count - 1
    }

    /// Reserves a constant tensor holding `values`.
    func declareFrozen(_ name: String, shape: [Int], values: [Float]) -> Int {
        precondition(values.count == shape.reduce(1, *))
        precondition(indexByName[name] == nil, "frozen tensor \(name) declared twice")
        let index = declare(name, shape: shape, initializer: .constant(0))
        let e = entries[index]
        entries[index] = ParameterEntry(
            name: e.name, shape: e.shape, offset: e.offset, count: e.count, initializer: e.initializer,
            trainable: false)
        frozenValues[index] = values
        return index
    }

    /// Allocates the arena and fills it from `random` in declaration order.
    func finalize(random: inout RandomStream) {
        let values = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        let grads = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        grads.initialize(repeating: 0, count: max(count, 1))
        values.initialize(repeating: 0, count: max(count, 1))
        self.values = values
        self.grads = grads
        for (index, e) in entries.enumerated() {
            let p = values + e.offset
            if let frozen = frozenValues[index] {
                for i in 0..<e.count { p[i] = frozen[i] }
                continue
            }
            switch e.initializer {
            case .uniform(let bound):
                for i in 0..<e.count { p[i] = (random.nextUniform() * 2 - 1) * bound }
            case .unitUniform:
                for i in 0..<e.count { p[i] = random.nextUniform() }
            case .constant(let c):
                for i in 0..<e.count { p[i] = c }
            }
        }
    }

    /// Number of trainable scalars (the figure PyTorch prints as "Number of params").
    public var trainableCount: Int { entries.filter(\.trainable).reduce(0) { $0 + $1.count } }

    func value(_ index: Int) -> UnsafeMutablePointer<Float> { values! + entries[index].offset }
    func grad(_ index: Int) -> UnsafeMutablePointer<Float> { grads! + entries[index].offset }

    func zeroGrads() { grads!.update(repeating: 0, count: count) }

    /// Read access for checkpoints and tests.
    public func values(of entry: ParameterEntry) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: values! + entry.offset, count: entry.count)
    }
    public func gradients(of entry: ParameterEntry) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: grads! + entry.offset, count: entry.count)
    }
    /// Overwrites one tensor (loading a checkpoint or a parity fixture).
    public func setValues(of entry: ParameterEntry, _ newValues: [Float]) {
        precondition(newValues.count == entry.count)
        newValues.withUnsafeBufferPointer { src in
            (values! + entry.offset).update(from: src.baseAddress!, count: entry.count)
        }
    }
}
