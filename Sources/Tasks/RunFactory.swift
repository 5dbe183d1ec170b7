import Engine
import Foundation
import ImageIO

/// The user's overrides of a task recipe; nil keeps the reference setting.
public struct RunOptions: Sendable {
    public var arch: Architecture?
    /// A NAS-DIP genotype or search candidate (`--genotype FILE.json`), instead of `arch`.
    public var candidate: NASCandidate?
    public var channels: Int?
    public var depth: Int?
    public var input: InputKind?
    public var inputDepth: Int?
    public var learningRate: Float?
    public var regularisationNoise: Float?
    public var iterations: Int?
    public var seed: UInt64 = 0
    public var scale = 4
    public var snapshotEvery = 100
    public var checkpointEvery = 100
    /// nil: the task's default (`TaskKind.stopsEarlyByDefault`).
    public var autoStop: Bool?
    public var patience = 1000
    public var esRule = EarlyStopping.Rule.wmv
    /// nil: the task's default (`TaskKind.defaultPick`).
    public var pick: Pick?
    public var bitDepth: Int?
    public var backtrack: Bool?
    public var batchNormGamma = GraphOptions.GammaInit.uniform

    public init() {}

    /// The recipe for `task` with these overrides applied. A NAS-DIP net (`--arch nas-*` or
    /// `--genotype`) trains with the NAS-DIP script of the task (nasdip-spec §5.2: denoise,
    /// sr, inpaint/restore), as the reference trains every searched cell; JPEG and flash, which
    /// have no NAS-DIP script, keep DIP's recipe. The user's options override either.
    public func recipe(for task: TaskKind, channels imageChannels: Int) throws -> TaskRecipe {
        var r = TaskRecipe.reference(task, channels: imageChannels, scale: scale)
        if candidate != nil, arch != nil { throw TaskError.badInput("--arch and --genotype both name the net; give one") }
        if arch?.nasRecipe != nil || candidate != nil, let nas = task.nasRecipe {
            r.applyNAS(nas, script: nas.script)
        }
        if let input { r.input = input }
        if r.input == .meshgrid { r.inputDepth = 2 }
        if let noise = arch?.referenceRegularisationNoise { r.regularisationNoise = noise }
        if r.input == .image && task != .flash { throw TaskError.badInput("--input image only applies to flash") }
        if let inputDepth {
            guard r.input != .meshgrid && r.input != .image else {
                throw TaskError.badInput("--input-depth does not apply to --input \(r.input.rawValue)")
            }
            r.inputDepth = inputDepth
        }
        if let candidate {
            try candidate.validate()
            var c = candidate
            if let channels { c.channels = channels }
            r.net = c.net(inputChannels: r.inputDepth, outputChannels: imageChannels)
            if case .nas(let g, var o) = r.net { o.depth = depth; r.net = .nas(g, o) }
            if case .nasCell(let cell, var o) = r.net { o.depth = depth; r.net = .nasCell(cell, o) }
        } else if let arch {
            r.net = .named(
                arch,
                ArchitectureOptions(
                    inputChannels: r.inputDepth, outputChannels: imageChannels, channels: channels, depth: depth))
        } else if case .skip(var config) = r.net {
            config.inputChannels = r.inputDepth
            if let channels {
                config.down = config.down.map { _ in channels }
                config.up = config.down
                config.skip = config.skip.map { min($0, channels) }
            }
            if let depth, depth != config.levels {
                let resized = SkipConfig(levels: depth, channels: config.down.last ?? 128, skip: config.skip.last ?? 4,
                    inputChannels: config.inputChannels, outputChannels: config.outputChannels)
                config.down = resized.down
                config.up = resized.up
                config.skip = resized.skip
                config.filterDown = resized.filterDown
                config.filterUp = resized.filterUp
                config.upsample = Array(repeating: config.upsample.first ?? .bilinear, count: depth)
                config.downsample = Array(repeating: config.downsample.first ?? .stride, count: depth)
            }
            r.net = .skip(config)
        }
        if let learningRate { r.learningRate = learningRate }
        if let regularisationNoise { r.regularisationNoise = regularisationNoise }
        if let iterations { r.iterations = iterations }
        if let backtrack { r.backtrackDrop = backtrack ? (r.backtrackDrop ?? 5) : nil }
        return r
    }
}

