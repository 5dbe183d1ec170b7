import Engine
import Foundation

/// search.json: everything that defines a search. Fixed when it starts, except `candidates`
/// (a resume may extend the budget) and `workers` (informational).
public struct NASSearchSettings: Codable, Equatable, Sendable {
    public var format = "dip-nas-search"
    public var version = 1
    public var task: NASTask
    /// Absolute paths of the clean search images, and their SHA-256 (checked on resume).
    public var images: [String]
    public var imageHashes: [String]
    public var candidates: Int
    public var iterationsPerCandidate: Int
    public var controller: ControllerKind
    public var stage: SearchStage
    public var cellEncoding: CellEncoding
    /// The cell of a connections search.
    public var fixedCell: NASCell?
    /// Backbone width of every candidate (nil = 128).
    public var channels: Int?
    public var seed: UInt64
    public var size: Int?
    /// Candidates per controller update.
    public var batch: Int
    public var reward: RewardRule
    public var curveEvery: Int
    public var reinforce: ReinforceSettings
    public var workers: Int
    public var dipVersion: String
    public var createdAt: String
    public var command: [String]

    public init(
        task: NASTask, images: [String], imageHashes: [String], candidates: Int, iterationsPerCandidate: Int,
        controller: ControllerKind, stage: SearchStage, cellEncoding: CellEncoding = .factored, fixedCell: NASCell? = nil,
        channels: Int? = nil, seed: UInt64 = 0, size: Int? = nil, batch: Int = 1, reward: RewardRule = .best,
        curveEvery: Int = 10, reinforce: ReinforceSettings = ReinforceSettings(), workers: Int = 1, command: [String] = []
    ) {
        self.task = task
        self.images = images
        self.imageHashes = imageHashes
        self.candidates = candidates
        self.iterationsPerCandidate = iterationsPerCandidate
        self.controller = controller
        self.stage = stage
        self.cellEncoding = cellEncoding
        self.fixedCell = fixedCell
        self.channels = channels
        self.seed = seed
        self.size = size
        self.batch = batch
        self.reward = reward
        self.curveEvery = curveEvery
        self.reinforce = reinforce
        self.workers = workers
        dipVersion = RunFactory.dipVersion
        createdAt = ISO8601DateFormatter().string(from: Date())
        self.command = command
    }

    public func space() throws -> SearchSpace {
        try SearchSpace(stage: stage, encoding: cellEncoding, fixedCell: fixedCell, channels: channels)
    }

    /// The evaluation settings every candidate's worker gets.
    public var evaluation: NASEvaluationSettings {
        NASEvaluationSettings(
            task: task, iterations: iterationsPerCandidate, seed: seed, size: size, curveEvery: curveEvery, reward: reward)
    }
}

