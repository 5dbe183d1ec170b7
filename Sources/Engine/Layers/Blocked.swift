/// Addressing for the nChw16c layout every activation uses: channels in blocks of 16 lanes,
/// each block a contiguous H×W plane of 16-float pixel vectors.
///
/// A view may be a spatial window of a larger tensor (a centre crop), so rows and planes
/// carry their own strides.
struct Blocked {
    let base: UnsafeMutablePointer<Float>
    /// The logical size of this view.
    let shape: TensorShape
    let rowStride: Int
    let planeStride: Int

    init(_ tensor: Tensor) {
        base = tensor.floats
        shape = tensor.shape
        rowStride = tensor.shape.width * 16
        planeStride = tensor.shape.height * rowStride
    }

    private init(base: UnsafeMutablePointer<Float>, shape: TensorShape, rowStride: Int, planeStride: Int) {
        self.base = base
        self.shape = shape
        self.rowStride = rowStride
        self.planeStride = planeStride
    }

    /// The height×width window whose top-left pixel is (y, x).
    func window(y: Int, x: Int, height: Int, width: Int) -> Blocked {
        Blocked(
            base: base + y * rowStride + x * 16, shape: TensorShape(shape.channels, height, width),
            rowStride: rowStride, planeStride: planeStride)
    }

    var blocks: Int { (shape.channels + 15) / 16 }

    /// The first float of row `y` of channel block `block`.
    @inline(__always)
    func row(_ block: Int, _ y: Int) -> UnsafeMutablePointer<Float> {
        base + block * planeStride + y * rowStride
    }

    /// The float holding channel `c` at (y, x).
    @inline(__always)
    func at(_ c: Int, _ y: Int, _ x: Int) -> UnsafeMutablePointer<Float> {
        row(c >> 4, y) + x * 16 + (c & 15)
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always)
    func vector(at offset: Int) -> SIMD16<Float> {
        UnsafeRawPointer(self + offset).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    func setVector(_ v: SIMD16<Float>, at offset: Int) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    @inline(__always)
    func addVector(_ v: SIMD16<Float>, at offset: Int) {
        setVector(vector(at: offset) + v, at: offset)
    }
}
