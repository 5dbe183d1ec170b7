import Engine
import Foundation
import ImageIO
import XCTest
@testable import Tasks

/// Small real runs of every task: each must beat its degraded input by a margin.
final class TaskEndToEndTests: RunTestCase {
    /// A smooth synthetic photo with edges: gradients, a disc and a bar.
    static func scene(_ size: Int, channels: Int = 3) -> Image {
        var p = [Float](repeating: 0, count: channels * size * size)
        for c in 0..<channels {
            for y in 0..<size {
                for x in 0..<size {
                    let u = Float(x) / Float(size), v = Float(y) / Float(size)
                    var value = 0.3 + 0.4 * u * (1 - v) + 0.1 * Float(c)
                    let dx = u - 0.6, dy = v - 0.4
                    if dx * dx + dy * dy < 0.05 { value = 0.85 - 0.2 * Float(c) }
                    if x > size / 5 && x < size / 5 + size / 8 { value = 0.1 + 0.05 * Float(c) }
                    p[(c * size + y) * size + x] = min(max(value, 0), 1)
                }
            }
        }
        return Image(width: size, height: size, channels: channels, pixels: p)
    }

    private func save(_ image: Image, _ name: String) throws -> String {
        let path = "\(dir!)/\(name)"
        try ImageFile.savePNG(image, to: path, bitDepth: 16)
        return path
    }

    /// A small, fast net: 3 levels of 16 channels.
    private func options(iterations: Int, autoStop: Bool = false) -> RunOptions {
        var o = RunOptions()
        o.channels = 16
        o.depth = 3
        o.inputDepth = 8
        o.iterations = iterations
        o.autoStop = autoStop
        o.snapshotEvery = 50
        o.checkpointEvery = 50
        o.seed = 11
        return o
    }

    private func runToEnd(_ run: RestorationRun) throws -> RunSummary {
        while try run.step() != nil {}
        return try run.finish()
    }

    private func psnr(_ a: Image, _ b: Image) -> Double { Metrics.psnr(a.pixels, b.pixels) }

    /// The one-line message a TaskError carries, or what went wrong instead.
    private func message(_ block: () throws -> Void) -> String {
        do { try block() } catch let e as TaskError { return e.description } catch { return "other: \(error)" }
        return "no error"
    }

    func testDenoiseBeatsTheNoisyInput() throws {
        let clean = Self.scene(32)
        let noisy = Degradations.noise(clean, sigma: 25, seed: 1)
        var o = options(iterations: 400)
        o.pick = .ema
        let run = try RunFactory.start(
            task: .denoise, paths: RunInputPaths(image: try save(noisy, "noisy.png"), groundTruth: try save(clean, "clean.png")),
            options: o, out: "\(dir!)/run", command: ["test"])
        let summary = try runToEnd(run)
        let result = try ImageFile.load(summary.result)
        XCTAssertEqual([result.width, result.height, result.channels], [32, 32, 3])
        let gain = psnr(result, clean) - psnr(noisy, clean)
        XCTAssertGreaterThan(gain, 3, "denoising gained only \(gain) dB")
        XCTAssertEqual(summary.psnrResult!, psnr(result, clean), accuracy: 0.05)
        // The run directory has its parts.
        let fm = FileManager.default
        for file in ["run.json", "metrics.csv", "checkpoint", "result.png", "result-ema.png", "summary.json"] {
            XCTAssertTrue(fm.fileExists(atPath: "\(dir!)/run/\(file)"), file)
        }
        XCTAssertTrue(fm.fileExists(atPath: "\(dir!)/run/snapshots/iter-000049.png"))
        XCTAssertEqual(MetricsLog.read("\(dir!)/run/metrics.csv").map(\.iteration), Array(0..<400))
    }

