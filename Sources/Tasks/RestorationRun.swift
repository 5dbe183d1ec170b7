import Engine
import Foundation
import ImageIO

/// Why a run ended.
public enum StopReason: Codable, Equatable, Sendable, CustomStringConvertible {
    /// All --iterations ran.
    case iterations
    /// The early-stopping signal went --patience iterations without improving.
    case autoStop(bestIteration: Int)
    /// The user stopped it (q, Ctrl-C, SIGTERM).
    case user
    /// The user accepted a shown iteration as the result (Enter in the TUI).
    case accepted(iteration: Int)

    public var description: String {
        switch self {
        case .iterations: return "all iterations done"
        case .autoStop(let b): return "auto-stop: the early-stopping signal last improved at iteration \(b)"
        case .user: return "stopped by the user"
        case .accepted(let i): return "the user accepted iteration \(i)"
        }
    }
}

/// What the run chose and where it put it (summary.json).
public struct RunSummary: Codable, Sendable {
    public var task: TaskKind
    public var stopReason: StopReason
    public var iterations: Int
    public var seconds: Double
    public var pick: Pick
    public var pickedIteration: Int
    public var pickedEMA: Bool
    public var pickNote: String?
    public var result: String
    public var resultEMA: String
    public var psnrResult: Double?
    public var bestGTIteration: Int?
    public var bestGTPSNR: Double?
    public var bestGTWasEMA: Bool?
    public var bestESIteration: Int?
    public var compositedKnownPixels: Bool
}

/// A restoration in progress: the trainer, the early-stopping signal, the metrics, snapshots,
/// checkpoints and the result. The caller drives it (`step()` until nil), so the same run
/// serves the headless CLI, the TUI's background queue and batch workers.
public final class RestorationRun {
    public let problem: Problem
    public let settings: RunSettings
    public let directory: RunDirectory
    public let trainer: Trainer
    public let earlyStopping: EarlyStopping
    public private(set) var history: [IterationRecord] = []
    public private(set) var stopReason: StopReason?
    public private(set) var snapshotIterations: [Int] = []
    public private(set) var backtracks = 0
    public var maxIterations: Int
    /// (iteration, PSNR, from the EMA?) of the best iterate against ground truth so far.
    public private(set) var bestGT: (iteration: Int, psnr: Double, ema: Bool)?

    private let metrics: MetricsLog
    private let started = Date()
    private var secondsBefore = 0.0
    private let outputChannels: Int
    private var bestESRaw: [Float]
    private var bestESEMA: [Float]
    private var bestGTImage: [Float]

    /// Starts a new run, or continues the one in `directory` when `resume` is set.
    public init(problem: Problem, settings: RunSettings, directory: RunDirectory, resume: Bool) throws {
        self.problem = problem
        self.settings = settings
        self.directory = directory
        maxIterations = settings.recipe.iterations
        let recipe = settings.recipe
        var spec: NetSpec
        do {
            spec = try recipe.net.spec()
        } catch let e as EngineError {
            throw TaskError.badInput(e.message)
        }
        guard spec.inputChannels == recipe.inputDepth || recipe.input == .meshgrid else {
            throw TaskError.badInput("the net takes \(spec.inputChannels) input channels but z has \(recipe.inputDepth)")
        }
        if problem.task == .sr { spec.appendLanczosDownsampler(factor: problem.scale) }
        let g = problem.outputGeometry
        let graph: Graph
        // z may be smaller than the image (the deep decoder upsamples from H/2^d).
        let zHeight: Int
        let zWidth: Int
        do {
            (zHeight, zWidth) = try spec.inputSize(forImageHeight: g.paddedHeight, width: g.paddedWidth)
            graph = try Graph(
                spec: spec, height: zHeight, width: zWidth, seed: settings.seed,
                options: GraphOptions(batchNormGamma: settings.batchNormGamma))
        } catch let e as EngineError {
            throw TaskError.badInput("cannot build the net for a \(g.paddedWidth)×\(g.paddedHeight) canvas: \(e.message)")
        }
        guard graph.outputShape.height == g.paddedHeight, graph.outputShape.width == g.paddedWidth else {
            throw TaskError.badInput(
                "the net maps a \(zWidth)×\(zHeight) input to \(graph.outputShape.width)×\(graph.outputShape.height), not to the \(g.paddedWidth)×\(g.paddedHeight) canvas")
        }
        guard graph.outputShape.channels == problem.channels else {
            throw TaskError.badInput("the net outputs \(graph.outputShape.channels) channels but the image has \(problem.channels)")
        }
        let z: [Float]
        switch recipe.input {
        case .noise: z = NetInput.uniformNoise(depth: recipe.inputDepth).make(height: zHeight, width: zWidth, seed: settings.seed)
        case .normal: z = NetInput.normalNoise(depth: recipe.inputDepth).make(height: zHeight, width: zWidth, seed: settings.seed)
        case .meshgrid: z = NetInput.meshgrid.make(height: zHeight, width: zWidth, seed: settings.seed)
        case .image:
            guard let image = problem.inputImage else { throw TaskError.badInput("--input image needs a flash photo") }
            z = image
        }
        do {
            trainer = try Trainer(
                graph: graph, target: problem.observation, mask: problem.mask, input: z,
                settings: TrainerSettings(
                    learningRate: recipe.learningRate, regularisationNoise: recipe.regularisationNoise,
                    emaDecay: settings.emaDecay, backtrackDrop: recipe.backtrackDrop, seed: settings.seed))
        } catch let e as EngineError {
            throw TaskError.badInput(e.message)
        }
        let count = graph.outputShape.count
        outputChannels = graph.outputShape.channels
        earlyStopping = EarlyStopping(
            rule: settings.esRule, window: settings.esWindow, patience: settings.patience, imageCount: count,
            seed: settings.seed)
        bestESRaw = [Float](repeating: 0, count: count)
        bestESEMA = bestESRaw
        bestGTImage = problem.groundTruth == nil ? [] : bestESRaw
        let checkpointIteration = resume ? try Self.checkpointIteration(directory) : nil
        metrics = try MetricsLog(path: directory.metricsCSV, keepBelow: resume ? (checkpointIteration ?? 0) : 0)
        if resume, checkpointIteration != nil { try restoreCheckpoint() }
        if resume {
            history = MetricsLog.read(directory.metricsCSV)
            snapshotIterations = Self.existingSnapshots(directory).filter { $0 < trainer.iteration }
        }
    }