/// Where a run's input files are.
public struct RunInputPaths: Sendable {
    public var image: String
    public var mask: String?
    public var flash: String?
    public var groundTruth: String?

    public init(image: String, mask: String? = nil, flash: String? = nil, groundTruth: String? = nil) {
        self.image = image
        self.mask = mask
        self.flash = flash
        self.groundTruth = groundTruth
    }
}

/// Starts and resumes runs: resolves settings, loads and checks the inputs, makes the folder.
public enum RunFactory {
    public static let dipVersion = "0.1.0"

    /// Loads an image, turning any decoding problem into a one-line bad-input error.
    public static func load(_ path: String) throws -> Image {
        do {
            return try ImageFile.load(path)
        } catch let e as ImageIOError {
            throw TaskError.badInput(e.description)
        }
    }

    /// Builds everything for a new run but writes nothing yet; `start` creates the folder.
    public static func prepare(task: TaskKind, paths: RunInputPaths, options: RunOptions) throws -> (Problem, RunSettings, [String]) {
        let image = try load(paths.image)
        let inputs = ProblemInputs(
            image: image, imagePath: paths.image, mask: try paths.mask.map(load), maskPath: paths.mask,
            flash: try paths.flash.map(load), flashPath: paths.flash, groundTruth: try paths.groundTruth.map(load),
            groundTruthPath: paths.groundTruth)
        let recipe = try options.recipe(for: task, channels: image.channels)
        let settings = RunSettings(
            task: task, recipe: recipe, seed: options.seed, scale: task == .sr ? options.scale : 1,
            snapshotEvery: options.snapshotEvery, checkpointEvery: options.checkpointEvery, autoStop: options.autoStop ?? task.stopsEarlyByDefault,
            patience: options.patience, esRule: options.esRule, pick: options.pick ?? task.defaultPick(preferEMA: recipe.preferEMA),
            bitDepth: options.bitDepth,
            batchNormGamma: options.batchNormGamma)
        let multiple: Int
        do {
            multiple = try recipe.net.spec().sizeMultiple
        } catch let e as EngineError {
            throw TaskError.badInput(e.message)
        }
        let problem = try Problem.make(task: task, inputs: inputs, scale: settings.scale, multiple: multiple)
        var notes: [String] = []
        if problem.observationGeometry.isPadded {
            let g = problem.observationGeometry
            notes.append("reflect-padded \(g.width)×\(g.height) to \(g.paddedWidth)×\(g.paddedHeight) for the net; the result is cropped back")
        }
        if task.usesMask { notes.append("result.png keeps the known pixels of the input outside the mask") }
        return (problem, settings, notes)
    }

    /// Creates the run folder, writes run.json and returns the run ready to step.
    public static func start(
        task: TaskKind, paths: RunInputPaths, options: RunOptions, out: String, command: [String]
    ) throws -> RestorationRun {
        let (problem, settings, notes) = try prepare(task: task, paths: paths, options: options)
        let existed = FileManager.default.fileExists(atPath: out)
        let directory = try RunDirectory.create(out)
        do {
            return try begin(task, paths, problem, settings, notes, directory, command)
        } catch {
            // Leave nothing half-written behind: a run folder without a run is just confusing.
            if existed {
                for name in ["run.json", "metrics.csv", "snapshots"] { try? FileManager.default.removeItem(atPath: "\(out)/\(name)") }
            } else {
                try? FileManager.default.removeItem(atPath: out)
            }
            throw error
        }
    }

    private static func begin(
        _ task: TaskKind, _ paths: RunInputPaths, _ problem: Problem, _ settings: RunSettings, _ notes: [String],
        _ directory: RunDirectory, _ command: [String]
    ) throws -> RestorationRun {
        var records: [InputRecord] = []
        func record(_ role: String, _ path: String?) throws {
            guard let path else { return }
            let image = try load(path)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            records.append(
                InputRecord(
                    role: role, path: absolute, sha256: try FileHash.sha256(path: path), bytes: bytes ?? 0,
                    width: image.width, height: image.height, channels: image.channels, bitDepth: image.sourceBitDepth,
                    hasAlpha: image.alpha != nil))
        }
        try record("image", paths.image)
        try record("mask", paths.mask)
        try record("flash", paths.flash)
        try record("ground_truth", paths.groundTruth)
        let formatter = ISO8601DateFormatter()
        let runRecord = RunRecord(
            dipVersion: dipVersion, command: command, createdAt: formatter.string(from: Date()), settings: settings,
            inputs: records, observationGeometry: problem.observationGeometry, outputGeometry: problem.outputGeometry,
            compositesKnownPixels: task.usesMask, notes: notes + problem.warnings)
        do {
            try directory.writeRecord(runRecord)
        } catch {
            throw TaskError.badInput("cannot write \(directory.runJSON): \(error)")
        }
        return try RestorationRun(problem: problem, settings: settings, directory: directory, resume: false)
    }