    func testSuperResolutionOutputIsExactlyScaleTimesTheInput() throws {
        let clean = Self.scene(48)
        let low = try Degradations.downscale(clean, factor: 2)
        XCTAssertEqual([low.width, low.height], [24, 24])
        var o = options(iterations: 300)
        o.scale = 2
        o.pick = .last
        let run = try RunFactory.start(
            task: .sr, paths: RunInputPaths(image: try save(low, "low.png"), groundTruth: try save(clean, "clean.png")),
            options: o, out: "\(dir!)/sr", command: ["test"])
        let result = try ImageFile.load(try runToEnd(run).result)
        XCTAssertEqual([result.width, result.height], [48, 48])
        // Nearest-neighbour upscaling of the low-resolution image is the bar to beat.
        var nearest = clean
        for c in 0..<3 { for y in 0..<48 { for x in 0..<48 { nearest.pixels[(c * 48 + y) * 48 + x] = low.pixels[(c * 24 + y / 2) * 24 + x / 2] } } }
        XCTAssertGreaterThan(psnr(result, clean), psnr(nearest, clean) + 1)
    }

    func testInpaintFillsAHoleAndKeepsKnownPixels() throws {
        let clean = Self.scene(32)
        var damaged = clean
        var mask = Image(width: 32, height: 32, channels: 1, pixels: [Float](repeating: 1, count: 32 * 32))
        for y in 12..<20 { for x in 12..<20 {
            mask.pixels[y * 32 + x] = 0
            for c in 0..<3 { damaged.pixels[(c * 32 + y) * 32 + x] = 0 }
        } }
        var o = options(iterations: 300)
        o.pick = .last
        let run = try RunFactory.start(
            task: .inpaint,
            paths: RunInputPaths(image: try save(damaged, "d.png"), mask: try save(mask, "m.png"), groundTruth: try save(clean, "c.png")),
            options: o, out: "\(dir!)/inpaint", command: ["test"])
        let summary = try runToEnd(run)
        let result = try ImageFile.load(summary.result)
        XCTAssertGreaterThan(psnr(result, clean), psnr(damaged, clean) + 8)
        // The PSNR the run reports is that of what it saves (known pixels put back), not of the raw output.
        let last = try XCTUnwrap(MetricsLog.read("\(dir!)/inpaint/metrics.csv").last?.psnrGT)
        XCTAssertEqual(last, psnr(result, clean), accuracy: 0.01)
        XCTAssertEqual(summary.psnrResult!, psnr(result, clean), accuracy: 0.01)
        // Outside the hole the input comes back untouched (to 16-bit precision).
        for i in [0, 5, 33, 1000] { XCTAssertEqual(result.pixels[i], damaged.pixels[i], accuracy: 1e-4) }
        let record = try RunDirectory(path: "\(dir!)/inpaint").readRecord()
        XCTAssertTrue(record.compositesKnownPixels)
    }

    func testRestoreFromHalfThePixels() throws {
        let clean = Self.scene(32, channels: 1)
        let (masked, mask) = Degradations.mask(clean, drop: 0.5, seed: 4)
        var o = options(iterations: 300)
        o.learningRate = 0.01
        o.pick = .last
        let run = try RunFactory.start(
            task: .restore, paths: RunInputPaths(image: try save(masked, "x.png"), mask: try save(mask, "m.png")),
            options: o, out: "\(dir!)/restore", command: ["test"])
        let result = try ImageFile.load(try runToEnd(run).result)
        XCTAssertEqual(result.channels, 1, "grayscale stays one channel")
        XCTAssertGreaterThan(psnr(result, clean), psnr(masked, clean) + 10)
    }

    func testJPEGArtefactRemovalImprovesOnTheJPEG() throws {
        let clean = Self.scene(32)
        let (jpeg, bytes) = try Degradations.jpeg(clean, quality: 10)
        let path = "\(dir!)/x.jpg"
        try AtomicFile.write(bytes, to: path)
        var o = options(iterations: 400)
        o.inputDepth = nil
        o.pick = .ema
        let run = try RunFactory.start(
            task: .jpeg, paths: RunInputPaths(image: path, groundTruth: try save(clean, "clean.png")), options: o,
            out: "\(dir!)/jpeg", command: ["test"])
        let result = try ImageFile.load(try runToEnd(run).result)
        XCTAssertGreaterThan(psnr(result, clean), psnr(jpeg, clean) + 0.5)
    }

