import Foundation

/// What the user chose for the Slurm executor (`--slurm-*`).
public struct SlurmOptions: Equatable, Sendable {
    public var partition: String?
    /// Time limit per array task, in any form sbatch accepts ("10:00", "1-00:00:00").
    public var time: String?
    /// CPUs per array task; each worker runs with as many threads (default 1).
    public var cpusPerTask: Int?
    /// Memory per node, in any form sbatch accepts ("4G").
    public var mem: String?
    /// At most this many array tasks run at once (`--array=…%K`).
    public var arrayThrottle: Int?
    /// Passed through to sbatch as they are (already split into words).
    public var extra: [String] = []
    /// The dip the jobs run (default: this one), e.g. a path that exists on every node.
    public var binary: String?
    /// A shell line the job runs before dip, e.g. `module load dip`.
    public var setup: String?
    /// The longest wait between two squeue polls, in seconds (polls start at 1 s and back off).
    public var maxPollInterval: Double = 15
    public var jobName = "dip"
    /// Threads per worker, if not one per CPU.
    public var threadsPerTask: Int?

    public init() {}

    /// The threads each worker runs with: one per CPU it was given, unless set.
    public var threads: Int { max(1, threadsPerTask ?? cpusPerTask ?? 1) }
}

/// `--array=` values: item indices compressed into ranges, with an optional throttle.
public enum SlurmArraySpec {
    /// [0,1,2,3] → "0-3"; [1,3,4,5,9] → "1,3-5,9"; with throttle 2 → "…%2".
    public static func format(_ indices: [Int], throttle: Int? = nil) -> String {
        let sorted = Array(Set(indices)).sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",") + (throttle.map { "%\($0)" } ?? "")
    }

    /// The indices of "0-3", "1,3-5%2", "[0-2%2]" (squeue's pending form), "7"; nil if malformed.
    public static func parse(_ spec: String) -> [Int]? {
        var text = Substring(spec)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        var out: [Int] = []
        for part in text.split(separator: ",") {
            // A step ("0-15:4") is legal Slurm syntax, though dip never writes one.
            let rangeAndStep = part.split(separator: ":", maxSplits: 1)
            let step = rangeAndStep.count == 2 ? Int(rangeAndStep[1]) : 1
            let bounds = rangeAndStep[0].split(separator: "-", maxSplits: 1)
            guard let step, step > 0, let lo = Int(bounds[0]) else { return nil }
            let hi = bounds.count == 2 ? Int(bounds[1]) : lo
            guard let hi, hi >= lo else { return nil }
            out += Array(stride(from: lo, through: hi, by: step))
        }
        return out.isEmpty ? nil : out
    }
}

