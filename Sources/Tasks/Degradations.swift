import Engine
import ImageIO

/// Makes test inputs from a clean image (`dip degrade`), each seeded and reproducible.
public enum Degradations {
    /// x + N(0, (σ/255)²), clipped to [0, 1] (the reference's `get_noisy_image`).
    public static func noise(_ image: Image, sigma: Double, seed: UInt64) -> Image {
        let n = NoiseFill.make(
            count: image.pixels.count, seed: seed, purpose: .degradation, distribution: .normal, scale: Float(sigma / 255))
        var out = image
        for i in out.pixels.indices { out.pixels[i] = min(max(image.pixels[i] + n[i], 0), 1) }
        return out
    }

    /// Pillow's Lanczos downscale by `factor` (how the reference made its low-resolution inputs).
    public static func downscale(_ image: Image, factor: Int) throws -> Image {
        let h = image.height / factor
        let w = image.width / factor
        guard h >= 1, w >= 1 else {
            throw TaskError.badInput("a \(image.width)×\(image.height) image is too small to downscale ×\(factor)")
        }
        var out = image
        out.pixels = LanczosResize.resize(
            image.pixels, channels: image.channels, height: image.height, width: image.width, toHeight: h, toWidth: w,
            quantize8: image.sourceBitDepth == 8)
        out.alpha = image.alpha.map {
            LanczosResize.resize($0, channels: 1, height: image.height, width: image.width, toHeight: h, toWidth: w, quantize8: false)
        }
        out.width = w
        out.height = h
        return out
    }

    /// Drops each pixel with probability `drop` (the reference's Bernoulli mask, shared across
    /// channels): returns the image with missing pixels set to 0 and the mask (white = known).
    public static func mask(_ image: Image, drop: Double, seed: UInt64) -> (image: Image, mask: Image) {
        let plane = image.width * image.height
        let u = NoiseFill.make(count: plane, seed: seed, purpose: .mask, distribution: .uniform)
        let keep: [Float] = u.map { Double($0) >= drop ? 1 : 0 }
        var out = image
        for c in 0..<image.channels {
            for p in 0..<plane { out.pixels[c * plane + p] *= keep[p] }
        }
        let mask = Image(width: image.width, height: image.height, channels: 1, pixels: keep)
        return (out, mask)
    }

    /// Compresses with JPEG at `quality` and decodes it again.
    public static func jpeg(_ image: Image, quality: Int) throws -> (image: Image, bytes: [UInt8]) {
        let bytes = try ImageFile.encodeJPEG(image, quality: quality)
        var decoded = try ImageFile.decode(bytes, name: "<JPEG q\(quality)>")
        decoded.alpha = image.alpha
        return (decoded, bytes)
    }
}
