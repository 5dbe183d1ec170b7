import ArgumentParser
import Engine
import Foundation
import Tasks

/// `dip batch TASK --inputs … --out DIR`: one task over many images, locally or on Slurm.
struct BatchCommand: ParsableCommand {
    static let tasks: [TaskKind] = [.denoise, .jpeg, .sr, .inpaint, .restore]

    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run a task on every image of a folder or glob: local child processes or a Slurm job array.",
        discussion: """
            Each image gets its own run directory, DIR/runs/NAME/ (the layout of a single run), and DIR/summary.csv \
            and DIR/summary.md list image, size, iterations, stop reason, seconds, PSNR (when --gt-dir holds an \
            image of the same name), status and error. A failed image is recorded and the batch goes on; the exit \
            code is 0 when all succeeded, 1 when any failed or was interrupted, 2 for bad usage, 130 when the \
            batch itself was stopped (Ctrl-C; its running images checkpoint first).

            Task options are those of `dip TASK` (see dip TASK --help): --iterations, --channels, --depth, \
            --input-depth, --lr, --seed, --arch, --genotype, --patience, --pick… Masks (inpaint, restore): \
            NAME_mask.png next to each image NAME.png, or NAME_mask.png or NAME.png in --mask-dir; files named \
            *_mask are never taken as inputs.

            Each image is one work item (a line of DIR/manifest.jsonl) run by `dip batch-item DIR INDEX`, which \
            writes DIR/results/INDEX.json atomically when the image ends. --resume skips finished images, continues \
            interrupted ones from their checkpoints and runs the rest (the runs keep the settings they started with).

            --executor slurm writes DIR/slurm/job.sh and submits one array (sbatch --array=0-(N-1)%K), polls \
            squeue, and reads each task's result from the shared filesystem; --dry-run prints the script and the \
            sbatch command instead. See the README's Slurm section for what a multi-node cluster needs.
            """)

    @Argument(help: "The task: denoise, jpeg, sr, inpaint or restore.") var task: String
    @Option(help: "Images: a folder (its .png/.jpg files), a glob in quotes (\"scans/*.png\") or a file; repeat for more.")
    var inputs: [String] = []
    @Option(help: "The batch directory (runs/, results/, summary.csv…).") var out: String
    @Option(help: "Folder of ground truths, matched by file name, for PSNR in the summary.") var gtDir: String?
    @Option(help: "Folder of masks (inpaint, restore): NAME_mask.png or NAME.png for image NAME.png.") var maskDir: String?
    @Option(help: "Upscaling factor of sr: 2, 4 or 8.") var scale = 4
    @Option(help: "Images at a time with --executor local; the cores are split between them.") var jobs = 1
    @Option(help: "Threads per image (default: cores / jobs locally; --slurm-cpus-per-task on Slurm).") var threads: Int?
    @Flag(help: "Continue the batch in --out: skip finished images, resume interrupted ones, run the rest.") var resume = false
    @Flag(help: "Print what would run (for Slurm: job.sh and the sbatch command) and run nothing.") var dryRun = false
    @OptionGroup var cluster: ClusterArguments
    @Argument(parsing: .allUnrecognized, help: "Task options, as `dip TASK` takes them (e.g. --iterations 500 --channels 64).")
    var taskOptions: [String] = []

    /// Options of `dip TASK` that a batch sets itself.
    static let reserved: [String: String] = [
        "--out": "the batch's --out is a directory of runs", "--resume": "use the batch's --resume flag",
        "--gt": "use --gt-dir", "--json": "a batch prints a progress bar", "--mask": "use --mask-dir or NAME_mask.png",
        "--color": "a batch has no TUI", "--theme": "a batch has no TUI",
    ]

    var taskKind: TaskKind? { TaskKind(rawValue: task).flatMap { Self.tasks.contains($0) ? $0 : nil } }

    func validate() throws {
        guard taskKind != nil else {
            throw ValidationError("unknown task '\(task)': give denoise, jpeg, sr, inpaint or restore")
        }
        if inputs.isEmpty { throw ValidationError("--inputs is required: a folder of images, a glob or a file") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if taskKind == .sr && ![2, 4, 8].contains(scale) { throw ValidationError("--scale must be 2, 4 or 8, got \(scale)") }
        if cluster.executor == .slurm && jobs != 1 {
            throw ValidationError("--jobs applies to --executor local; on Slurm use --slurm-array-throttle")
        }
        for option in taskOptions {
            let name = String(option.split(separator: "=", maxSplits: 1).first ?? "")
            if let why = Self.reserved[name] { throw ValidationError("\(name) is not a batch option: \(why)") }
        }
        _ = try Self.parseTaskOptions(taskOptions)
    }

    /// The task options as `dip TASK` parses them; a bad one is a usage error (exit 2).
    static func parseTaskOptions(_ tokens: [String]) throws -> RunArguments {
        do {
            return try RunArguments.parse(tokens)
        } catch {
            let message = RunArguments.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw ValidationError("task option: \(message)")
        }
    }

    func run() throws {
        try BatchDriver(command: self).run()
    }
}