/// Shell quoting and splitting, for the job script, `--dry-run` and `--slurm-extra`.
public enum ShellWords {
    /// `word` as one shell word: unchanged if it is plainly safe, else single-quoted.
    public static func quote(_ word: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-")
        if !word.isEmpty && word.unicodeScalars.allSatisfy({ safe.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public static func join(_ words: [String]) -> String { words.map(quote).joined(separator: " ") }

    /// Splits a line into words as a POSIX shell would (quotes and backslashes, no expansion).
    public static func split(_ line: String) throws -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped {
                word.append(c)
                escaped = false
            } else if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\" && q == "\"" {
                    escaped = true
                } else {
                    word.append(c)
                }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == "\\" {
                escaped = true
                inWord = true
            } else if c == " " || c == "\t" || c == "\n" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        guard quote == nil && !escaped else { throw TaskError.badInput("unbalanced quote or trailing backslash in: \(line)") }
        if inWord { words.append(word) }
        return words
    }
}

/// The job script and the sbatch command of one executor.
public struct SlurmJob: Equatable, Sendable {
    /// DIR/slurm: job.sh, logs/, jobs.log.
    public var directory: String
    public var command: WorkCommand
    /// The working directory the jobs run in (absolute).
    public var workingDirectory: String
    public var options: SlurmOptions

    public init(directory: String, command: WorkCommand, workingDirectory: String, options: SlurmOptions) {
        self.directory = directory
        self.command = command
        self.workingDirectory = workingDirectory
        self.options = options
    }

    public var script: String { "\(directory)/job.sh" }
    public var logDirectory: String { "\(directory)/logs" }
    /// Slurm's output file per array task (%A: the array's job id, %a: the task's index).
    public var logPattern: String { "\(logDirectory)/%A_%a.out" }
    public func log(job: Int, index: Int) -> String { "\(logDirectory)/\(job)_\(index).out" }

    /// job.sh: array task N runs work item N with the dip binary and working directory as
    /// absolute paths (they must be the same on every node: a shared filesystem).
    public var scriptText: String {
        let binary = options.binary ?? command.binary
        var lines = [
            "#!/bin/bash",
            "# Written by dip \(RunFactory.dipVersion). Array task N runs work item N; `dip` writes the item's result",
            "# file atomically, so a task the scheduler kills leaves none that looks complete.",
            "# Every path here must be the same on every node: a shared filesystem, and this dip there.",
            "set -u",
            "cd \(ShellWords.quote(workingDirectory)) || exit 1",
        ]
        if let setup = options.setup, !setup.isEmpty { lines.append(setup) }
        let run = [binary] + command.arguments
        lines.append(
            "exec \(ShellWords.join(run)) \"$SLURM_ARRAY_TASK_ID\" --threads \(options.threads)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `sbatch --parsable --array=… … job.sh` for these item indices.
    public func sbatchArguments(indices: [Int]) -> [String] {
        var args = [
            "sbatch", "--parsable", "--job-name=\(options.jobName)",
            "--array=\(SlurmArraySpec.format(indices, throttle: options.arrayThrottle))",
            "--output=\(logPattern)", "--open-mode=append", "--chdir=\(workingDirectory)",
        ]
        if let p = options.partition { args.append("--partition=\(p)") }
        if let t = options.time { args.append("--time=\(t)") }
        if let c = options.cpusPerTask { args.append("--cpus-per-task=\(c)") }
        if let m = options.mem { args.append("--mem=\(m)") }
        return args + options.extra + [script]
    }

    /// The job id in `sbatch --parsable` output ("123" or "123;cluster").
    public static func parseJobID(_ output: String) -> Int? {
        let first = output.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        return Int(first.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "")
    }
}

/// A Slurm job state, as squeue and scontrol print it.
public enum SlurmState {
    /// States after which a task never runs again.
    public static let terminal: Set<String> = [
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL",
        "DEADLINE", "REVOKED", "SPECIAL_EXIT",
    ]

    public static func isTerminal(_ state: String) -> Bool {
        // "CANCELLED by 0" in some versions' long forms.
        terminal.contains(String(state.split(separator: " ").first ?? ""))
    }
}

/// Parsing `squeue -h -t all -j JOB -o '%i %T'`: one line per task ("12_3 RUNNING"), pending
/// tasks grouped ("12_[4-7%2] PENDING").
public enum SqueueParser {
    public static let format = "%i %T"

    /// State by array index, for the tasks of `job` (other jobs' lines are ignored).
    public static func states(_ output: String, job: Int) -> [Int: String] {
        var states: [Int: String] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { continue }
            let id = fields[0]
            guard let underscore = id.firstIndex(of: "_"), Int(id[..<underscore]) == job else { continue }
            guard let indices = SlurmArraySpec.parse(String(id[id.index(after: underscore)...])) else { continue }
            for i in indices { states[i] = String(fields[1]) }
        }
        return states
    }
}

/// Parsing `scontrol -o show job JOB` for final states and exit codes (no accounting needed).
public enum ScontrolParser {
    public struct Task: Equatable, Sendable {
        public var state: String
        public var exitCode: Int32?
        public var signal: Int32?
    }

    /// By array index, for the tasks of `job`.
    public static func tasks(_ output: String, job: Int) -> [Int: Task] {
        var tasks: [Int: Task] = [:]
        for line in output.split(whereSeparator: \.isNewline) {
            var fields: [Substring: Substring] = [:]
            for token in line.split(separator: " ") {
                guard let eq = token.firstIndex(of: "=") else { continue }
                fields[token[..<eq]] = token[token.index(after: eq)...]
            }
            guard let array = fields["ArrayJobId"], Int(array) == job, let spec = fields["ArrayTaskId"],
                let state = fields["JobState"], let indices = SlurmArraySpec.parse(String(spec))
            else { continue }
            let codes = fields["ExitCode"]?.split(separator: ":")
            let task = Task(
                state: String(state), exitCode: codes?.first.flatMap { Int32($0) },
                signal: codes.flatMap { $0.count > 1 ? Int32($0[1]) : nil })
            for i in indices { tasks[i] = task }
        }
        return tasks
    }
}
