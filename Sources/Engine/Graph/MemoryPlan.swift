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

    /// Binds every planned tensor to its storage; returns the bytes allocated.
    func realise() -> Int {
        var pools: [TensorShape: [(storage: Storage, busyUntil: Int)]] = [:]
        var bytes = 0
        for group in groups.sorted(by: { $0.start < $1.start }) {
            let shape = group.tensors[0].shape
            var pool = pools[shape] ?? []
            let storage: Storage
            if let k = pool.firstIndex(where: { $0.busyUntil < group.start }) {
                storage = pool[k].storage
                pool[k].busyUntil = group.end
            } else {
                storage = Storage(byteCount: group.tensors[0].desc.byteCount)
                bytes += storage.byteCount
                pool.append((storage, group.end))
            }
            pools[shape] = pool
            for tensor in group.tensors { tensor.rebind(to: storage) }
        }
        return bytes
    }
}
