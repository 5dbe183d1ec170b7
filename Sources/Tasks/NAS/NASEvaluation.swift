import Engine
import Foundation
import ImageIO

/// Which PSNR of a candidate's run becomes its reward.
public enum RewardRule: String, Codable, Sendable, CaseIterable {
    /// The best PSNR against the clean image over all iterations: the paper's and the released
    /// scripts' score (oracle early stopping, nasdip-spec §5.1, §6.3). The default.
    case best
    /// The PSNR of the last iterate: no oracle, but it penalises nets that overfit the noise
    /// early.
    case final
}

/// The settings of one candidate evaluation (`dip nas evaluate`).
public struct NASEvaluationSettings: Codable, Equatable, Sendable {
    public var task: NASTask
    /// Iterations per image; nil = the task script's count (3000 / 2000 / 11000).
    public var iterations: Int?
    /// Keys the degradations (image k uses seed + k), z and the weight initialisation.
    public var seed: UInt64 = 0
    /// Centre-crop every image to size×size (a multiple of 32, at least 64); nil crops to the
    /// largest multiple of 32, as the scripts do (§8.13).
    public var size: Int?
    /// PSNR curve sampling: every this many iterations, plus the last one.
    public var curveEvery = 10
    public var reward = RewardRule.best

    public init(task: NASTask, iterations: Int? = nil, seed: UInt64 = 0, size: Int? = nil, curveEvery: Int = 10, reward: RewardRule = .best) {
        self.task = task
        self.iterations = iterations
        self.seed = seed
        self.size = size
        self.curveEvery = curveEvery
        self.reward = reward
    }

    public var effectiveIterations: Int { iterations ?? task.recipe.iterations }
}

/// A PSNR trajectory sampled every `every` iterations (and at the last one).
public struct PSNRCurve: Codable, Equatable, Sendable {
    public var every: Int
    public var iterations: [Int]
    public var psnr: [Double]
}

/// One image of a candidate's evaluation.
public struct NASImageResult: Codable, Equatable, Sendable {
    public var image: String
    /// The clean crop the PSNR is measured on.
    public var width: Int
    public var height: Int
    public var bestPSNR: Double?
    public var bestIteration: Int?
    public var finalPSNR: Double?
    public var seconds: Double
    public var curve: PSNRCurve
    /// The run failed (e.g. it kept diverging); the reason.
    public var error: String?
}

/// RESULT.json: what `dip nas evaluate` reports for one candidate.
public struct NASResult: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case ok, failed }

    public var format = "dip-nas-result"
    public var version = 1
    public var status: Status
    /// Why it failed (status failed).
    public var error: String?
    public var candidate: NASCandidate
    public var candidateFile: String?
    public var settings: NASEvaluationSettings
    public var iterations: Int
    /// Which output the PSNR is measured on: "ema" (denoising, as the script) or "output".
    public var measuredOn: String
    public var rewardRule: RewardRule
    /// Mean over images of the rule's PSNR (dB); nil when the candidate failed.
    public var reward: Double?
    public var meanBestPSNR: Double?
    public var meanFinalPSNR: Double?
    public var parameters: Int
    /// Wall time of the whole evaluation, seconds.
    public var seconds: Double
    public var threads: Int
    public var images: [NASImageResult]
    public var dipVersion: String
    public var createdAt: String
    /// Set by a search that reused an identical earlier candidate's result instead of
    /// evaluating it again (evaluations are deterministic for a given seed).
    public var reusedFrom: Int?

    /// The reward under `rule` (a search may rank by either; both are stored).
    public func reward(_ rule: RewardRule) -> Double? {
        guard status == .ok else { return nil }
        return rule == .best ? meanBestPSNR : meanFinalPSNR
    }

    public static func load(_ path: String) throws -> NASResult {
        guard let data = FileManager.default.contents(atPath: path) else { throw TaskError.badInput("\(path): cannot read the result") }
        do {
            let r = try JSONDecoder().decode(NASResult.self, from: data)
            guard r.format == "dip-nas-result" else { throw TaskError.corrupt("\(path) is not a dip NAS result") }
            return r
        } catch let e as TaskError {
            throw e
        } catch {
            throw TaskError.corrupt("\(path): \(NASCandidate.decodingReason(error))")
        }
    }
}

/// The search images: loaded, cropped and degraded once per evaluation.
public struct NASImage {
    public var path: String
    public var clean: Image
}

