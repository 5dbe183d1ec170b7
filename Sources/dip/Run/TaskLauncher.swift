import ArgumentParser
import Engine
import Foundation
import Tasks

/// Starts or resumes a run and hands it to the TUI or the headless driver.
enum TaskLauncher {
    static func launch(_ task: TaskKind, _ paths: RunInputPaths, _ args: RunArguments, scale: Int = 4) throws {
        if let rundir = args.resume { return try resume(rundir, args) }
        if let threads = args.threads { Threads.set(threads) }
        let out = args.out ?? defaultRunDirectory(task)
        var options = args.options(scale: scale)
        options.candidate = try args.nasCandidate()
        let run = try RunFactory.start(task: task, paths: paths, options: options, out: out, command: CommandLine.arguments)
        try drive(run, args)
    }

    static func resume(_ rundir: String, _ args: RunArguments) throws {
        if let threads = args.threads { Threads.set(threads) }
        let run = try RunFactory.resume(rundir, changes: args.resumeChanges)
        try drive(run, args)
    }

    static func defaultRunDirectory(_ task: TaskKind) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "runs/\(task.rawValue)-\(f.string(from: Date()))"
    }

    /// The TUI when stdout is a terminal (and not --headless/--json), otherwise headless.
    static func drive(_ run: RestorationRun, _ args: RunArguments) throws {
        for warning in run.problem.warnings { FileHandle.standardError.write(Data("dip: warning: \(warning)\n".utf8)) }
        try ResourceEstimate.check(run, force: args.force)
        let useTUI = isatty(STDOUT_FILENO) == 1 && isatty(STDIN_FILENO) == 1 && !args.headless && !args.json
        let code = useTUI ? try LiveSession.run(run, args) : try HeadlessDriver.run(run, json: args.json)
        if code != 0 { throw ExitCode(code) }
    }
}
