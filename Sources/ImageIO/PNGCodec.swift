import CPNG

/// PNG encode/decode on top of the longjmp-free C wrapper in CPNG.
enum PNGCodec {
    static func decode(_ data: [UInt8], name: String) throws -> Image {
        var decoded = cpng_image()
        var message = [CChar](repeating: 0, count: 512)
        let rc = data.withUnsafeBufferPointer { bytes in
            message.withUnsafeMutableBufferPointer { msg in
                cpng_decode(bytes.baseAddress, bytes.count, UInt32(ImageLimits.maxSide),
                            UInt64(ImageLimits.maxPixels), &decoded, msg.baseAddress, msg.count)
            }
        }
        guard rc == 0, let raw = decoded.pixels else {
            let reason = cMessage(message)
            throw ImageIOError(path: name, reason: reason.isEmpty ? "corrupt PNG" : reason)
        }
        defer { cpng_free(raw) }

        let width = Int(decoded.width), height = Int(decoded.height)
        let spp = Int(decoded.channels)
        let n = width * height
        let planes: (pixels: [Float], alpha: [Float]?)
        if decoded.bit_depth == 16 {
            let samples = UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt16.self), count: n * spp)
            planes = planarFloats(fromU16: samples, pixelCount: n, samplesPerPixel: spp)
        } else {
            let samples = UnsafeBufferPointer(start: raw.assumingMemoryBound(to: UInt8.self), count: n * spp)
            planes = planarFloats(fromU8: samples, pixelCount: n, samplesPerPixel: spp)
        }
        return Image(width: width, height: height, channels: spp >= 3 ? 3 : 1,
                     pixels: planes.pixels, alpha: planes.alpha,
                     sourceBitDepth: decoded.file_bit_depth == 16 ? 16 : 8)
    }

    static func encode(_ image: Image, bitDepth: Int, name: String) throws -> [UInt8] {
        try image.validateForEncoding(name: name)
        guard bitDepth == 8 || bitDepth == 16 else {
            throw ImageIOError(path: name, reason: "PNG bit depth must be 8 or 16, not \(bitDepth)")
        }
        let spp = image.channels + (image.alpha == nil ? 0 : 1)
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize = 0
        var message = [CChar](repeating: 0, count: 512)

        func run(_ samples: UnsafeRawPointer?) -> Int32 {
            message.withUnsafeMutableBufferPointer { msg in
                cpng_encode(samples, UInt32(image.width), UInt32(image.height), Int32(spp),
                            Int32(bitDepth), &output, &outputSize, msg.baseAddress, msg.count)
            }
        }
        let rc: Int32
        if bitDepth == 16 {
            rc = interleavedU16(image, includeAlpha: true).withUnsafeBytes { run($0.baseAddress) }
        } else {
            rc = interleavedU8(image, includeAlpha: true).withUnsafeBytes { run($0.baseAddress) }
        }
        defer { cpng_free(output) }
        guard rc == 0, let encoded = output else {
            let reason = cMessage(message)
            throw ImageIOError(path: name, reason: reason.isEmpty ? "PNG encoder failed" : reason)
        }
        return Array(UnsafeBufferPointer(start: encoded, count: outputSize))
    }
}
