import ImageIO

extension Image {
    /// The centred `width`×`height` window (the odd pixel goes to the bottom/right), as the
    /// reference's crop_image does. Alpha is dropped (search and impedance targets are opaque).
    public func centreCrop(width w: Int, height h: Int) -> Image {
        if h == height && w == width { return self }
        let top = (height - h) / 2
        let left = (width - w) / 2
        var cropped = [Float](repeating: 0, count: channels * h * w)
        for c in 0..<channels {
            for y in 0..<h {
                let src = (c * height + top + y) * width + left
                let dst = (c * h + y) * w
                for x in 0..<w { cropped[dst + x] = pixels[src + x] }
            }
        }
        return Image(width: w, height: h, channels: channels, pixels: cropped, sourceBitDepth: sourceBitDepth)
    }
}
