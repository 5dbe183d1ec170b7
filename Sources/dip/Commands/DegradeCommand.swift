import ArgumentParser
import Foundation
import ImageIO
import Tasks

/// `dip degrade`: makes test inputs (noise, downscale, mask, JPEG) from a clean image.
struct DegradeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "degrade", abstract: "Make a degraded test input from a clean image (seeded).",
        subcommands: [Noise.self, Downscale.self, Mask.self, JPEG.self])

    struct Common: ParsableArguments {
        @Argument(help: "The clean image.") var image: String
        @Option(name: [.short, .long], help: "Where to write the degraded image.") var out: String
        @Option(help: "Random seed.") var seed: UInt64 = 0
        @Option(help: "Bits per sample of the PNG written: 8 or 16 (default: as the input).") var bitDepth: Int?

        func validate() throws {
            if let bitDepth, bitDepth != 8 && bitDepth != 16 { throw ValidationError("--bit-depth must be 8 or 16") }
        }

        func save(_ image: Image, to path: String) throws {
            do {
                try ImageFile.savePNG(image, to: path, bitDepth: bitDepth ?? image.sourceBitDepth)
            } catch let e as ImageIOError {
                throw TaskError.badInput(e.description)
            }
            FileHandle.standardError.write(Data("wrote \(path) (\(image.width)×\(image.height))\n".utf8))
        }
    }

    struct Noise: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add Gaussian noise of std σ (in 0–255 units), clipped.")
        @OptionGroup var common: Common
        @Option(help: "Noise standard deviation in 0–255 units.") var sigma: Double = 25
        func validate() throws { guard sigma >= 0 else { throw ValidationError("--sigma must not be negative") } }
        func run() throws {
            try common.save(Degradations.noise(RunFactory.load(common.image), sigma: sigma, seed: common.seed), to: common.out)
        }
    }

    struct Downscale: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Downscale by an integer factor with Pillow's Lanczos.")
        @OptionGroup var common: Common
        @Option(help: "Factor: 2, 4 or 8.") var scale = 4
        func validate() throws {
            guard [2, 4, 8].contains(scale) else { throw ValidationError("--scale must be 2, 4 or 8, got \(scale)") }
        }
        func run() throws {
            let image = try RunFactory.load(common.image)
            if image.width % scale != 0 || image.height % scale != 0 {
                FileHandle.standardError.write(Data(
                    "dip: warning: \(image.width)×\(image.height) is not divisible by \(scale); the low-resolution image covers the top-left \(image.width / scale * scale)×\(image.height / scale * scale)\n".utf8))
            }
            try common.save(try Degradations.downscale(image, factor: scale), to: common.out)
        }
    }

    struct Mask: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drop a random fraction of pixels; also writes the mask.")
        @OptionGroup var common: Common
        @Option(help: "Fraction of pixels to drop, 0–1.") var drop = 0.5
        @Option(help: "Where to write the mask (white = known; default: OUT with -mask before the extension).")
        var maskOut: String?
        func validate() throws { guard (0...1).contains(drop) else { throw ValidationError("--drop must be between 0 and 1") } }
        func run() throws {
            let (image, mask) = Degradations.mask(try RunFactory.load(common.image), drop: drop, seed: common.seed)
            try common.save(image, to: common.out)
            let url = URL(fileURLWithPath: common.out)
            let defaultMask = url.deletingPathExtension().path + "-mask.png"
            try common.save(mask, to: maskOut ?? defaultMask)
        }
    }

    struct JPEG: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compress with JPEG at a quality (writes a .jpg, or the decoded image for .png).")
        @OptionGroup var common: Common
        @Option(help: "JPEG quality, 1–100.") var quality = 10
        func validate() throws { guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1–100") } }
        func run() throws {
            let (decoded, bytes) = try Degradations.jpeg(try RunFactory.load(common.image), quality: quality)
            if common.out.lowercased().hasSuffix(".png") {
                try common.save(decoded, to: common.out)
            } else {
                do {
                    try AtomicFile.write(bytes, to: common.out)
                } catch let e as ImageIOError {
                    throw TaskError.badInput(e.description)
                }
                FileHandle.standardError.write(Data("wrote \(common.out) (quality \(quality))\n".utf8))
            }
        }
    }
}
