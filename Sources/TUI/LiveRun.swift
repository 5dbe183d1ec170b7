import Foundation

// The boundary between a training run and the live view. The TUI never imports the engine: the `dip`
// executable adapts a run to `LiveRunControl`, and tests use a fake.

/// One row of training progress, as the TUI charts it.
public struct ProgressPoint: Sendable, Equatable {
    public var iteration: Int
    public var loss: Double
    public var psnrInput: Double
    public var psnrGT: Double?
    public var psnrGTEMA: Double?
    public var esSignal: Double?
    public var seconds: Double

    public init(
        iteration: Int, loss: Double, psnrInput: Double, psnrGT: Double? = nil, psnrGTEMA: Double? = nil,
        esSignal: Double? = nil, seconds: Double = 0
    ) {
        self.iteration = iteration
        self.loss = loss
        self.psnrInput = psnrInput
        self.psnrGT = psnrGT
        self.psnrGTEMA = psnrGTEMA
        self.esSignal = esSignal
        self.seconds = seconds
    }
}

/// An RGB image downsampled for display (8-bit, row-major interleaved RGB, width*height*3 bytes).
public struct PreviewImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var rgb: [UInt8]

    /// `rgb` must hold width*height*3 bytes; a short buffer is padded with black, a long one truncated.
    public init(width: Int, height: Int, rgb: [UInt8]) {
        self.width = max(0, width)
        self.height = max(0, height)
        let n = self.width * self.height * 3
        if rgb.count == n {
            self.rgb = rgb
        } else if rgb.count > n {
            self.rgb = Array(rgb.prefix(n))
        } else {
            self.rgb = rgb + [UInt8](repeating: 0, count: n - rgb.count)
        }
    }

    /// The pixel at (x, y); no bounds check beyond a precondition in debug builds.
    @inline(__always)
    public func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(rgb[i], rgb[i + 1], rgb[i + 2])
    }
}

/// Where the run is.
public enum RunStatus: Sendable, Equatable {
    case running
    case paused
    case finished(reason: String)
    case failed(message: String)

    /// True once the run will not produce new iterations.
    public var isOver: Bool {
        switch self {
        case .running, .paused: return false
        case .finished, .failed: return true
        }
    }
}

/// What the training side publishes; the UI takes the latest one.
public struct LiveFrame: Sendable {
    public var iteration: Int
    public var totalIterations: Int
    public var iterationsPerSecond: Double
    public var current: PreviewImage?
    public var ema: PreviewImage?
    public var input: PreviewImage?
    /// Ground truth or a mask overlay; titled by `referenceLabel`.
    public var reference: PreviewImage?
    /// Pane title for `reference` ("GT", "mask"…).
    public var referenceLabel: String
    /// Full history so far (or a decimated copy), oldest first.
    public var history: [ProgressPoint]
    public var bestESIteration: Int?
    public var bestGTIteration: Int?
    public var stopSuggestedAt: Int?
    public var status: RunStatus
    /// task, seed, threads… shown in the status line. Known keys: "task", "seed", "threads" (shown as given, e.g. "2 threads"); others follow.
    public var info: [String: String]

    public init(
        iteration: Int, totalIterations: Int, iterationsPerSecond: Double = 0,
        current: PreviewImage? = nil, ema: PreviewImage? = nil, input: PreviewImage? = nil,
        reference: PreviewImage? = nil, referenceLabel: String = "reference",
        history: [ProgressPoint] = [], bestESIteration: Int? = nil, bestGTIteration: Int? = nil,
        stopSuggestedAt: Int? = nil, status: RunStatus = .running, info: [String: String] = [:]
    ) {
        self.iteration = iteration
        self.totalIterations = totalIterations
        self.iterationsPerSecond = iterationsPerSecond
        self.current = current
        self.ema = ema
        self.input = input
        self.reference = reference
        self.referenceLabel = referenceLabel
        self.history = history
        self.bestESIteration = bestESIteration
        self.bestGTIteration = bestGTIteration
        self.stopSuggestedAt = stopSuggestedAt
        self.status = status
        self.info = info
    }
}