    /// The next iteration to run (= iterations done).
    public var iteration: Int { trainer.iteration }
    public var isFinished: Bool { stopReason != nil }
    public var seconds: Double { secondsBefore + Date().timeIntervalSince(started) }

    /// Runs one iteration, records it, snapshots and checkpoints as configured; nil once the
    /// run has ended (all iterations, or auto-stop).
    @discardableResult
    public func step() throws -> IterationRecord? {
        if stopReason != nil { return nil }
        if trainer.iteration >= maxIterations {
            stopReason = .iterations
            return nil
        }
        var report = trainer.step()
        var retries = 0
        while report.backtracked {
            backtracks += 1
            retries += 1
            guard retries <= 20 else {
                throw TaskError.runtime("the optimisation keeps diverging at iteration \(report.iteration); try a lower --lr")
            }
            report = trainer.step()
        }
        let i = report.iteration
        let output = trainer.output
        let ema = trainer.ema
        let isBestES = earlyStopping.update(output, iteration: i)
        if isBestES {
            bestESRaw.withUnsafeMutableBufferPointer { _ = $0.initialize(from: output) }
            bestESEMA.withUnsafeMutableBufferPointer { _ = $0.initialize(from: ema) }
        }
        var psnrGT: Double?
        var psnrGTEMA: Double?
        if let truth = problem.groundTruth {
            let g = problem.outputGeometry
            var raw = g.crop(output, channels: outputChannels)
            var smooth = g.crop(ema, channels: outputChannels)
            problem.compositeKnownPixels(into: &raw)
            problem.compositeKnownPixels(into: &smooth)
            psnrGT = problem.evaluation.psnr(raw, truth, channels: outputChannels, height: g.height, width: g.width)
            psnrGTEMA = problem.evaluation.psnr(smooth, truth, channels: outputChannels, height: g.height, width: g.width)
            let best = max(psnrGT!, psnrGTEMA!)
            if bestGT == nil || best > bestGT!.psnr {
                let useEMA = psnrGTEMA! >= psnrGT!
                bestGT = (i, best, useEMA)
                bestGTImage.withUnsafeMutableBufferPointer { _ = $0.initialize(from: useEMA ? ema : output) }
            }
        }
        let record = IterationRecord(
            iteration: i, loss: report.loss, psnrInput: report.psnrObservation, psnrGT: psnrGT, psnrGTEMA: psnrGTEMA,
            esSignal: earlyStopping.signal, seconds: seconds, esWMV: earlyStopping.lastWMV, esEMV: earlyStopping.lastEMV,
            backtracks: backtracks)
        metrics.append(record)
        history.append(record)
        let done = i + 1
        if settings.snapshotEvery > 0, done % settings.snapshotEvery == 0 { try writeSnapshot(i) }
        if settings.checkpointEvery > 0, done % settings.checkpointEvery == 0 { try checkpointNow() }
        if settings.autoStop, earlyStopping.shouldStop(at: i), let best = earlyStopping.best {
            stopReason = .autoStop(bestIteration: best.iteration)
        } else if done >= maxIterations {
            stopReason = .iterations
        }
        return record
    }

