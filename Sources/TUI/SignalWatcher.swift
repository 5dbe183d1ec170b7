import Dispatch
import Foundation

/// Turns SIGINT/SIGTERM/SIGHUP (stop), SIGWINCH (resize) and SIGCONT (repaint after Ctrl-Z) into flags the UI
/// loop polls. Each signal is set to SIG_IGN and watched by a DispatchSource on a background queue (a main-queue
/// source would never fire while the main thread sits in getch). `stop()` puts the old dispositions back.
final class SignalWatcher: @unchecked Sendable {
    struct Events: Equatable {
        /// The first stop signal received, if any.
        var interrupt: Int32?
        var resized = false
        var continued = false
        var isEmpty: Bool { interrupt == nil && !resized && !continued }
    }

    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let watched: [Int32] = stopSignals + [SIGWINCH, SIGCONT]

    private let lock = NSLock()
    private var pending = Events()
    private var sources: [DispatchSourceSignal] = []
    private var previous: [Int32: sighandler_t?] = [:]
    private let queue = DispatchQueue(label: "dip.tui.signals")

    /// Ignores the watched signals now (call before the screen is opened, so ncurses installs no handlers).
    init() {
        for s in SignalWatcher.watched where s != SIGCONT {
            previous[s] = signal(s, SIG_IGN)
        }
    }

    /// Starts the dispatch sources (call after the screen is opened).
    func start() {
        for s in SignalWatcher.watched {
            let src = DispatchSource.makeSignalSource(signal: s, queue: queue)
            src.setEventHandler { [weak self] in self?.record(s) }
            src.resume()
            sources.append(src)
        }
    }

    private func record(_ s: Int32) {
        lock.lock()
        defer { lock.unlock() }
        switch s {
        case SIGWINCH: pending.resized = true
        case SIGCONT: pending.continued = true
        default: if pending.interrupt == nil { pending.interrupt = s }
        }
    }

    /// Returns and clears what arrived since the last call.
    func poll() -> Events {
        lock.lock()
        defer { lock.unlock() }
        let e = pending
        pending = Events()
        return e
    }

    /// Cancels the sources and restores the previous signal dispositions. Idempotent.
    func stop() {
        for src in sources { src.cancel() }
        sources = []
        for (s, old) in previous { signal(s, old) }
        previous = [:]
    }
}
