import Engine

/// Which image becomes result.png.
public enum Pick: String, Codable, Sendable, CaseIterable {
    /// The output of the last iteration.
    case last
    /// The running average (EMA) of outputs at the last iteration.
    case ema
    /// The EMA (or raw output, for tasks without EMA preference) at the iteration the
    /// no-reference early-stopping signal rates best.
    case bestES = "best-es"
    /// The iterate closest to ground truth (needs --gt; an oracle, for benchmarking only).
    case bestGT = "best-gt"
}

/// Every resolved setting of a run; written to run.json and read back by `dip resume`.
public struct RunSettings: Codable, Equatable, Sendable {
    public var task: TaskKind
    public var recipe: TaskRecipe
    public var seed: UInt64
    public var scale: Int
    public var emaDecay: Float = 0.99
    public var snapshotEvery: Int
    public var checkpointEvery: Int
    public var autoStop: Bool
    public var patience: Int
    public var esRule: EarlyStopping.Rule
    public var esWindow: Int
    public var pick: Pick
    public var bitDepth: Int?
    public var batchNormGamma: GraphOptions.GammaInit

    public init(
        task: TaskKind, recipe: TaskRecipe, seed: UInt64 = 0, scale: Int = 1, snapshotEvery: Int = 100,
        checkpointEvery: Int = 100, autoStop: Bool = true, patience: Int = 1000, esRule: EarlyStopping.Rule = .wmv,
        esWindow: Int = 100, pick: Pick = .bestES, bitDepth: Int? = nil, batchNormGamma: GraphOptions.GammaInit = .uniform
    ) {
        self.task = task
        self.recipe = recipe
        self.seed = seed
        self.scale = scale
        self.snapshotEvery = snapshotEvery
        self.checkpointEvery = checkpointEvery
        self.autoStop = autoStop
        self.patience = patience
        self.esRule = esRule
        self.esWindow = esWindow
        self.pick = pick
        self.bitDepth = bitDepth
        self.batchNormGamma = batchNormGamma
    }
}

extension GraphOptions.GammaInit: Codable {}
