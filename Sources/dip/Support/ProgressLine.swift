import Foundation

/// A headless command's progress on stderr. On a terminal the line is redrawn in place, at most
/// every `redrawInterval`; in a log (stderr not a terminal) it is written as a plain line at the
/// start, every 10% of the work, and at least every minute, so hours-long runs show signs of life
/// without flooding the file.
final class ProgressLine {
    let isTerminal = isatty(STDERR_FILENO) == 1
    private let redrawInterval: TimeInterval
    private let logInterval: TimeInterval = 60
    private var lastDraw = Date.distantPast
    private var lastLogLine = Date.distantPast
    private var lastDecile = -1
    private var drawn = false

    init(redrawInterval: TimeInterval = 0.1) {
        self.redrawInterval = redrawInterval
    }

    /// Shows the text for `done` of `total` units; `text` is only built when something is written.
    /// `force` redraws a terminal line regardless of the rate (e.g. the last unit).
    func show(done: Int, total: Int, force: Bool = false, _ text: () -> String) {
        let now = Date()
        if isTerminal {
            guard force || now.timeIntervalSince(lastDraw) > redrawInterval else { return }
            lastDraw = now
            drawn = true
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text())".utf8))
        } else {
            let decile = 10 * done / max(total, 1)
            guard decile != lastDecile || now.timeIntervalSince(lastLogLine) >= logInterval else { return }
            lastDecile = decile
            lastLogLine = now
            FileHandle.standardError.write(Data((text() + "\n").utf8))
        }
    }

    /// Ends an in-place line so that what follows starts on a line of its own.
    func end() {
        if isTerminal && drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}