    func testFlashGuidesANoisyNoFlashPhoto() throws {
        let clean = Self.scene(32)
        let noflash = Degradations.noise(clean, sigma: 25, seed: 2)
        var flash = clean
        flash.pixels = clean.pixels.map { min($0 * 1.2, 1) }
        var o = options(iterations: 200)
        o.inputDepth = nil
        o.learningRate = 0.01
        o.pick = .last
        let run = try RunFactory.start(
            task: .flash, paths: RunInputPaths(image: try save(noflash, "nf.png"), flash: try save(flash, "f.png")),
            options: o, out: "\(dir!)/flash", command: ["test"])
        let result = try ImageFile.load(try runToEnd(run).result)
        XCTAssertGreaterThan(psnr(result, clean), psnr(noflash, clean) + 2)
    }

    func testResumeContinuesTheSameRunExactly() throws {
        let clean = Self.scene(32)
        let noisy = try save(Degradations.noise(clean, sigma: 25, seed: 1), "n.png")
        var o = options(iterations: 60)
        o.checkpointEvery = 20
        let straight = try RunFactory.start(task: .denoise, paths: RunInputPaths(image: noisy), options: o, out: "\(dir!)/a", command: ["t"])
        while try straight.step() != nil {}
        _ = try straight.finish()
        let expected = MetricsLog.read("\(dir!)/a/metrics.csv").map(\.loss)

        var interrupted: RestorationRun? = try RunFactory.start(
            task: .denoise, paths: RunInputPaths(image: noisy), options: o, out: "\(dir!)/b", command: ["t"])
        for _ in 0..<47 { try interrupted!.step() }  // checkpoint at 40; rows 40…46 must be dropped
        interrupted = nil
        let resumed = try RunFactory.resume("\(dir!)/b")
        XCTAssertEqual(resumed.iteration, 40)
        while try resumed.step() != nil {}
        _ = try resumed.finish()
        let rows = MetricsLog.read("\(dir!)/b/metrics.csv")
        XCTAssertEqual(rows.map(\.iteration), Array(0..<60), "no duplicated or missing rows")
        XCTAssertEqual(rows.map(\.loss), expected, "the resumed run repeats the uninterrupted one")
    }

    /// A run that ended goes on only when told how far, and then exactly as if it had had the
    /// longer budget from the start; run.json records the change.
    func testAFinishedRunCanBeExtended() throws {
        let noisy = try save(Degradations.noise(Self.scene(32), sigma: 25, seed: 1), "n.png")
        var o = options(iterations: 90)
        _ = try runToEnd(try RunFactory.start(task: .denoise, paths: RunInputPaths(image: noisy), options: o, out: "\(dir!)/a", command: ["t"]))
        let expected = MetricsLog.read("\(dir!)/a/metrics.csv").map(\.loss)
        o.iterations = 60
        let path = "\(dir!)/b"
        _ = try runToEnd(try RunFactory.start(task: .denoise, paths: RunInputPaths(image: noisy), options: o, out: path, command: ["t"]))
        XCTAssertTrue(message { _ = try RunFactory.resume(path) }.contains("already finished"))
        XCTAssertTrue(message { _ = try RunFactory.resume(path, changes: ResumeChanges(iterations: 60)) }.contains("not more than"))
        let extended = try RunFactory.resume(path, changes: ResumeChanges(iterations: 90))
        XCTAssertEqual(extended.iteration, 60)
        _ = try runToEnd(extended)
        let rows = MetricsLog.read("\(path)/metrics.csv")
        XCTAssertEqual(rows.map(\.iteration), Array(0..<90), "no duplicated or missing rows")
        XCTAssertEqual(rows.map(\.loss), expected, "the extended run repeats the longer one")
        let record = try RunDirectory(path: path).readRecord()
        XCTAssertEqual(record.settings.recipe.iterations, 90)
        XCTAssertTrue(record.notes.contains { $0.hasPrefix("resumed at iteration 60") }, "\(record.notes)")
    }

