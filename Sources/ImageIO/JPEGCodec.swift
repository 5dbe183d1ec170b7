import CJPEG

/// JPEG encode/decode through TurboJPEG's `tj*` API (libjpeg-turbo 2.1 has no `tj3*`).
///
/// TurboJPEG catches libjpeg's longjmp internally, so it is safe to call from Swift directly.
enum JPEGCodec {
    /// libjpeg warnings about header oddities that `JPEGHeader.sanitized` can repair.
    private static let repairableWarnings = [
        "extraneous bytes before marker",
        "unknown JFIF revision",
        "Unknown Adobe color transform",
        "Invalid SOS parameters for sequential JPEG",
    ]
    /// Stray bytes after a scan's data (common from some cameras) leave every pixel intact,
    /// but cannot be cut out without decoding, so they are tolerated instead.
    private static let toleratedWarning = "extraneous bytes before marker"

    static func decode(_ data: [UInt8], name: String) throws -> Image {
        func fail(_ reason: String) -> ImageIOError { ImageIOError(path: name, reason: reason) }
        guard let handle = tjInitDecompress() else { throw fail("cannot initialise libjpeg-turbo") }
        defer { tjDestroy(handle) }

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = -1, colourspace: Int32 = -1
        let headerStatus = data.withUnsafeBufferPointer { bytes in
            tjDecompressHeader3(handle, bytes.baseAddress, UInt(bytes.count),
                                &width, &height, &subsampling, &colourspace)
        }
        if headerStatus != 0 {
            // TurboJPEG reports header *warnings* as failures too; harmless ones are re-judged
            // by the full decode below, which sees the same warning again.
            let message = errorMessage(handle)
            let harmless = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
                && repairableWarnings.contains(where: { message.contains($0) })
            if !harmless { throw fail(reason(for: message, inHeader: true)) }
        }
        // A file cut inside its header can "succeed" without ever setting the size.
        guard width > 0, height > 0 else {
            throw fail("truncated or corrupt JPEG header (no image size)")
        }
        let w = Int(width), h = Int(height)
        guard w <= ImageLimits.maxSide, h <= ImageLimits.maxSide, w * h <= ImageLimits.maxPixels else {
            throw fail("image is too large: \(w)x\(h) (\(ImageLimits.description))")
        }

        let samplesPerPixel: Int
        let pixelFormat: TJPF
        switch colourspace {
        case Int32(TJCS_GRAY.rawValue):
            (samplesPerPixel, pixelFormat) = (1, TJPF_GRAY)
        case Int32(TJCS_RGB.rawValue), Int32(TJCS_YCbCr.rawValue):
            (samplesPerPixel, pixelFormat) = (3, TJPF_RGB)
        case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue):
            // TurboJPEG refuses CMYK→RGB, so take raw CMYK and convert below.
            (samplesPerPixel, pixelFormat) = (4, TJPF_CMYK)
        default:
            throw fail("unsupported JPEG colour space (\(colourspace))")
        }

        let n = w * h
        // Left uninitialised on purpose: a hostile header must not cost a full-size memset
        // before the decoder notices the data is missing. Every path that returns pixels
        // has had all rows written by libjpeg.
        var samples = [UInt8](unsafeUninitializedCapacity: n * samplesPerPixel) { _, count in
            count = n * samplesPerPixel
        }
        func decompress(_ input: [UInt8], strict: Bool, using decoder: tjhandle? = nil)
            -> (ok: Bool, warning: Bool, message: String) {
            // Stop on warnings: libjpeg "recovers" from truncated or damaged scan data by painting
            // the rest grey, and restoring a grey-filled image silently is worse than failing.
            let flags = TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS | (strict ? TJFLAG_STOPONWARNING : 0)
            let tj = decoder ?? handle
            let status = input.withUnsafeBufferPointer { bytes in
                samples.withUnsafeMutableBufferPointer { out in
                    tjDecompress2(tj, bytes.baseAddress, UInt(bytes.count), out.baseAddress,
                                  width, 0, height, Int32(pixelFormat.rawValue), flags)
                }
            }
            if status == 0 { return (true, false, "") }
            return (false, tjGetErrorCode(tj) == Int32(TJERR_WARNING.rawValue), errorMessage(tj))
        }
        func isWarning(_ result: (ok: Bool, warning: Bool, message: String), in list: [String]) -> Bool {
            result.warning && list.contains(where: { result.message.contains($0) })
        }

