import ArgumentParser
import Engine
import Foundation
import ImageIO
import Tasks

/// `dip compare`: the seed's architecture comparison, reproducible by a user: every
/// architecture × input in turn on the same image, with the same budget, through the normal
/// task machinery (a run directory per entry).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run several architectures (and inputs) on one task with the same budget; tabulate and plot PSNR.",
        discussion: """
            Each ARCH × INPUT runs in turn as a normal `dip TASK` run (headless, auto-stop off so every entry gets \
            the same --iterations, no snapshots or intermediate checkpoints so the timing is of training alone) in \
            DIR/<arch>-<input>/. Then DIR/comparison.md and DIR/comparison.csv list, per entry: parameters, seconds \
            per iteration, the best PSNR against --gt and its iteration, the final PSNR (raw and EMA) and the PSNR \
            of the task's default pick (best-es; the final EMA for inpaint and restore). DIR/comparison.svg plots PSNR against wall-clock time. \
            The files are rewritten after every entry, so an interrupted comparison keeps what it finished.

            --channels and --depth apply to every architecture, each in its own meaning (see `dip arch describe`). \
            A meshgrid input has 2 channels; --input-depth applies to noise inputs.
            """)

    @Argument(help: "The degraded image (as for `dip TASK`).") var image: String
    @Option(help: "Task: denoise, jpeg, sr, inpaint or restore.") var task: TaskKind = .denoise
    @Option(help: "Comma-separated architectures (\(Architecture.names)).") var archs = "skip,hourglass,resnet,deep-decoder"
    @Option(help: "Comma-separated inputs: noise, meshgrid (normal = noise of type normal).") var inputs = "noise"
    @Option(help: "Distribution of the noise inputs: uniform or normal.") var noiseType: NoiseType?
    @Option(help: "The clean image the PSNRs are measured against.") var gt: String
    @Option(help: "Mask for inpaint and restore (white = known).") var mask: String?
    @Option(help: "Upscaling factor for sr: 2, 4 or 8.") var scale = 4
    @Option(help: "Iterations per entry (default: the task's).") var iterations: Int?
    @Option(help: "Adam learning rate (default: the task's).") var lr: Float?
    @Option(help: "Random seed (the same for every entry).") var seed: UInt64 = 0
    @Option(help: "Channels, for every architecture (default: each architecture's).") var channels: Int?
    @Option(help: "Depth, for every architecture (default: each architecture's).") var depth: Int?
    @Option(help: "Channels of a noise z (default: the task's).") var inputDepth: Int?
    @Option(help: "Std of the per-iteration noise added to z (default: the task's).") var regNoise: Float?
    @Option(help: "Output directory (default: runs/compare-<timestamp>).") var out: String?
    @Option(help: "Threads for oneDNN and the kernels (default: all cores).") var threads: Int?

    func validate() throws {
        guard task != .flash else { throw ValidationError("compare supports denoise, jpeg, sr, inpaint and restore, not flash") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
        if let channels, channels < 1 { throw ValidationError("--channels must be at least 1") }
        if let depth, !(0...8).contains(depth) { throw ValidationError("--depth must be between 0 and 8") }
        if let inputDepth, inputDepth < 1 { throw ValidationError("--input-depth must be at least 1") }
        if let regNoise, regNoise < 0 { throw ValidationError("--reg-noise must not be negative") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if task == .sr && ![2, 4, 8].contains(scale) { throw ValidationError("--scale must be 2, 4 or 8, got \(scale)") }
        if task.usesMask && mask == nil { throw ValidationError("\(task.rawValue) needs --mask MASK (white = known pixels)") }
        _ = try entries()
    }

    /// The architectures × inputs, in the order given.
    func entries() throws -> [(Architecture, InputKind)] {
        let names = archs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw ValidationError("--archs is empty") }
        let list = try names.map { name -> Architecture in
            guard let a = Architecture(rawValue: name) else {
                throw ValidationError("--archs: unknown architecture '\(name)'; expected some of \(Architecture.names)")
            }
            return a
        }
        let kinds = try inputs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map { name -> InputKind in
            guard let k = InputKind(rawValue: name), k != .image else {
                throw ValidationError("--inputs: unknown input '\(name)'; expected noise, meshgrid or normal")
            }
            return try InputChoice.resolve(input: k, noiseType: k == .meshgrid ? nil : noiseType) ?? k
        }
        guard !kinds.isEmpty else { throw ValidationError("--inputs is empty") }
        if inputDepth != nil && kinds.allSatisfy({ $0 == .meshgrid }) {
            throw ValidationError("--input-depth does not apply to --inputs meshgrid")
        }
        var out: [(Architecture, InputKind)] = []
        for a in list {
            for k in kinds where !out.contains(where: { $0 == (a, k) }) { out.append((a, k)) }
        }
        return out
    }

    func options(_ arch: Architecture, _ input: InputKind) -> RunOptions {
        var o = RunOptions()
        o.arch = arch
        o.input = input
        o.channels = channels
        o.depth = depth
        o.inputDepth = input == .meshgrid ? nil : inputDepth
        o.learningRate = lr
        o.regularisationNoise = regNoise
        o.iterations = iterations
        o.seed = seed
        o.scale = scale
        o.snapshotEvery = 0
        o.checkpointEvery = 0
        o.autoStop = false
        return o
    }

    func run() throws {
        if let threads { Threads.set(threads) }
        let list = try entries()
        let directory = out ?? ImpedanceReport.defaultDirectory("compare")
        let paths = RunInputPaths(image: image, mask: mask, groundTruth: gt)
        // Check every entry before running any: a bad combination fails in seconds, not hours.
        var budget = 0
        for (arch, input) in list {
            let (problem, settings, _) = try RunFactory.prepare(task: task, paths: paths, options: options(arch, input))
            budget = settings.recipe.iterations
            let spec: NetSpec
            do {
                spec = try settings.recipe.net.spec()
                let g = problem.outputGeometry
                let z = try spec.inputSize(forImageHeight: g.paddedHeight, width: g.paddedWidth)
                _ = try spec.describe(height: z.height, width: z.width)
            } catch let e as EngineError {
                throw TaskError.badInput("\(arch.rawValue) × \(input.rawValue): \(e.message)")
            }
        }
        try ImpedanceCommand.prepareDirectory(directory, marker: "comparison.csv", what: "a comparison")

        let signals = StopSignals()
        var done: [ComparisonEntry] = []
        let heading = [
            "# dip compare: \(task.rawValue) on \(URL(fileURLWithPath: image).lastPathComponent)",
            "",
            "- command: `\(CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))`",
            "- ground truth: \(gt); budget \(budget) iterations per entry; seed \(seed); \(Threads.phrase); dip \(RunFactory.dipVersion)",
        ]
        for (n, (arch, input)) in list.enumerated() {
            if signals.received { break }
            let runDirectory = "\(directory)/\(arch.rawValue)-\(input.rawValue)"
            let run = try RunFactory.start(
                task: task, paths: paths, options: options(arch, input), out: runDirectory, command: CommandLine.arguments)
            var entry = ComparisonEntry(arch: arch, input: input, runDirectory: runDirectory)
            let label = "[\(n + 1)/\(list.count)] \(entry.name)"
            FileHandle.standardError.write(Data("\(label): \(run.trainer.graph.parameters.trainableCount) parameters, \(run.maxIterations) iterations → \(runDirectory)\n".utf8))
            let line = ProgressLine(redrawInterval: 0.2)
            try Comparison.drive(run, into: &entry, shouldStop: { signals.received }) { record, seconds in
                line.show(done: record.iteration + 1, total: run.maxIterations) {
                    "\(label): it \(record.iteration + 1)/\(run.maxIterations)"
                        + (record.psnrGT.map { String(format: "  PSNR %.2f dB", $0) } ?? "")
                        + String(format: "  %.3f s/it", seconds / Double(record.iteration + 1))
                }
            }
            line.end()
            done.append(entry)
            try write(done, heading: heading, budget: budget, directory: directory)
        }
        if done.isEmpty { try write(done, heading: heading, budget: budget, directory: directory) }
        FileHandle.standardOutput.write(Data(Comparison.markdown(done, heading: [], budget: budget).utf8))
        FileHandle.standardError.write(Data("  → \(directory)/comparison.md\n  → \(directory)/comparison.csv\n  → \(directory)/comparison.svg\n".utf8))
        if signals.received { throw ExitCode(130) }
    }

    private func write(_ entries: [ComparisonEntry], heading: [String], budget: Int, directory: String) throws {
        let title = "\(task.rawValue): PSNR against time, \(budget) iterations each"
        do {
            try AtomicFile.write(Array(Comparison.markdown(entries, heading: heading, budget: budget).utf8), to: "\(directory)/comparison.md")
            try AtomicFile.write(Array(Comparison.csv(entries).utf8), to: "\(directory)/comparison.csv")
            try AtomicFile.write(Array(Comparison.svg(entries, title: title).utf8), to: "\(directory)/comparison.svg")
        } catch {
            throw TaskError.runtime("cannot write the comparison to \(directory): \(error)")
        }
    }
}

extension TaskKind: ExpressibleByArgument {}
