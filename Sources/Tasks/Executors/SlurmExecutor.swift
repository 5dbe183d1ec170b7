import Foundation
import ImageIO

/// Runs Slurm's commands (sbatch, squeue, scontrol, scancel); tests substitute a fake.
public protocol SlurmClient: AnyObject {
    func run(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String)
}

/// The real client: the commands on PATH, as child processes.
public final class ProcessSlurmClient: SlurmClient {
    public init() {}

    public func run(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            return (127, "", "cannot run \(arguments.first ?? ""): \(error.localizedDescription)")
        }
        // Both pipes drained at once, so a chatty command never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let stdout = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stdout.data = out.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout.data, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}

/// Submits work items as one Slurm job array, waits by polling squeue (no accounting
/// needed), and reports each task from its result file and its final state.
///
/// Files in `job.directory` (DIR/slurm): job.sh; logs/JOB_INDEX.out (Slurm's output per task);
/// jobs.log (one line per submission); active (the id of the array being waited on, removed
/// when it is done, so that a controller killed mid-wait can wait for it again on resume).
public final class SlurmExecutor: WorkExecutor {
    public let job: SlurmJob
    public let client: SlurmClient
    public var onProgress: ((WorkProgress) -> Void)?
    /// One-line notes for the user ("submitted job 12: 4 array tasks").
    public var onNote: ((String) -> Void)?
    /// How the executor waits between polls (tests make it instant).
    public var sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    /// Give up on squeue after failing this long (seconds), e.g. while slurmctld is down.
    public var contactTimeout: Double = 300
    /// A COMPLETED task's result may show up late on a network filesystem: wait this long.
    public var resultGrace: Double = 10
    public private(set) var submittedJobs: [Int] = []

    private let lock = NSLock()
    private var cancelled = false
    private var activeJob: Int?

    public init(job: SlurmJob, client: SlurmClient = ProcessSlurmClient()) {
        self.job = job
        self.client = client
    }

