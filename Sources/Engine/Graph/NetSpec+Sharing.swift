/// Weight sharing: one module applied on several paths (NAS-DIP's shared 2× up and down
/// modules, nasdip-spec §3.2).
///
/// A node that shares declares its parameters under its owner's name, and `ParameterStore`
/// returns the owner's tensors for a name it has seen. Every use then reads the same values,
/// and because conv and BN layers *add* their parameter gradients into the store, the gradient
/// of a shared tensor is the sum over its uses, as autograd computes it.
extension Op {
    /// Ops that declare trainable tensors (and so may share them).
    var hasTrainableParameters: Bool {
        switch self {
        case .conv, .batchNorm: return true
        default: return false
        }
    }

    /// Ops that declare any tensor in the parameter store, trainable or frozen.
    var declaresParameters: Bool {
        if case .fixedDepthwise = self { return true }
        return hasTrainableParameters
    }
}

extension NetSpec {
    /// The prefix of node `i`'s parameter names: its own name, or its owner's when it shares.
    public func parameterScope(_ i: Int) -> String { nodes[nodes[i].sharesParametersWith ?? i].name }

    /// Rejects two parameter-owning nodes with one name: they would silently share a tensor.
    /// Sharing must be asked for (`add(_:_:name:sharing:)`, `reuse(_:on:tag:)`).
    public func validateParameterNames() throws {
        var owners: [String: Int] = [:]
        for (i, node) in nodes.enumerated() where node.op.declaresParameters {
            if let owner = node.sharesParametersWith {
                guard node.op.hasTrainableParameters, nodes[owner].sharesParametersWith == nil else {
                    throw EngineError("\(node.name): only a conv or BN node may share, and only with an owner")
                }
                continue
            }
            if let j = owners[node.name] {
                throw EngineError(
                    "nodes \(j) and \(i) are both named '\(node.name)'; rename one, or share on purpose with `sharing:`")
            }
            owners[node.name] = i
        }
    }

    /// Applies the module built as nodes `module` again, to `input`: each node is copied (named
    /// "<name>@<tag>") with the original's inputs remapped, and every conv and BN copy shares
    /// the original's parameters. The module must read exactly one node from outside itself
    /// (its input). Returns the copy of the module's last node.
    @discardableResult
    public mutating func reuse(_ module: ClosedRange<Int>, on input: Int, tag: String) -> Int {
        var copies: [Int: Int] = [:]
        var outside: Int?
        for i in module {
            let node = nodes[i]
            let inputs = node.inputs.map { j -> Int in
                if let copy = copies[j] { return copy }
                precondition(outside == nil || outside == j, "a reused module must read one node from outside")
                outside = j
                return input
            }
            copies[i] = add(
                node.op, inputs, name: "\(node.name)@\(tag)", sharing: node.op.hasTrainableParameters ? i : nil)
        }
        return copies[module.upperBound]!
    }
}