/// A search folder; every file is written atomically, so a kill at any moment leaves a search
/// that `--resume` continues:
///
///     search.json            the settings (NASSearchSettings)
///     controller.json        controller weights, Adam moments, baseline, step, candidates consumed, history
///     candidates/NNNN.json   each candidate (NASCandidate, with the controller's decisions)
///     results/NNNN.json      each candidate's RESULT.json from `dip nas evaluate`
///     logs/NNNN.log          each worker's stderr
///     runs/NNNN/KK-image/    each worker's run folders (metrics.csv, snapshots, result.png)
///     leaderboard.csv        all evaluated candidates, best first
///     best.json              the best candidate so far (usable as --genotype)
///     report.svg             written by `dip nas report`
public struct SearchDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = URL(fileURLWithPath: path).standardizedFileURL.path }

    public var settingsJSON: String { "\(path)/search.json" }
    public var controllerJSON: String { "\(path)/controller.json" }
    public var leaderboardCSV: String { "\(path)/leaderboard.csv" }
    public var bestJSON: String { "\(path)/best.json" }
    public var reportSVG: String { "\(path)/report.svg" }
    public func candidate(_ i: Int) -> String { "\(path)/candidates/\(Self.name(i)).json" }
    public func result(_ i: Int) -> String { "\(path)/results/\(Self.name(i)).json" }
    public func log(_ i: Int) -> String { "\(path)/logs/\(Self.name(i)).log" }
    public func runs(_ i: Int) -> String { "\(path)/runs/\(Self.name(i))" }

    public static func name(_ i: Int) -> String { String(format: "%04d", i) }

    /// Creates the folders, refusing a folder that already holds a search.
    public static func create(_ path: String) throws -> SearchDirectory {
        let d = SearchDirectory(path: path)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: d.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TaskError.badInput("--out \(path) exists and is not a directory") }
            if fm.fileExists(atPath: d.settingsJSON) {
                throw TaskError.badInput("\(path) already holds a search; continue it with --resume \(path) or pick another --out")
            }
        }
        do {
            for sub in ["candidates", "results", "logs", "runs"] {
                try fm.createDirectory(atPath: "\(d.path)/\(sub)", withIntermediateDirectories: true)
            }
        } catch {
            throw TaskError.badInput("cannot create search directory \(path): \(RunDirectory.reason(error))")
        }
        return d
    }

    public static func open(_ path: String) throws -> SearchDirectory {
        let d = SearchDirectory(path: path)
        guard FileManager.default.fileExists(atPath: d.settingsJSON) else {
            throw TaskError.badInput("\(path) is not a dip search directory (no search.json)")
        }
        for sub in ["candidates", "results", "logs", "runs"] {
            try? FileManager.default.createDirectory(atPath: "\(d.path)/\(sub)", withIntermediateDirectories: true)
        }
        return d
    }

    public func readSettings() throws -> NASSearchSettings {
        guard let data = FileManager.default.contents(atPath: settingsJSON) else {
            throw TaskError.badInput("cannot read \(settingsJSON)")
        }
        do {
            let s = try JSONDecoder().decode(NASSearchSettings.self, from: data)
            guard s.format == "dip-nas-search" else { throw TaskError.corrupt("\(settingsJSON) is not a dip search") }
            return s
        } catch let e as TaskError {
            throw e
        } catch {
            throw TaskError.corrupt("\(settingsJSON): \(NASCandidate.decodingReason(error))")
        }
    }

    /// The candidate file, if written.
    public func loadCandidate(_ i: Int) -> NASCandidate? {
        guard FileManager.default.fileExists(atPath: candidate(i)) else { return nil }
        return try? NASCandidate.load(candidate(i))
    }

    /// The result file, if written and readable.
    public func loadResult(_ i: Int) -> NASResult? {
        guard FileManager.default.fileExists(atPath: result(i)) else { return nil }
        return try? NASResult.load(result(i))
    }

    /// Every (candidate, result) pair on disk, by candidate number.
    public func entries() -> [(index: Int, candidate: NASCandidate, result: NASResult?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(path)/candidates")) ?? []
        let indices = names.compactMap { n -> Int? in n.hasSuffix(".json") ? Int(n.dropLast(5)) : nil }.sorted()
        return indices.compactMap { i in loadCandidate(i).map { (i, $0, loadResult(i)) } }
    }
}

/// What a running search reports (to the CLI's progress lines or the TUI).
public enum SearchEvent {
    case batchStarted(indices: [Int], executor: String)
    case candidateReady(index: Int, candidate: NASCandidate)
    case candidateFinished(index: Int, result: NASResult?, reused: Bool)
    case controllerUpdated(ControllerStep)
}

/// The search loop: sample a batch from the controller, evaluate it with an executor, learn
/// from the rewards, save, repeat (the supplement's two alternating phases, §6.1).
///
/// Crash safety: the controller is saved (atomically) only after it learned from a whole batch,
/// together with how many candidates it has consumed. Sampling is keyed by candidate number, so
/// after a kill the resumed search re-creates the same batch, keeps every result already on disk
/// and evaluates only the rest.
public final class NASSearch {
    public let directory: SearchDirectory
    public private(set) var settings: NASSearchSettings
    public let space: SearchSpace
    public let controller: SearchController
    public let executor: CandidateExecutor
    /// Absolute path of the dip binary workers run.
    public var onEvent: ((SearchEvent) -> Void)?
    /// Fresh evaluations run by this process (not reused, not already on disk).
    public private(set) var evaluationsRun = 0
    private let lock = NSLock()
    private var stopRequested = false
    private var pauseRequested = false

    private init(directory: SearchDirectory, settings: NASSearchSettings, controller: SearchController, executor: CandidateExecutor) throws {
        self.directory = directory
        self.settings = settings
        space = try settings.space()
        self.controller = controller
        self.executor = executor
    }