    public var description: String {
        var text = "Slurm job arrays, \(job.options.threads) CPU\(job.options.threads == 1 ? "" : "s") per task"
        if let p = job.options.partition { text += ", partition \(p)" }
        if let k = job.options.arrayThrottle { text += ", at most \(k) at once" }
        return text
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Cancels the array being waited on (`scancel JOB`: running tasks get SIGTERM, so dip
    /// checkpoints; pending ones never start) and submits nothing more.
    public func cancel() {
        lock.lock()
        cancelled = true
        let jid = activeJob
        lock.unlock()
        if let jid { _ = client.run(["scancel", String(jid)]) }
    }

    private var activeFile: String { "\(job.directory)/active" }

    /// Writes job.sh (mode 755) and makes the log folder.
    public func writeScript() throws {
        do {
            try FileManager.default.createDirectory(atPath: job.logDirectory, withIntermediateDirectories: true)
            try AtomicFile.write(Array(job.scriptText.utf8), to: job.script)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: job.script)
        } catch {
            throw TaskError.runtime("cannot write \(job.script): \(error)")
        }
    }

    /// If an earlier controller was killed while its array ran, waits for that array to end,
    /// so that two tasks never work on one item. Returns the job id it waited for.
    @discardableResult
    public func awaitEarlierJob() -> Int? {
        guard let text = try? String(contentsOfFile: activeFile, encoding: .utf8),
            let jid = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        setActive(jid)
        var noted = false
        var interval = 1.0
        while true {
            let r = client.run(["squeue", "-h", "-t", "all", "-j", String(jid), "-o", SqueueParser.format])
            if r.status != 0 && !r.stderr.contains("Invalid job id") { break }
            let live = SqueueParser.states(r.stdout, job: jid).values.filter { !SlurmState.isTerminal($0) }.count
            if r.status != 0 || live == 0 { break }
            if !noted {
                onNote?("waiting for job \(jid) from an earlier run: \(live) task\(live == 1 ? "" : "s") still queued or running")
                noted = true
            }
            sleep(interval)
            interval = min(interval * 1.5, job.options.maxPollInterval)
        }
        setActive(nil)
        try? FileManager.default.removeItem(atPath: activeFile)
        return jid
    }

    private func setActive(_ jid: Int?) {
        lock.lock()
        activeJob = jid
        lock.unlock()
    }

    public func runOnce(_ items: [WorkItem], attempt: Int, ended: @escaping (WorkItem, WorkOutcome) -> Void) {
        func failAll(_ end: WorkEnd) {
            for item in items {
                ended(item, WorkOutcome(end: end, resultWritten: resultExists(item.result), attempts: attempt, log: item.log))
            }
        }
        if isCancelled { return failAll(.cancelled) }
        do {
            try writeScript()
        } catch {
            return failAll(.failedToStart("\(error)"))
        }
        let indices = items.map(\.index)
        let submission = client.run(job.sbatchArguments(indices: indices))
        guard submission.status == 0, let jid = SlurmJob.parseJobID(submission.stdout) else {
            let why = (submission.stderr + submission.stdout).split(whereSeparator: \.isNewline).last.map(String.init)
            return failAll(.failedToStart("sbatch failed: \(why ?? "exit status \(submission.status)")"))
        }
        setActive(jid)
        submittedJobs.append(jid)
        try? AtomicFile.write(Array("\(jid)\n".utf8), to: activeFile)
        let spec = SlurmArraySpec.format(indices, throttle: job.options.arrayThrottle)
        WorkLog.append("\(ISO8601DateFormatter().string(from: Date())) job \(jid) attempt \(attempt) array \(spec)", to: "\(job.directory)/jobs.log")
        onNote?("submitted job \(jid): \(items.count) array task\(items.count == 1 ? "" : "s") (\(spec)), logs in \(job.logDirectory)")
        if isCancelled { _ = client.run(["scancel", String(jid)]) }

        var reported = Set<Int>()
        let byIndex = Dictionary(items.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        func report(_ index: Int, _ task: ScontrolParser.Task?) {
            guard let item = byIndex[index], reported.insert(index).inserted else { return }
            var written = resultExists(item.result)
            if !written, task?.state == "COMPLETED" {
                // On NFS the result can appear on this host a little after the task ended.
                var waited = 0.0
                while !written && waited < resultGrace {
                    sleep(1)
                    waited += 1
                    written = resultExists(item.result)
                }
            }
            let end = Self.end(task, resultWritten: written, cancelledByUs: isCancelled)
            let log = item.log ?? job.log(job: jid, index: index)
            ended(item, WorkOutcome(end: end, resultWritten: written, attempts: attempt, log: log, logTail: WorkLog.tail(log)))
        }

        var interval = 1.0
        var lastStates: [Int: String] = [:]
        var failingSince: Date?
        var lastError = ""
        while true {
            sleep(isCancelled ? 1 : interval)
            let r = client.run(["squeue", "-h", "-t", "all", "-j", String(jid), "-o", SqueueParser.format])
            if r.status != 0 {
                if r.stderr.contains("Invalid job id") { break }  // gone from slurmctld's memory: all ended
                lastError = r.stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? "exit status \(r.status)"
                let since = failingSince ?? Date()
                failingSince = since
                if Date().timeIntervalSince(since) > contactTimeout {
                    // Leave `active` in place: a resumed controller waits for this job again.
                    setActive(nil)
                    for index in indices where !reported.contains(index) {
                        guard let item = byIndex[index] else { continue }
                        reported.insert(index)
                        ended(item, WorkOutcome(
                            end: .killed("lost contact with Slurm: \(lastError); job \(jid) may still be running"),
                            resultWritten: resultExists(item.result), attempts: attempt, log: item.log ?? job.log(job: jid, index: index)))
                    }
                    return
                }
                interval = min(interval * 1.5, job.options.maxPollInterval)
                continue
            }
            failingSince = nil
            let states = SqueueParser.states(r.stdout, job: jid)
            let live = indices.filter { states[$0].map { !SlurmState.isTerminal($0) } ?? false }
            let running = live.filter { ["RUNNING", "COMPLETING", "CONFIGURING"].contains(states[$0]!) }.count
            onProgress?(WorkProgress(running: running, waiting: live.count - running))
            let newlyEnded = indices.filter { !reported.contains($0) && states[$0].map(SlurmState.isTerminal) == true }
            if !newlyEnded.isEmpty {
                let tasks = finalTasks(jid)
                for index in newlyEnded { report(index, tasks[index] ?? ScontrolParser.Task(state: states[index]!, exitCode: nil, signal: nil)) }
            }
            if live.isEmpty { break }
            interval = states == lastStates ? min(interval * 1.5, job.options.maxPollInterval) : 1.0
            lastStates = states
        }
        let tasks = finalTasks(jid)
        for index in indices where !reported.contains(index) { report(index, tasks[index]) }
        setActive(nil)
        try? FileManager.default.removeItem(atPath: activeFile)
    }

    private func finalTasks(_ jid: Int) -> [Int: ScontrolParser.Task] {
        let r = client.run(["scontrol", "-o", "show", "job", String(jid)])
        return r.status == 0 ? ScontrolParser.tasks(r.stdout, job: jid) : [:]
    }

    /// How a task ended, from its final Slurm state and exit code.
    public static func end(_ task: ScontrolParser.Task?, resultWritten: Bool, cancelledByUs: Bool) -> WorkEnd {
        guard let task else { return resultWritten ? .exited(0) : .killed("no Slurm state left for it") }
        let state = String(task.state.split(separator: " ").first ?? "")
        switch state {
        case "COMPLETED": return .exited(task.exitCode ?? 0)
        case "FAILED":
            if let s = task.signal, s > 0 { return .killed("signal \(s)") }
            return .exited(task.exitCode ?? 1)
        case "CANCELLED": return cancelledByUs ? .cancelled : .killed("Slurm CANCELLED")
        default: return .killed("Slurm \(state)")
        }
    }

    /// Whether `path` exists, asking the directory too (a listing revalidates NFS caches).
    func resultExists(_ path: String) -> Bool {
        if FileManager.default.fileExists(atPath: path) { return true }
        let url = URL(fileURLWithPath: path)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)) ?? []
        return names.contains(url.lastPathComponent)
    }
}
