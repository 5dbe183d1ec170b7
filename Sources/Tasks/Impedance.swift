import Engine
import Foundation
import ImageIO

/// The four targets of the impedance experiment (dip-spec.md §10.4; the paper's learning-curve
/// figure): a conv net fits a natural image quickly and noise slowly.
public enum ImpedanceTarget: Int, CaseIterable, Sendable {
    /// The image itself.
    case image
    /// The image plus i.i.d. N(0, σ²) noise, clipped to [0, 1] as the reference's `get_noisy_image`.
    case imageNoise
    /// The image's pixels (all channels of a pixel together) in a random order.
    case shuffled
    /// U(0, 1) white noise of the image's shape.
    case noise

    /// The column name in curves.csv.
    public var column: String {
        switch self {
        case .image: return "image"
        case .imageNoise: return "image_noise"
        case .shuffled: return "shuffled"
        case .noise: return "noise"
        }
    }

    public var label: String {
        switch self {
        case .image: return "natural image"
        case .imageNoise: return "image + noise"
        case .shuffled: return "shuffled pixels"
        case .noise: return "U(0,1) noise"
        }
    }
}

/// Whether the four fits run one after another or take turns, one iteration each. Both give
/// the same curves (each fit has its own net, optimiser and random streams); they differ in
/// speed (cache reuse, memory: sequential holds one net at a time) and in what a live view
/// shows (interleaved draws the four curves side by side as they grow).
public enum ImpedanceOrder: String, CaseIterable, Codable, Sendable {
    case interleaved
    case sequential
}

/// What the experiment fits and how: one net, one z, one optimiser setting for all four targets.
public struct ImpedanceConfiguration: Sendable {
    public var net: NetChoice
    public var input: InputKind
    public var inputDepth: Int
    public var learningRate: Float
    /// σ of the added noise on the 0–255 scale (the reference's 25).
    public var sigma: Double = 25
    public var seed: UInt64 = 0
    public var iterations: Int
    public var order: ImpedanceOrder = .sequential
    public var batchNormGamma: GraphOptions.GammaInit = .uniform

    public init(net: NetChoice, input: InputKind, inputDepth: Int, learningRate: Float, iterations: Int) {
        self.net = net
        self.input = input
        self.inputDepth = inputDepth
        self.learningRate = learningRate
        self.iterations = iterations
    }

    /// The denoising configuration (dip-spec.md §8.1: skip net, z of depth 32, lr 0.01, 3000
    /// iterations) with `options`' net, input and iteration overrides. Regularisation noise,
    /// backtracking and the EMA play no part: §10.4 fits the plain net.
    public static func denoising(_ options: RunOptions, channels: Int) throws -> ImpedanceConfiguration {
        let recipe = try options.recipe(for: .denoise, channels: channels)
        var c = ImpedanceConfiguration(
            net: recipe.net, input: recipe.input, inputDepth: recipe.inputDepth, learningRate: recipe.learningRate,
            iterations: recipe.iterations)
        c.seed = options.seed
        c.batchNormGamma = options.batchNormGamma
        return c
    }
}

/// Makes the four targets from a clean image, each seeded and reproducible.
public enum ImpedanceTargets {
    /// The targets in `ImpedanceTarget` order, planar C×H×W like `image.pixels`.
    public static func make(_ image: Image, sigma: Double, seed: UInt64) -> [[Float]] {
        let count = image.pixels.count
        let noise = NoiseFill.make(
            count: count, seed: seed, purpose: .impedanceTarget, counter: 1, distribution: .normal, scale: Float(sigma / 255))
        let noisy = zip(image.pixels, noise).map { min(max($0 + $1, 0), 1) }
        let white = NoiseFill.make(count: count, seed: seed, purpose: .impedanceTarget, counter: 3, distribution: .uniform)
        return [image.pixels, noisy, shuffle(image, seed: seed), white]
    }

    /// The image's pixels in a random order (Fisher–Yates); a pixel keeps its colour.
    public static func shuffle(_ image: Image, seed: UInt64) -> [Float] {
        let plane = image.width * image.height
        var order = Array(0..<plane)
        var random = RandomStream(seed: seed, stream: RandomPurpose.impedanceTarget.rawValue, counter: 2)
        if plane > 1 {
            for i in stride(from: plane - 1, to: 0, by: -1) {
                order.swapAt(i, Int(random.next() % UInt64(i + 1)))
            }
        }
        var out = [Float](repeating: 0, count: image.pixels.count)
        for c in 0..<image.channels {
            let base = c * plane
            for p in 0..<plane { out[base + p] = image.pixels[base + order[p]] }
        }
        return out
    }
}

/// The MSE of each fit at each iteration: `mse[target][i]` is the loss at iteration i, i.e.
/// of the net after i Adam steps (the value the step's forward pass computes).
public struct ImpedanceCurves: Sendable, Equatable {
    public var mse: [[Double]]

