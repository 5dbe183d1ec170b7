import Foundation

/// One candidate to evaluate: the command line of a `dip nas evaluate` worker and where its
/// output goes. Executors run
///
///     <dip> nas evaluate <candidate> <arguments…> --out <result> [--threads T]
///
/// with the worker's stdout and stderr appended to `log`. Executors add `--threads` (how many
/// cores each worker gets is theirs to decide); nothing else. All paths are absolute.
public struct EvaluationItem: Codable, Equatable, Sendable {
    /// The candidate number (candidates/NNNN.json).
    public var index: Int
    public var candidate: String
    public var result: String
    public var log: String
    /// Everything between the candidate path and --out: --task, --images, --iterations, --seed,
    /// --size, --reward, --runs…
    public var arguments: [String]

    public init(index: Int, candidate: String, result: String, log: String, arguments: [String]) {
        self.index = index
        self.candidate = candidate
        self.result = result
        self.log = log
        self.arguments = arguments
    }

    /// The worker's arguments after the executable (`nas evaluate …`).
    public func commandLine(threads: Int?) -> [String] {
        ["nas", "evaluate", candidate] + arguments + ["--out", result] + (threads.map { ["--threads", String($0)] } ?? [])
    }
}

/// How one item ended, as far as the executor can tell. The search trusts only the RESULT.json
/// file: an item whose result exists is done, whatever its exit status.
public enum ItemOutcome: Equatable, Sendable {
    /// The worker exited with this status (0: the result was written).
    case exited(Int32)
    /// Killed by a signal, or cancelled before or while it ran: evaluate it again on resume.
    case interrupted
    /// The executor could not run it at all (e.g. the binary is missing).
    case failedToStart(String)
}

/// Evaluates a batch of candidates: local processes now, a Slurm job array later.
///
/// Contract:
/// - `run` returns once every item has ended (or been cancelled), calling `finished` once per
///   item, in any order, from any thread (calls are serialised).
/// - Each worker writes `item.result` atomically itself (`dip nas evaluate` does); the executor
///   never writes results.
/// - `cancel()` may be called from any thread (SIGINT/SIGTERM, the TUI's q). Running workers are
///   stopped and pending ones never start; they report `.interrupted`.
public protocol CandidateExecutor: AnyObject {
    /// A short description for logs ("4 local workers × 1 thread").
    var description: String { get }
    /// How many candidates it evaluates at once (the default batch size).
    var parallelism: Int { get }
    func run(_ items: [EvaluationItem], finished: @escaping (EvaluationItem, ItemOutcome) -> Void)
    func cancel()
    /// Pauses (or resumes) the running items and holds back new ones, if the executor can; the
    /// default does nothing (a batch scheduler may not offer it).
    func setPaused(_ paused: Bool)
}

extension CandidateExecutor {
    public func setPaused(_ paused: Bool) {}
}

/// Runs W `dip nas evaluate` processes at a time on this machine, each with cores/W threads
/// (at least 1), so the workers split the cores instead of fighting over them.
public final class LocalProcessExecutor: CandidateExecutor {
    public let binary: String
    public let workers: Int
    public let threadsPerWorker: Int
    private let lock = NSLock()
    private var running: [Int: Process] = [:]
    private var cancelled = false
    private var paused = false

    /// `binary` is the absolute path of the dip executable; `threads` overrides cores/W.
    public init(binary: String, workers: Int, threads: Int? = nil) {
        self.binary = binary
        self.workers = max(1, workers)
        threadsPerWorker = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, workers))
    }

    public var description: String {
        "\(workers) local worker\(workers == 1 ? "" : "s") × \(threadsPerWorker) thread\(threadsPerWorker == 1 ? "" : "s")"
    }

    public var parallelism: Int { workers }

    public func run(_ items: [EvaluationItem], finished: @escaping (EvaluationItem, ItemOutcome) -> Void) {
        let slots = DispatchSemaphore(value: workers)
        let group = DispatchGroup()
        let report = NSLock()
        @Sendable func done(_ item: EvaluationItem, _ outcome: ItemOutcome) {
            report.lock()
            finished(item, outcome)
            report.unlock()
        }
        for item in items {
            slots.wait()
            while isPaused && !isCancelled { usleep(100_000) }
            if isCancelled {
                slots.signal()
                done(item, .interrupted)
                continue
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = item.commandLine(threads: threadsPerWorker)
            process.standardInput = FileHandle.nullDevice
            _ = FileManager.default.createFile(atPath: item.log, contents: nil)
            let log = FileHandle(forWritingAtPath: item.log)
            process.standardOutput = log ?? FileHandle.nullDevice
            process.standardError = log ?? FileHandle.nullDevice
            group.enter()
            process.terminationHandler = { [weak self] p in
                try? log?.close()
                self?.forget(item.index)
                let outcome: ItemOutcome = p.terminationReason == .uncaughtSignal ? .interrupted : .exited(p.terminationStatus)
                done(item, outcome)
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
                done(item, .failedToStart("cannot start \(binary): \(error.localizedDescription)"))
                slots.signal()
                group.leave()
            }
            // A cancel between registering and starting would have missed this process.
            if isCancelled, process.isRunning { process.terminate() }
        }
        group.wait()
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

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    private func forget(_ index: Int) {
        lock.lock()
        running[index] = nil
        lock.unlock()
    }

    public func cancel() {
        lock.lock()
        cancelled = true
        let processes = Array(running.values)
        lock.unlock()
        // SIGTERM to our own children only; dip nas evaluate writes nothing partial. A stopped
        // (paused) worker only sees the signal once continued.
        for p in processes where p.isRunning {
            p.terminate()
            _ = p.resume()
        }
    }
}
