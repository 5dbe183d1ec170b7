/// The restoration problems dip solves, each a degradation operator A in ‖A(f(z)) − y‖².
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    /// A = identity; y is a noisy photo.
    case denoise
    /// A = identity; y is a JPEG with blocking and ringing (the reference's "snail").
    case jpeg
    /// A = Lanczos-2 downsampling by the scale; y is the low-resolution image.
    case sr
    /// A = mask; y has holes, text or watermarks where the mask is 0.
    case inpaint
    /// A = mask; y keeps only a sparse set of pixels (e.g. 50% missing).
    case restore
    /// A = identity, z = the flash photo; y is the no-flash photo.
    case flash

    /// Whether the loss is masked, so the known pixels are composited back on save.
    public var usesMask: Bool { self == .inpaint || self == .restore }
}
