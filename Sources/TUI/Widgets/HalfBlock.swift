/// Glyph repertoire for the image and charts.
public enum GlyphSet: Sendable, Equatable {
    /// ▀, braille, box drawing (UTF-8 locales).
    case unicode
    /// 7-bit fallbacks for non-UTF-8 locales.
    case ascii
}

/// How an image is placed in its pane.
public enum ImageView: Sendable, Equatable {
    /// Fit the whole image, keeping the aspect ratio (half-block pixels are square).
    case fit
    /// One image pixel per half-block pixel, a window centred on (x, y) in image pixels.
    case oneToOne(centerX: Int, centerY: Int)
}

/// The half-block image renderer: pure functions from an image, a pane size and a colour mode to cells.
public enum HalfBlock {
    /// The upper half block; its foreground is the top pixel, its background the bottom pixel.
    public static let glyph: Character = "▀"

    /// Size in cells of an `imageWidth`×`imageHeight` image fitted into `paneWidth`×`paneHeight` cells,
    /// keeping the aspect ratio (a cell is 1 pixel wide and 2 tall). Upscales small images to fill the pane.
    public static func fit(imageWidth: Int, imageHeight: Int, paneWidth: Int, paneHeight: Int) -> (cols: Int, rows: Int) {
        guard imageWidth > 0, imageHeight > 0, paneWidth > 0, paneHeight > 0 else { return (0, 0) }
        let scale = min(Double(paneWidth) / Double(imageWidth), Double(2 * paneHeight) / Double(imageHeight))
        let cols = max(1, min(paneWidth, Int((Double(imageWidth) * scale).rounded())))
        let rows = max(1, min(paneHeight, Int((Double(imageHeight) * scale / 2).rounded())))
        return (cols, rows)
    }

    /// Resamples to `width`×`height`: area average when shrinking, nearest pixel when enlarging.
    public static func resample(_ image: PreviewImage, width: Int, height: Int) -> PreviewImage {
        guard image.width > 0, image.height > 0, width > 0, height > 0 else {
            return PreviewImage(width: max(0, width), height: max(0, height), rgb: [])
        }
        if width == image.width && height == image.height { return image }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let sw = image.width, sh = image.height
        image.rgb.withUnsafeBufferPointer { src in
            for dy in 0..<height {
                let y0 = dy * sh / height
                let y1 = max(y0 + 1, (dy + 1) * sh / height)
                for dx in 0..<width {
                    let x0 = dx * sw / width
                    let x1 = max(x0 + 1, (dx + 1) * sw / width)
                    var r = 0, g = 0, b = 0
                    for y in y0..<y1 {
                        var i = (y * sw + x0) * 3
                        for _ in x0..<x1 {
                            r += Int(src[i]); g += Int(src[i + 1]); b += Int(src[i + 2])
                            i += 3
                        }
                    }
                    let n = (y1 - y0) * (x1 - x0)
                    let o = (dy * width + dx) * 3
                    out[o] = UInt8((r + n / 2) / n)
                    out[o + 1] = UInt8((g + n / 2) / n)
                    out[o + 2] = UInt8((b + n / 2) / n)
                }
            }
        }
        return PreviewImage(width: width, height: height, rgb: out)
    }

    /// A `width`×`height` window of `image` centred near (cx, cy), clamped inside the image (smaller when
    /// the image is smaller). Returns the crop and the centre actually used.
    public static func crop(_ image: PreviewImage, centerX cx: Int, centerY cy: Int, width: Int, height: Int)
        -> (image: PreviewImage, centerX: Int, centerY: Int)
    {
        let w = min(width, image.width), h = min(height, image.height)
        guard w > 0, h > 0 else { return (PreviewImage(width: 0, height: 0, rgb: []), cx, cy) }
        let x0 = max(0, min(image.width - w, cx - w / 2))
        let y0 = max(0, min(image.height - h, cy - h / 2))
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for y in y0..<(y0 + h) {
            let start = (y * image.width + x0) * 3
            out.append(contentsOf: image.rgb[start..<(start + w * 3)])
        }
        return (PreviewImage(width: w, height: h, rgb: out), x0 + w / 2, y0 + h / 2)
    }

