/// Mean squared error over all C·H·W elements, as `torch.nn.MSELoss()`, with its gradient.
///
/// With a mask, the reference's `mse(out·m, y·m)`: the mean still runs over *all* elements, so
/// it is not normalised by the number of known pixels (dip-spec.md §1.5). The mask has one
/// channel and broadcasts over the image's channels.
public final class MeanSquaredError {
    public let shape: TensorShape
    /// Per-channel partial sums, kept so that evaluating allocates nothing.
    private let partial: UnsafeMutablePointer<Double>

    public init(shape: TensorShape) {
        self.shape = shape
        partial = .allocate(capacity: max(shape.channels, 1))
    }

    deinit { partial.deallocate() }

    /// Returns the loss and writes d loss / d prediction into `gradient`. Sums in Double.
    public func evaluate(
        prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, mask: UnsafePointer<Float>? = nil,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        let plane = shape.pixels
        let scale = 2 / Float(shape.count)
        let partial = self.partial
        Parallel.forEach(shape.channels, grain: 1) { range in
            for c in range {
                var total: Double = 0
                let p = prediction + c * plane
                let t = target + c * plane
                let g = gradient + c * plane
                if let mask {
                    for i in 0..<plane {
                        let r = (p[i] - t[i]) * mask[i]
                        total += Double(r * r)
                        g[i] = scale * r * mask[i]
                    }
                } else {
                    for i in 0..<plane {
                        let r = p[i] - t[i]
                        total += Double(r * r)
                        g[i] = scale * r
                    }
                }
                partial[c] = total
            }
        }
        var sum: Double = 0
        for c in 0..<shape.channels { sum += partial[c] }
        return sum / Double(shape.count)
    }
}