/// Runs one candidate on a set of clean images through the task machinery (`RestorationRun`).
public enum NASEvaluator {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Expands `DIR_OR_FILES`: a directory gives every .png/.jpg/.jpeg in it, sorted by name,
    /// except masks (names ending in _mask or -mask); files are taken as given.
    public static func expandImages(_ items: [String]) throws -> [String] {
        guard !items.isEmpty else { throw TaskError.badInput("--images needs at least one image or directory") }
        var out: [String] = []
        for item in items {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: item, isDirectory: &isDirectory) else {
                throw TaskError.badInput("\(item): no such file or directory")
            }
            if isDirectory.boolValue {
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: item)) ?? []).sorted()
                let images = names.filter { name in
                    let url = URL(fileURLWithPath: name)
                    let stem = url.deletingPathExtension().lastPathComponent.lowercased()
                    return imageExtensions.contains(url.pathExtension.lowercased()) && !stem.hasSuffix("_mask")
                        && !stem.hasSuffix("-mask") && !name.hasPrefix(".")
                }
                guard !images.isEmpty else { throw TaskError.badInput("\(item): no .png or .jpg images in this directory") }
                out += images.map { (item.hasSuffix("/") ? item : item + "/") + $0 }
            } else {
                out.append(item)
            }
        }
        return out.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// Loads and centre-crops every image, or throws a one-line bad-input error naming the file.
    public static func loadImages(_ paths: [String], settings: NASEvaluationSettings) throws -> [NASImage] {
        if let size = settings.size {
            guard size >= 64, size % 32 == 0 else {
                throw TaskError.badInput("--size must be a multiple of 32 and at least 64 (5 stride-2 levels, and the coarsest needs 2×2 for its reflection padding), got \(size)")
            }
        }
        return try paths.map { path in
            var image = try RunFactory.load(path)
            image.alpha = nil
            let h = settings.size ?? image.height / 32 * 32
            let w = settings.size ?? image.width / 32 * 32
            guard h >= 64, w >= 64, image.height >= h, image.width >= w else {
                let need = settings.size.map { "\($0)×\($0) (--size)" } ?? "64×64, the smallest the backbones take"
                throw TaskError.badInput("\(path) is \(image.width)×\(image.height), smaller than \(need)")
            }
            return NASImage(path: path, clean: image.centreCrop(width: w, height: h))
        }
    }

    /// The degraded observation (and mask) of image `k` for `task` (§5.2).
    static func degrade(_ clean: Image, task: NASTask, seed: UInt64) throws -> (Image, Image?) {
        switch task {
        case .denoise: return (Degradations.noise(clean, sigma: 25, seed: seed), nil)
        case .sr: return (try Degradations.downscale(clean, factor: 4), nil)
        case .inpaint:
            let (image, mask) = Degradations.mask(clean, drop: 0.5, seed: seed)
            return (image, mask)
        }
    }

    /// Evaluates `candidate` on `images`. Per image: degrade, run `iterations` steps of the task
    /// script's recipe with no early stopping, and record PSNR against the clean crop (on the EMA
    /// for denoising, as the script; Y-channel protocol for SR). `runs` keeps each image's run
    /// folder there (metrics.csv, snapshots, result.png); nil uses a temporary folder.
    /// `progress(k, record)` sees every iteration.
    public static func evaluate(
        _ candidate: NASCandidate, candidateFile: String? = nil, images: [NASImage], settings: NASEvaluationSettings,
        runs: String? = nil, progress: ((Int, IterationRecord) -> Void)? = nil
    ) throws -> NASResult {
        try candidate.validate()
        let started = Date()
        let recipe = settings.task.recipe
        let iterations = settings.effectiveIterations
        guard iterations >= 1 else { throw TaskError.badInput("--iterations must be at least 1") }
        let usesEMA = recipe.emaGamma != nil
        let root = runs ?? NSTemporaryDirectory() + "dip-nas-\(getpid())-\(UUID().uuidString)"
        defer { if runs == nil { try? FileManager.default.removeItem(atPath: root) } }
        var results: [NASImageResult] = []
        var parameters = 0
        var failure: String?
        for (k, item) in images.enumerated() {
            let imageStarted = Date()
            let (observed, mask) = try degrade(item.clean, task: settings.task, seed: settings.seed &+ UInt64(k))
            let name = URL(fileURLWithPath: item.path).lastPathComponent
            let inputs = ProblemInputs(
                image: observed, imagePath: "\(name) (degraded)", mask: mask, maskPath: mask == nil ? nil : "\(name) (mask)",
                groundTruth: item.clean, groundTruthPath: name)
            var taskRecipe = TaskRecipe.reference(settings.task.taskKind, channels: item.clean.channels)
            taskRecipe.applyNAS(recipe, script: recipe.script)
            taskRecipe.iterations = iterations
            taskRecipe.net = candidate.net(inputChannels: taskRecipe.inputDepth, outputChannels: item.clean.channels)
            let runSettings = RunSettings(
                task: settings.task.taskKind, recipe: taskRecipe, seed: settings.seed, scale: settings.task == .sr ? 4 : 1,
                snapshotEvery: runs == nil ? 0 : 100, checkpointEvery: 0, autoStop: false, pick: usesEMA ? .ema : .last)
            let spec: NetSpec
            do {
                spec = try taskRecipe.net.spec()
            } catch let e as EngineError {
                throw TaskError.badInput("\(candidate.summary): \(e.message)")
            }
            let problem = try Problem.make(
                task: settings.task.taskKind, inputs: inputs, scale: runSettings.scale, multiple: spec.sizeMultiple)
            let folder = "\(root)/\(String(format: "%02d", k))-\(URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent)"
            try? FileManager.default.removeItem(atPath: folder)  // a re-evaluation starts over
            let directory = try RunDirectory.create(folder)
            let run = try RestorationRun(problem: problem, settings: runSettings, directory: directory, resume: false)
            parameters = run.trainer.graph.parameters.trainableCount
            var curve = PSNRCurve(every: settings.curveEvery, iterations: [], psnr: [])
            var best: (Int, Double)?
            var last: Double?
            var error: String?
            do {
                while let record = try run.step() {
                    progress?(k, record)
                    guard let psnr = usesEMA ? record.psnrGTEMA : record.psnrGT else { continue }
                    if best == nil || psnr > best!.1 { best = (record.iteration, psnr) }
                    last = psnr
                    if record.iteration % settings.curveEvery == 0 || record.iteration == iterations - 1 {
                        curve.iterations.append(record.iteration)
                        curve.psnr.append(psnr)
                    }
                }
                if runs != nil { try run.finish() }
            } catch let e as TaskError where e.exitCode == 1 {
                error = e.description
            }
            results.append(
                NASImageResult(
                    image: item.path, width: item.clean.width, height: item.clean.height, bestPSNR: best?.1,
                    bestIteration: best?.0, finalPSNR: last, seconds: Date().timeIntervalSince(imageStarted), curve: curve,
                    error: error))
            if let error {
                failure = "\(name): \(error)"
                break
            }
        }
        func mean(_ values: [Double?]) -> Double? {
            let v = values.compactMap { $0 }
            return v.count == values.count && !v.isEmpty ? v.reduce(0, +) / Double(v.count) : nil
        }
        let meanBest = failure == nil ? mean(results.map(\.bestPSNR)) : nil
        let meanFinal = failure == nil ? mean(results.map(\.finalPSNR)) : nil
        let status: NASResult.Status = failure == nil && meanBest != nil ? .ok : .failed
        return NASResult(
            status: status, error: failure ?? (status == .failed ? "no PSNR was measured" : nil), candidate: candidate,
            candidateFile: candidateFile, settings: settings, iterations: iterations, measuredOn: usesEMA ? "ema" : "output",
            rewardRule: settings.reward, reward: settings.reward == .best ? meanBest : meanFinal, meanBestPSNR: meanBest,
            meanFinalPSNR: meanFinal, parameters: parameters, seconds: Date().timeIntervalSince(started), threads: Threads.count,
            images: results, dipVersion: RunFactory.dipVersion, createdAt: ISO8601DateFormatter().string(from: Date()))
    }

    /// Writes `result` atomically as pretty JSON.
    public static func write(_ result: NASResult, to path: String) throws {
        try NASFiles.writeJSON(result, to: path)
    }
}

/// JSON helpers for the NAS files: pretty, sorted, written atomically.
public enum NASFiles {
    public static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(value)
        } catch {
            throw TaskError.runtime("cannot encode \(path): \(error)")
        }
        try writeBytes([UInt8](data) + [0x0A], to: path)
    }

    public static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let e as ImageIOError {
            throw TaskError.badInput(e.description)
        }
    }
}
