import Engine
import Foundation
import ImageIO
import TUI
import Tasks

/// Connects a RestorationRun to the TUI: training runs on a background Dispatch queue and
/// publishes frames (previews made on the training thread, at most 15 per second); the UI
/// thread only reads the latest frame and posts commands, which the training loop applies at
/// iteration boundaries.
final class LiveSession: LiveRunControl, @unchecked Sendable {
    private let run: RestorationRun
    private let lock = NSCondition()
    // Guarded by `lock`:
    private var frame: LiveFrame?
    private var paused = false
    private var stopRequest: Int?? = nil
    private var saveRequested = false
    private var saveResult: Result<String, Error>?
    private var snapshotRefs: [SnapshotRef] = []
    private var trainingDone = false
    private var failure: String?

    // Owned by the training thread:
    private var lastPublish = Date.distantPast
    /// Least time between frames: 1/15 s, or longer when making and drawing a frame is slow (`uiShare`).
    private var frameInterval = 1.0 / 15
    let frameSignal = FrameSignal()
    private var rateWindow: [(Int, Date)] = []
    private let inputPreview: PreviewImage
    private let referencePreview: PreviewImage?
    private let referenceLabel: String
    private let info: [String: String]

    private init(_ run: RestorationRun) {
        self.run = run
        let p = run.problem
        let known = p.knownImage
        inputPreview = Preview.make(known, channels: p.channels, height: p.observationGeometry.height, width: p.observationGeometry.width)
        if let truth = p.groundTruth {
            referencePreview = Preview.make(truth, channels: p.channels, height: p.outputHeight, width: p.outputWidth)
            referenceLabel = "ground truth"
        } else if let mask = p.knownMask {
            referencePreview = Preview.make(mask, channels: 1, height: p.observationGeometry.height, width: p.observationGeometry.width)
            referenceLabel = "mask (white = known)"
        } else {
            referencePreview = nil
            referenceLabel = "reference"
        }
        info = [
            "task": p.task.rawValue, "seed": String(run.settings.seed), "threads": Threads.phrase,
            "run": run.directory.path,
        ]
    }

    /// Runs the TUI until the user quits; returns the exit code.
    static func run(_ run: RestorationRun, _ args: RunArguments) throws -> Int32 {
        let session = LiveSession(run)
        session.loadExistingSnapshots()
        session.publish(status: .running, force: true)
        var options = LiveViewOptions(color: ColorChoice(argument: args.color) ?? .auto, themeName: args.theme)
        options.themeSearchPath = ThemeLibrary.defaultSearchPath() + [Self.bundledThemes]
        let viewOptions = options
        let outcome = try ViewedWork.run(
            view: { try LiveView.run(control: session, options: viewOptions) },
            stop: { session.stop(acceptIteration: nil) },
            work: session.train)
        for message in outcome.messages { FileHandle.standardError.write(Data("dip: \(message)\n".utf8)) }
        if let failure = session.failureMessage { throw TaskError.runtime(failure) }
        FileHandle.standardError.write(Data("result: \(run.directory.result)\n".utf8))
        return outcome.suggestedExitCode
    }

    /// Themes shipped in the repository, found from the executable in .build/<config>/.
    static var bundledThemes: String {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("../../../themes").standardizedFileURL.path
    }

    // MARK: LiveRunControl (UI thread)

    func latestFrame() -> LiveFrame? {
        lock.lock()
        defer { lock.unlock() }
        return frame
    }

    func setPaused(_ value: Bool) {
        lock.lock()
        paused = value
        if var f = frame, !f.status.isOver {
            f.status = value ? .paused : .running
            frame = f
        }
        lock.broadcast()
        lock.unlock()
    }

    func saveNow() -> Result<String, Error> {
        lock.lock()
        defer { lock.unlock() }
        if trainingDone {
            return Result { try run.saveNow().first ?? "" }
        }
        saveRequested = true
        saveResult = nil
        lock.broadcast()
        while saveResult == nil && !trainingDone { lock.wait() }
        let result = saveResult ?? .failure(TaskError.runtime("the run ended before saving"))
        saveResult = nil
        return result
    }

    func stop(acceptIteration: Int?) {
        lock.lock()
        if trainingDone {
            lock.unlock()
            // The run already ended: accepting another iteration rewrites the result.
            if let k = acceptIteration {
                run.stop(.accepted(iteration: k))
                _ = try? run.finish(accepting: k)
            }
            return
        }
        stopRequest = .some(acceptIteration)
        lock.broadcast()
        lock.unlock()
    }

    func snapshots() -> [SnapshotRef] {
        lock.lock()
        defer { lock.unlock() }
        return snapshotRefs
    }

    // MARK: Training thread

