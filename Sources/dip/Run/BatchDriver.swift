import ArgumentParser
import Foundation
import ImageIO
import Tasks

/// Runs `dip batch`: builds the manifest, decides what still has to run, hands the work items
/// to the executor, shows one progress bar, and writes summary.csv and summary.md.
struct BatchDriver {
    let command: BatchCommand
    let directory: BatchDirectory
    let task: TaskKind

    init(command: BatchCommand) {
        self.command = command
        directory = BatchDirectory(path: command.out)
        task = command.taskKind!
    }

    func run() throws {
        let items = try makeItems()
        let executor = try makeExecutor()
        if command.dryRun { return try printPlan(items, executor) }
        if directory.exists && !command.resume {
            throw TaskError.badInput("\(command.out) already holds a batch; continue it with --resume, or pick another --out")
        }
        try directory.create()
        try directory.writeManifest(items)
        (executor as? SlurmExecutor)?.awaitEarlierJob()

        var pending: [BatchItem] = []
        for item in items {
            if command.resume && BatchItemResult.isFinished(RunDirectory(path: item.runDirectory)) {
                // Regenerated, so results/ always matches this manifest's numbering.
                var result = BatchItemResult(item: item, status: .ok, exitCode: 0)
                result.read(run: RunDirectory(path: item.runDirectory))
                try result.write(to: item.result)
            } else {
                try? FileManager.default.removeItem(atPath: item.result)
                pending.append(item)
            }
        }
        let progress = BatchProgress(total: items.count, done: items.count - pending.count)
        progress.note(
            "dip batch \(task.rawValue): \(items.count) image\(items.count == 1 ? "" : "s")"
                + (pending.count < items.count ? ", \(items.count - pending.count) already finished" : "")
                + ", \(executor.description) → \(directory.path)")
        executor.onProgress = { progress.update($0) }
        (executor as? SlurmExecutor)?.onNote = { progress.note($0) }

        var outcomes: [Int: WorkOutcome] = [:]
        let byIndex = Dictionary(uniqueKeysWithValues: items.map { ($0.index, $0) })
        let signals = CancelOnSignal { executor.cancel() }
        executor.run(pending.map(\.workItem), retries: command.cluster.retries, retryable: Self.retryable) { work, outcome in
            outcomes[work.index] = outcome
            let item = byIndex[work.index]!
            progress.finished(BatchRow(item: item, result: BatchItemResult.load(item.result), outcome: outcome.explanation))
        }
        signals.stop()
        progress.end()

        let rows = items.map { item in
            BatchRow(item: item, result: BatchItemResult.load(item.result), outcome: outcomes[item.index]?.explanation)
        }
        try writeSummary(rows, executor: executor.description)
        print(BatchSummary.markdown(rows, task: task, executor: executor.description), terminator: "")
        let failed = rows.filter { $0.status != .ok }.count
        FileHandle.standardError.write(Data(
            "\(BatchSummary.counts(rows)) → \(directory.summaryMD)\(failed > 0 ? "\ncontinue with: the same command and --resume" : "")\n".utf8))
        if executor.isCancelled { throw ExitCode(130) }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Retry items that ended without a result or were interrupted (a time limit, a node
    /// failure, a kill): they continue from their checkpoints. Never a user's scancel.
    static func retryable(_ item: WorkItem, _ outcome: WorkOutcome) -> Bool {
        switch outcome.end {
        case .cancelled, .failedToStart, .killed("Slurm CANCELLED"): return false
        case .exited, .killed: break
        }
        guard let result = BatchItemResult.load(item.result) else { return true }
        return result.status == .interrupted
    }

    // MARK: Items

    func makeItems() throws -> [BatchItem] {
        let images = try BatchInputs.expand(command.inputs)
        for (option, folder) in [("--gt-dir", command.gtDir), ("--mask-dir", command.maskDir)] {
            guard let folder else { continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw TaskError.badInput("\(option) \(folder) is not a directory")
            }
        }
        let names = BatchInputs.names(images)
        let local = command.cluster.executor == .local
        return images.enumerated().map { i, image in
            var item = BatchItem(
                index: i, name: names[i], task: task, image: image, runDirectory: directory.runDirectory(names[i]),
                result: directory.result(i), log: local ? directory.log(i) : nil, taskArguments: command.taskOptions,
                scale: task == .sr ? command.scale : nil)
            if task.usesMask {
                item.mask = BatchInputs.mask(for: image, directory: command.maskDir)
                if item.mask == nil {
                    let stem = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
                    item.inputError = "no mask for \(URL(fileURLWithPath: image).lastPathComponent): expected \(stem)_mask.png "
                        + (command.maskDir.map { "or \(stem).png in \($0)" } ?? "next to it (or use --mask-dir)")
                }
            }
            if let gt = command.gtDir { item.groundTruth = BatchInputs.groundTruth(for: image, in: gt) }
            return item
        }
    }

    func makeExecutor() throws -> WorkExecutor {
        let work = WorkCommand(binary: Executable.path, arguments: ["batch-item", directory.path])
        switch command.cluster.executor {
        case .local:
            return LocalWorkExecutor(command: work, jobs: command.jobs, threads: command.threads)
        case .slurm:
            let options = try command.cluster.slurmOptions(jobName: "dip-batch", threads: command.threads)
            let job = SlurmJob(
                directory: directory.slurm, command: work, workingDirectory: Executable.workingDirectory, options: options)
            return SlurmExecutor(job: job)
        }
    }

    func printPlan(_ items: [BatchItem], _ executor: WorkExecutor) throws {
        let pending = items.filter { !(command.resume && BatchItemResult.isFinished(RunDirectory(path: $0.runDirectory))) }
        print("# dip batch \(task.rawValue): \(items.count) image\(items.count == 1 ? "" : "s"), \(pending.count) to run; nothing is written")
        print("# \(directory.manifest) would hold:")
        print(String(decoding: try JSONLines.encode(items), as: UTF8.self), terminator: "")
        if let slurm = executor as? SlurmExecutor {
            print("# \(slurm.job.script):")
            print(slurm.job.scriptText, terminator: "")
            print("# submitted with:")
            print(ShellWords.join(slurm.job.sbatchArguments(indices: pending.map(\.index))))
        } else if let local = executor as? LocalWorkExecutor {
            print("# \(local.description), each:")
            for item in pending {
                print(ShellWords.join([local.command.binary] + local.command.arguments(index: item.index, threads: local.threads)))
            }
        }
    }

    func writeSummary(_ rows: [BatchRow], executor: String) throws {
        do {
            try AtomicText.write(BatchSummary.csv(rows), to: directory.summaryCSV)
            try AtomicText.write(BatchSummary.markdown(rows, task: task, executor: executor), to: directory.summaryMD)
        } catch {
            throw TaskError.runtime("cannot write the batch summary: \(error)")
        }
    }
}

enum AtomicText {
    static func write(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}

/// SIGINT, SIGTERM and SIGHUP call `action` (once each) while installed.
final class CancelOnSignal {
    private var sources: [DispatchSourceSignal] = []

    init(_ action: @escaping () -> Void) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        for s in sources { s.cancel() }
        sources = []
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
    }
}

/// The batch's one progress bar on stderr (redrawn in place on a terminal), with a line per
/// finished image above it.
final class BatchProgress {
    let total: Int
    private var done: Int
    private let doneBefore: Int
    private var failed = 0
    private var running = 0
    private var waiting = 0
    private let started = Date()
    private let tty = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var barShown = false

    init(total: Int, done: Int) {
        self.total = total
        self.done = done
        doneBefore = done
    }

    func note(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        emit(text)
    }

    func update(_ p: WorkProgress) {
        lock.lock()
        defer { lock.unlock() }
        guard p.running != running || p.waiting != waiting else { return }
        running = p.running
        waiting = p.waiting
        if tty { drawBar() }
    }

    func finished(_ row: BatchRow) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if row.status != .ok { failed += 1 }
        var line = "[\(done)/\(total)] \(row.status.rawValue.uppercased().padding(toLength: 11, withPad: " ", startingAt: 0)) \(row.image)"
        if !row.size.isEmpty { line += "  \(row.size)" }
        if !row.iterations.isEmpty { line += "  \(row.iterations) it" }
        if !row.seconds.isEmpty { line += "  \(row.seconds) s" }
        if !row.psnr.isEmpty { line += "  PSNR \(row.psnr) dB" }
        if !row.error.isEmpty { line += "  \(row.error)" }
        emit(line)
    }

    func end() {
        lock.lock()
        defer { lock.unlock() }
        if tty && barShown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        barShown = false
    }

    private func emit(_ line: String) {
        let clear = tty && barShown ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data((clear + line + "\n").utf8))
        if tty { drawBar() }
    }

    private func drawBar() {
        let width = 24
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let elapsed = Date().timeIntervalSince(started)
        var text = "[\(bar)] \(done)/\(total) done"
        if failed > 0 { text += ", \(failed) failed" }
        if running > 0 { text += ", \(running) running" }
        if waiting > 0 { text += ", \(waiting) queued" }
        text += "  \(ProgressReporter.clock(elapsed))"
        let fresh = done - doneBefore
        if fresh > 0 && done < total {
            text += "  ETA \(ProgressReporter.clock(elapsed / Double(fresh) * Double(total - done)))"
        }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
        barShown = true
    }
}
