/// Where the user's image sits inside the padded canvas the net works on.
///
/// dip never crops or resizes the user's image: it reflect-pads it up to the multiple the net
/// needs and crops the result back to exactly the original size.
public struct PadGeometry: Codable, Equatable, Sendable {
    public var height: Int
    public var width: Int
    public var paddedHeight: Int
    public var paddedWidth: Int
    public var top: Int
    public var left: Int

    /// Centres an H×W image in the smallest canvas whose sides are multiples of `multiple`.
    public init(height: Int, width: Int, multiple: Int) {
        self.height = height
        self.width = width
        paddedHeight = (height + multiple - 1) / multiple * multiple
        paddedWidth = (width + multiple - 1) / multiple * multiple
        top = (paddedHeight - height) / 2
        left = (paddedWidth - width) / 2
    }

    /// The same placement scaled by an integer factor (the HR canvas of an SR run).
    public func scaled(by factor: Int) -> PadGeometry {
        var g = self
        g.height *= factor
        g.width *= factor
        g.paddedHeight *= factor
        g.paddedWidth *= factor
        g.top *= factor
        g.left *= factor
        return g
    }

    public var isPadded: Bool { paddedHeight != height || paddedWidth != width }

    /// Mirror index for any offset, reflecting as often as needed (tiny images, big pads).
    static func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        var m = i % period
        if m < 0 { m += period }
        return m < n ? m : period - m
    }

    /// Reflect-pads planar C×H×W samples to the padded canvas.
    public func pad(_ planes: [Float], channels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: channels * paddedHeight * paddedWidth)
        let columns = (0..<paddedWidth).map { Self.reflect($0 - left, width) }
        for c in 0..<channels {
            for y in 0..<paddedHeight {
                let sy = Self.reflect(y - top, height)
                let src = (c * height + sy) * width
                let dst = (c * paddedHeight + y) * paddedWidth
                for x in 0..<paddedWidth { out[dst + x] = planes[src + columns[x]] }
            }
        }
        return out
    }

    /// Crops planar samples of the padded canvas back to the original H×W.
    public func crop(_ planes: UnsafeBufferPointer<Float>, channels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: channels * height * width)
        out.withUnsafeMutableBufferPointer { out in
            for c in 0..<channels {
                for y in 0..<height {
                    let src = (c * paddedHeight + y + top) * paddedWidth + left
                    let dst = (c * height + y) * width
                    for x in 0..<width { out[dst + x] = planes[src + x] }
                }
            }
        }
        return out
    }

    public func crop(_ planes: [Float], channels: Int) -> [Float] {
        planes.withUnsafeBufferPointer { crop($0, channels: channels) }
    }

    /// The flat index in the padded canvas of channel `c`, original pixel (y, x).
    @inline(__always)
    func paddedIndex(_ c: Int, _ y: Int, _ x: Int) -> Int {
        (c * paddedHeight + y + top) * paddedWidth + left + x
    }
}