    /// Continues the run in `path` from its last checkpoint (or from the start if it has none).
    /// `changes` may let a run that ended go on (more iterations, auto-stop off); run.json then
    /// gets the new settings and a note.
    public static func resume(_ path: String, changes: ResumeChanges = ResumeChanges()) throws -> RestorationRun {
        let directory = try RunDirectory.open(path)
        var record = try directory.readRecord()
        func input(_ role: String) throws -> String? {
            guard let r = record.inputs.first(where: { $0.role == role }) else { return nil }
            guard FileManager.default.fileExists(atPath: r.path) else {
                throw TaskError.badInput("\(path): the \(role) file \(r.path) is gone; restore it to resume")
            }
            guard try FileHash.sha256(path: r.path) == r.sha256 else {
                throw TaskError.badInput("\(path): the \(role) file \(r.path) has changed since the run started")
            }
            return r.path
        }
        guard let image = try input("image") else { throw TaskError.corrupt("\(directory.runJSON) names no input image") }
        let paths = RunInputPaths(
            image: image, mask: try input("mask"), flash: try input("flash"), groundTruth: try input("ground_truth"))
        let loaded = try load(paths.image)
        let inputs = ProblemInputs(
            image: loaded, imagePath: paths.image, mask: try paths.mask.map(load), maskPath: paths.mask,
            flash: try paths.flash.map(load), flashPath: paths.flash, groundTruth: try paths.groundTruth.map(load),
            groundTruthPath: paths.groundTruth)
        let done = try RestorationRun.checkpointIteration(directory) ?? 0
        let settings = try changes.apply(to: record.settings, done: done, ended: directory.readSummary(), run: path)
        let multiple = try settings.recipe.net.spec().sizeMultiple
        let problem = try Problem.make(task: settings.task, inputs: inputs, scale: settings.scale, multiple: multiple)
        let run = try RestorationRun(problem: problem, settings: settings, directory: directory, resume: true)
        if !changes.isEmpty {
            record.settings = settings
            record.notes.append(
                "resumed at iteration \(done) with up to \(settings.recipe.iterations) iterations, auto-stop \(settings.autoStop ? "on" : "off")")
            try directory.writeRecord(record)
        }
        return run
    }
}

/// What `dip resume` may change about a run: how far it goes, and whether it stops on its own.
public struct ResumeChanges: Sendable {
    public var iterations: Int?
    public var autoStop: Bool?

    public init(iterations: Int? = nil, autoStop: Bool? = nil) {
        self.iterations = iterations
        self.autoStop = autoStop
    }

    public var isEmpty: Bool { iterations == nil && autoStop == nil }

    /// The run's settings with the changes, or a one-line reason why the run cannot go on:
    /// `done` iterations are checkpointed, and `ended` is its summary if it has one.
    func apply(to settings: RunSettings, done: Int, ended: RunSummary?, run path: String) throws -> RunSettings {
        var settings = settings
        if let iterations {
            guard iterations > done else {
                throw TaskError.badInput("\(path): --iterations \(iterations) is not more than the \(done) iterations already run")
            }
            settings.recipe.iterations = iterations
        }
        if let autoStop { settings.autoStop = autoStop }
        if done >= settings.recipe.iterations {
            throw TaskError.badInput(
                "\(path) has already finished (\(done) iterations); give --iterations N (the new total) to go on")
        }
        // Its early-stopping state says stop, so with auto-stop on it would end again at once.
        if let ended, ended.iterations == done, case .autoStop = ended.stopReason, settings.autoStop {
            throw TaskError.badInput(
                "\(path) stopped on its own at iteration \(done) (auto-stop); give --no-auto-stop, and --iterations N if needed, to go on")
        }
        return settings
    }
}
