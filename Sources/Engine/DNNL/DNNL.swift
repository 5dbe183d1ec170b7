import CDNNL

/// An error from the engine: a oneDNN call that failed, or a net that cannot be built.
public struct EngineError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Every oneDNN status goes through here, so a failure names the call that made it.
@inline(__always)
func dnnl(_ status: dnnl_status_t, _ call: @autoclosure () -> String) throws {
    guard status == dnnl_success else {
        throw EngineError("oneDNN \(call()) failed: \(describe(status))")
    }
}

private func describe(_ status: dnnl_status_t) -> String {
    switch status {
    case dnnl_out_of_memory: return "out of memory"
    case dnnl_invalid_arguments: return "invalid arguments"
    case dnnl_unimplemented: return "unimplemented"
    case dnnl_runtime_error: return "runtime error"
    default: return "status \(status.rawValue)"
    }
}

/// The process-wide oneDNN CPU engine and its in-order stream.
///
/// oneDNN's OpenMP runtime executes primitives synchronously on the calling thread's team,
/// so hand-written kernels may read a primitive's output as soon as `execute` returns.
public final class DNNLContext {
    public static let shared: DNNLContext = {
        do { return try DNNLContext() } catch { fatalError("cannot start oneDNN: \(error)") }
    }()

    let engine: dnnl_engine_t
    let stream: dnnl_stream_t

    private init() throws {
        var engine: dnnl_engine_t?
        try dnnl(dnnl_engine_create(&engine, dnnl_cpu, 0), "engine_create")
        var stream: dnnl_stream_t?
        try dnnl(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue), "stream_create")
        self.engine = engine!
        self.stream = stream!
    }

    /// Blocks until every primitive submitted so far has finished.
    func wait() { _ = dnnl_stream_wait(stream) }
}

/// A created primitive with its execution arguments bound once, at build time.
///
/// The argument array lives in manually allocated memory so that `execute()` allocates nothing.
final class Primitive {
    let handle: dnnl_primitive_t
    private let args: UnsafeMutablePointer<dnnl_exec_arg_t>
    private let argCount: Int32

    init(descriptor pd: PrimitiveDescriptor, args: [(Int32, Tensor)]) throws {
        var handle: dnnl_primitive_t?
        try dnnl(dnnl_primitive_create(&handle, pd.handle), "primitive_create(\(pd.implementation))")
        self.handle = handle!
        var args = args
        let scratch = pd.md(dnnl_query_scratchpad_md)
        if scratch.byteCount > 0 { args.append((DNNL_ARG_SCRATCHPAD, Scratchpad.shared.tensor(for: scratch))) }
        self.args = .allocate(capacity: max(args.count, 1))
        for (i, (kind, tensor)) in args.enumerated() {
            self.args[i] = dnnl_exec_arg_t(arg: kind, memory: tensor.memory)
        }
        self.argCount = Int32(args.count)
        self.keepAlive = args.map { $0.1 }
    }

    /// The tensors named in `args`, retained so their memory handles outlive the primitive.
    private let keepAlive: [Tensor]

    deinit {
        dnnl_primitive_destroy(handle)
        args.deallocate()
    }

    @inline(__always)
    func execute() {
        let status = dnnl_primitive_execute(handle, DNNLContext.shared.stream, argCount, args)
        // A primitive that was created successfully only fails on a corrupted argument list,
        // which is a bug in the engine, not a user error.
        if status != dnnl_success { fatalError("oneDNN primitive execution failed: \(describe(status))") }
    }
}

/// An owned primitive descriptor (the result of oneDNN's implementation selection).
final class PrimitiveDescriptor {
    let handle: dnnl_primitive_desc_t

    /// Creates a descriptor from an op descriptor; returns nil when oneDNN has no implementation.
    static func create<D>(_ opDesc: inout D, hint: PrimitiveDescriptor? = nil) throws -> PrimitiveDescriptor? {
        let attr = try Attributes.make()
        defer { dnnl_primitive_attr_destroy(attr) }
        var pd: dnnl_primitive_desc_t?
        let status = withUnsafePointer(to: &opDesc) { ptr in
            dnnl_primitive_desc_create(&pd, UnsafeRawPointer(ptr), attr, DNNLContext.shared.engine, hint?.handle)
        }
        if status == dnnl_unimplemented { return nil }
        try dnnl(status, "primitive_desc_create")
        return PrimitiveDescriptor(adopting: pd!)
    }

    /// Like `create`, but an unimplemented combination is an error naming `what`.
    static func require<D>(_ opDesc: inout D, _ what: String, hint: PrimitiveDescriptor? = nil) throws -> PrimitiveDescriptor {
        guard let pd = try create(&opDesc, hint: hint) else {
            throw EngineError("oneDNN has no implementation for \(what)")
        }
        return pd
    }

