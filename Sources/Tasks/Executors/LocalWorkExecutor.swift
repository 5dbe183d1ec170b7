import Foundation

/// Runs `jobs` work items at a time as child processes of this machine, each with `threads`
/// threads (by default cores / jobs, at least 1), so the children split the cores instead of
/// fighting over them (oneDNN's OpenMP threads stall badly when oversubscribed).
public final class LocalWorkExecutor: WorkExecutor {
    public let command: WorkCommand
    public let jobs: Int
    public let threads: Int
    public var onProgress: ((WorkProgress) -> Void)?
    private let lock = NSLock()
    private var running: [Int: Process] = [:]
    private var cancelled = false
    private var paused = false

    public init(command: WorkCommand, jobs: Int, threads: Int? = nil) {
        self.command = command
        self.jobs = max(1, jobs)
        self.threads = threads ?? Self.threads(jobs: jobs)
    }

    /// The threads each of `jobs` simultaneous workers gets: cores / jobs, at least 1.
    public static func threads(jobs: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        max(1, cores / max(1, jobs))
    }

    public var description: String {
        "\(jobs) local job\(jobs == 1 ? "" : "s") × \(threads) thread\(threads == 1 ? "" : "s")"
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    public func cancel() {
        lock.lock()
        cancelled = true
        let processes = Array(running.values)
        lock.unlock()
        // SIGTERM to our own children only: a dip worker checkpoints, records itself as
        // interrupted and exits. A paused (stopped) worker only sees the signal once continued.
        for p in processes where p.isRunning {
            p.terminate()
            _ = p.resume()
        }
    }

    private var isPaused: Bool {
        lock.lock()
        defer { lock.unlock() }
        return paused
    }

    /// SIGSTOP / SIGCONT to our own running workers; no new worker starts while paused.
    public func setPaused(_ pause: Bool) {
        lock.lock()
        paused = pause
        let processes = Array(running.values)
        lock.unlock()
        for p in processes where p.isRunning { _ = pause ? p.suspend() : p.resume() }
    }

    public func runOnce(_ items: [WorkItem], attempt: Int, ended: @escaping (WorkItem, WorkOutcome) -> Void) {
        let slots = DispatchSemaphore(value: jobs)
        let group = DispatchGroup()
        let counts = Counts(waiting: items.count)
        let progress = onProgress
        @Sendable func done(_ item: WorkItem, _ end: WorkEnd) {
            let written = FileManager.default.fileExists(atPath: item.result)
            let tail = item.log.map { WorkLog.tail($0) } ?? ""
            counts.lock.lock()
            counts.running -= 1
            ended(item, WorkOutcome(end: end, resultWritten: written, attempts: attempt, log: item.log, logTail: tail))
            progress?(WorkProgress(running: counts.running, waiting: counts.waiting))
            counts.lock.unlock()
        }
        for item in items {
            slots.wait()
            while isPaused && !isCancelled { usleep(100_000) }
            counts.lock.lock()
            counts.waiting -= 1
            counts.running += 1
            progress?(WorkProgress(running: counts.running, waiting: counts.waiting))
            counts.lock.unlock()
            if isCancelled {
                done(item, .cancelled)
                slots.signal()
                continue
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: command.binary)
            let arguments = command.arguments(for: item, threads: threads)
            process.arguments = arguments
            process.standardInput = FileHandle.nullDevice
            let log = item.log.flatMap { path -> FileHandle? in
                let stamp = ISO8601DateFormatter().string(from: Date())
                WorkLog.append("=== \(stamp) attempt \(attempt): \(command.binary) \(arguments.joined(separator: " "))", to: path)
                let handle = FileHandle(forWritingAtPath: path)
                _ = try? handle?.seekToEnd()
                return handle
            }
            process.standardOutput = log ?? FileHandle.nullDevice
            process.standardError = log ?? FileHandle.nullDevice
            group.enter()
            process.terminationHandler = { [weak self] p in
                try? log?.close()
                self?.forget(item.index)
                let end: WorkEnd = p.terminationReason == .uncaughtSignal
                    ? .killed("signal \(p.terminationStatus)") : .exited(p.terminationStatus)
                done(item, end)
                slots.signal()
                group.leave()
            }
            lock.lock()
            running[item.index] = process
            lock.unlock()
            do {
                try process.run()
            } catch {
                forget(item.index)
                try? log?.close()
                done(item, .failedToStart("cannot start \(command.binary): \(error.localizedDescription)"))
                slots.signal()
                group.leave()
            }
            // A cancel between registering and starting would have missed this process.
            if isCancelled, process.isRunning { process.terminate() }
        }
        group.wait()
    }

    /// Items waiting for a slot and running, guarded by `lock`.
    private final class Counts: @unchecked Sendable {
        let lock = NSLock()
        var waiting: Int
        var running = 0
        init(waiting: Int) { self.waiting = waiting }
    }

    private func forget(_ index: Int) {
        lock.lock()
        running[index] = nil
        lock.unlock()
    }
}
