import TUI

/// Images as the TUI shows them: 8-bit RGB, box-downsampled on the training (or file) side so
/// the UI thread never resamples full-size images.
enum Preview {
    /// The longer side of a preview; large enough for a useful 1:1 zoom in a terminal.
    static let side = 512

    /// An 8-bit RGB preview of planar floats, box-downsampled so the longer side ≤ `side`.
    static func make(_ planes: [Float], channels: Int, height: Int, width: Int) -> PreviewImage {
        let step = max(1, (max(height, width) + side - 1) / side)
        let h = max(height / step, 1)
        let w = max(width / step, 1)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        let plane = height * width
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    let source = channels == 3 ? c : 0
                    var total: Float = 0
                    for dy in 0..<step {
                        for dx in 0..<step { total += planes[source * plane + (y * step + dy) * width + x * step + dx] }
                    }
                    let v = total / Float(step * step)
                    rgb[(y * w + x) * 3 + c] = UInt8(min(max(v, 0), 1) * 255 + 0.5)
                }
            }
        }
        return PreviewImage(width: w, height: h, rgb: rgb)
    }
}

import ImageIO

extension Preview {
    static func make(_ image: Image) -> PreviewImage {
        make(image.pixels, channels: image.channels, height: image.height, width: image.width)
    }
}
