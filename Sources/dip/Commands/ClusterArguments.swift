import ArgumentParser
import Foundation
import Tasks

/// Where a batch's images or a search's candidates run.
enum ExecutorKind: String, ExpressibleByArgument, CaseIterable {
    /// Child processes of this dip, on this machine.
    case local
    /// A Slurm job array per batch (shared filesystem, the same dip on every node).
    case slurm
}

/// The executor options `dip batch` and `dip nas search` share.
struct ClusterArguments: ParsableArguments {
    @Option(help: "Where the work runs: local (child processes on this machine) or slurm (Slurm job arrays).")
    var executor: ExecutorKind = .local
    @Option(help: "Run again, up to N times, items that ended without a result or were interrupted (killed, timed out, node failure; not scancel).")
    var retries = 1
    @Option(help: "Slurm partition (sbatch --partition).") var slurmPartition: String?
    @Option(help: "Time limit per array task, e.g. 30:00 (sbatch --time); a task that hits it checkpoints and is retried.")
    var slurmTime: String?
    @Option(help: "CPUs per array task (sbatch --cpus-per-task); each worker runs that many threads (default 1).")
    var slurmCpusPerTask: Int?
    @Option(help: "Memory per array task, e.g. 4G (sbatch --mem).") var slurmMem: String?
    @Option(help: "At most K array tasks run at once (sbatch --array=…%K).") var slurmArrayThrottle: Int?
    @Option(parsing: .unconditional, help: "More sbatch options, passed through as they are, e.g. \"--account=lab --qos=short\".")
    var slurmExtra: String?
    @Option(help: "The dip the jobs run (default: this binary); the path must exist on every node.") var slurmBinary: String?
    @Option(help: "A shell line each job runs before dip, e.g. \"module load dip\".") var slurmSetup: String?
    @Option(help: "Longest wait between two squeue polls, in seconds (polls start at 1 s and back off).") var slurmPoll: Double = 15

    func validate() throws {
        if retries < 0 { throw ValidationError("--retries must not be negative") }
        if let c = slurmCpusPerTask, c < 1 { throw ValidationError("--slurm-cpus-per-task must be at least 1") }
        if let k = slurmArrayThrottle, k < 1 { throw ValidationError("--slurm-array-throttle must be at least 1") }
        if !(slurmPoll > 0) { throw ValidationError("--slurm-poll must be positive") }
        if let slurmExtra {
            do {
                _ = try ShellWords.split(slurmExtra)
            } catch {
                throw ValidationError("--slurm-extra: \(error)")
            }
        }
        if let binary = slurmBinary, !binary.hasPrefix("/") { throw ValidationError("--slurm-binary must be an absolute path") }
        let slurmOnly = [
            ("--slurm-partition", slurmPartition != nil), ("--slurm-time", slurmTime != nil),
            ("--slurm-cpus-per-task", slurmCpusPerTask != nil), ("--slurm-mem", slurmMem != nil),
            ("--slurm-array-throttle", slurmArrayThrottle != nil), ("--slurm-extra", slurmExtra != nil),
            ("--slurm-binary", slurmBinary != nil), ("--slurm-setup", slurmSetup != nil),
        ]
        if executor != .slurm, let given = slurmOnly.first(where: \.1) {
            throw ValidationError("\(given.0) applies to --executor slurm only")
        }
    }

    /// The Slurm options; `threads` overrides one thread per CPU.
    func slurmOptions(jobName: String, threads: Int? = nil) throws -> SlurmOptions {
        var o = SlurmOptions()
        o.partition = slurmPartition
        o.time = slurmTime
        o.cpusPerTask = slurmCpusPerTask
        o.mem = slurmMem
        o.arrayThrottle = slurmArrayThrottle
        o.extra = try slurmExtra.map(ShellWords.split) ?? []
        o.binary = slurmBinary
        o.setup = slurmSetup
        o.maxPollInterval = slurmPoll
        o.jobName = jobName
        o.threadsPerTask = threads
        return o
    }

    /// The NAS search's Slurm executor: an array per controller step, its files in SEARCHDIR/slurm.
    func slurmCandidateExecutor(searchDirectory: String, threads: Int?) throws -> CandidateExecutor {
        let slurm = SlurmCandidateExecutor(
            searchDirectory: searchDirectory, binary: Executable.path, workingDirectory: Executable.workingDirectory,
            options: try slurmOptions(jobName: "dip-nas", threads: threads), retries: retries)
        slurm.slurm.onNote = { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        return slurm
    }
}