    /// Takes ownership of a descriptor created by a oneDNN call.
    init(adopting handle: dnnl_primitive_desc_t) { self.handle = handle }
    deinit { dnnl_primitive_desc_destroy(handle) }

    /// The memory descriptor the implementation chose for `query` (e.g. weights, src).
    func md(_ query: dnnl_query_t, _ index: Int32 = 0) -> MemoryDesc {
        MemoryDesc(raw: dnnl_primitive_desc_query_md(handle, query, index).pointee)
    }

    /// The name of the chosen kernel, e.g. `jit_wino_4x3:avx512_core`.
    var implementation: String {
        var cstr: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(handle, dnnl_query_impl_info_str, 0, &cstr) == dnnl_success,
            let cstr
        else { return "?" }
        return String(cString: cstr)
    }
}

/// Primitive attributes every dip primitive shares.
enum Attributes {
    /// User-managed scratchpad (see `Scratchpad`), plus an optional sum post-op that makes the
    /// primitive add into its destination instead of overwriting it. Caller destroys the result.
    static func make(accumulate: Bool = false) throws -> dnnl_primitive_attr_t {
        var attr: dnnl_primitive_attr_t?
        try dnnl(dnnl_primitive_attr_create(&attr), "primitive_attr_create")
        try dnnl(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
        if accumulate {
            var postOps: dnnl_post_ops_t?
            try dnnl(dnnl_post_ops_create(&postOps), "post_ops_create")
            defer { dnnl_post_ops_destroy(postOps) }
            try dnnl(dnnl_post_ops_append_sum(postOps, 1.0), "post_ops_append_sum")
            try dnnl(dnnl_primitive_attr_set_post_ops(attr, postOps), "attr_set_post_ops")
        }
        return attr!
    }
}

/// One scratch buffer shared by every primitive in the process.
///
/// Left to itself, oneDNN gives each primitive its own scratchpad (Winograd's are tens of MB at
/// 512²), and a net has ~100 primitives. Primitives run one at a time, so they can all use one
/// buffer as large as the largest request. When a larger request arrives, every registered
/// scratchpad memory is pointed at the new buffer.
final class Scratchpad {
    static let shared = Scratchpad()
    private var storage = Storage(byteCount: 64)
    private var users: [WeakTensor] = []

    private struct WeakTensor { weak var tensor: Tensor? }

    func tensor(for desc: MemoryDesc) -> Tensor {
        if desc.byteCount > storage.byteCount {
            storage = Storage(byteCount: desc.byteCount)
            users.removeAll { $0.tensor == nil }
            for user in users { user.tensor!.rebind(to: storage) }
        }
        let tensor = Tensor(shape: TensorShape(desc.byteCount, 1, 1), desc: desc, storage: storage)
        users.append(WeakTensor(tensor: tensor))
        return tensor
    }

    var byteCount: Int { storage.byteCount }
}

/// A oneDNN memory descriptor, compared by value.
struct MemoryDesc: Equatable {
    var raw: dnnl_memory_desc_t

    init(raw: dnnl_memory_desc_t) { self.raw = raw }

    /// A 4-D (N=1) or lower-rank descriptor with a fixed format tag.
    init(dims: [Int], tag: dnnl_format_tag_t) {
        var md = dnnl_memory_desc_t()
        let d = dims.map(Int64.init)
        let status = dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag)
        precondition(status == dnnl_success, "bad memory descriptor \(dims)")
        raw = md
    }

    /// An activation: batch 1, channels blocked by 16 (nChw16c), the layout every layer exchanges.
    static func activation(_ shape: TensorShape) -> MemoryDesc {
        MemoryDesc(dims: [1, shape.channels, shape.height, shape.width], tag: dnnl_aBcd16b)
    }

    /// Plain batch-1 NCHW, used at the edges (input noise, output image, loss).
    static func planar(_ shape: TensorShape) -> MemoryDesc {
        MemoryDesc(dims: [1, shape.channels, shape.height, shape.width], tag: dnnl_nchw)
    }

    /// "Let the primitive choose", for weights.
    static func any(_ dims: [Int]) -> MemoryDesc { MemoryDesc(dims: dims, tag: dnnl_format_tag_any) }

    var byteCount: Int {
        var md = raw
        return dnnl_memory_desc_get_size(&md)
    }

    static func == (a: MemoryDesc, b: MemoryDesc) -> Bool {
        var x = a.raw
        var y = b.raw
        return dnnl_memory_desc_equal(&x, &y) != 0
    }
}

/// Bytes of the shared oneDNN scratchpad (for reports).
public var scratchpadBytes: Int { Scratchpad.shared.byteCount }
