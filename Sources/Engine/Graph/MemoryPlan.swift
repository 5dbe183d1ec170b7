/// Assigns storage to activation and gradient tensors so that tensors whose lifetimes never
/// overlap share memory.
///
/// Time runs over one training step: forward of node i at t = i, the loss at t = n, the
/// backward of node j at t = 2n − j. A tensor is busy from the step that writes it to the last
/// step that reads it; aliased tensors (in-place layers) form one group with the union of
/// their lifetimes. Groups of equal shape are packed greedily into shared storage.
struct MemoryPlan {
    private struct Group {
        var tensors: [Tensor]
        var start: Int
        var end: Int
    }

    private var groups: [Group] = []
    private var groupOf: [ObjectIdentifier: Int] = [:]

    init() {}

    mutating func add(_ tensor: Tensor, from start: Int, aliasOf other: Tensor?) {
        if let other, let g = groupOf[ObjectIdentifier(other)] {
            precondition(other.desc == tensor.desc, "aliased tensors must share a layout")
            groups[g].tensors.append(tensor)
            groups[g].start = min(groups[g].start, start)
            groups[g].end = max(groups[g].end, start)
            groupOf[ObjectIdentifier(tensor)] = g
            return
        }
        groupOf[ObjectIdentifier(tensor)] = groups.count
        groups.append(Group(tensors: [tensor], start: start, end: start))
    }

    mutating func extend(_ tensor: Tensor, to time: Int) {
        guard let g = groupOf[ObjectIdentifier(tensor)] else { preconditionFailure("tensor not in the plan") }
        groups[g].end = max(groups[g].end, time)
    }

    /// Packs groups greedily: each group takes the first storage of its shape that is free by
    /// the time it starts. Returns, per group, the index of its storage, and the storages' sizes.
    private func assignment() -> (slots: [Int], sizes: [Int]) {
        var pools: [TensorShape: [(slot: Int, busyUntil: Int)]] = [:]
        var sizes: [Int] = []
        var slots = [Int](repeating: 0, count: groups.count)
        for g in groups.indices.sorted(by: { groups[$0].start < groups[$1].start }) {
            let group = groups[g]
            let shape = group.tensors[0].shape
            var pool = pools[shape] ?? []
            if let k = pool.firstIndex(where: { $0.busyUntil < group.start }) {
                slots[g] = pool[k].slot
                pool[k].busyUntil = group.end
            } else {
                slots[g] = sizes.count
                sizes.append(group.tensors[0].desc.byteCount)
                pool.append((slots[g], group.end))
            }
            pools[shape] = pool
        }
        return (slots, sizes)
    }

    /// The bytes `realise()` will allocate.
    func bytesNeeded() -> Int { assignment().sizes.reduce(0, +) }

    /// Allocates the storages and binds every planned tensor to its own.
    func realise() {
        let (slots, sizes) = assignment()
        let storages = sizes.map { Storage(byteCount: $0) }
        for (g, group) in groups.enumerated() {
            for tensor in group.tensors { tensor.rebind(to: storages[slots[g]]) }
        }
    }
}