        var input = data
        let header = JPEGHeader(data)
        var result = decompress(input, strict: true)
        if !result.ok, isWarning(result, in: repairableWarnings) {
            // Only a header we can follow to its first scan can be repaired, and only then can a
            // remaining "extraneous bytes" warning be known to come from after the header.
            guard header.scanStart != nil else { throw fail(reason(for: result.message, inHeader: true)) }
            if let repaired = header.sanitized(data) {
                // Fix the header and stay strict about the scan data.
                input = repaired
                result = decompress(input, strict: true)
            }
        }
        if !result.ok {
            guard isWarning(result, in: [toleratedWarning]) else {
                throw fail(reason(for: result.message, inHeader: false))
            }
            guard endsWithEOI(input) else { throw fail("truncated JPEG file (no end-of-image marker)") }
            // Decode without stopping. TurboJPEG reports only the first warning, so damage in a
            // later scan of a multi-scan file could go unnoticed here; the end-of-image check
            // still rules out truncation, and in a single-scan file the stray bytes can only
            // come after all of its data (running short would have warned first).
            guard let fresh = tjInitDecompress() else { throw fail("cannot initialise libjpeg-turbo") }
            defer { tjDestroy(fresh) }
            let lenient = decompress(input, strict: false, using: fresh)
            // TurboJPEG keeps saying "warning" after a later *fatal* error too (the flag is sticky),
            // but a fatal error replaces the message, while later warnings never do. So the only
            // acceptable failure is the very warning we already know about.
            if !lenient.ok, !(lenient.warning && lenient.message == result.message) {
                throw fail(reason(for: lenient.message, inHeader: false))
            }
        }

        let planes: (pixels: [Float], alpha: [Float]?)
        if samplesPerPixel == 4 {
            planes = (cmykToPlanarRGB(samples, pixelCount: n, inverted: header.hasAdobeMarker), nil)
        } else {
            planes = samples.withUnsafeBufferPointer {
                planarFloats(fromU8: $0, pixelCount: n, samplesPerPixel: samplesPerPixel)
            }
        }
        return Image(width: w, height: h, channels: samplesPerPixel == 1 ? 1 : 3,
                     pixels: planes.pixels, alpha: nil, sourceBitDepth: 8)
    }

    static func encode(_ image: Image, quality: Int, name: String) throws -> [UInt8] {
        try image.validateForEncoding(name: name)
        guard (1...100).contains(quality) else {
            throw ImageIOError(path: name, reason: "JPEG quality must be 1...100, not \(quality)")
        }
        guard let handle = tjInitCompress() else {
            throw ImageIOError(path: name, reason: "cannot initialise libjpeg-turbo")
        }
        defer { tjDestroy(handle) }

        let gray = image.channels == 1
        let samples = interleavedU8(image, includeAlpha: false)
        var output: UnsafeMutablePointer<UInt8>?
        var outputSize: UInt = 0
        // 4:4:4 because dip's outputs are restorations: chroma subsampling would blur
        // exactly the detail the optimisation recovered.
        let subsampling = gray ? TJSAMP_GRAY : TJSAMP_444
        let status = samples.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32((gray ? TJPF_GRAY : TJPF_RGB).rawValue), &output, &outputSize,
                        Int32(subsampling.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let encoded = output else {
            throw ImageIOError(path: name, reason: "JPEG encoder: \(errorMessage(handle))")
        }
        return Array(UnsafeBufferPointer(start: encoded, count: Int(outputSize)))
    }

    private static func errorMessage(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown libjpeg-turbo error" }
        return String(cString: text)
    }

    private static func reason(for message: String, inHeader: Bool) -> String {
        if message.contains("Premature end of JPEG file") {
            return "truncated JPEG file (data ends early)"
        }
        let corruptPrefix = "Corrupt JPEG data: "
        if message.hasPrefix(corruptPrefix) {
            return "corrupt JPEG data: " + message.dropFirst(corruptPrefix.count)
        }
        return (inHeader ? "corrupt JPEG header: " : "corrupt JPEG: ") + message
    }

    /// True if the data ends with an EOI marker (possibly followed by zero padding).
    static func endsWithEOI(_ data: [UInt8]) -> Bool {
        var end = data.count
        while end > 0, data[end - 1] == 0 { end -= 1 }
        return end >= 2 && data[end - 2] == 0xFF && data[end - 1] == 0xD9
    }

    /// CMYK → RGB with R = (1−C)(1−K) etc.; no colour management, like every simple decoder.
    /// Results are rounded to the 8-bit grid so an 8-bit save reproduces them exactly.
    static func cmykToPlanarRGB(_ cmyk: [UInt8], pixelCount n: Int, inverted: Bool) -> [Float] {
        [Float](unsafeUninitializedCapacity: 3 * n) { dst, count in
            cmyk.withUnsafeBufferPointer { src in
                for i in 0..<n {
                    var k = Int(src[4 * i + 3])
                    if !inverted { k = 255 - k }
                    for c in 0..<3 {
                        var v = Int(src[4 * i + c])
                        if !inverted { v = 255 - v }
                        dst[c * n + i] = Float((v * k + 127) / 255) / 255
                    }
                }
            }
            count = 3 * n
        }
    }
}