/// `dip batch-item DIR INDEX`: runs (or resumes) one image of a batch and writes
/// DIR/results/INDEX.json atomically. Exit codes: 0 ok, 1 failed while running, 2 bad input,
/// 130 interrupted by SIGTERM/SIGINT after saving a checkpoint.
struct BatchItemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-item", abstract: "Run one image of a batch (what dip batch's local and Slurm workers run).",
        shouldDisplay: false)

    @Argument(help: "The batch directory.") var directory: String
    @Argument(help: "The item's index in DIR/manifest.jsonl.") var index: Int
    @Option(help: "Threads for oneDNN and the kernels.") var threads: Int?

    func run() throws {
        let item = try BatchDirectory(path: directory).item(index)
        // A result from an earlier attempt must not look like this attempt's.
        try? FileManager.default.removeItem(atPath: item.result)
        if let threads { Threads.set(max(1, threads)) }
        let (status, error, code) = execute(item)
        var result = BatchItemResult(item: item, status: status, error: error, exitCode: code)
        result.read(run: RunDirectory(path: item.runDirectory))
        try result.write(to: item.result)
        let line = "dip batch-item \(index) (\(item.name)): \(status.rawValue)\(error.map { ": \($0)" } ?? "")\n"
        FileHandle.standardError.write(Data(line.utf8))
        if code != 0 { throw ExitCode(code) }
    }

    private func execute(_ item: BatchItem) -> (BatchStatus, String?, Int32) {
        do {
            if let why = item.inputError { throw TaskError.badInput(why) }
            let directory = RunDirectory(path: item.runDirectory)
            if BatchItemResult.isFinished(directory) { return (.ok, nil, 0) }
            let args = try BatchCommand.parseTaskOptions(item.taskArguments)
            let run: RestorationRun
            if FileManager.default.fileExists(atPath: directory.runJSON) {
                run = try RunFactory.resume(item.runDirectory)
            } else {
                var options = args.options(scale: item.scale ?? 4)
                options.candidate = try args.nasCandidate()
                let paths = RunInputPaths(image: item.image, mask: item.mask, groundTruth: item.groundTruth)
                run = try RunFactory.start(
                    task: item.task, paths: paths, options: options, out: item.runDirectory, command: item.equivalentCommand)
            }
            for warning in run.problem.warnings { FileHandle.standardError.write(Data("dip: warning: \(warning)\n".utf8)) }
            try ResourceEstimate.check(run, force: args.force)
            if try HeadlessDriver.run(run, json: false) == 130 {
                return (.interrupted, "stopped by a signal after \(run.iteration) iterations (checkpoint saved; --resume continues)", 130)
            }
            return (.ok, nil, 0)
        } catch let e as TaskError {
            return (.failed, e.description, e.exitCode)
        } catch let e as EngineError {
            return (.failed, e.message, 1)
        } catch let e as ValidationError {
            return (.failed, e.message, 2)
        } catch {
            return (.failed, "\(error)", 1)
        }
    }
}

/// `dip work-item MANIFEST INDEX`: runs the dip command line of one line of a command
/// manifest (a Slurm array task of a NAS search), with its output appended to the item's log.
struct WorkItemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work-item", abstract: "Run one work item of a command manifest (what Slurm array tasks run).",
        shouldDisplay: false)

    @Argument(help: "The manifest (JSON lines).") var manifest: String
    @Argument(help: "The item's index.") var index: Int
    @Option(help: "Threads for the item's command.") var threads: Int?

    func run() throws {
        let line = try CommandManifestLine.find(index, in: manifest)
        let arguments = line.arguments + (threads.map { ["--threads", String($0)] } ?? [])
        let binary = Executable.path
        var note = "dip work-item \(index): \(ShellWords.join(["dip"] + arguments))"
        if let log = line.log {
            note += "\n  output → \(log)"
            FileHandle.standardError.write(Data((note + "\n").utf8))
            WorkLog.append("=== \(ISO8601DateFormatter().string(from: Date())) \(note)", to: log)
            let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw TaskError.runtime("cannot open \(log): \(String(cString: strerror(errno)))") }
            dup2(fd, STDOUT_FILENO)
            dup2(fd, STDERR_FILENO)
            close(fd)
        } else {
            FileHandle.standardError.write(Data((note + "\n").utf8))
        }
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        execv(binary, argv)
        throw TaskError.runtime("cannot run \(binary): \(String(cString: strerror(errno)))")
    }
}
