/// An 8-bit sRGB colour.
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// Parses `#RRGGBB` (case-insensitive); nil for anything else.
    public init?(hex: String) {
        let s = Array(hex.utf8)
        guard s.count == 7, s[0] == UInt8(ascii: "#") else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var v = [UInt8]()
        for i in stride(from: 1, to: 7, by: 2) {
            guard let hi = nibble(s[i]), let lo = nibble(s[i + 1]) else { return nil }
            v.append(hi << 4 | lo)
        }
        self.init(v[0], v[1], v[2])
    }

    /// `#rrggbb`.
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for c in [r, g, b] {
            s.append(digits[Int(c >> 4)])
            s.append(digits[Int(c & 15)])
        }
        return s
    }

    public var description: String { hex }

    /// Relative luminance on the gamma-encoded values (Rec. 709 weights), 0…1. Good enough for glyph ramps.
    public var luminance: Double {
        (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255
    }

    /// 24-bit packed value 0xRRGGBB (ncurses direct-colour colour number).
    public var packed: Int32 { Int32(r) << 16 | Int32(g) << 8 | Int32(b) }

    public static let black = RGB(0, 0, 0)
    public static let white = RGB(255, 255, 255)
}