    /// Marks the run as ended by the user (the caller then calls `finish`).
    public func stop(_ reason: StopReason) {
        if stopReason == nil || reason != .user { stopReason = reason }
    }

    // MARK: Images

    /// The current output (or EMA), cropped to the user's image size.
    public func currentImage(ema: Bool) -> [Float] {
        problem.outputGeometry.crop(ema ? trainer.ema : trainer.output, channels: outputChannels)
    }

    /// An image for saving: known pixels composited back for masked tasks, alpha re-attached.
    func finalImage(_ pixels: [Float]) -> Image {
        var pixels = pixels
        problem.compositeKnownPixels(into: &pixels)
        for i in pixels.indices { pixels[i] = min(max(pixels[i], 0), 1) }
        return Image(
            width: problem.outputWidth, height: problem.outputHeight, channels: outputChannels, pixels: pixels,
            alpha: problem.alpha, sourceBitDepth: problem.sourceBitDepth)
    }

    var outputBitDepth: Int { settings.bitDepth ?? (problem.sourceBitDepth == 16 ? 16 : 8) }

    private func writeSnapshot(_ i: Int) throws {
        let g = problem.outputGeometry
        for ema in [false, true] {
            let pixels = g.crop(ema ? trainer.ema : trainer.output, channels: outputChannels)
            let image = Image(width: g.width, height: g.height, channels: outputChannels, pixels: pixels.map { min(max($0, 0), 1) })
            do {
                try ImageFile.savePNG(image, to: directory.snapshot(i, ema: ema))
            } catch {
                throw TaskError.runtime("cannot write snapshot: \(error)")
            }
        }
        snapshotIterations.append(i)
    }

    /// Saves the current output and EMA now (TUI `s`); returns the files written.
    public func saveNow() throws -> [String] {
        let i = max(trainer.iteration - 1, 0)
        let raw = "\(directory.path)/saved-iter-\(String(format: "%06d", i)).png"
        let smooth = "\(directory.path)/saved-iter-\(String(format: "%06d", i))-ema.png"
        try ImageFile.savePNG(finalImage(currentImage(ema: false)), to: raw, bitDepth: outputBitDepth)
        try ImageFile.savePNG(finalImage(currentImage(ema: true)), to: smooth, bitDepth: outputBitDepth)
        return [raw, smooth]
    }

    // MARK: Finishing

    /// Writes result.png (chosen by `settings.pick`, or the accepted iteration), result-ema.png,
    /// a final checkpoint and summary.json.
    @discardableResult
    public func finish(accepting accepted: Int? = nil) throws -> RunSummary {
        metrics.sync()
        if settings.checkpointEvery > 0 || stopReason == .user { try checkpointNow() }
        let preferEMA = settings.recipe.preferEMA
        let last = max(trainer.iteration - 1, 0)
        var pick = settings.pick
        var note: String?
        var pickedIteration = last
        var pickedEMA = pick == .ema || (pick == .last ? false : preferEMA)
        var pixels: [Float]
        if let accepted {
            pick = .last
            pickedIteration = accepted
            pickedEMA = preferEMA
            if accepted >= last {
                pixels = currentImage(ema: preferEMA)
            } else {
                let file = directory.snapshot(accepted, ema: preferEMA)
                do {
                    pixels = try ImageFile.load(file).pixels
                } catch {
                    throw TaskError.runtime("cannot read the accepted snapshot \(file): \(error)")
                }
            }
            note = "accepted by the user"
        } else {
            if pick == .bestGT && bestGT == nil {
                pick = .bestES
                note = "best-gt needs --gt; used best-es"
            }
            if pick == .bestES && earlyStopping.best == nil {
                pick = preferEMA ? .ema : .last
                note = "the run was too short for the early-stopping signal (\(settings.esWindow) iterations); used \(pick.rawValue)"
            }
            switch pick {
            case .last: pixels = currentImage(ema: false)
            case .ema: pixels = currentImage(ema: true)
            case .bestES:
                pickedIteration = earlyStopping.best!.iteration
                pixels = problem.outputGeometry.crop(preferEMA ? bestESEMA : bestESRaw, channels: outputChannels)
            case .bestGT:
                pickedIteration = bestGT!.iteration
                pickedEMA = bestGT!.ema
                pixels = problem.outputGeometry.crop(bestGTImage, channels: outputChannels)
            }
        }
        let result = finalImage(pixels)
        try ImageFile.savePNG(result, to: directory.result, bitDepth: outputBitDepth)
        try ImageFile.savePNG(finalImage(currentImage(ema: true)), to: directory.resultEMA, bitDepth: outputBitDepth)
        var psnr: Double?
        if let truth = problem.groundTruth {
            psnr = problem.evaluation.psnr(
                result.pixels, truth, channels: outputChannels, height: problem.outputHeight, width: problem.outputWidth)
        }
        let summary = RunSummary(
            task: problem.task, stopReason: stopReason ?? .user, iterations: trainer.iteration, seconds: seconds, pick: pick,
            pickedIteration: pickedIteration, pickedEMA: pickedEMA, pickNote: note, result: directory.result,
            resultEMA: directory.resultEMA, psnrResult: psnr, bestGTIteration: bestGT?.iteration, bestGTPSNR: bestGT?.psnr,
            bestGTWasEMA: bestGT?.ema, bestESIteration: earlyStopping.best?.iteration,
            compositedKnownPixels: problem.knownMask != nil)
        try directory.writeJSON(summary, to: directory.summaryJSON)
        return summary
    }

