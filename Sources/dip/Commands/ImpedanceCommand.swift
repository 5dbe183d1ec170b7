import ArgumentParser
import Engine
import Foundation
import ImageIO
import Tasks

extension ImpedanceOrder: ExpressibleByArgument {}

/// `dip impedance IMAGE`: the paper's learning-curve experiment (dip-spec.md §10.4) on the
/// user's own image.
struct ImpedanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "impedance",
        abstract: "Fit one net to an image, the image plus noise, its shuffled pixels and white noise; plot the four loss curves.",
        discussion: """
            The seed's central claim made visible: a conv net fits a natural image fast and noise slowly ("low \
            impedance" to signal, high to noise). The same net, with the same seed, initial weights, z and Adam \
            settings (the denoising configuration: skip net, z of depth 32, lr 0.01; no regularisation noise, no \
            EMA, no backtracking) is fitted to four targets:
              1. the image;
              2. the image plus i.i.d. N(0, (σ/255)²) noise, clipped to [0, 1];
              3. the image's pixels in a random (seeded) order;
              4. U(0, 1) white noise.

            Writes DIR/curves.csv (iteration, image, image_noise, shuffled, noise: the MSE of each fit), \
            DIR/impedance.svg (the curves on a log axis) and DIR/thresholds.txt, and prints the first iteration \
            at which each curve reaches each --thresholds value. The default thresholds straddle σ² \
            (0.0096 for σ = 25): above it a fit of image + noise can still be a clean image; below it the net \
            must reproduce the noise itself. White noise has variance 1/12 ≈ 0.083, the MSE of the best constant \
            output, so reaching 0.01 means fitting 88% of it.

            The image is used as is unless --size N centre-crops it to N×N; a side that is not a multiple of the \
            net's size multiple (32 for the 5-level skip net) is centre-cropped down to one, as the reference's \
            crop_image does. Every crop is reported on stderr. On a terminal the four curves are drawn live \
            (q q stops; the curves so far are still written).

            The fits run one after another by default: measured on one thread, that costs 4–8% less CPU than \
            interleaving them and holds one net in memory instead of four. --order interleaved runs them in \
            turn, one iteration each, so the live chart shows the four curves growing together and an early \
            stop leaves four curves of equal length. Both orders give identical curves.
            """)

    @Argument(help: "The clean image (PNG or JPEG).") var image: String
    @Option(help: "Iterations per target (default 3000, the denoising configuration).") var iterations: Int?
    @Option(help: "Architecture: \(Architecture.names) (default: the denoising skip net).") var arch: Architecture?
    @Option(help: "Channels per level of the net (default: the architecture's).") var channels: Int?
    @Option(help: "Levels, upsamplings or residual blocks (default: the architecture's).") var depth: Int?
    @Option(help: "Net input z: noise or meshgrid (normal = noise of type normal).") var input: InputKind?
    @Option(help: "Distribution of a noise z: uniform (U[0,1)·0.1) or normal (N(0,1)·0.1).") var noiseType: NoiseType?
    @Option(help: "Channels of z (default 32).") var inputDepth: Int?
    @Option(help: "σ of the added Gaussian noise, on the 0–255 scale.") var sigma = 25.0
    @Option(help: "Centre-crop the image to N×N first (N a multiple of the net's size multiple).") var size: Int?
    @Option(help: "Comma-separated MSE thresholds to report iterations for.") var thresholds = "0.01,0.005,0.002,0.001"
    @Option(help: "sequential: one fit after another (faster, one net in memory); interleaved: one iteration of each in turn, so the four curves grow side by side.")
    var order = ImpedanceOrder.sequential
    @Option(help: "Output directory (default: runs/impedance-<timestamp>).") var out: String?
    @Option(help: "Random seed: init, z, the added noise, the permutation and the white noise.") var seed: UInt64 = 0
    @Option(help: "Threads for oneDNN and the kernels (default: all cores).") var threads: Int?
    @Flag(help: "Run without the live chart even on a terminal.") var headless = false
    @Option(help: "TUI colours: auto, truecolor, 256, 16, none.") var color = "auto"
    @Option(help: "TUI theme name (themes/*.theme).") var theme: String?

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if let channels, channels < 1 { throw ValidationError("--channels must be at least 1") }
        if let depth, !(0...8).contains(depth) { throw ValidationError("--depth must be between 0 and 8") }
        if let inputDepth, inputDepth < 1 { throw ValidationError("--input-depth must be at least 1") }
        if !(sigma >= 0 && sigma <= 255) { throw ValidationError("--sigma must be between 0 and 255, got \(sigma)") }
        if let size, size < 1 { throw ValidationError("--size must be positive") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if input == .image { throw ValidationError("--input image only applies to flash") }
        _ = try InputChoice.resolve(input: input, noiseType: noiseType)
        _ = try parsedThresholds()
    }

    func parsedThresholds() throws -> [Double] {
        let values = thresholds.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 && $0!.isFinite }) else {
            throw ValidationError("--thresholds must be positive numbers separated by commas, got '\(thresholds)'")
        }
        return values.map { $0! }.sorted(by: >)
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let loaded = try RunFactory.load(image)
        var options = RunOptions()
        options.arch = arch
        options.channels = channels
        options.depth = depth
        options.input = try InputChoice.resolve(input: input, noiseType: noiseType)
        options.inputDepth = inputDepth
        options.iterations = iterations
        options.seed = seed
        var configuration = try ImpedanceConfiguration.denoising(options, channels: loaded.channels)
        configuration.sigma = sigma
        configuration.order = order
        let multiple: Int
        do {
            multiple = try configuration.net.spec().sizeMultiple
        } catch let e as EngineError {
            throw TaskError.badInput(e.message)
        }
        let (picture, notes) = try ImpedanceCrop.apply(loaded, size: size, multiple: multiple, path: image)
        var warnings = notes
        if loaded.alpha != nil { warnings.append("\(image): the alpha channel is ignored") }
        let experiment = try ImpedanceExperiment(image: picture, configuration: configuration)
        let directory = out ?? ImpedanceReport.defaultDirectory("impedance")
        try Self.prepareDirectory(directory, marker: "curves.csv", what: "impedance curves")
        for note in warnings { FileHandle.standardError.write(Data("dip: note: \(note)\n".utf8)) }

        let thresholds = try parsedThresholds()
        let name = URL(fileURLWithPath: image).lastPathComponent
        let report = ImpedanceReport(
            experiment: experiment, directory: directory, thresholds: thresholds,
            title: "Fitting \(name) (\(picture.width)×\(picture.height)), its noisy, shuffled and white-noise versions")
        report.announce(net: configuration.net.summary)
        let useTUI = isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 && !headless
        let code = useTUI
            ? try ImpedanceLive.run(report, color: color, theme: theme)
            : try ImpedanceHeadless.run(report)
        if code != 0 { throw ExitCode(code) }
    }

    /// Creates DIR, refusing to overwrite an earlier result (a DIR holding `marker`).
    static func prepareDirectory(_ path: String, marker: String, what: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TaskError.badInput("--out \(path) exists and is not a directory") }
            if FileManager.default.fileExists(atPath: "\(path)/\(marker)") {
                throw TaskError.badInput("\(path) already holds \(what); pick another --out")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TaskError.badInput("cannot create \(path): \(ImpedanceReport.reason(error))")
        }
        guard access(path, W_OK) == 0 else { throw TaskError.badInput("\(path) is not writable") }
    }
}