    /// Starts a new search in `path`.
    public static func start(settings: NASSearchSettings, path: String, executor: CandidateExecutor) throws -> NASSearch {
        let space = try settings.space()
        let directory = try SearchDirectory.create(path)
        try NASFiles.writeJSON(settings, to: directory.settingsJSON)
        let controller = Controllers.make(settings.controller, space: space, seed: settings.seed, settings: settings.reinforce)
        let search = try NASSearch(directory: directory, settings: settings, controller: controller, executor: executor)
        try search.saveController()
        return search
    }

    /// Opens the search in `path` to continue it; `candidates` extends the budget.
    public static func resume(path: String, executor: CandidateExecutor, candidates: Int? = nil) throws -> NASSearch {
        let directory = try SearchDirectory.open(path)
        var settings = try directory.readSettings()
        for (image, hash) in zip(settings.images, settings.imageHashes) {
            guard FileManager.default.fileExists(atPath: image) else {
                throw TaskError.badInput("\(path): the search image \(image) is gone; restore it to resume")
            }
            guard try FileHash.sha256(path: image) == hash else {
                throw TaskError.badInput("\(path): the search image \(image) has changed since the search started")
            }
        }
        if let candidates, candidates != settings.candidates {
            guard candidates > settings.candidates else {
                throw TaskError.badInput("--candidates can only grow on resume (the search has \(settings.candidates))")
            }
            settings.candidates = candidates
            try NASFiles.writeJSON(settings, to: directory.settingsJSON)
        }
        let space = try settings.space()
        let controller: SearchController
        if let data = FileManager.default.contents(atPath: directory.controllerJSON) {
            controller = try Controllers.restore(data, path: directory.controllerJSON, space: space)
        } else {
            controller = Controllers.make(settings.controller, space: space, seed: settings.seed, settings: settings.reinforce)
        }
        return try NASSearch(directory: directory, settings: settings, controller: controller, executor: executor)
    }

    /// Asks the loop to stop: running workers are cancelled, state stays as last saved.
    public func stop() {
        lock.lock()
        stopRequested = true
        lock.unlock()
        executor.cancel()
    }

    /// Pauses the workers (where the executor can) and holds back the next batch.
    public func setPaused(_ paused: Bool) {
        lock.lock()
        pauseRequested = paused
        lock.unlock()
        executor.setPaused(paused)
    }

    public var isPaused: Bool {
        lock.lock()
        defer { lock.unlock() }
        return pauseRequested
    }

