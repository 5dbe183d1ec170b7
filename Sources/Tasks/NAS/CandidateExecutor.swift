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
/// (at least 1), so the workers split the cores instead of fighting over them. The processes
/// are run by the batch's `LocalWorkExecutor`, each with its candidate's own command line.
public final class LocalProcessExecutor: CandidateExecutor {
    private let pool: LocalWorkExecutor

    /// `binary` is the absolute path of the dip executable; `threads` overrides cores/W.
    public init(binary: String, workers: Int, threads: Int? = nil) {
        pool = LocalWorkExecutor(command: WorkCommand(binary: binary, arguments: []), jobs: workers, threads: threads)
    }

    public var workers: Int { pool.jobs }
    public var threadsPerWorker: Int { pool.threads }

    public var description: String {
        "\(workers) local worker\(workers == 1 ? "" : "s") × \(threadsPerWorker) thread\(threadsPerWorker == 1 ? "" : "s")"
    }

    public var parallelism: Int { workers }

    public func run(_ items: [EvaluationItem], finished: @escaping (EvaluationItem, ItemOutcome) -> Void) {
        let byIndex = Dictionary(items.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let work = items.map { WorkItem(index: $0.index, result: $0.result, log: $0.log, arguments: $0.commandLine(threads: nil)) }
        pool.runOnce(work, attempt: 1) { w, outcome in
            guard let item = byIndex[w.index] else { return }
            finished(item, ItemOutcome(outcome))
        }
    }

    public func setPaused(_ paused: Bool) { pool.setPaused(paused) }

    public func cancel() { pool.cancel() }
}

extension ItemOutcome {
    /// What the search makes of a work item's end (it trusts the result file above all).
    public init(_ outcome: WorkOutcome) {
        switch outcome.end {
        case .exited(let code): self = .exited(code)
        case .killed, .cancelled: self = .interrupted
        case .failedToStart(let why): self = .failedToStart(why)
        }
    }
}
