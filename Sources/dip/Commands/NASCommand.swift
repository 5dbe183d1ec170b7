import ArgumentParser
import Engine
import Foundation
import Tasks

extension NASTask: ExpressibleByArgument {}
extension RewardRule: ExpressibleByArgument {}
extension ControllerKind: ExpressibleByArgument {}
extension SearchStage: ExpressibleByArgument {}
extension CellEncoding: ExpressibleByArgument {}

/// `dip nas`: NAS-DIP architecture search (Chen et al., ECCV 2020).
struct NASCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nas",
        abstract: "NAS-DIP: search upsampling cells and cross-scale connections; evaluate and report candidates.",
        discussion: """
            A search degrades clean images itself (denoise: σ = 25; sr: ×4 Lanczos; inpaint: 50% Bernoulli \
            mask) and rewards each candidate with the PSNR of its restoration against the clean image. Keep \
            the search images apart from the images you report results on.
            """,
        subcommands: [Evaluate.self, Search.self, Report.self])

    /// `dip nas evaluate CANDIDATE.json`: the self-contained worker a search runs per candidate.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Train one candidate on degraded copies of clean images and write its reward (RESULT.json).",
            discussion: """
                CANDIDATE.json is a genotype ({"cell": 119, "connections": "10010 11001 01100 00110 00011"}, \
                the NAS-DIP backbone) or a search candidate ({"backbone": "skip", "cell": 158} puts the cell on \
                DIP's skip net, the stage-1 search backbone); "channels" sets the backbone width (128).

                Each image is centre-cropped to --size×--size (or to the largest multiple of 32), degraded \
                (seed + image number keys the noise or mask), and restored for --iterations steps with the task \
                script's recipe (nasdip-spec §5.2; no early stopping). PSNR against the clean crop is measured \
                every iteration: on the EMA for denoise, on the output otherwise; Y channel for sr.

                reward = the mean over images of the best PSNR over all iterations (--reward best, the paper's \
                oracle score) or of the last iteration's PSNR (--reward final). RESULT.json stores both, the \
                per-image curves (every --curve-every iterations), wall time and parameter count; it is \
                written atomically. Exit codes: 0 ok; 1 the candidate failed (RESULT.json says why); 2 bad \
                input (nothing written).
                """)

        @Argument(help: "The candidate or genotype JSON file.") var candidate: String
        @Option(help: "Task: denoise, sr or inpaint.") var task: NASTask
        @Option(parsing: .upToNextOption, help: "Clean images, or directories of them (masks named *_mask are skipped).")
        var images: [String]
        @Option(name: [.short, .long], help: "Where to write RESULT.json.") var out: String
        @Option(help: "Iterations per image (default: the task script's: 3000, 2000, 11000).") var iterations: Int?
        @Option(help: "Threads for oneDNN and the kernels (default: all cores).") var threads: Int?
        @Option(help: "Seed of the degradations, z and the initial weights.") var seed: UInt64 = 0
        @Option(help: "Centre-crop every image to N×N, N a multiple of 32 and ≥ 64 (a search proxy).") var size: Int?
        @Option(help: "Reward: best (best PSNR over the run, the paper's) or final (last iteration).") var reward: RewardRule = .best
        @Option(help: "Record the PSNR curve every N iterations.") var curveEvery = 10
        @Option(help: "Keep each image's run folder (metrics.csv, snapshots, result.png) under DIR.") var runs: String?

        func validate() throws {
            if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let size, size < 64 || size % 32 != 0 { throw ValidationError("--size must be a multiple of 32 and at least 64, got \(size)") }
            if curveEvery < 1 { throw ValidationError("--curve-every must be at least 1") }
            if images.isEmpty { throw ValidationError("--images needs at least one image or directory") }
        }

        func run() throws {
            // A search spawns workers after ignoring SIGTERM for itself; its cancel must still end them.
            for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
            if let threads { Threads.set(threads) }
            let candidate = try NASCandidate.load(candidate)
            let settings = NASEvaluationSettings(
                task: task, iterations: iterations, seed: seed, size: size, curveEvery: curveEvery, reward: reward)
            let loaded = try NASEvaluator.loadImages(try NASEvaluator.expandImages(images), settings: settings)
            try NASCLI.checkWritable(out)
            if let runs {
                do {
                    try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
                } catch {
                    throw TaskError.badInput("cannot create --runs \(runs): \(error.localizedDescription)")
                }
            }
            let label = URL(fileURLWithPath: self.candidate).lastPathComponent
            NASCLI.note(
                "dip nas evaluate \(label): \(candidate.summary); \(task.rawValue), \(settings.effectiveIterations) iterations × \(loaded.count) image\(loaded.count == 1 ? "" : "s"), \(Threads.count) thread\(Threads.count == 1 ? "" : "s")")
            var lastImage = -1
            let result = try NASEvaluator.evaluate(
                candidate, candidateFile: URL(fileURLWithPath: self.candidate).standardizedFileURL.path, images: loaded,
                settings: settings, runs: runs
            ) { k, record in
                if k != lastImage {
                    lastImage = k
                    NASCLI.note("  image \(k + 1)/\(loaded.count): \(URL(fileURLWithPath: loaded[k].path).lastPathComponent)")
                }
            }
            try NASEvaluator.write(result, to: out)
            for image in result.images {
                let name = URL(fileURLWithPath: image.image).lastPathComponent
                NASCLI.note(
                    "  \(name): best \(NASCLI.db(image.bestPSNR)) at \(image.bestIteration.map(String.init) ?? "-"), final \(NASCLI.db(image.finalPSNR)), \(String(format: "%.1f", image.seconds)) s")
            }
            guard result.status == .ok, let value = result.reward else {
                throw TaskError.runtime("candidate failed: \(result.error ?? "unknown reason") (recorded in \(out))")
            }
            NASCLI.note(
                "reward \(String(format: "%.3f", value)) dB (\(reward.rawValue); best \(NASCLI.db(result.meanBestPSNR)), final \(NASCLI.db(result.meanFinalPSNR))), \(result.parameters) parameters, \(String(format: "%.1f", result.seconds)) s → \(out)")
        }
    }

    /// `dip nas search`: the controller loop over local workers.
    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Search NAS-DIP architectures: a controller proposes, workers evaluate (dip nas evaluate), repeat.",
            discussion: """
                Stages: cell (stage 1: the cell on DIP's skip backbone), connections (stage 2: the 25 \
                connections on the NAS-DIP backbone with --cell fixed, or --cell-from a cell search), joint \
                (both). Controllers: reinforce (an LSTM policy with hidden size 100 trained by REINFORCE: Adam \
                3.5e-4, EMA baseline 0.9, entropy bonus 1e-3; nasdip-spec §6.2) or random (uniform over valid \
                genotypes, the baseline a search must beat). Unbuildable cells are masked out.

                Each batch of --batch candidates (default: --workers) is evaluated by --workers local \
                processes, each with cores/workers threads, then the controller learns from their rewards. A \
                candidate identical to an evaluated one reuses its result. Every file in SEARCHDIR is written \
                atomically; after a kill, --resume SEARCHDIR continues without re-evaluating finished \
                candidates (and may raise --candidates). SIGINT/SIGTERM stop the workers and save the state.

                On a terminal the search shows a live view (leaderboard, the running candidate's PSNR curve, \
                reward per candidate, the controller's distribution over cells): space pauses the workers, \
                q q stops. --headless prints one line per candidate instead.

                SEARCHDIR: search.json, controller.json, candidates/NNNN.json, results/NNNN.json, logs/, runs/, \
                leaderboard.csv, best.json (usable as --genotype in the task commands). See `dip nas report`.

                On a CPU, make the candidates small: --size 64, --channels 32 or 64, a few hundred \
                --iterations-per-candidate. Defaults are the scripts' (full size, 128 channels, 3000/2000/11000 \
                iterations).
                """)

        @Option(help: "Task: denoise, sr or inpaint.") var task: NASTask?
        @Option(parsing: .upToNextOption, help: "Clean search images, or directories of them (keep them apart from report images).")
        var images: [String] = []
        @Option(help: "Candidates to evaluate in total (default 16).") var candidates: Int?
        @Option(help: "Training iterations per image per candidate (default: the task script's).") var iterationsPerCandidate: Int?
        @Option(help: "reinforce or random.") var controller: ControllerKind?
        @Option(help: "cell, connections or joint.") var stage: SearchStage?
        @Option(help: "Cell decisions: factored (spatial, transform, kernel, activation) or flat (one of 297).")
        var cellEncoding: CellEncoding?
        @Option(help: "The fixed cell of a connections search (index or name, e.g. 119 or bicubic/depthwise5x5/leakyrelu).")
        var cell: String?
        @Option(help: "Take the fixed cell from the best candidate of this (cell) search directory.") var cellFrom: String?
        @Option(help: "Backbone width of every candidate (default 128; a multiple of 16).") var channels: Int?
        @Option(help: "Seed of the controller, the degradations and every candidate's init.") var seed: UInt64?
        @Option(help: "Centre-crop the search images to N×N (a multiple of 32, ≥ 64).") var size: Int?
        @Option(help: "Search directory (default: searches/<task>-<stage>-<time>).") var out: String?
        @Option(help: "Worker processes evaluating candidates at once.") var workers = 1
        @Option(help: "Candidates per controller update (default: --workers).") var batch: Int?
        @Option(help: "Threads per worker (default: cores / workers, at least 1).") var threads: Int?
        @Option(help: "Reward: best (best PSNR over the run, the paper's) or final (last iteration).") var reward: RewardRule?
        @Option(help: "Record each candidate's PSNR curve every N iterations.") var curveEvery: Int?
        @Option(help: "Continue the search in SEARCHDIR.") var resume: String?
        @OptionGroup(title: "Executor") var cluster: ClusterArguments
        @Flag(help: "Print progress lines instead of the TUI, even on a terminal.") var headless = false

        func validate() throws {
            if let candidates, candidates < 1 { throw ValidationError("--candidates must be at least 1") }
            if let k = iterationsPerCandidate, k < 1 { throw ValidationError("--iterations-per-candidate must be at least 1") }
            if let channels, channels < 16 || channels % 16 != 0 { throw ValidationError("--channels must be a positive multiple of 16, got \(channels)") }
            if let size, size < 64 || size % 32 != 0 { throw ValidationError("--size must be a multiple of 32 and at least 64, got \(size)") }
            if workers < 1 { throw ValidationError("--workers must be at least 1") }
            if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if let curveEvery, curveEvery < 1 { throw ValidationError("--curve-every must be at least 1") }
            if cell != nil && cellFrom != nil { throw ValidationError("give --cell or --cell-from, not both") }
            if resume != nil {
                let fixed: [(String, Bool)] = [
                    ("--task", task != nil), ("--images", !images.isEmpty), ("--iterations-per-candidate", iterationsPerCandidate != nil),
                    ("--controller", controller != nil), ("--stage", stage != nil), ("--cell-encoding", cellEncoding != nil),
                    ("--cell", cell != nil), ("--cell-from", cellFrom != nil), ("--channels", channels != nil), ("--seed", seed != nil),
                    ("--size", size != nil), ("--out", out != nil), ("--batch", batch != nil), ("--reward", reward != nil),
                    ("--curve-every", curveEvery != nil),
                ]
                if let given = fixed.first(where: \.1) {
                    throw ValidationError("\(given.0) is fixed by the search's search.json; with --resume only --workers, --threads and --candidates apply")
                }
            } else {
                if task == nil { throw ValidationError("--task is required (denoise, sr or inpaint)") }
                if images.isEmpty { throw ValidationError("--images is required: clean search images or a directory of them") }
                let s = stage ?? .joint
                if s == .connections && cell == nil && cellFrom == nil {
                    throw ValidationError("--stage connections needs the fixed cell: --cell CELL or --cell-from SEARCHDIR")
                }
                if s != .connections && (cell != nil || cellFrom != nil) {
                    throw ValidationError("--cell and --cell-from apply to --stage connections only")
                }
            }
        }

        func run() throws {
            let path = resume ?? out ?? defaultDirectory()
            let executor: CandidateExecutor = cluster.executor == .slurm
                ? try cluster.slurmCandidateExecutor(searchDirectory: path, threads: threads)
                : LocalProcessExecutor(binary: NASCLI.binaryPath(), workers: workers, threads: threads)
            let search: NASSearch
            if let resume {
                search = try NASSearch.resume(path: resume, executor: executor, candidates: candidates)
            } else {
                search = try NASSearch.start(settings: try settings(), path: path, executor: executor)
            }
            if isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 && !headless {
                try NASSearchSession.run(search)
            } else {
                try NASSearchDriver.run(search)
            }
        }

        private func settings() throws -> NASSearchSettings {
            let task = task!
            let evaluation = NASEvaluationSettings(task: task, iterations: iterationsPerCandidate, size: size)
            let paths = try NASEvaluator.expandImages(images)
            _ = try NASEvaluator.loadImages(paths, settings: evaluation)  // every image readable and big enough
            var fixedCell: NASCell?
            do {
                if let cell { fixedCell = try NASCell(name: cell) }
            } catch let e as EngineError {
                throw TaskError.badInput("--cell: \(e.message)")
            }
            if let cellFrom {
                let directory = try SearchDirectory.open(cellFrom)
                let rule = try directory.readSettings().reward
                guard let best = Leaderboard.rows(directory, rule: rule).first, best.reward != nil else {
                    throw TaskError.badInput("--cell-from \(cellFrom): the search has no evaluated candidate yet")
                }
                fixedCell = best.candidate.cell
            }
            if let fixedCell, let why = fixedCell.invalidReason { throw TaskError.badInput("--cell \(fixedCell) cannot be built: \(why)") }
            return NASSearchSettings(
                task: task, images: paths, imageHashes: try paths.map { try FileHash.sha256(path: $0) }, candidates: candidates ?? 16,
                iterationsPerCandidate: evaluation.effectiveIterations, controller: controller ?? .reinforce, stage: stage ?? .joint,
                cellEncoding: cellEncoding ?? .factored, fixedCell: fixedCell, channels: channels, seed: seed ?? 0, size: size,
                batch: batch ?? workers, reward: reward ?? .best, curveEvery: curveEvery ?? 10, workers: workers,
                command: CommandLine.arguments)
        }

        private func defaultDirectory() -> String {
            let f = DateFormatter()
            f.dateFormat = "yyyyMMdd-HHmmss"
            return "searches/\(task!.rawValue)-\((stage ?? .joint).rawValue)-\(f.string(from: Date()))"
        }
    }

    /// `dip nas report SEARCHDIR`: the leaderboard and report.svg.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Print a search's leaderboard and write SEARCHDIR/report.svg (reward per candidate, controller entropy).")

        @Argument(help: "The search directory.") var searchdir: String
        @Option(help: "Print only the best N rows.") var top: Int?

        func validate() throws {
            if let top, top < 1 { throw ValidationError("--top must be at least 1") }
        }

        func run() throws {
            let directory = try SearchDirectory.open(searchdir)
            let settings = try directory.readSettings()
            let rows = try SearchReportSVG.write(directory)
            let done = rows.count
            let failed = rows.filter { $0.reward == nil }.count
            print(
                "\(settings.task.rawValue) search, \(settings.stage.rawValue) stage, \(settings.controller.rawValue) controller: "
                    + "\(done)/\(settings.candidates) candidates evaluated\(failed > 0 ? " (\(failed) failed)" : ""), "
                    + "reward = mean \(settings.reward.rawValue) PSNR (dB) over \(settings.images.count) image\(settings.images.count == 1 ? "" : "s"), "
                    + "\(settings.iterationsPerCandidate) iterations each")
            print(Leaderboard.table(rows, limit: top))
            print("wrote \(directory.reportSVG)")
        }
    }
}

/// Small helpers shared by the nas subcommands.
enum NASCLI {
    static func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    static func db(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }

    /// The absolute path of this dip binary, for spawning workers: argv[0] resolved against the
    /// working directory or PATH, else /proc/self/exe.
    static func binaryPath() -> String {
        let arg0 = CommandLine.arguments[0]
        let fm = FileManager.default
        if arg0.contains("/") {
            let url = URL(fileURLWithPath: arg0, relativeTo: URL(fileURLWithPath: fm.currentDirectoryPath))
            let path = url.standardizedFileURL.path
            if fm.isExecutableFile(atPath: path) { return path }
        } else {
            for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
                let path = "\(dir)/\(arg0)"
                if fm.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path).standardizedFileURL.path }
            }
        }
        return (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arg0
    }

    /// Fails early (exit 2) when `path` could not be written: its directory is missing or it is
    /// a directory.
    static func checkWritable(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw TaskError.badInput("--out \(path) is a directory")
        }
        let parent = url.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TaskError.badInput("--out \(path): directory \(parent) does not exist")
        }
        guard access(parent, W_OK) == 0 else { throw TaskError.badInput("--out \(path): directory \(parent) is not writable") }
    }
}