    /// Auto-stop's state says "stop", so a run that stopped on its own goes on only with auto-stop off.
    func testARunThatStoppedOnItsOwnGoesOnWithAutoStopOff() throws {
        let noisy = try save(Degradations.noise(Self.scene(32), sigma: 25, seed: 1), "n.png")
        var o = options(iterations: 600, autoStop: true)
        o.patience = 5
        let path = "\(dir!)/run"
        let summary = try runToEnd(try RunFactory.start(task: .denoise, paths: RunInputPaths(image: noisy), options: o, out: path, command: ["t"]))
        guard case .autoStop = summary.stopReason else { return XCTFail("expected an auto-stop, got \(summary.stopReason)") }
        let done = summary.iterations
        XCTAssertTrue(message { _ = try RunFactory.resume(path) }.contains("--no-auto-stop"))
        let more = try RunFactory.resume(path, changes: ResumeChanges(iterations: done + 20, autoStop: false))
        XCTAssertEqual(try runToEnd(more).stopReason, .iterations)
        XCTAssertEqual(MetricsLog.read("\(path)/metrics.csv").map(\.iteration), Array(0..<(done + 20)))
    }

    func testBadInputsGiveOneLineErrors() throws {
        let image = try save(Self.scene(16), "ok.png")
        let small = try save(Self.scene(8, channels: 1), "small.png")
        XCTAssertTrue(message { _ = try RunFactory.prepare(task: .inpaint, paths: RunInputPaths(image: image, mask: small), options: RunOptions()) }
            .contains("must match"))
        XCTAssertTrue(message { _ = try RunFactory.prepare(task: .denoise, paths: RunInputPaths(image: "\(dir!)/missing.png"), options: RunOptions()) }
            .contains("missing.png"))
        XCTAssertTrue(message { _ = try RunFactory.prepare(task: .denoise, paths: RunInputPaths(image: image, groundTruth: small), options: RunOptions()) }
            .contains("small.png"))
        let colourMask = try save(Self.scene(16), "colour.png")
        XCTAssertTrue(message { _ = try RunFactory.prepare(task: .inpaint, paths: RunInputPaths(image: image, mask: colourMask), options: RunOptions()) }
            .contains("1-channel"))
        for m in [message { _ = try RunDirectory.open(self.dir!) }] { XCTAssertTrue(m.contains("not a dip run")) }
    }

    /// Early stopping is for noise; masked tasks fit exact pixels, run their count and keep the
    /// final EMA unless the user asks otherwise.
    func testMaskedTasksRunTheirCountAndKeepTheFinalEMA() throws {
        let image = try save(Self.scene(16), "ok.png")
        var hole = Image(width: 16, height: 16, channels: 1, pixels: [Float](repeating: 1, count: 256))
        for i in 100..<120 { hole.pixels[i] = 0 }
        let paths = RunInputPaths(image: image, mask: try save(hole, "m.png"))
        for task in [TaskKind.inpaint, .restore] {
            let (_, settings, _) = try RunFactory.prepare(task: task, paths: paths, options: RunOptions())
            XCTAssertFalse(settings.autoStop, "\(task)")
            XCTAssertEqual(settings.pick, .ema, "\(task)")
        }
        let (_, denoise, _) = try RunFactory.prepare(task: .denoise, paths: RunInputPaths(image: image), options: RunOptions())
        XCTAssertTrue(denoise.autoStop)
        XCTAssertEqual(denoise.pick, .bestES)
        var asked = RunOptions()
        asked.autoStop = true
        asked.pick = .bestES
        let (_, restore, _) = try RunFactory.prepare(task: .restore, paths: paths, options: asked)
        XCTAssertTrue(restore.autoStop)
        XCTAssertEqual(restore.pick, .bestES)
    }

    func testInvertedLookingMaskIsFlagged() throws {
        let image = try save(Self.scene(16), "ok.png")
        var mask = Image(width: 16, height: 16, channels: 1, pixels: [Float](repeating: 0, count: 256))
        mask.pixels[0] = 1
        let (problem, _, _) = try RunFactory.prepare(
            task: .inpaint, paths: RunInputPaths(image: image, mask: try save(mask, "m.png")), options: RunOptions())
        XCTAssertTrue(problem.warnings.contains { $0.contains("inverted") })
    }
}
