/// The file formats dip reads and writes.
public enum ImageFormat: Sendable, Equatable {
    case png
    case jpeg

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Identifies a format from its magic bytes; nil if the data is neither PNG nor JPEG.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 8, Array(bytes[0..<8]) == pngSignature { return .png }
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        return nil
    }

    /// Maps a file name's extension (`.png`, `.jpg`, `.jpeg`, any case) to a format, for choosing a writer.
    public init?(pathExtension path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// A short guess at what a non-PNG/JPEG file is, to make the error message more useful.
    static func describeOther(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool {
            bytes.count >= prefix.count && Array(bytes[0..<prefix.count]) == prefix
        }
        if bytes.count < 8, starts(Array(pngSignature.prefix(bytes.count))), !bytes.isEmpty {
            return "truncated PNG file (only \(bytes.count) bytes)"
        }
        if bytes.count < 3, starts(Array([0xFF, 0xD8, 0xFF].prefix(bytes.count))), !bytes.isEmpty {
            return "truncated JPEG file (only \(bytes.count) bytes)"
        }
        let kinds: [([UInt8], String)] = [
            (Array("GIF8".utf8), "GIF"), (Array("BM".utf8), "BMP"),
            ([0x49, 0x49, 0x2A, 0x00], "TIFF"), ([0x4D, 0x4D, 0x00, 0x2A], "TIFF"),
            (Array("%PDF".utf8), "PDF"), (Array("P6".utf8), "PPM"), (Array("P5".utf8), "PGM"),
        ]
        if let kind = kinds.first(where: { starts($0.0) }) {
            return "not a PNG or JPEG image (looks like \(kind.1))"
        }
        if starts(Array("RIFF".utf8)), bytes.count >= 12, Array(bytes[8..<12]) == Array("WEBP".utf8) {
            return "not a PNG or JPEG image (looks like WebP)"
        }
        return nil
    }
}
