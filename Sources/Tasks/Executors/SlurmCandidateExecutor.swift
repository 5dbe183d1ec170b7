import Foundation

/// Evaluates NAS candidates as Slurm job arrays: each controller step's batch is one array,
/// whose task N runs `dip work-item SEARCHDIR/slurm/manifest.jsonl N`, i.e. candidate N's
/// `dip nas evaluate … --threads C` with its output in logs/NNNN.log. The search waits for
/// the whole array, as with local workers, then learns from the rewards.
///
/// Resume: a search killed while its array ran leaves SEARCHDIR/slurm/active; the next run
/// waits for that array first, and candidates whose result it wrote are not evaluated again.
public final class SlurmCandidateExecutor: CandidateExecutor {
    public let slurm: SlurmExecutor
    public let retries: Int
    public let manifest: String
    private var waitedForEarlier = false

    /// `directory` is the search directory; the executor's files go into its slurm/ folder.
    public init(
        searchDirectory directory: String, binary: String, workingDirectory: String, options: SlurmOptions, retries: Int,
        client: SlurmClient = ProcessSlurmClient()
    ) {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL.path + "/slurm"
        manifest = folder + "/manifest.jsonl"
        var options = options
        if options.jobName == "dip" { options.jobName = "dip-nas" }
        slurm = SlurmExecutor(
            job: SlurmJob(
                directory: folder, command: WorkCommand(binary: binary, arguments: ["work-item", manifest]),
                workingDirectory: workingDirectory, options: options),
            client: client)
        self.retries = retries
    }

    public var description: String { slurm.description }
    public var parallelism: Int { slurm.job.options.arrayThrottle ?? 1 }

    public func run(_ items: [EvaluationItem], finished: @escaping (EvaluationItem, ItemOutcome) -> Void) {
        if !waitedForEarlier {
            waitedForEarlier = true
            slurm.awaitEarlierJob()
        }
        var todo: [EvaluationItem] = []
        for item in items {
            // Written by an earlier controller's array while this one was not watching.
            if FileManager.default.fileExists(atPath: item.result) { finished(item, .exited(0)) } else { todo.append(item) }
        }
        guard !todo.isEmpty else { return }
        let lines = todo.map {
            CommandManifestLine(index: $0.index, arguments: $0.commandLine(threads: nil), result: $0.result, log: $0.log)
        }
        do {
            try FileManager.default.createDirectory(atPath: slurm.job.directory, withIntermediateDirectories: true)
            try CommandManifestLine.upsert(lines, into: manifest)
        } catch {
            for item in todo { finished(item, .failedToStart("\(error)")) }
            return
        }
        let byIndex = Dictionary(todo.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let work = todo.map { WorkItem(index: $0.index, result: $0.result, log: $0.log) }
        slurm.run(work, retries: retries) { w, outcome in
            guard let item = byIndex[w.index] else { return }
            if !outcome.succeeded {
                // The search quotes the log's last line when it records a failed candidate.
                WorkLog.append("dip: error: Slurm task \(outcome.explanation)", to: item.log)
            }
            finished(item, ItemOutcome(outcome))
        }
    }

    public func cancel() { slurm.cancel() }
}
