/// Loading and saving images; the format is chosen by content when reading and by method when writing.
///
/// Samples become `value / maxValue` floats. Saving clamps to [0,1] and rounds to the nearest
/// level; the DIP reference code truncates (`np.uint8(x*255)`), but rounding is what lets 8- and
/// 16-bit images round-trip exactly. No colour management (gAMA, sRGB, iCCP) and no EXIF
/// orientation are applied: pixel values are taken exactly as stored.
public enum ImageFile {
    /// Reads and decodes a PNG or JPEG, recognised by its magic bytes rather than its extension.
    public static func load(_ path: String) throws -> Image {
        try decode(FileReader.read(path), name: path)
    }

    /// Decodes PNG or JPEG bytes; `name` is used in error messages.
    public static func decode(_ data: [UInt8], name: String) throws -> Image {
        guard !data.isEmpty else { throw ImageIOError(path: name, reason: "empty file") }
        switch ImageFormat.sniff(data) {
        case .png: return try PNGCodec.decode(data, name: name)
        case .jpeg: return try JPEGCodec.decode(data, name: name)
        case nil:
            throw ImageIOError(path: name, reason: ImageFormat.describeOther(data) ?? "not a PNG or JPEG image")
        }
    }

    /// Encodes and atomically writes a PNG (8 or 16 bits per sample; gray, gray+alpha, RGB or RGBA).
    public static func savePNG(_ image: Image, to path: String, bitDepth: Int = 8) throws {
        try AtomicFile.write(PNGCodec.encode(image, bitDepth: bitDepth, name: path), to: path)
    }

    /// Encodes a PNG in memory; alpha, if present, is written as a real alpha channel.
    public static func encodePNG(_ image: Image, bitDepth: Int = 8) throws -> [UInt8] {
        try PNGCodec.encode(image, bitDepth: bitDepth, name: "<PNG output>")
    }

    /// Encodes a baseline JPEG (quality 1...100, 4:4:4); alpha is dropped.
    public static func encodeJPEG(_ image: Image, quality: Int) throws -> [UInt8] {
        try JPEGCodec.encode(image, quality: quality, name: "<JPEG output>")
    }

    /// Encodes and atomically writes a JPEG; alpha is dropped.
    public static func saveJPEG(_ image: Image, to path: String, quality: Int) throws {
        try AtomicFile.write(JPEGCodec.encode(image, quality: quality, name: path), to: path)
    }
}
