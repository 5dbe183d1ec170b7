import Foundation

/// One unit of work: `<binary> <command.arguments…> <index> --threads T`, a dip process that
/// writes `result` atomically when (and only when) it has finished, successfully or not.
///
/// The executors never write results; "done" means the result file exists. Everything in a
/// work item is an absolute path on a filesystem every worker sees.
public struct WorkItem: Codable, Equatable, Sendable {
    public var index: Int
    /// The file whose presence means the item ended and recorded how.
    public var result: String
    /// Where the worker's stdout and stderr go. nil: the executor's own log (Slurm's
    /// `slurm/logs/%A_%a.out`; required for the local executor).
    public var log: String?
    /// The arguments after the binary, when the item brings its own (local executor only; the
    /// executor appends `--threads`). nil: the executor's command with the index appended.
    public var arguments: [String]?

    public init(index: Int, result: String, log: String?, arguments: [String]? = nil) {
        self.index = index
        self.result = result
        self.log = log
        self.arguments = arguments
    }
}

/// The command every work item of one executor runs, with the item's index appended:
/// `dip batch-item DIR` runs `dip batch-item DIR 7 --threads 2` for item 7.
public struct WorkCommand: Equatable, Sendable {
    /// Absolute path of the dip executable.
    public var binary: String
    public var arguments: [String]

    public init(binary: String, arguments: [String]) {
        self.binary = binary
        self.arguments = arguments
    }

    /// The arguments after the binary for item `index`.
    public func arguments(index: Int, threads: Int) -> [String] {
        arguments + [String(index), "--threads", String(threads)]
    }

    /// The arguments after the binary for `item`: its own, if it brings them, else the index's.
    public func arguments(for item: WorkItem, threads: Int) -> [String] {
        item.arguments.map { $0 + ["--threads", String(threads)] } ?? arguments(index: item.index, threads: threads)
    }
}

/// How a work item's process ended, as far as the executor can tell.
public enum WorkEnd: Equatable, Sendable {
    /// It exited with this status (0: it wrote its result).
    case exited(Int32)
    /// A signal or the scheduler ended it: "signal 9", "Slurm TIMEOUT", "Slurm CANCELLED"…
    case killed(String)
    /// This executor was cancelled before the item started, or stopped it.
    case cancelled
    /// The executor could not start it (missing binary, sbatch refused the array…).
    case failedToStart(String)
}

/// The final word on one item, after any retries.
public struct WorkOutcome: Equatable, Sendable {
    public var end: WorkEnd
    /// Whether `item.result` exists now.
    public var resultWritten: Bool
    /// How many times the item was started (1 + retries used).
    public var attempts: Int
    /// The log to read for details, if any.
    public var log: String?
    /// The last lines of that log, joined by " | ".
    public var logTail: String

    public init(end: WorkEnd, resultWritten: Bool, attempts: Int = 1, log: String? = nil, logTail: String = "") {
        self.end = end
        self.resultWritten = resultWritten
        self.attempts = attempts
        self.log = log
        self.logTail = logTail
    }

    /// Exited 0 and wrote its result.
    public var succeeded: Bool { resultWritten && end == .exited(0) }

    /// One line for a summary: "exit status 2", "killed (Slurm TIMEOUT)", plus the log tail.
    public var explanation: String {
        var text: String
        switch end {
        case .exited(let code): text = "exit status \(code)"
        case .killed(let why): text = "killed (\(why))"
        case .cancelled: text = "cancelled"
        case .failedToStart(let why): text = "not started: \(why)"
        }
        if !resultWritten { text += ", no result" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if !logTail.isEmpty { text += ": \(logTail)" }
        if let log { text += " (log \(log))" }
        return text
    }
}

/// Counts an executor reports while it works, for a progress bar.
public struct WorkProgress: Equatable, Sendable {
    public var running: Int
    public var waiting: Int

    public init(running: Int, waiting: Int) {
        self.running = running
        self.waiting = waiting
    }
}

/// Runs work items: local child processes (`LocalWorkExecutor`) or a Slurm job array
/// (`SlurmExecutor`). `runOnce` runs each item once; `run` adds retries on top.
public protocol WorkExecutor: AnyObject {
    /// A short description for logs ("2 local jobs × 1 thread", "Slurm, 2 CPUs per task").
    var description: String { get }
    /// Runs every item once and returns when all have ended (or were cancelled), calling
    /// `ended` once per item (serialised, any thread, any order). `attempt` counts from 1.
    func runOnce(_ items: [WorkItem], attempt: Int, ended: @escaping (WorkItem, WorkOutcome) -> Void)
    /// Stops running items and starts no more; callable from any thread (signal handlers).
    func cancel()
    var isCancelled: Bool { get }
    /// Called with the running and waiting counts whenever they change.
    var onProgress: ((WorkProgress) -> Void)? { get set }
}

extension WorkExecutor {
    /// Runs the items, then runs again those that `retryable` accepts, at most `retries` more
    /// times each; `finished` gets each item's final outcome once (serialised).
    ///
    /// The default policy retries an item that ended without a result and was not cancelled
    /// (by us or by a user's `scancel`): a crash, a kill, a timeout, a node failure. An item
    /// that recorded its own failure in its result (an unreadable image) would only fail again.
    public func run(
        _ items: [WorkItem], retries: Int, retryable: ((WorkItem, WorkOutcome) -> Bool)? = nil,
        finished: @escaping (WorkItem, WorkOutcome) -> Void
    ) {
        let shouldRetry = retryable ?? Self.defaultRetryable
        var pending = items
        var attempt = 1
        while !pending.isEmpty {
            var again: [WorkItem] = []
            let lock = NSLock()
            let last = attempt > retries
            runOnce(pending, attempt: attempt) { [self] item, outcome in
                lock.lock()
                defer { lock.unlock() }
                var outcome = outcome
                outcome.attempts = attempt
                if !last && !isCancelled && shouldRetry(item, outcome) {
                    again.append(item)
                } else {
                    finished(item, outcome)
                }
            }
            if isCancelled {
                for item in again { finished(item, WorkOutcome(end: .cancelled, resultWritten: false, attempts: attempt)) }
                return
            }
            pending = again.sorted { $0.index < $1.index }
            attempt += 1
        }
    }

    public static func defaultRetryable(_ item: WorkItem, _ outcome: WorkOutcome) -> Bool {
        guard !outcome.resultWritten else { return false }
        switch outcome.end {
        case .cancelled, .failedToStart, .killed("Slurm CANCELLED"): return false
        case .exited, .killed: return true
        }
    }
}

/// Reading the end of a worker's log.
public enum WorkLog {
    /// The last `lines` non-empty lines of `path`, trimmed and joined by " | " (at most 400
    /// characters, from the end), or "" if it cannot be read.
    public static func tail(_ path: String, lines: Int = 3) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        let kept = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("\u{1B}[") }
            .suffix(lines)
        let joined = kept.joined(separator: " | ")
        return joined.count > 400 ? "…" + String(joined.suffix(400)) : joined
    }

    /// Appends a line to a log (creating it), for the executors' own notes.
    public static func append(_ line: String, to path: String) {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data((line + "\n").utf8))
    }
}