/// A saved snapshot the user can scrub to.
public struct SnapshotRef: Sendable {
    public var iteration: Int
    public var image: PreviewImage
    public var ema: PreviewImage?

    public init(iteration: Int, image: PreviewImage, ema: PreviewImage? = nil) {
        self.iteration = iteration
        self.image = image
        self.ema = ema
    }
}

/// Commands from the UI to the run. Implemented by the dip executable; a fake in tests.
///
/// Every method is called from the UI thread. `latestFrame` and `snapshots` must not block on the training
/// step; `saveNow` may block for the time a save takes. `stop` may be called after the run has finished
/// (the user quitting the review screen) and must then be harmless.
public protocol LiveRunControl: AnyObject, Sendable {
    /// The newest published frame, or nil before the first one. Non-blocking.
    func latestFrame() -> LiveFrame?
    func setPaused(_ paused: Bool)
    /// Saves the current result now; returns the file written (shown in a toast).
    func saveNow() -> Result<String, Error>
    /// q: stop, saving checkpoint and result (`acceptIteration` nil). Enter: accept the shown iteration
    /// (a scrubbed snapshot's, or the live frame's).
    func stop(acceptIteration: Int?)
    /// Saved snapshots so far, oldest first (for ←/→ scrubbing).
    func snapshots() -> [SnapshotRef]
    /// Fired on each published frame, so the UI can sleep until there is something to draw.
    var frameSignal: FrameSignal? { get }
}

extension LiveRunControl {
    public var frameSignal: FrameSignal? { nil }
}

/// A self-pipe that wakes the UI when the training thread publishes a frame, and a handshake that lets the
/// training thread wait, at the iteration boundary, until the UI has drawn it.
///
/// Why not poll: every wake-up of a third thread on 2 cores stalls oneDNN's OpenMP barriers. A
/// process that only woke 20 times a second for 1 ms slowed a 256² iteration by 9%, and the
/// UI's 15-per-second polling cost 20% (0.438 vs 0.364 s/it). Woken by frames and keys, it
/// wakes about as often as iterations end.
/// Why wait for the draw: then drawing never runs beside the next iteration's parallel regions, and
/// its whole cost lands on the training thread's clock, where `LiveSession` holds it to a share of
/// the run.
public final class FrameSignal: @unchecked Sendable {
    let readFD: Int32
    private let writeFD: Int32
    private let handshake = NSCondition()
    // Guarded by `handshake`: frames notified, taken by the UI's last drain, and drawn.
    private var notifiedGeneration = 0
    private var drainedGeneration = 0
    private var shownGeneration = 0

    public init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Never blocks: a full pipe already holds a wake-up.
    public func notify() {
        handshake.lock()
        notifiedGeneration += 1
        handshake.unlock()
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Training side: waits until the UI has drawn every frame notified so far, or `timeout` seconds,
    /// whichever comes first (a busy or absent UI never holds training up for longer). True if drawn.
    @discardableResult
    public func waitUntilShown(timeout: Double) -> Bool {
        handshake.lock()
        defer { handshake.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while shownGeneration < notifiedGeneration && handshake.wait(until: deadline) {}
        return shownGeneration >= notifiedGeneration
    }

    /// UI side: everything notified before the last `drain` is now on screen.
    func markShown() {
        handshake.lock()
        shownGeneration = drainedGeneration
        handshake.broadcast()
        handshake.unlock()
    }

    /// Empties the pipe; true if anything had been signalled.
    func drain() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        var any = false
        while read(readFD, &buffer, buffer.count) > 0 { any = true }
        // After the read: a frame notified in between is then either counted here or wakes the next poll.
        handshake.lock()
        drainedGeneration = notifiedGeneration
        handshake.unlock()
        return any
    }
}