    public init(mse: [[Double]] = Array(repeating: [], count: ImpedanceTarget.allCases.count)) {
        self.mse = mse
    }

    public subscript(target: ImpedanceTarget) -> [Double] { mse[target.rawValue] }

    /// The first iteration at which `target`'s MSE is at most `threshold`, or nil.
    public func firstIteration(_ target: ImpedanceTarget, reaching threshold: Double) -> Int? {
        self[target].firstIndex { $0 <= threshold }
    }

    /// curves.csv: `iteration,image,image_noise,shuffled,noise`, one row per iteration; a fit
    /// that stopped early (interrupted sequential run) leaves its cells empty.
    public func csv() -> String {
        var text = "iteration," + ImpedanceTarget.allCases.map(\.column).joined(separator: ",") + "\n"
        let rows = mse.map(\.count).max() ?? 0
        for i in 0..<rows {
            text += String(i)
            for curve in mse { text += "," + (i < curve.count ? String(format: "%.8g", curve[i]) : "") }
            text += "\n"
        }
        return text
    }

    /// impedance.svg: the four curves on a log-y axis, thresholds as dashed lines.
    public func svg(title: String, thresholds: [Double]) -> String {
        let colors = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728"]
        var plot = SVGPlot(
            title: title, xLabel: "iteration", yLabel: "MSE (log scale)", logY: true,
            series: ImpedanceTarget.allCases.map { t in
                SVGPlot.Series(
                    label: t.label, color: colors[t.rawValue], points: self[t].enumerated().map { (Double($0.offset), $0.element) })
            })
        plot.referenceLines = thresholds.map { SVGPlot.ReferenceLine(y: $0, label: "MSE \(SVGPlot.label($0))") }
        return plot.render()
    }