    // MARK: Checkpoints

    /// Writes the checkpoint atomically, after the metrics it covers are on disk.
    public func checkpointNow() throws {
        metrics.sync()
        var file = trainer.checkpoint(metadata: ["task": problem.task.rawValue])
        let es = earlyStopping.state()
        for (name, values) in es.tensors { file.add(name, shape: [values.count], values: values) }
        for (k, v) in es.metadata { file.metadata[k] = v }
        file.add("best_es.raw", shape: [bestESRaw.count], values: bestESRaw)
        file.add("best_es.ema", shape: [bestESEMA.count], values: bestESEMA)
        if let bestGT {
            file.add("best_gt.image", shape: [bestGTImage.count], values: bestGTImage)
            file.metadata["best_gt_iteration"] = String(bestGT.iteration)
            file.metadata["best_gt_psnr"] = String(bestGT.psnr.bitPattern)
            file.metadata["best_gt_ema"] = bestGT.ema ? "1" : "0"
        }
        file.metadata["backtracks"] = String(backtracks)
        file.metadata["seconds"] = String(seconds)
        do {
            try AtomicFile.write(file.encoded(), to: directory.checkpoint)
        } catch {
            throw TaskError.runtime("cannot write checkpoint: \(error)")
        }
    }

    static func checkpointIteration(_ directory: RunDirectory) throws -> Int? {
        guard FileManager.default.fileExists(atPath: directory.checkpoint) else { return nil }
        return try loadCheckpoint(directory).metadata["iteration"].flatMap(Int.init)
    }

    private static func loadCheckpoint(_ directory: RunDirectory) throws -> SafeTensors {
        guard let data = FileManager.default.contents(atPath: directory.checkpoint) else {
            throw TaskError.corrupt("cannot read \(directory.checkpoint)")
        }
        do {
            return try SafeTensors(decoding: [UInt8](data))
        } catch {
            throw TaskError.corrupt("\(directory.checkpoint): \(error)")
        }
    }

    private func restoreCheckpoint() throws {
        let file = try Self.loadCheckpoint(directory)
        do {
            try trainer.restore(file)
        } catch let e as EngineError {
            throw TaskError.corrupt("\(directory.checkpoint) does not fit this run: \(e.message)")
        }
        var tensors: [String: [Float]] = [:]
        for name in file.names { tensors[name] = file.entry(name)!.values }
        try earlyStopping.restore(tensors: tensors, metadata: file.metadata)
        if let v = tensors["best_es.raw"], v.count == bestESRaw.count { bestESRaw = v }
        if let v = tensors["best_es.ema"], v.count == bestESEMA.count { bestESEMA = v }
        if let v = tensors["best_gt.image"], v.count == bestGTImage.count,
            let i = file.metadata["best_gt_iteration"].flatMap(Int.init),
            let p = file.metadata["best_gt_psnr"].flatMap(UInt64.init)
        {
            bestGTImage = v
            bestGT = (i, Double(bitPattern: p), file.metadata["best_gt_ema"] == "1")
        }
        backtracks = file.metadata["backtracks"].flatMap(Int.init) ?? 0
        secondsBefore = file.metadata["seconds"].flatMap(Double.init) ?? 0
    }

    static func existingSnapshots(_ directory: RunDirectory) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.snapshots)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("iter-"), name.hasSuffix(".png"), !name.hasSuffix("-ema.png") else { return nil }
            return Int(name.dropFirst(5).dropLast(4))
        }.sorted()
    }
}
