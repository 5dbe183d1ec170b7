import Foundation

/// The DIP optimisation settings of one run (dip-spec.md §1, §8).
public struct TrainerSettings: Sendable, Equatable {
    public var learningRate: Float = 0.01
    /// σ of the fresh N(0,1) jitter added to z every iteration (`reg_noise_std`).
    public var regularisationNoise: Float = 1.0 / 30
    /// Output EMA weight (`exp_weight`): ema ← decay·ema + (1−decay)·out.
    public var emaDecay: Float = 0.99
    /// The reference's guard: if PSNR against the observation drops by more than this many dB
    /// since the last good iteration, restore that iteration's weights. Nil disables it.
    public var backtrackDrop: Double? = nil
    public var seed: UInt64 = 0

    public init(
        learningRate: Float = 0.01, regularisationNoise: Float = 1.0 / 30, emaDecay: Float = 0.99,
        backtrackDrop: Double? = nil, seed: UInt64 = 0
    ) {
        self.learningRate = learningRate
        self.regularisationNoise = regularisationNoise
        self.emaDecay = emaDecay
        self.backtrackDrop = backtrackDrop
        self.seed = seed
    }
}

/// What one iteration did.
public struct StepReport: Sendable {
    /// The iteration that was run (0-based, as the reference's loop counter).
    public var iteration: Int
    public var loss: Double
    /// PSNR between the degraded output A(f(z)) and the observation; masked pixels count as
    /// zeros in both, as in the reference's PSNR_masked.
    public var psnrObservation: Double
    /// True when the backtracking guard restored the previous weights instead of stepping.
    public var backtracked: Bool
}

/// Fits a graph to one observation: loss = ‖m ⊙ (A(f(z + σₜ·n)) − y)‖² / N, optimised with Adam.
///
/// The step follows the reference's closure order: forward on the jittered input, loss,
/// backward, then the optimiser step; the EMA is updated with that step's (pre-update) output.
public final class Trainer {
    public let graph: Graph
    public let adam: Adam
    public let settings: TrainerSettings
    public private(set) var iteration = 0
    private let loss: MeanSquaredError
    private let target: UnsafeMutablePointer<Float>
    private let mask: UnsafeMutablePointer<Float>?
    private let cleanInput: UnsafeMutablePointer<Float>
    private let emaBuffer: UnsafeMutablePointer<Float>
    private var emaStarted = false
    private var guardState: BacktrackGuard?

    /// - Parameters:
    ///   - target: the observation y, shaped like `graph.lossOutputShape` (planar).
    ///   - mask: one H×W plane over the loss output (1 = known), or nil.
    ///   - input: z, shaped like `graph.input`.
    public init(graph: Graph, target: [Float], mask: [Float]? = nil, input: [Float], settings: TrainerSettings) throws {
        let lossShape = graph.lossOutputShape
        guard target.count == lossShape.count else {
            throw EngineError("target has \(target.count) values, the net's loss output \(lossShape) needs \(lossShape.count)")
        }
        guard input.count == graph.input.shape.count else {
            throw EngineError("input z has \(input.count) values, the net needs \(graph.input.shape)")
        }
        if let mask, mask.count != lossShape.pixels {
            throw EngineError("mask has \(mask.count) values, the image has \(lossShape.pixels) pixels")
        }
        self.graph = graph
        self.settings = settings
        adam = Adam(parameterCount: graph.parameters.count, learningRate: settings.learningRate)
        loss = MeanSquaredError(shape: lossShape)
        self.target = Self.copy(target)
        self.mask = mask.map(Self.copy)
        cleanInput = Self.copy(input)
        emaBuffer = .allocate(capacity: graph.outputShape.count)
        emaBuffer.initialize(repeating: 0, count: graph.outputShape.count)
        if let drop = settings.backtrackDrop { guardState = BacktrackGuard(drop: drop, parameters: graph.parameters, adam: adam) }
    }

    deinit {
        target.deallocate()
        mask?.deallocate()
        cleanInput.deallocate()
        emaBuffer.deallocate()
    }

