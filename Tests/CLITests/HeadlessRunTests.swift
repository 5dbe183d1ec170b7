import Foundation
import ImageIO
import Tasks
import XCTest

final class HeadlessRunTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func noisyImage(_ size: Int) throws -> String {
        let path = "\(dir!)/noisy.png"
        var pixels = [Float](repeating: 0, count: 3 * size * size)
        for i in pixels.indices { pixels[i] = 0.5 + 0.3 * sinf(Float(i % size) / 5) + Float((i * 7919) % 101) / 400 - 0.12 }
        try ImageFile.savePNG(Image(width: size, height: size, channels: 3, pixels: pixels.map { min(max($0, 0), 1) }), to: path)
        return path
    }

    private let smallNet = ["--channels", "8", "--depth", "3", "--input-depth", "8", "--threads", "1"]

    func testJSONLinesEndWithASummary() throws {
        let image = try noisyImage(24)
        let out = "\(dir!)/run"
        let r = try DipBinary.run(["denoise", image, "--iterations", "30", "--json", "--out", out] + smallNet)
        XCTAssertEqual(r.status, 0, r.stderr)
        let events = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(events.first?["event"] as? String, "start")
        XCTAssertEqual(events.filter { $0["event"] as? String == "progress" }.count, 30)
        XCTAssertEqual(events.last?["event"] as? String, "summary")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/result.png"))
    }

    /// stderr to a file (a log): plain lines, one at the start and one per 10%, then the result.
    func testALogGetsPlainProgressLines() throws {
        let image = try noisyImage(24)
        let r = try DipBinary.run(["denoise", image, "--iterations", "30", "--out", "\(dir!)/run", "--headless"] + smallNet)
        XCTAssertEqual(r.status, 0, r.stderr)
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("it ") }
        XCTAssertEqual(progress.count, 11, "the first iteration and each tenth: \(r.stderr)")
        XCTAssertTrue(progress.first?.hasPrefix("it 1/30 ") ?? false, r.stderr)
        XCTAssertTrue(progress.last?.hasPrefix("it 30/30 ") ?? false, r.stderr)
        XCTAssertFalse(r.stderr.contains("\u{1B}"), "no terminal escapes in a log")
        XCTAssertTrue(r.stderr.contains("result: iteration"), r.stderr)
    }

    /// kill -9 at a random moment after a checkpoint, then `dip resume`: the metrics have every
    /// iteration exactly once and the losses equal an uninterrupted run's.
    func testResumeAfterSIGKILLMatchesAnUninterruptedRun() throws {
        let image = try noisyImage(64)
        let arguments = ["denoise", image, "--iterations", "600", "--checkpoint-every", "25", "--headless", "--seed", "5"] + smallNet
        let reference = try DipBinary.run(arguments + ["--out", "\(dir!)/straight"])
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = MetricsLog.read("\(dir!)/straight/metrics.csv")
        XCTAssertEqual(expected.count, 600)

        let victim = "\(dir!)/victim"
        let process = try DipBinary.start(arguments + ["--out", victim])
        let deadline = Date().addingTimeInterval(120)
        while MetricsLog.read("\(victim)/metrics.csv").count < 110 && Date() < deadline && process.isRunning {
            usleep(20_000)
        }
        XCTAssertTrue(process.isRunning, "the run finished before it could be killed; make it longer")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)

        let resumed = try DipBinary.run(["resume", victim, "--headless", "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let rows = MetricsLog.read("\(victim)/metrics.csv")
        XCTAssertEqual(rows.map(\.iteration), Array(0..<600), "every iteration exactly once")
        XCTAssertEqual(rows.map(\.loss), expected.map(\.loss), "same losses as the uninterrupted run")
    }

    func testResumeExtendsAFinishedRunOnlyWhenAsked() throws {
        let out = "\(dir!)/run"
        let first = try DipBinary.run(["denoise", try noisyImage(24), "--iterations", "20", "--headless", "--out", out] + smallNet)
        XCTAssertEqual(first.status, 0, first.stderr)
        let again = try DipBinary.run(["resume", out, "--headless"])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("already finished") && again.stderr.contains("--iterations"), again.stderr)
        let more = try DipBinary.run(["resume", out, "--iterations", "35", "--headless", "--threads", "1"])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertEqual(MetricsLog.read("\(out)/metrics.csv").map(\.iteration), Array(0..<35))
    }
}