    public var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopRequested
    }

    public var isComplete: Bool { controller.consumed >= settings.candidates }

    /// Runs until the budget is spent (true) or `stop()` was called (false).
    @discardableResult
    public func run() throws -> Bool {
        while !isComplete {
            while isPaused && !isStopping { usleep(100_000) }
            if isStopping { return false }
            let start = controller.consumed
            let indices = Array(start..<min(start + settings.batch, settings.candidates))
            var candidates: [Int: NASCandidate] = [:]
            for i in indices { candidates[i] = try candidate(i) }
            onEvent?(.batchStarted(indices: indices, executor: executor.description))
            for i in indices { onEvent?(.candidateReady(index: i, candidate: candidates[i]!)) }

            var pending: [EvaluationItem] = []
            for i in indices {
                if let r = directory.loadResult(i) {
                    onEvent?(.candidateFinished(index: i, result: r, reused: r.reusedFrom != nil))
                } else if let r = try reuse(candidates[i]!, as: i) {
                    onEvent?(.candidateFinished(index: i, result: r, reused: true))
                } else {
                    pending.append(item(i))
                }
            }
            var outcomes: [Int: ItemOutcome] = [:]
            if !pending.isEmpty {
                executor.run(pending) { [self] item, outcome in
                    outcomes[item.index] = outcome
                    let result = directory.loadResult(item.index)
                    if result != nil { evaluationsRun += 1 }
                    onEvent?(.candidateFinished(index: item.index, result: result, reused: false))
                }
            }
            if isStopping { return false }
            for item in pending where directory.loadResult(item.index) == nil {
                try recordFailure(item, outcome: outcomes[item.index] ?? .interrupted, candidate: candidates[item.index]!)
            }
            let batch = try indices.map { i -> (index: Int, choices: [Int], reward: Double?) in
                guard let r = directory.loadResult(i) else { throw TaskError.runtime("results/\(SearchDirectory.name(i)).json vanished") }
                return (i, candidates[i]!.choices ?? space.choices(cell: candidates[i]!.cell, connections: candidates[i]!.connections),
                    r.reward(settings.reward))
            }
            let step = try controller.update(batch)
            try saveController()
            try writeLeaderboard()
            onEvent?(.controllerUpdated(step))
        }
        try writeLeaderboard()
        return true
    }

    /// The candidate file for `i`, sampling and writing it first if needed.
    private func candidate(_ i: Int) throws -> NASCandidate {
        if let c = directory.loadCandidate(i) {
            guard let choices = c.choices, (try? space.candidate(choices)) != nil else {
                throw TaskError.corrupt("\(directory.candidate(i)) does not belong to this search (its decisions do not fit)")
            }
            return c
        }
        let choices = controller.sample(index: i)
        let c = try space.candidate(choices, index: i)
        try NASFiles.writeBytes(try c.encoded(), to: directory.candidate(i))
        return c
    }

    /// Copies the result of an identical, already evaluated candidate (evaluations are
    /// deterministic for a given seed, so re-running it would only cost time).
    private func reuse(_ c: NASCandidate, as i: Int) throws -> NASResult? {
        for j in 0..<i {
            guard let other = directory.loadCandidate(j), other.backbone == c.backbone, other.cell == c.cell,
                other.connections == c.connections, other.channels == c.channels,
                var r = directory.loadResult(j), r.status == .ok
            else { continue }
            r.reusedFrom = r.reusedFrom ?? j
            r.candidate = c
            r.candidateFile = directory.candidate(i)
            try NASFiles.writeJSON(r, to: directory.result(i))
            return r
        }
        return nil
    }

    /// The worker command for candidate `i`.
    public func item(_ i: Int) -> EvaluationItem {
        var args = ["--task", settings.task.rawValue, "--images"] + settings.images
        args += ["--iterations", String(settings.iterationsPerCandidate), "--seed", String(settings.seed)]
        args += ["--reward", settings.reward.rawValue, "--curve-every", String(settings.curveEvery), "--runs", directory.runs(i)]
        if let size = settings.size { args += ["--size", String(size)] }
        return EvaluationItem(
            index: i, candidate: directory.candidate(i), result: directory.result(i), log: directory.log(i), arguments: args)
    }

    /// A worker ended without writing its result: bad input aborts the search (it would hit
    /// every candidate); a crash or kill we did not ask for is recorded as a failed candidate
    /// (delete its result file to retry it).
    private func recordFailure(_ item: EvaluationItem, outcome: ItemOutcome, candidate: NASCandidate) throws {
        var lastLine = (try? String(contentsOfFile: item.log, encoding: .utf8))?
            .split(separator: "\n").last.map(String.init) ?? "no output"
        if lastLine.hasPrefix("dip: error: ") { lastLine.removeFirst("dip: error: ".count) }
        let why: String
        switch outcome {
        case .exited(2): throw TaskError.badInput("candidate \(SearchDirectory.name(item.index)): \(lastLine) (see \(item.log))")
        case .failedToStart(let message): throw TaskError.runtime(message)
        case .exited(let code): why = "worker exited with status \(code) without a result: \(lastLine)"
        case .interrupted: why = "worker was killed by a signal: \(lastLine)"
        }
        let result = NASResult(
            status: .failed, error: why, candidate: candidate, candidateFile: item.candidate, settings: settings.evaluation,
            iterations: settings.iterationsPerCandidate, measuredOn: settings.task.recipe.emaGamma != nil ? "ema" : "output",
            rewardRule: settings.reward, reward: nil, meanBestPSNR: nil, meanFinalPSNR: nil, parameters: 0, seconds: 0, threads: 0,
            images: [], dipVersion: RunFactory.dipVersion, createdAt: ISO8601DateFormatter().string(from: Date()))
        try NASFiles.writeJSON(result, to: item.result)
    }

    private func saveController() throws {
        try NASFiles.writeBytes(try controller.encodedState(), to: directory.controllerJSON)
    }

    /// leaderboard.csv and best.json from what is on disk.
    public func writeLeaderboard() throws {
        let rows = Leaderboard.rows(directory, rule: settings.reward)
        try NASFiles.writeBytes(Array(Leaderboard.csv(rows).utf8), to: directory.leaderboardCSV)
        if let best = rows.first, best.reward != nil {
            var c = best.candidate
            c.choices = nil
            try NASFiles.writeBytes(try c.encoded(), to: directory.bestJSON)
        }
    }
}
