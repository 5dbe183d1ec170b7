// Conversions between the interleaved integer samples codecs use and dip's planar floats.
// Written against raw buffers because these loops dominate load/save time in debug builds.

/// Splits interleaved samples (`samplesPerPixel` = 1…4, alpha last when 2 or 4) into planar
/// colour floats and an optional alpha plane, scaling by `maxValue`.
func planarFloats(fromU8 src: UnsafeBufferPointer<UInt8>, pixelCount n: Int,
                  samplesPerPixel spp: Int) -> (pixels: [Float], alpha: [Float]?) {
    let hasAlpha = spp == 2 || spp == 4
    let colour = hasAlpha ? spp - 1 : spp
    let pixels = [Float](unsafeUninitializedCapacity: colour * n) { dst, count in
        for c in 0..<colour {
            var s = c
            let base = c * n
            for i in 0..<n {
                dst[base + i] = Float(src[s]) / 255
                s += spp
            }
        }
        count = colour * n
    }
    guard hasAlpha else { return (pixels, nil) }
    let alpha = [Float](unsafeUninitializedCapacity: n) { dst, count in
        var s = colour
        for i in 0..<n {
            dst[i] = Float(src[s]) / 255
            s += spp
        }
        count = n
    }
    return (pixels, alpha)
}

/// 16-bit twin of `planarFloats(fromU8:)`: divides by 65535 so every 16-bit value survives.
func planarFloats(fromU16 src: UnsafeBufferPointer<UInt16>, pixelCount n: Int,
                  samplesPerPixel spp: Int) -> (pixels: [Float], alpha: [Float]?) {
    let hasAlpha = spp == 2 || spp == 4
    let colour = hasAlpha ? spp - 1 : spp
    let pixels = [Float](unsafeUninitializedCapacity: colour * n) { dst, count in
        for c in 0..<colour {
            var s = c
            let base = c * n
            for i in 0..<n {
                dst[base + i] = Float(src[s]) / 65535
                s += spp
            }
        }
        count = colour * n
    }
    guard hasAlpha else { return (pixels, nil) }
    let alpha = [Float](unsafeUninitializedCapacity: n) { dst, count in
        var s = colour
        for i in 0..<n {
            dst[i] = Float(src[s]) / 65535
            s += spp
        }
        count = n
    }
    return (pixels, alpha)
}

/// Maps a float to an integer sample: clamp to [0,1] (NaN → 0), scale, round to nearest.
/// The DIP reference code truncates (`np.uint8(x*255)`), which darkens by half a level on
/// average; rounding is what makes 8- and 16-bit saves round-trip exactly.
@inline(__always)
func quantize(_ x: Float, maxValue: Float) -> Float {
    let clamped: Float = x > 0 ? (x < 1 ? x : 1) : 0
    return (clamped * maxValue).rounded(.toNearestOrAwayFromZero)
}

/// Interleaves an image's planes (plus alpha if `includeAlpha` and present) as 8-bit samples.
func interleavedU8(_ image: Image, includeAlpha: Bool) -> [UInt8] {
    let n = image.width * image.height
    let alpha = includeAlpha ? image.alpha : nil
    let spp = image.channels + (alpha == nil ? 0 : 1)
    return [UInt8](unsafeUninitializedCapacity: n * spp) { dst, count in
        image.pixels.withUnsafeBufferPointer { src in
            for c in 0..<image.channels {
                var d = c
                let base = c * n
                for i in 0..<n {
                    dst[d] = UInt8(quantize(src[base + i], maxValue: 255))
                    d += spp
                }
            }
        }
        if let alpha {
            alpha.withUnsafeBufferPointer { src in
                var d = spp - 1
                for i in 0..<n {
                    dst[d] = UInt8(quantize(src[i], maxValue: 255))
                    d += spp
                }
            }
        }
        count = n * spp
    }
}

/// 16-bit twin of `interleavedU8`.
func interleavedU16(_ image: Image, includeAlpha: Bool) -> [UInt16] {
    let n = image.width * image.height
    let alpha = includeAlpha ? image.alpha : nil
    let spp = image.channels + (alpha == nil ? 0 : 1)
    return [UInt16](unsafeUninitializedCapacity: n * spp) { dst, count in
        image.pixels.withUnsafeBufferPointer { src in
            for c in 0..<image.channels {
                var d = c
                let base = c * n
                for i in 0..<n {
                    dst[d] = UInt16(quantize(src[base + i], maxValue: 65535))
                    d += spp
                }
            }
        }
        if let alpha {
            alpha.withUnsafeBufferPointer { src in
                var d = spp - 1
                for i in 0..<n {
                    dst[d] = UInt16(quantize(src[i], maxValue: 65535))
                    d += spp
                }
            }
        }
        count = n * spp
    }
}

/// Reads a NUL-terminated C message buffer as UTF-8 (invalid bytes are replaced, never trapped on).
func cMessage(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
