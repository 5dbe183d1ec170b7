import Engine
import ImageIO

/// The files a run starts from (already decoded), with the paths used in messages.
public struct ProblemInputs {
    public var image: Image
    public var imagePath: String
    public var mask: Image?
    public var maskPath: String?
    /// Flash/no-flash: the flash photo, which becomes z.
    public var flash: Image?
    public var flashPath: String?
    public var groundTruth: Image?
    public var groundTruthPath: String?

    public init(
        image: Image, imagePath: String, mask: Image? = nil, maskPath: String? = nil, flash: Image? = nil,
        flashPath: String? = nil, groundTruth: Image? = nil, groundTruthPath: String? = nil
    ) {
        self.image = image
        self.imagePath = imagePath
        self.mask = mask
        self.maskPath = maskPath
        self.flash = flash
        self.flashPath = flashPath
        self.groundTruth = groundTruth
        self.groundTruthPath = groundTruthPath
    }
}

/// A degraded observation made ready for the net: padded to the size the net needs, with its
/// mask, the geometry to crop back, and what to put back on save (known pixels, alpha).
///
/// Mask convention: white (≥ 0.5) means *known* (keep), black means missing, as in the
/// reference's masks (255 = known).
public struct Problem {
    public let task: TaskKind
    public let channels: Int
    /// Output size ÷ observation size (super-resolution), else 1.
    public let scale: Int
    public let observationGeometry: PadGeometry
    public let outputGeometry: PadGeometry
    /// y, reflect-padded (planar, loss space).
    public let observation: [Float]
    /// 1 = known, padded like `observation` (one plane), for masked tasks.
    public let mask: [Float]?
    /// The unpadded observation and mask, for compositing known pixels back.
    public let knownImage: [Float]
    public let knownMask: [Float]?
    /// z for flash/no-flash: the padded flash photo.
    public let inputImage: [Float]?
    /// Alpha at the output size, re-attached on save.
    public let alpha: [Float]?
    /// Ground truth at the output size, for PSNR reports only.
    public let groundTruth: [Float]?
    public let evaluation: Evaluation
    public let sourceBitDepth: Int
    /// Things worth telling the user (e.g. a mask that looks inverted).
    public let warnings: [String]

    public var outputHeight: Int { outputGeometry.height }
    public var outputWidth: Int { outputGeometry.width }

    /// Puts the known pixels back into an output-sized planar image (masked tasks; otherwise
    /// unchanged): what the user gets, so it is also what PSNR against ground truth measures.
    public func compositeKnownPixels(into pixels: inout [Float]) {
        guard let knownMask else { return }
        let plane = knownMask.count
        let channels = pixels.count / plane
        for c in 0..<channels {
            for p in 0..<plane where knownMask[p] >= 0.5 { pixels[c * plane + p] = knownImage[c * plane + p] }
        }
    }

