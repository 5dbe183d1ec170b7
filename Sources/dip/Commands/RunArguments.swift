import ArgumentParser
import Engine
import Tasks

extension Architecture: ExpressibleByArgument {}
extension InputKind: ExpressibleByArgument {}
extension Pick: ExpressibleByArgument {}
extension EarlyStopping.Rule: ExpressibleByArgument {}
extension GraphOptions.GammaInit: ExpressibleByArgument {}

/// Options every task command shares.
struct RunArguments: ParsableArguments {
    @Option(help: "Ground-truth image, for PSNR reports only (never required).") var gt: String?
    @Option(help: "Iterations to run at most (default: the task's reference count).") var iterations: Int?
    @Option(help: "Adam learning rate (default: the task's).") var lr: Float?
    @Option(help: "Random seed: init, input noise and per-iteration noise.") var seed: UInt64 = 0
    @Option(help: "Architecture: \(Architecture.names) (default: the task's skip net).") var arch: Architecture?
    @Option(help: "A NAS-DIP genotype or search candidate JSON (e.g. SEARCHDIR/best.json) as the net; trains with the task's NAS-DIP recipe.")
    var genotype: String?
    @Option(help: "Channels per level of the net (default 128).") var channels: Int?
    @Option(help: "Levels (scales) of the net (default 5).") var depth: Int?
    @Option(help: "Net input z: noise (of --noise-type, ×0.1) or meshgrid (2 channels of x, y); normal = noise of type normal.")
    var input: InputKind?
    @Option(help: "Distribution of a noise z: uniform (U[0,1)·0.1, the reference's) or normal (N(0,1)·0.1).")
    var noiseType: NoiseType?
    @Option(help: "Channels of z (default: the task's, usually 32).") var inputDepth: Int?
    @Option(help: "Std of the fresh noise added to z every iteration (default: the task's; 0 for the deep decoder, as its authors train it).") var regNoise: Float?
    @Option(help: "Save the output and its EMA as PNG every N iterations (0: never).") var snapshotEvery = 100
    @Option(help: "Write a checkpoint every N iterations (0: only when the run is stopped or interrupted).") var checkpointEvery = 100
    @Option(help: "Run directory (default: runs/<task>-<timestamp>).") var out: String?
    @Option(help: "Continue the run in RUNDIR from its last checkpoint (same as `dip resume RUNDIR`); --iterations and --[no-]auto-stop may extend it.")
    var resume: String?
    @Flag(help: "Print one JSON object per line on stdout (progress, then a summary).") var json = false
    @Flag(inversion: .prefixedNo, help: "Stop when the no-reference early-stopping signal stops improving (default: on, off for inpaint and restore).")
    var autoStop: Bool?
    @Option(help: "Iterations without improvement before auto-stop.") var patience = 1000
    @Option(help: "Early-stopping signal: wmv (windowed variance) or emv (exponential variance).")
    var esRule: EarlyStopping.Rule = .wmv
    @Option(help: "Which image becomes result.png: last, ema, best-es, best-gt (needs --gt) (default: best-es; ema for inpaint and restore).")
    var pick: Pick?
    @Option(help: "Bits per sample of result.png: 8 or 16 (default: as the input).") var bitDepth: Int?
    @Flag(inversion: .prefixedNo, help: "Restore the last good weights after a >5 dB drop (default: the task's).")
    var backtrack: Bool?
    @Option(help: "BatchNorm γ init: uniform (PyTorch ≤1.1, the authors' runs) or one.") var bnGamma: GraphOptions.GammaInit = .uniform
    @Option(help: "Threads for oneDNN and the kernels (default: all cores).") var threads: Int?
    @Flag(help: "Run without the TUI even on a terminal.") var headless = false
    @Flag(help: "Start even if the estimated memory exceeds what is free.") var force = false
    @Option(help: "TUI colours: auto, truecolor, 256, 16, none.") var color = "auto"
    @Option(help: "TUI theme name (themes/*.theme).") var theme: String?

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if let lr, !(lr > 0) { throw ValidationError("--lr must be positive") }
        if let channels, channels < 1 { throw ValidationError("--channels must be at least 1") }
        if let depth, !(1...8).contains(depth) { throw ValidationError("--depth must be between 1 and 8") }
        if let inputDepth, inputDepth < 1 { throw ValidationError("--input-depth must be at least 1") }
        if let regNoise, regNoise < 0 { throw ValidationError("--reg-noise must not be negative") }
        if snapshotEvery < 0 || checkpointEvery < 0 { throw ValidationError("--snapshot-every and --checkpoint-every must not be negative") }
        if patience < 1 { throw ValidationError("--patience must be at least 1") }
        if let bitDepth, bitDepth != 8 && bitDepth != 16 { throw ValidationError("--bit-depth must be 8 or 16") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try InputChoice.resolve(input: input, noiseType: noiseType)
    }

    /// The --genotype file, read and checked (a one-line bad-input error otherwise).
    func nasCandidate() throws -> NASCandidate? {
        try genotype.map(NASCandidate.load)
    }

    /// What a resumed run may change: how far it goes and whether it stops on its own.
    var resumeChanges: ResumeChanges { ResumeChanges(iterations: iterations, autoStop: autoStop) }

    func options(scale: Int = 4) -> RunOptions {
        var o = RunOptions()
        o.arch = arch
        o.channels = channels
        o.depth = depth
        o.input = (try? InputChoice.resolve(input: input, noiseType: noiseType)) ?? input
        o.inputDepth = inputDepth
        o.learningRate = lr
        o.regularisationNoise = regNoise
        o.iterations = iterations
        o.seed = seed
        o.scale = scale
        o.snapshotEvery = snapshotEvery
        o.checkpointEvery = checkpointEvery
        o.autoStop = autoStop
        o.patience = patience
        o.esRule = esRule
        o.pick = pick
        o.bitDepth = bitDepth
        o.backtrack = backtrack
        o.batchNormGamma = bnGamma
        return o
    }
}
