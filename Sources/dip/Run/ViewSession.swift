import Foundation
import ImageIO
import TUI
import Tasks

/// Shows a run directory in the TUI: a finished run for browsing, or a run another process is
/// writing, followed through its files (metrics.csv and snapshots/, re-read every second).
/// Enter on a snapshot writes it as accepted-iter-N.png next to result.png.
final class ViewSession: LiveRunControl, @unchecked Sendable {
    private let directory: RunDirectory
    private let record: RunRecord
    private let lock = NSLock()
    private var frame: LiveFrame?
    private var snapshotRefs: [SnapshotRef] = []
    private var loadedSnapshots = Set<Int>()
    private var timer: DispatchSourceTimer?
    private let input: PreviewImage?
    private let reference: (PreviewImage, String)?

    init(_ path: String) throws {
        directory = try RunDirectory.open(path)
        let record = try directory.readRecord()
        self.record = record
        func load(_ role: String) -> Image? {
            record.inputs.first { $0.role == role }.flatMap { try? ImageFile.load($0.path) }
        }
        input = load("image").map(Preview.make)
        if let gt = load("ground_truth") {
            reference = (Preview.make(gt), "ground truth")
        } else if let mask = load("mask") {
            reference = (Preview.make(mask), "mask (white = known)")
        } else {
            reference = nil
        }
    }

    static func run(_ path: String, color: String, theme: String?) throws -> Int32 {
        let session = try ViewSession(path)
        session.refresh()
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { session.refresh() }
        timer.resume()
        session.timer = timer
        var options = LiveViewOptions(color: ColorChoice(argument: color) ?? .auto, themeName: theme)
        options.themeSearchPath = ThemeLibrary.defaultSearchPath() + [LiveSession.bundledThemes]
        let outcome = try LiveView.run(control: session, options: options)
        timer.cancel()
        for message in outcome.messages { FileHandle.standardError.write(Data("dip: \(message)\n".utf8)) }
        return outcome.suggestedExitCode
    }

    /// Re-reads the run's files and builds a new frame.
    func refresh() {
        let rows = MetricsLog.read(directory.metricsCSV)
        let snapshots = (try? FileManager.default.contentsOfDirectory(atPath: directory.snapshots)) ?? []
        let iterations = snapshots.compactMap { name -> Int? in
            guard name.hasPrefix("iter-"), name.hasSuffix(".png"), !name.hasSuffix("-ema.png") else { return nil }
            return Int(name.dropFirst(5).dropLast(4))
        }.sorted()
        var newRefs: [SnapshotRef] = []
        for i in iterations where !loadedSnapshots.contains(i) {
            guard let raw = try? ImageFile.load(directory.snapshot(i, ema: false)) else { continue }
            let ema = try? ImageFile.load(directory.snapshot(i, ema: true))
            newRefs.append(SnapshotRef(iteration: i, image: Preview.make(raw), ema: ema.map(Preview.make)))
        }
        let summary = FileManager.default.contents(atPath: directory.summaryJSON).flatMap {
            try? JSONDecoder().decode(RunSummary.self, from: $0)
        }
        let settings = record.settings
        var bestES: (Int, Double)?
        for r in rows where r.iteration + 1 >= settings.esWindow {
            if let v = r.esSignal, v < (bestES?.1 ?? .infinity) { bestES = (r.iteration, v) }
        }
        let bestGT = rows.compactMap { r in r.psnrGT.map { (r.iteration, max($0, r.psnrGTEMA ?? $0)) } }.max { $0.1 < $1.1 }
        var rate = 0.0
        if rows.count > 20 {
            let a = rows[rows.count - 20], b = rows[rows.count - 1]
            if b.seconds > a.seconds { rate = Double(b.iteration - a.iteration) / (b.seconds - a.seconds) }
        }
        lock.lock()
        for ref in newRefs {
            snapshotRefs.append(ref)
            loadedSnapshots.insert(ref.iteration)
        }
        snapshotRefs.sort { $0.iteration < $1.iteration }
        let latest = snapshotRefs.last
        frame = LiveFrame(
            iteration: rows.last?.iteration ?? 0, totalIterations: settings.recipe.iterations,
            iterationsPerSecond: summary == nil ? rate : 0, current: latest?.image, ema: latest?.ema, input: input,
            reference: reference?.0, referenceLabel: reference?.1 ?? "reference",
            history: rows.map {
                ProgressPoint(
                    iteration: $0.iteration, loss: $0.loss, psnrInput: $0.psnrInput, psnrGT: $0.psnrGT,
                    psnrGTEMA: $0.psnrGTEMA, esSignal: $0.esSignal, seconds: $0.seconds)
            },
            bestESIteration: bestES?.0, bestGTIteration: bestGT?.0,
            stopSuggestedAt: settings.autoStop ? bestES.map { $0.0 + settings.patience } : nil,
            status: summary.map { .finished(reason: "\($0.stopReason); result from iteration \($0.pickedIteration)") }
                ?? .running,
            info: ["task": settings.task.rawValue, "seed": String(settings.seed), "run": directory.path, "mode": "view"])
        lock.unlock()
    }

    func latestFrame() -> LiveFrame? {
        lock.lock()
        defer { lock.unlock() }
        return frame
    }

    /// Viewing cannot pause a run in another process.
    func setPaused(_ paused: Bool) {}

    /// Saves the newest snapshot's image under a name that says what it is.
    func saveNow() -> Result<String, Error> {
        lock.lock()
        let latest = snapshotRefs.last?.iteration
        lock.unlock()
        guard let latest else { return .failure(TaskError.runtime("no snapshot to save yet")) }
        return Result { try accept(latest) }
    }

    func stop(acceptIteration: Int?) {
        if let k = acceptIteration { _ = try? accept(k) }
    }

    func snapshots() -> [SnapshotRef] {
        lock.lock()
        defer { lock.unlock() }
        return snapshotRefs
    }

    /// Copies snapshot `k` (the EMA where the task prefers it) to accepted-iter-k.png.
    private func accept(_ k: Int) throws -> String {
        let source = directory.snapshot(k, ema: record.settings.recipe.preferEMA)
        let target = "\(directory.path)/accepted-iter-\(String(format: "%06d", k)).png"
        guard let data = FileManager.default.contents(atPath: source) else { throw TaskError.runtime("cannot read \(source)") }
        try AtomicFile.write([UInt8](data), to: target)
        return target
    }
}