    /// Validates the inputs for `task` and pads them for a net whose sides must be multiples of
    /// `multiple`.
    public static func make(task: TaskKind, inputs: ProblemInputs, scale: Int, multiple: Int) throws -> Problem {
        let image = inputs.image
        guard image.width > 0, image.height > 0 else {
            throw TaskError.badInput("\(inputs.imagePath): image has no pixels (\(image.width)×\(image.height))")
        }
        let scale = task == .sr ? scale : 1
        guard multiple % scale == 0 else { throw TaskError.badInput("scale \(scale) does not divide the net's size multiple \(multiple)") }
        let observationGeometry = PadGeometry(height: image.height, width: image.width, multiple: multiple / scale)
        let outputGeometry = observationGeometry.scaled(by: scale)
        var warnings: [String] = []

        var mask: [Float]?
        if task.usesMask {
            guard let m = inputs.mask, let maskPath = inputs.maskPath else {
                throw TaskError.badInput("\(task.rawValue) needs --mask MASK (white = known pixels, black = to fill)")
            }
            mask = try binaryMask(m, path: maskPath, image: image, imagePath: inputs.imagePath)
            let missing = mask!.reduce(0) { $0 + ($1 < 0.5 ? 1 : 0) }
            let fraction = Double(missing) / Double(mask!.count)
            if missing == 0 {
                warnings.append("\(maskPath): no pixel is marked missing (black); nothing will be filled in")
            } else if fraction > 0.9 {
                warnings.append(
                    "\(maskPath): \(Int((fraction * 100).rounded()))% of pixels are marked missing; white means known, "
                        + "so the mask may be inverted")
            }
        }

        var inputImage: [Float]?
        if task == .flash {
            guard let flash = inputs.flash, let flashPath = inputs.flashPath else {
                throw TaskError.badInput("flash needs a FLASH and a NOFLASH image")
            }
            guard flash.width == image.width, flash.height == image.height else {
                throw TaskError.badInput(
                    "\(flashPath) is \(flash.width)×\(flash.height) but \(inputs.imagePath) is \(image.width)×\(image.height); they must match")
            }
            guard flash.channels == image.channels else {
                throw TaskError.badInput("\(flashPath) and \(inputs.imagePath) must both be colour or both gray")
            }
            inputImage = observationGeometry.pad(flash.pixels, channels: flash.channels)
        }

        var truth: [Float]?
        if let gt = inputs.groundTruth, let gtPath = inputs.groundTruthPath {
            guard gt.width == outputGeometry.width, gt.height == outputGeometry.height else {
                throw TaskError.badInput(
                    "\(gtPath) is \(gt.width)×\(gt.height) but the result will be \(outputGeometry.width)×\(outputGeometry.height)")
            }
            guard gt.channels == image.channels else {
                throw TaskError.badInput("\(gtPath) has \(gt.channels) channels but \(inputs.imagePath) has \(image.channels)")
            }
            truth = gt.pixels
        }

        var alpha = image.alpha
        if let a = alpha, scale > 1 {
            // Alpha is carried, not restored: upscale it by pixel replication.
            var up = [Float](repeating: 0, count: a.count * scale * scale)
            let w = image.width
            for y in 0..<(image.height * scale) {
                for x in 0..<(w * scale) { up[y * w * scale + x] = a[(y / scale) * w + x / scale] }
            }
            alpha = up
        }

        return Problem(
            task: task, channels: image.channels, scale: scale, observationGeometry: observationGeometry,
            outputGeometry: outputGeometry, observation: observationGeometry.pad(image.pixels, channels: image.channels),
            mask: mask.map { observationGeometry.pad($0, channels: 1) }, knownImage: image.pixels, knownMask: mask,
            inputImage: inputImage, alpha: alpha, groundTruth: truth, evaluation: task == .sr ? .ySuperResolution : .rgb,
            sourceBitDepth: image.sourceBitDepth, warnings: warnings)
    }

    /// A mask as one plane of {0, 1}, or an error if it doesn't fit the image.
    static func binaryMask(_ m: Image, path: String, image: Image, imagePath: String) throws -> [Float] {
        guard m.width == image.width, m.height == image.height else {
            throw TaskError.badInput(
                "\(path) is \(m.width)×\(m.height) but \(imagePath) is \(image.width)×\(image.height); the mask must match")
        }
        let plane = m.width * m.height
        if m.channels == 3 {
            // A colour file is accepted when it is gray in disguise (JPEG noise allowed).
            var worst: Float = 0
            for i in 0..<plane {
                let r = m.pixels[i], g = m.pixels[plane + i], b = m.pixels[2 * plane + i]
                worst = max(worst, max(abs(r - g), abs(g - b)))
            }
            guard worst < 0.1 else {
                throw TaskError.badInput("\(path) is not a 1-channel mask: its colour channels differ (use white = known, black = missing)")
            }
        }
        return (0..<plane).map { m.pixels[$0] >= 0.5 ? 1 : 0 }
    }
}