    private func train() {
        var status = RunStatus.running
        do {
            loop: while true {
                lock.lock()
                while paused && stopRequest == nil && !saveRequested { lock.wait() }
                let stop = stopRequest
                let save = saveRequested
                lock.unlock()
                if save { handleSave() }
                if let accept = stop {
                    run.stop(accept.map { .accepted(iteration: $0) } ?? .user)
                    try run.finish(accepting: accept)
                    status = .finished(reason: accept.map { "accepted iteration \($0)" } ?? "stopped; checkpoint and result saved")
                    break loop
                }
                guard let record = try run.step() else {
                    try run.finish()
                    status = .finished(reason: run.stopReason?.description ?? "done")
                    break loop
                }
                noteSnapshot(record.iteration)
                publish(status: .running, force: false)
            }
        } catch {
            status = .failed(message: "\(error)")
            lock.lock()
            failure = "\(error)"
            lock.unlock()
        }
        publish(status: status, force: true)
        lock.lock()
        trainingDone = true
        lock.broadcast()
        lock.unlock()
    }

    private func handleSave() {
        let result: Result<String, Error> = Result { try run.saveNow().first ?? "" }
        lock.lock()
        saveRequested = false
        saveResult = result
        lock.broadcast()
        lock.unlock()
    }

    var failureMessage: String? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    private func noteSnapshot(_ iteration: Int) {
        guard run.snapshotIterations.last == iteration else { return }
        let p = run.problem
        let raw = Preview.make(run.currentImage(ema: false), channels: p.channels, height: p.outputHeight, width: p.outputWidth)
        let ema = Preview.make(run.currentImage(ema: true), channels: p.channels, height: p.outputHeight, width: p.outputWidth)
        lock.lock()
        snapshotRefs.append(SnapshotRef(iteration: iteration, image: raw, ema: ema))
        lock.unlock()
    }

    /// Snapshots already on disk (a resumed run), so scrubbing reaches back before the resume.
    private func loadExistingSnapshots() {
        for i in run.snapshotIterations {
            guard let raw = try? ImageFile.load(run.directory.snapshot(i, ema: false)) else { continue }
            let ema = try? ImageFile.load(run.directory.snapshot(i, ema: true))
            snapshotRefs.append(
                SnapshotRef(
                    iteration: i, image: Preview.make(raw.pixels, channels: raw.channels, height: raw.height, width: raw.width),
                    ema: ema.map { Preview.make($0.pixels, channels: $0.channels, height: $0.height, width: $0.width) }))
        }
    }

    private func publish(status: RunStatus, force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastPublish) >= frameInterval else { return }
        lastPublish = now
        let p = run.problem
        rateWindow.append((run.iteration, now))
        if rateWindow.count > 20 { rateWindow.removeFirst(rateWindow.count - 20) }
        var rate = 0.0
        if let first = rateWindow.first, let last = rateWindow.last, last.1 > first.1 {
            rate = Double(last.0 - first.0) / last.1.timeIntervalSince(first.1)
        }
        let history = run.history.map {
            ProgressPoint(
                iteration: $0.iteration, loss: $0.loss, psnrInput: $0.psnrInput, psnrGT: $0.psnrGT, psnrGTEMA: $0.psnrGTEMA,
                esSignal: $0.esSignal, seconds: $0.seconds)
        }
        let current = run.iteration > 0
            ? Preview.make(run.currentImage(ema: false), channels: p.channels, height: p.outputHeight, width: p.outputWidth) : nil
        let ema = run.iteration > 0
            ? Preview.make(run.currentImage(ema: true), channels: p.channels, height: p.outputHeight, width: p.outputWidth) : nil
        var shownStatus = status
        lock.lock()
        if status == .running && paused { shownStatus = .paused }
        frame = LiveFrame(
            iteration: max(run.iteration - 1, 0), totalIterations: run.maxIterations, iterationsPerSecond: rate,
            current: current, ema: ema, input: inputPreview, reference: referencePreview, referenceLabel: referenceLabel,
            history: history, bestESIteration: run.earlyStopping.best?.iteration, bestGTIteration: run.bestGT?.iteration,
            stopSuggestedAt: run.settings.autoStop ? run.earlyStopping.suggestedStop : nil, status: shownStatus, info: info)
        lock.unlock()
        frameSignal?.notify()
        frameSignal?.waitUntilShown(timeout: Self.drawWait)
        frameInterval = max(1.0 / 15, Date().timeIntervalSince(now) / Self.uiShare)
    }

    /// The share of wall time the frames may take from training (making the previews, then waiting for the
    /// draw). Why: every frame on the iteration boundary costs its ~10 ms; at 256² on 2 cores, one per
    /// iteration was 2.7% of the time on its own.
    static let uiShare = 0.02

    /// How long an iteration boundary waits for the UI to draw the frame just published: a draw
    /// takes a few ms, so this only matters when the UI is busy (a save, a huge terminal).
    static let drawWait = 0.05
}
