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

    /// Whether the no-reference early stopping is on by default. It stops before the net fits the
    /// noise in y; a masked task fits exact known pixels, keeps improving for the reference's
    /// thousands of iterations, and its output-variance signal has bumps that are not overfitting
    /// (barbara 50%: ES-WMV bottomed at 646 and auto-stopped at 1646 with a 26.73 dB pick, while
    /// the EMA at 1646 had 31.9 dB). Those tasks run their count and keep the EMA at the end.
    public var stopsEarlyByDefault: Bool { !usesMask }

    /// The result `--pick` chooses unless told: the best-ES iterate where early stopping applies,
    /// otherwise the end (its EMA where the recipe prefers it).
    public func defaultPick(preferEMA: Bool) -> Pick {
        stopsEarlyByDefault ? .bestES : (preferEMA ? .ema : .last)
    }
}
