/// A decoded image: planar float32 in [0,1], channel-major (C×H×W), plus alpha kept aside.
///
/// The initializer does not validate; encoders check the sizes and throw `ImageIOError`.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Colour channels only: 1 (gray) or 3 (RGB); alpha is never counted here.
    public var channels: Int
    /// `channels*height*width` samples, planar: `pixels[c*H*W + y*W + x]`.
    public var pixels: [Float]
    /// `height*width` alpha values in [0,1] if the file had alpha (or tRNS); re-attached on save.
    public var alpha: [Float]?
    /// Bit depth of the source file's samples: 8 or 16 (1/2/4-bit gray counts as 8).
    public var sourceBitDepth: Int

    /// Creates an image from planar samples; see the property docs for the layout.
    public init(width: Int, height: Int, channels: Int, pixels: [Float], alpha: [Float]? = nil,
                sourceBitDepth: Int = 8) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
        self.alpha = alpha
        self.sourceBitDepth = sourceBitDepth
    }
}

extension Image {
    /// Checks the invariants every encoder relies on, so a malformed value throws instead of trapping.
    func validateForEncoding(name: String) throws {
        func fail(_ reason: String) -> ImageIOError { ImageIOError(path: name, reason: reason) }
        guard width > 0, height > 0 else {
            throw fail("cannot encode an image of \(width)x\(height) pixels")
        }
        guard width <= ImageLimits.maxSide, height <= ImageLimits.maxSide,
              width * height <= ImageLimits.maxPixels else {
            throw fail("cannot encode a \(width)x\(height) image: \(ImageLimits.description)")
        }
        guard channels == 1 || channels == 3 else {
            throw fail("cannot encode \(channels) colour channels (expected 1 or 3)")
        }
        guard pixels.count == channels * width * height else {
            throw fail("pixel buffer holds \(pixels.count) values, expected \(channels * width * height)")
        }
        if let alpha, alpha.count != width * height {
            throw fail("alpha buffer holds \(alpha.count) values, expected \(width * height)")
        }
    }
}

/// Size limits applied when decoding, so a hostile header cannot make us allocate gigabytes.
enum ImageLimits {
    static let maxSide = 30_000
    static let maxPixels = 1 << 28
    static var description: String {
        "limit is \(maxSide) pixels per side and \(maxPixels) pixels in total"
    }
}
