import ArgumentParser
import Foundation
import Tasks

/// `dip view RUNDIR`: browse a finished or interrupted run, or follow one in progress.
struct ViewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "view",
        abstract: "Browse a run directory in the TUI (also follows a run in progress in another process).",
        discussion: "←/→ scrub snapshots, Enter writes the shown snapshot as accepted-iter-N.png, q quits.")
    @Argument(help: "The run directory.") var rundir: String
    @Option(help: "Colours: auto, truecolor, 256, 16, none.") var color = "auto"
    @Option(help: "Theme name.") var theme: String?

    func run() throws {
        _ = try RunDirectory.open(rundir)
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            throw TaskError.badInput("dip view needs a terminal; for scripts read \(rundir)/metrics.csv and summary.json")
        }
        let code = try ViewSession.run(rundir, color: color, theme: theme)
        if code != 0 { throw ExitCode(code) }
    }
}