    private static func copy(_ values: [Float]) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { p.initialize(from: $0.baseAddress!, count: values.count) }
        return p
    }

    /// The output of the last step's forward pass (planar, in (0,1) with a sigmoid head).
    public var output: UnsafeBufferPointer<Float> { UnsafeBufferPointer(graph.output.buffer) }
    /// The running average of outputs.
    public var ema: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: emaBuffer, count: graph.outputShape.count) }
    /// The observation the loss compares with.
    public var observation: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: target, count: loss.shape.count) }

    /// Runs one iteration. Allocates nothing.
    @discardableResult
    public func step() -> StepReport {
        Threads.applyToCurrentThread()
        let count = graph.input.shape.count
        if settings.regularisationNoise > 0 {
            NoiseFill.fill(
                graph.input.pointer, count: count, seed: settings.seed, purpose: .regularisationNoise,
                counter: UInt64(iteration), distribution: .normal, scale: settings.regularisationNoise,
                adding: cleanInput)
        } else {
            graph.input.pointer.update(from: cleanInput, count: count)
        }
        graph.forward()
        let value = loss.evaluate(
            prediction: graph.lossOutput.pointer, target: target, mask: mask.map { UnsafePointer($0) },
            gradient: graph.lossGradient.pointer)
        let psnr = Metrics.psnr(mse: value)
        if guardState?.shouldRestore(psnr: psnr, iteration: iteration) == true {
            guardState!.restore()
            return StepReport(iteration: iteration, loss: value, psnrObservation: psnr, backtracked: true)
        }
        graph.backward()
        adam.update(graph.parameters)
        updateEMA()
        let report = StepReport(iteration: iteration, loss: value, psnrObservation: psnr, backtracked: false)
        iteration += 1
        return report
    }

    private func updateEMA() {
        let out = graph.output.pointer
        let n = graph.outputShape.count
        let ema = emaBuffer
        if !emaStarted {
            ema.update(from: out, count: n)
            emaStarted = true
            return
        }
        let decay = settings.emaDecay
        Parallel.forEach(n, grain: 1 << 16) { range in
            for i in range { ema[i] = decay * ema[i] + (1 - decay) * out[i] }
        }
    }

    /// Runs a forward pass on the clean z (no jitter) and returns the image, without training.
    public func cleanOutput() -> [Float] {
        graph.input.pointer.update(from: cleanInput, count: graph.input.shape.count)
        graph.forward()
        return graph.output.array
    }

    // MARK: Checkpoint state

    /// Everything needed to continue this run bit-for-bit: weights, Adam state, EMA and counters.
    /// The random streams are keyed by (seed, iteration), so the iteration is their whole state.
    public func checkpoint(metadata: [String: String] = [:]) -> SafeTensors {
        var file = SafeTensors()
        for entry in graph.parameters.entries where entry.trainable {
            file.add(entry.name, shape: entry.shape, values: Array(graph.parameters.values(of: entry)))
        }
        file.add("optimizer.m", shape: [adam.count], values: Array(adam.moments.m))
        file.add("optimizer.v", shape: [adam.count], values: Array(adam.moments.v))
        let s = graph.outputShape
        file.add("ema", shape: [s.channels, s.height, s.width], values: Array(ema))
        file.metadata = metadata
        file.metadata["format"] = "dip-checkpoint"
        file.metadata["version"] = "1"
        file.metadata["iteration"] = String(iteration)
        file.metadata["adam_step"] = String(adam.step)
        file.metadata["ema_started"] = emaStarted ? "1" : "0"
        file.metadata["seed"] = String(settings.seed)
        return file
    }

    /// Restores a state written by `checkpoint()` for the same net and size.
    public func restore(_ file: SafeTensors) throws {
        guard file.metadata["format"] == "dip-checkpoint" else { throw EngineError("not a dip checkpoint") }
        guard file.metadata["version"] == "1" else {
            throw EngineError("checkpoint version \(file.metadata["version"] ?? "?") is not supported (expected 1)")
        }
        guard let iteration = file.metadata["iteration"].flatMap(Int.init),
            let step = file.metadata["adam_step"].flatMap(Int.init)
        else { throw EngineError("checkpoint lacks its iteration counters") }
        for entry in graph.parameters.entries where entry.trainable {
            graph.parameters.setValues(of: entry, try file.values(entry.name, shape: entry.shape))
        }
        let m = try file.values("optimizer.m", shape: [adam.count])
        let v = try file.values("optimizer.v", shape: [adam.count])
        adam.restore(step: step, m: m, v: v)
        let s = graph.outputShape
        let ema = try file.values("ema", shape: [s.channels, s.height, s.width])
        ema.withUnsafeBufferPointer { emaBuffer.update(from: $0.baseAddress!, count: ema.count) }
        emaStarted = file.metadata["ema_started"] == "1"
        self.iteration = iteration
        guardState?.reset()
    }
}

/// The reference's backtracking: remember the last good weights and PSNR; on a drop of more
/// than `drop` dB, go back to them. Unlike the reference (which restores the weights but then
/// still applies the gradient computed at the diverged point, and keeps Adam's moments), this
/// restores weights *and* Adam state and skips the step, so the iteration is simply retried.
private final class BacktrackGuard {
    let drop: Double
    let parameters: ParameterStore
    let adam: Adam
    private var lastPSNR: Double?
    private let savedValues: UnsafeMutablePointer<Float>
    private let savedM: UnsafeMutablePointer<Float>
    private let savedV: UnsafeMutablePointer<Float>
    private var savedStep = 0

    init(drop: Double, parameters: ParameterStore, adam: Adam) {
        self.drop = drop
        self.parameters = parameters
        self.adam = adam
        let n = max(parameters.count, 1)
        savedValues = .allocate(capacity: n)
        savedM = .allocate(capacity: n)
        savedV = .allocate(capacity: n)
    }

    deinit {
        savedValues.deallocate()
        savedM.deallocate()
        savedV.deallocate()
    }

    func reset() { lastPSNR = nil }

    /// Decides before the update; when the iteration is healthy, saves it as the new fallback.
    func shouldRestore(psnr: Double, iteration: Int) -> Bool {
        if let last = lastPSNR, psnr - last < -drop { return true }
        lastPSNR = psnr
        let n = parameters.count
        savedValues.update(from: parameters.values!, count: n)
        savedM.update(from: adam.m, count: n)
        savedV.update(from: adam.v, count: n)
        savedStep = adam.step
        return false
    }

    func restore() {
        let n = parameters.count
        parameters.values!.update(from: savedValues, count: n)
        adam.m.update(from: savedM, count: n)
        adam.v.update(from: savedV, count: n)
        adam.step = savedStep
    }
}
