import Foundation

/// Runs long work (training, an impedance fit, a NAS search) under a live view.
///
/// The work runs on the calling (main) thread and the view on a thread of its own. Why: oneDNN's OpenMP
/// team driven from a secondary thread ran slower at 256² (headless, 7 alternating 120-iteration runs:
/// 0.394 s/it from a Dispatch queue or a Thread vs 0.365 from the main thread), which was most of the
/// TUI's overhead.
enum ViewedWork {
    /// `work` must return soon after `stop` is called. If the view cannot start (e.g. not a terminal after
    /// all), `stop` is called, the work winds down, and the view's error is thrown.
    static func run<Outcome>(
        view: @escaping @Sendable () throws -> Outcome, stop: @escaping @Sendable () -> Void, work: () -> Void
    ) throws -> Outcome {
        let ui = JoinableThread(name: "dip.ui") {
            do {
                let outcome = try view()
                // The view has restored the terminal; the work's final save must not be cut short.
                signal(SIGINT, SIG_IGN)
                return outcome
            } catch {
                stop()
                throw error
            }
        }
        work()
        return try ui.join()
    }
}
