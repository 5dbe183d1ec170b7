import CDNNL
import Foundation

/// Channels × height × width of a batch-1 activation.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(_ channels: Int, _ height: Int, _ width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    public var count: Int { channels * height * width }
    public var pixels: Int { height * width }
    public var description: String { "\(channels)×\(height)×\(width)" }

    /// Channels rounded up to the 16-lane block of the nChw16c layout.
    var blockedChannels: Int { (channels + 15) / 16 * 16 }
}

/// Raw 64-byte-aligned memory that one or more tensors view.
///
/// Tensors whose lifetimes never overlap share one Storage (see `MemoryPlan`), and in-place
/// layers make their output view their input's storage.
final class Storage {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    private let owned: Bool

    /// A view of memory owned elsewhere (the parameter arena); never freed here.
    init(borrowing pointer: UnsafeMutableRawPointer, byteCount: Int) {
        self.pointer = pointer
        self.byteCount = byteCount
        owned = false
    }

    init(byteCount: Int) {
        self.byteCount = byteCount
        owned = true
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, 64, max(byteCount, 64))
        precondition(status == 0 && raw != nil, "out of memory allocating \(byteCount) bytes")
        pointer = raw!
        // Blocked layouts pad channels to 16; those lanes must read as zero, never as garbage.
        memset(pointer, 0, max(byteCount, 64))
    }

    deinit { if owned { free(pointer) } }
}

/// A batch-1 float32 tensor: a oneDNN memory object over a Storage.
public final class Tensor {
    public let shape: TensorShape
    let desc: MemoryDesc
    private(set) var storage: Storage
    let memory: dnnl_memory_t

    init(shape: TensorShape, desc: MemoryDesc, storage: Storage? = nil) {
        self.shape = shape
        self.desc = desc
        let storage = storage ?? Storage(byteCount: desc.byteCount)
        precondition(storage.byteCount >= desc.byteCount, "storage too small for \(shape)")
        self.storage = storage
        memory = Tensor.makeMemory(desc, storage.pointer)
    }

    /// An activation whose storage the memory plan assigns later (see `MemoryPlan.realise`);
    /// until then it points at nothing, so building a net never touches its full footprint.
    init(planned shape: TensorShape) {
        self.shape = shape
        desc = .activation(shape)
        storage = Tensor.unassigned
        memory = Tensor.makeMemory(desc, nil)
    }

    private static let unassigned = Storage(byteCount: 64)

    private static func makeMemory(_ desc: MemoryDesc, _ pointer: UnsafeMutableRawPointer?) -> dnnl_memory_t {
        var memory: dnnl_memory_t?
        var md = desc.raw
        let status = dnnl_memory_create(&memory, &md, DNNLContext.shared.engine, pointer)
        precondition(status == dnnl_success, "dnnl_memory_create failed for \(desc.byteCount) bytes")
        return memory!
    }

    /// An nChw16c activation tensor with its own zeroed storage.
    convenience init(activation shape: TensorShape) {
        self.init(shape: shape, desc: .activation(shape))
    }

    /// A tensor over `count` floats owned elsewhere, described by `desc`.
    convenience init(borrowing pointer: UnsafeMutablePointer<Float>, count: Int, shape: TensorShape, desc: MemoryDesc) {
        self.init(shape: shape, desc: desc, storage: Storage(borrowing: pointer, byteCount: count * 4))
    }

    /// A plain NCHW tensor with its own zeroed storage.
    convenience init(planar shape: TensorShape) {
        self.init(shape: shape, desc: .planar(shape))
    }

    deinit { dnnl_memory_destroy(memory) }

    /// Points this tensor at other storage (used by the memory planner before any primitive runs).
    func rebind(to storage: Storage) {
        precondition(storage.byteCount >= desc.byteCount)
        self.storage = storage
        let status = dnnl_memory_set_data_handle(memory, storage.pointer)
        precondition(status == dnnl_success)
    }

    var floats: UnsafeMutablePointer<Float> { storage.pointer.assumingMemoryBound(to: Float.self) }

    /// Number of floats including channel padding.
    var floatCount: Int { desc.byteCount / MemoryLayout<Float>.stride }

    func zero() { memset(storage.pointer, 0, desc.byteCount) }
}
