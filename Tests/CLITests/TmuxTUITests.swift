import Foundation
import ImageIO
import XCTest

/// Drives the real TUI inside tmux: the screen, pause/resume, save, scrubbing and quitting.
final class TmuxTUITests: TmuxTestCase {
    func testTheLiveViewPausesSavesScrubsAndQuits() throws {
        let image = "\(dir!)/noisy.png"
        let size = 64
        let pixels = (0..<(3 * size * size)).map { i -> Float in 0.5 + 0.3 * sinf(Float(i % size) / 6) + Float((i * 7919) % 89) / 500 }
        try ImageFile.savePNG(Image(width: size, height: size, channels: 3, pixels: pixels.map { min(max($0, 0), 1) }), to: image)
        let out = "\(dir!)/run"
        let command = "\(DipBinary.path) denoise \(image) --out \(out) --snapshot-every 10 --iterations 100000 --no-auto-stop --threads 1 --color truecolor; echo DIP-EXIT-$?"
        terminal = try TmuxTerminal(scratch: dir, environment: ["COLORTERM=truecolor"])
        try terminal.send(command, "Enter")

        var first = 0
        try waitFor("a running iteration count") { (first = try shownIteration() ?? 0, first > 15).1 }
        try waitFor("the count to rise") { (try shownIteration() ?? 0) > first + 5 }
        // A capture can land between ncurses' refresh and the image rows written after it.
        try waitFor("half-block image cells and braille chart dots") {
            let text = try screen()
            return text.contains("▀") && text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
        }

        try terminal.send("Space")
        try waitFor("PAUSED") { try screen().contains("PAUSED") }
        // Training stops at the next iteration boundary, so the count may move once more.
        usleep(500_000)
        let paused = try shownIteration()
        sleep(1)
        XCTAssertEqual(try shownIteration(), paused, "the count must not move while paused")
        try terminal.send("Space")
        try waitFor("training to resume") { (try shownIteration() ?? 0) > (paused ?? 0) + 3 }

        try terminal.send("s")
        try waitFor("a saved file") {
            ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).contains { $0.hasPrefix("saved-iter-") }
        }

        try terminal.send("Left")
        try terminal.send("Left")
        try waitFor("an earlier snapshot on screen") { try screen().contains("viewing snapshot") }

        try terminal.send("q")
        try terminal.send("q")
        // The command line itself shows "DIP-EXIT-$?", so look for the expanded status.
        try waitFor("dip to exit") { try screen().range(of: #"DIP-EXIT-\d"#, options: .regularExpression) != nil }
        let final = try screen()
        XCTAssertTrue(final.contains("DIP-EXIT-0"), final)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/result.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/checkpoint"))
        // The shell is usable again: typed text echoes and runs.
        try terminal.send("echo prompt-$((40+2))", "Enter")
        try waitFor("a working prompt") { try screen().contains("prompt-42") }
    }

    /// The demo's promise: scrub back to a snapshot that looks right, press Enter, find it saved as the result.
    func testEnterAcceptsAScrubbedSnapshotOfALiveRun() throws {
        let image = "\(dir!)/noisy.png"
        let pixels = (0..<(3 * 48 * 48)).map { i -> Float in
            let wave: Float = 0.3 * sinf(Float(i % 48) / 4)
            let grain = Float((i * 7919) % 61) / 400
            return min(max(0.45 + wave + grain, 0), 1)
        }
        try ImageFile.savePNG(Image(width: 48, height: 48, channels: 3, pixels: pixels), to: image)
        let out = "\(dir!)/run"
        terminal = try TmuxTerminal(scratch: dir, environment: ["COLORTERM=truecolor"])
        try terminal.send(
            "\(DipBinary.path) denoise \(image) --out \(out) --snapshot-every 10 --iterations 100000 --no-auto-stop --threads 1 "
                + "--channels 16 --depth 3 --input-depth 8; echo DIP-EXIT-$?", "Enter")
        try waitFor("a few snapshots") { (try shownIteration() ?? 0) > 35 }
        // One ← only: the newest snapshot, which then stays on screen while training goes on (a second ←
        // could land between the capture below and Enter).
        try terminal.send("Left")
        var chosen: Int?
        try waitFor("a scrubbed snapshot") {
            let text = try screen()
            guard let r = text.range(of: #"viewing snapshot \d+"#, options: .regularExpression) else { return false }
            chosen = Int(text[r].split(separator: " ").last!)
            return true
        }
        try terminal.send("Enter")
        try waitFor("dip to exit") { try screen().range(of: #"DIP-EXIT-\d"#, options: .regularExpression) != nil }
        let final = try screen()
        XCTAssertTrue(final.contains("DIP-EXIT-0"), final)

        let summaryData = try Data(contentsOf: URL(fileURLWithPath: "\(out)/summary.json"))
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: summaryData) as? [String: Any])
        let snapshot = try XCTUnwrap(chosen)
        XCTAssertEqual(summary["pickedIteration"] as? Int, snapshot)
        XCTAssertEqual(summary["pickNote"] as? String, "accepted by the user")
        XCTAssertGreaterThan(summary["iterations"] as? Int ?? 0, snapshot + 1, "the accepted snapshot is an earlier one")
        // result.png holds that snapshot (the denoise recipe prefers the EMA image).
        let result = try ImageFile.load("\(out)/result.png")
        let saved = try ImageFile.load(String(format: "\(out)/snapshots/iter-%06d-ema.png", snapshot))
        XCTAssertTrue(result.pixels == saved.pixels, "result.png is not snapshot \(snapshot)'s EMA image")
    }

    func testViewBrowsesAFinishedRun() throws {
        let image = "\(dir!)/noisy.png"
        let pixels = (0..<(3 * 48 * 48)).map { i -> Float in 0.4 + 0.3 * sinf(Float(i % 48) / 5) }
        try ImageFile.savePNG(Image(width: 48, height: 48, channels: 3, pixels: pixels), to: image)
        let out = "\(dir!)/run"
        let run = try DipBinary.run(
            ["denoise", image, "--out", out, "--iterations", "30", "--snapshot-every", "10", "--headless", "--threads", "1",
             "--channels", "16", "--depth", "3", "--input-depth", "8"])
        XCTAssertEqual(run.status, 0, run.stderr)
        terminal = try TmuxTerminal(scratch: dir)
        try terminal.send("\(DipBinary.path) view \(out) --color 256; echo VIEW-EXIT-$?", "Enter")
        try waitFor("the finished run's last iteration") { try screen().contains("it 29/30") }
        try terminal.send("Home")
        try waitFor("the first snapshot") { try screen().contains("viewing snapshot 9") }
        try terminal.send("Enter")
        // Enter accepts the shown snapshot and leaves the view.
        try waitFor("the accepted snapshot file") { FileManager.default.fileExists(atPath: "\(out)/accepted-iter-000009.png") }
        try waitFor("dip view to exit") { try screen().range(of: #"VIEW-EXIT-\d"#, options: .regularExpression) != nil }
        XCTAssertTrue(try screen().contains("VIEW-EXIT-0"))
    }
}
