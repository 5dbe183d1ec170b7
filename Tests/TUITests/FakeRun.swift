import Foundation
@testable import TUI

/// A `LiveRunControl` that synthesises a run: a gradient image that moves with the iteration, a decaying loss,
/// rising PSNRs, an ES signal, and a snapshot every `snapshotEvery` iterations. It records every command.
/// `advance(to:)` drives it deterministically; `startTicking` drives it from a background queue instead.
final class FakeRun: LiveRunControl, @unchecked Sendable {
    let total: Int
    let imageSize: (width: Int, height: Int)
    let snapshotEvery: Int
    let withGT: Bool

    private let lock = NSLock()
    private var iteration = 0
    private var history: [ProgressPoint] = []
    private var snaps: [SnapshotRef] = []
    private var paused = false
    private var finished: String?
    private var timer: DispatchSourceTimer?

    // Recorded commands.
    private(set) var pauseCalls: [Bool] = []
    private(set) var saveCalls = 0
    private(set) var stopCalls: [Int?] = []
    /// How many times the UI asked for a frame (tests wait for the loop to be running).
    private(set) var frameRequests = 0
    var saveResult: Result<String, Error> = .success("runs/fake/result.png")

    init(total: Int = 3000, imageSize: (Int, Int) = (48, 32), snapshotEvery: Int = 100, withGT: Bool = true) {
        self.total = total
        self.imageSize = imageSize
        self.snapshotEvery = snapshotEvery
        self.withGT = withGT
    }

    /// A horizontal/vertical gradient shifted by `phase`.
    static func gradient(width: Int, height: Int, phase: Int) -> PreviewImage {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                rgb[i] = UInt8((x * 255 / max(1, width - 1) + phase) % 256)
                rgb[i + 1] = UInt8(y * 255 / max(1, height - 1))
                rgb[i + 2] = UInt8((255 - x * 255 / max(1, width - 1) + phase / 2) % 256)
            }
        }
        return PreviewImage(width: width, height: height, rgb: rgb)
    }

    static func loss(at it: Int) -> Double { 0.08 * exp(-Double(it) / 600) + 0.002 + 0.0005 * sin(Double(it) / 7) }

    /// Advances the synthetic run to iteration `target` (no-op while paused or finished).
    func advance(to target: Int) {
        lock.lock()
        defer { lock.unlock() }
        guard !paused, finished == nil else { return }
        while iteration < min(target, total) {
            iteration += 10
            let l = FakeRun.loss(at: iteration)
            let psnrIn = 20 + 8 * (1 - exp(-Double(iteration) / 500))
            history.append(ProgressPoint(
                iteration: iteration, loss: l, psnrInput: psnrIn,
                psnrGT: withGT ? psnrIn + 2 - Double(iteration) / 1000 : nil,
                psnrGTEMA: withGT ? psnrIn + 2.3 - Double(iteration) / 1200 : nil,
                esSignal: 1e-3 * exp(-Double(iteration) / 800) + 1e-5, seconds: Double(iteration) / 50))
            if iteration % snapshotEvery == 0 {
                snaps.append(SnapshotRef(
                    iteration: iteration, image: FakeRun.gradient(width: imageSize.width, height: imageSize.height, phase: iteration),
                    ema: FakeRun.gradient(width: imageSize.width, height: imageSize.height, phase: iteration / 2)))
            }
        }
        if iteration >= total { finished = "reached \(total) iterations" }
    }

    func finish(reason: String) {
        lock.lock()
        finished = reason
        lock.unlock()
    }

    /// Advances by `step` iterations every `interval` seconds on a background queue.
    func startTicking(step: Int = 20, interval: Double = 0.02) {
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "fake.run"))
        t.schedule(deadline: .now(), repeating: interval)
        t.setEventHandler { [weak self] in
            guard let self else { return }
            self.advance(to: self.currentIteration + step)
        }
        t.resume()
        timer = t
    }

    /// The frame signal the UI sleeps on; nil unless `startPublishing` runs.
    private(set) var frameSignal: FrameSignal?
    private var publisher: Thread?
    private var publishing = false
    /// Frames published by `startPublishing`, and how many of them the UI drew before the wait timed out.
    private(set) var published = 0
    private(set) var shownInTime = 0

    /// Like the real training thread: advance, publish, then wait at the "iteration boundary" until the UI has
    /// drawn the frame (at most `timeout` seconds), `interval` seconds apart.
    func startPublishing(step: Int = 20, interval: Double = 0.03, timeout: Double = 2) {
        let signal = FrameSignal()!
        frameSignal = signal
        publishing = true
        let thread = Thread { [self] in
            while true {
                lock.lock()
                let go = publishing
                lock.unlock()
                guard go else { break }
                advance(to: currentIteration + step)
                signal.notify()
                let shown = signal.waitUntilShown(timeout: timeout)
                lock.lock()
                published += 1
                if shown { shownInTime += 1 }
                lock.unlock()
                Thread.sleep(forTimeInterval: interval)
            }
        }
        publisher = thread
        thread.start()
    }

    func stopPublishing() {
        lock.lock()
        publishing = false
        lock.unlock()
        while publisher?.isFinished == false { Thread.sleep(forTimeInterval: 0.01) }
    }

    func stopTicking() {
        timer?.cancel()
        timer = nil
    }

    var requestsSoFar: Int {
        lock.lock()
        defer { lock.unlock() }
        return frameRequests
    }

    var currentIteration: Int {
        lock.lock()
        defer { lock.unlock() }
        return iteration
    }

    // MARK: LiveRunControl

    func latestFrame() -> LiveFrame? {
        lock.lock()
        defer { lock.unlock() }
        frameRequests += 1
        guard iteration > 0 else { return nil }
        let w = imageSize.width, h = imageSize.height
        let best = history.max { ($0.psnrGT ?? 0) < ($1.psnrGT ?? 0) }?.iteration
        let status: RunStatus = finished.map { .finished(reason: $0) } ?? (paused ? .paused : .running)
        return LiveFrame(
            iteration: iteration, totalIterations: total, iterationsPerSecond: 50,
            current: FakeRun.gradient(width: w, height: h, phase: iteration),
            ema: FakeRun.gradient(width: w, height: h, phase: iteration / 2),
            input: FakeRun.gradient(width: w, height: h, phase: 0),
            reference: withGT ? FakeRun.gradient(width: w, height: h, phase: 128) : nil,
            referenceLabel: "GT", history: history,
            bestESIteration: iteration >= 400 ? 400 : nil, bestGTIteration: withGT ? best : nil,
            stopSuggestedAt: iteration >= 1400 ? 1400 : nil, status: status,
            info: ["task": "denoise", "seed": "7", "threads": "2 threads"])
    }

    func setPaused(_ p: Bool) {
        lock.lock()
        defer { lock.unlock() }
        pauseCalls.append(p)
        paused = p
    }

    func saveNow() -> Result<String, Error> {
        lock.lock()
        defer { lock.unlock() }
        saveCalls += 1
        return saveResult
    }

    func stop(acceptIteration: Int?) {
        lock.lock()
        defer { lock.unlock() }
        stopCalls.append(acceptIteration)
    }

    func snapshots() -> [SnapshotRef] {
        lock.lock()
        defer { lock.unlock() }
        return snaps
    }
}