    /// Renders `image` into a pane of `paneWidth`×`paneHeight` cells.
    public static func render(
        _ image: PreviewImage, paneWidth: Int, paneHeight: Int, mode: ColorMode, view: ImageView = .fit,
        dither: Bool = true, glyphs: GlyphSet = .unicode
    ) -> RenderedImage {
        var pixels: PreviewImage
        var center: (x: Int, y: Int)? = nil
        switch view {
        case .fit:
            let (cols, rows) = fit(imageWidth: image.width, imageHeight: image.height, paneWidth: paneWidth, paneHeight: paneHeight)
            pixels = resample(image, width: cols, height: rows * 2)
        case .oneToOne(let cx, let cy):
            let c = crop(image, centerX: cx, centerY: cy, width: paneWidth, height: paneHeight * 2)
            pixels = c.image
            center = (c.centerX, c.centerY)
            if pixels.height % 2 == 1 {
                // Pad an odd last row by repeating it, so every cell has a bottom pixel.
                pixels = PreviewImage(width: pixels.width, height: pixels.height + 1,
                                      rgb: pixels.rgb + pixels.rgb.suffix(pixels.width * 3))
            }
        }
        let cells = self.cells(pixels, mode: mode, dither: dither, glyphs: glyphs)
        return RenderedImage(
            offsetX: (paneWidth - cells.width) / 2, offsetY: (paneHeight - cells.height) / 2, cells: cells, center: center)
    }

    /// Converts a W×2H pixel image to W×H cells in `mode`. Pixel (x, y) is the dither position.
    public static func cells(_ pixels: PreviewImage, mode: ColorMode, dither: Bool = true, glyphs: GlyphSet = .unicode)
        -> ImageCells
    {
        let w = pixels.width, h = pixels.height / 2
        var out: [ImageCell] = []
        out.reserveCapacity(w * h)
        for row in 0..<h {
            for x in 0..<w {
                let top = pixels.pixel(x, 2 * row), bottom = pixels.pixel(x, 2 * row + 1)
                out.append(cell(top: top, bottom: bottom, x: x, row: row, mode: mode, dither: dither, glyphs: glyphs))
            }
        }
        return ImageCells(width: w, height: h, cells: out)
    }

    /// Shade ramps for mono mode, darkest first.
    static let unicodeShades: [Character] = [" ", "░", "▒", "▓", "█"]
    static let asciiShades: [Character] = [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]

    static func cell(top: RGB, bottom: RGB, x: Int, row: Int, mode: ColorMode, dither: Bool, glyphs: GlyphSet)
        -> ImageCell
    {
        let g: Character = glyphs == .unicode ? glyph : " "
        switch mode {
        case .truecolor:
            if glyphs == .ascii { return ImageCell(glyph: " ", fg: .none, bg: .rgb(average(top, bottom))) }
            return ImageCell(glyph: g, fg: .rgb(top), bg: .rgb(bottom))
        case .ansi256:
            let q: (RGB, Int, Int) -> UInt8 = dither
                ? { ColorQuantizer.xterm256($0, ditherX: $1, y: $2) } : { c, _, _ in ColorQuantizer.xterm256(c) }
            if glyphs == .ascii { return ImageCell(glyph: " ", fg: .none, bg: .indexed(q(average(top, bottom), x, row))) }
            return ImageCell(glyph: g, fg: .indexed(q(top, x, 2 * row)), bg: .indexed(q(bottom, x, 2 * row + 1)))
        case .ansi16:
            let q: (RGB, Int, Int) -> UInt8 = dither
                ? { ColorQuantizer.ansi16($0, ditherX: $1, y: $2) } : { c, _, _ in ColorQuantizer.ansi16(c) }
            if glyphs == .ascii { return ImageCell(glyph: " ", fg: .none, bg: .indexed(q(average(top, bottom), x, row))) }
            return ImageCell(glyph: g, fg: .indexed(q(top, x, 2 * row)), bg: .indexed(q(bottom, x, 2 * row + 1)))
        case .mono:
            return ImageCell(glyph: monoGlyph(top: top.luminance, bottom: bottom.luminance, x: x, row: row,
                                              dither: dither, glyphs: glyphs), fg: .none, bg: .none)
        }
    }

    /// Mono: a half block when the two pixels differ strongly (▀ lit on top, ▄ lit below), else a shade
    /// glyph for the mean luminance (ordered-dithered between neighbouring shades).
    static func monoGlyph(top: Double, bottom: Double, x: Int, row: Int, dither: Bool, glyphs: GlyphSet) -> Character {
        if glyphs == .unicode && abs(top - bottom) > 0.4 {
            let lit = max(top, bottom) > 0.5
            if top > bottom { return lit ? "▀" : "░" }
            return lit ? "▄" : "░"
        }
        let ramp = glyphs == .unicode ? unicodeShades : asciiShades
        let level = (top + bottom) / 2 * Double(ramp.count - 1)
        let base = Int(level)
        let frac = level - Double(base)
        let t = dither ? ColorQuantizer.threshold(x, row) : 0.5
        return ramp[min(ramp.count - 1, base + (frac > t ? 1 : 0))]
    }

    static func average(_ a: RGB, _ b: RGB) -> RGB {
        RGB(UInt8((Int(a.r) + Int(b.r)) / 2), UInt8((Int(a.g) + Int(b.g)) / 2), UInt8((Int(a.b) + Int(b.b)) / 2))
    }
}