    /// The iterations each target needed to reach each threshold, as a fixed-width table.
    public func thresholdTable(thresholds: [Double]) -> String {
        let head = ["target"] + thresholds.map { "≤ " + SVGPlot.label($0) } + ["final MSE", "iterations"]
        var rows = [head]
        for t in ImpedanceTarget.allCases {
            var row = [t.label]
            for th in thresholds { row.append(firstIteration(t, reaching: th).map(String.init) ?? "—") }
            row.append(self[t].last.map { String(format: "%.5f", $0) } ?? "—")
            row.append(String(self[t].count))
            rows.append(row)
        }
        let widths = (0..<head.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let fill = String(repeating: " ", count: widths[c] - cell.count)
                return c == 0 ? cell + fill : fill + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// Fits the same net (same spec, seed, initial weights, z and Adam settings) to each of the
/// four targets and records the MSE curves. No regularisation noise, no backtracking; the
/// trainer's EMA is computed but unused.
public final class ImpedanceExperiment {
    public let configuration: ImpedanceConfiguration
    public let targets: [[Float]]
    public let spec: NetSpec
    public let channels: Int
    public let height: Int
    public let width: Int
    public private(set) var curves = ImpedanceCurves()
    /// Trainable parameters of the net (the same for every fit).
    public let parameterCount: Int
    /// Built on first use; sequential order releases each fit's net when it is done.
    var trainers: [Trainer?]
    private let z: [Float]
    private let zSize: (height: Int, width: Int)
    private var next = 0

    /// `image` must already have a size the net accepts (see `NetSpec.sizeMultiple`).
    public init(image: Image, configuration: ImpedanceConfiguration) throws {
        self.configuration = configuration
        channels = image.channels
        height = image.height
        width = image.width
        do {
            spec = try configuration.net.spec()
            zSize = try spec.inputSize(forImageHeight: image.height, width: image.width)
        } catch let e as EngineError {
            throw TaskError.badInput(e.message)
        }
        guard spec.inputChannels == configuration.inputDepth || configuration.input == .meshgrid else {
            throw TaskError.badInput("the net takes \(spec.inputChannels) input channels but z has \(configuration.inputDepth)")
        }
        switch configuration.input {
        case .noise: z = NetInput.uniformNoise(depth: configuration.inputDepth).make(height: zSize.height, width: zSize.width, seed: configuration.seed)
        case .normal: z = NetInput.normalNoise(depth: configuration.inputDepth).make(height: zSize.height, width: zSize.width, seed: configuration.seed)
        case .meshgrid: z = NetInput.meshgrid.make(height: zSize.height, width: zSize.width, seed: configuration.seed)
        case .image: throw TaskError.badInput("--input image only applies to flash")
        }
        targets = ImpedanceTargets.make(image, sigma: configuration.sigma, seed: configuration.seed)
        trainers = Array(repeating: nil, count: ImpedanceTarget.allCases.count)
        // Build the first net now so a net that does not fit the image fails before any output.
        let first = try Self.makeTrainer(spec, zSize, image: image, z: z, target: targets[0], configuration)
        trainers[0] = first
        parameterCount = first.graph.parameters.trainableCount
    }

    private static func makeTrainer(
        _ spec: NetSpec, _ zSize: (height: Int, width: Int), image: Image, z: [Float], target: [Float],
        _ c: ImpedanceConfiguration
    ) throws -> Trainer {
        do {
            let graph = try Graph(
                spec: spec, height: zSize.height, width: zSize.width, seed: c.seed,
                options: GraphOptions(batchNormGamma: c.batchNormGamma))
            let out = graph.outputShape
            guard out.height == image.height, out.width == image.width, out.channels == image.channels else {
                throw TaskError.badInput(
                    "the net maps a \(zSize.width)×\(zSize.height) input to \(out.channels)×\(out.width)×\(out.height), not to the \(image.channels)×\(image.width)×\(image.height) image")
            }
            return try Trainer(
                graph: graph, target: target, input: z,
                settings: TrainerSettings(
                    learningRate: c.learningRate, regularisationNoise: 0, emaDecay: 0.99, backtrackDrop: nil, seed: c.seed))
        } catch let e as EngineError {
            throw TaskError.badInput("cannot build the net for a \(image.width)×\(image.height) image: \(e.message)")
        }
    }

    /// Iterations done, summed over the four fits.
    public var iterationsDone: Int { curves.mse.reduce(0) { $0 + $1.count } }
    public var totalIterations: Int { configuration.iterations * ImpedanceTarget.allCases.count }
    public var isFinished: Bool { iterationsDone >= totalIterations }

    /// Runs one iteration of the fit whose turn it is; nil once every fit has run all its
    /// iterations.
    @discardableResult
    public func step() throws -> (target: ImpedanceTarget, iteration: Int, mse: Double)? {
        let n = ImpedanceTarget.allCases.count
        var k = next
        switch configuration.order {
        case .interleaved:
            // Round robin over the fits that still have iterations to run.
            var tries = 0
            while curves.mse[k].count >= configuration.iterations && tries < n {
                k = (k + 1) % n
                tries += 1
            }
            if tries == n { return nil }
            next = (k + 1) % n
        case .sequential:
            while k < n && curves.mse[k].count >= configuration.iterations {
                trainers[k] = nil
                k += 1
            }
            if k == n { return nil }
            next = k
        }
        let trainer = try trainer(k)
        let report = trainer.step()
        curves.mse[k].append(report.loss)
        return (ImpedanceTarget(rawValue: k)!, report.iteration, report.loss)
    }

    private func trainer(_ k: Int) throws -> Trainer {
        if let t = trainers[k] { return t }
        let image = Image(width: width, height: height, channels: channels, pixels: targets[0])
        let t = try Self.makeTrainer(spec, zSize, image: image, z: z, target: targets[k], configuration)
        trainers[k] = t
        return t
    }

    /// Bytes of the planned buffers of one net, for memory estimates.
    public var plannedBytesPerNet: Int { trainers.compactMap { $0 }.first?.graph.plannedBytes ?? 0 }

    /// Seconds per iteration the engine expects for one net (a rough, pre-run estimate).
    public var estimatedSecondsPerIteration: Double {
        trainers.compactMap { $0 }.first?.graph.estimatedSecondsPerIteration ?? 0
    }
}

/// Crops for the impedance experiment: explicit (`--size`) or to the net's size multiple, as the
/// reference's `crop_image` does (centred, left/top offset floored). Each crop is reported.
public enum ImpedanceCrop {
    /// The image cropped to `size`×`size` (if given) and then down to a multiple of `multiple`,
    /// with a note for each crop made.
    public static func apply(_ image: Image, size: Int?, multiple: Int, path: String) throws -> (Image, [String]) {
        var image = image
        var notes: [String] = []
        if let size {
            guard size <= image.width, size <= image.height else {
                throw TaskError.badInput("--size \(size) is larger than \(path) (\(image.width)×\(image.height))")
            }
            guard size % multiple == 0 else {
                throw TaskError.badInput("--size must be a multiple of \(multiple) for this net, got \(size)")
            }
            if size != image.width || size != image.height {
                notes.append("centre-cropped \(image.width)×\(image.height) to \(size)×\(size) (--size)")
                image = image.centreCrop(width: size, height: size)
            }
        }
        let w = image.width - image.width % multiple, h = image.height - image.height % multiple
        guard w > 0, h > 0 else {
            throw TaskError.badInput("\(path) is \(image.width)×\(image.height); this net needs at least \(multiple)×\(multiple)")
        }
        if w != image.width || h != image.height {
            notes.append("centre-cropped \(image.width)×\(image.height) to \(w)×\(h), a multiple of \(multiple) (as the reference's crop_image)")
            image = image.centreCrop(width: w, height: h)
        }
        return (image, notes)
    }
}
