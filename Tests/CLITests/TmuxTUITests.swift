import Foundation
import ImageIO
import XCTest

/// Drives the real TUI inside tmux: the screen, pause/resume, save, scrubbing and quitting.
final class TmuxTUITests: XCTestCase {
    private var dir: String!
    private var socket: String!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-tmux-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        socket = "dip-test-\(UUID().uuidString.prefix(8))"
    }

    override func tearDownWithError() throws {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs tmux on this test's private server through posix_spawn and waitpid. Foundation's
    /// Process is not used here: the server forked by `new-session` inherits the client's
    /// descriptors, and Process then never sees the client finish.
    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let output = "\(dir!)/tmux-\(UUID().uuidString)"
        let quoted = (["tmux", "-L", socket] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        // A clean environment: the server keeps the environment of the process that starts it,
        // and other tests in this process may have changed ours.
        let environment = "env -i PATH=/usr/bin:/bin HOME=\(NSHomeDirectory()) TERM=xterm-256color LANG=C.UTF-8 "
        let script = environment + quoted.joined(separator: " ") + " > '\(output)' 2>/dev/null < /dev/null"
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(script), nil]
        defer { for a in argv { free(a) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { throw XCTSkip("cannot spawn tmux") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        defer { try? FileManager.default.removeItem(atPath: output) }
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    private func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", "dip"]) }

    /// The iteration shown in the status line's "it N/M" token.
    private func shownIteration() throws -> Int? {
        let text = try screen()
        guard let range = text.range(of: #"it (\d+)/\d+"#, options: .regularExpression) else { return nil }
        return Int(text[range].dropFirst(3).split(separator: "/")[0])
    }

    private func waitFor(_ what: String, timeout: TimeInterval = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(try screen())")
        throw XCTSkip("stop")  // end the test; the failure above is what counts
    }

    func testTheLiveViewPausesSavesScrubsAndQuits() throws {
        let image = "\(dir!)/noisy.png"
        let size = 64
        let pixels = (0..<(3 * size * size)).map { i -> Float in 0.5 + 0.3 * sinf(Float(i % size) / 6) + Float((i * 7919) % 89) / 500 }
        try ImageFile.savePNG(Image(width: size, height: size, channels: 3, pixels: pixels.map { min(max($0, 0), 1) }), to: image)
        let out = "\(dir!)/run"
        let command = "\(DipBinary.path) denoise \(image) --out \(out) --snapshot-every 10 --iterations 100000 --no-auto-stop --threads 1 --color truecolor; echo DIP-EXIT-$?"
        try tmux(["new-session", "-d", "-s", "dip", "-x", "120", "-y", "40", "-e", "COLORTERM=truecolor", "-e", "LANG=C.UTF-8"])
        try tmux(["send-keys", "-t", "dip", command, "Enter"])

        var first = 0
        try waitFor("a running iteration count") { (first = try shownIteration() ?? 0, first > 15).1 }
        try waitFor("the count to rise") { (try shownIteration() ?? 0) > first + 5 }
        // A capture can land between ncurses' refresh and the image rows written after it.
        try waitFor("half-block image cells and braille chart dots") {
            let text = try screen()
            return text.contains("▀") && text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
        }

        try tmux(["send-keys", "-t", "dip", "Space"])
        try waitFor("PAUSED") { try screen().contains("PAUSED") }
        // Training stops at the next iteration boundary, so the count may move once more.
        usleep(500_000)
        let paused = try shownIteration()
        sleep(1)
        XCTAssertEqual(try shownIteration(), paused, "the count must not move while paused")
        try tmux(["send-keys", "-t", "dip", "Space"])
        try waitFor("training to resume") { (try shownIteration() ?? 0) > (paused ?? 0) + 3 }

        try tmux(["send-keys", "-t", "dip", "s"])
        try waitFor("a saved file") {
            ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).contains { $0.hasPrefix("saved-iter-") }
        }

        try tmux(["send-keys", "-t", "dip", "Left"])
        try tmux(["send-keys", "-t", "dip", "Left"])
        try waitFor("an earlier snapshot on screen") { try screen().contains("viewing snapshot") }

        try tmux(["send-keys", "-t", "dip", "q"])
        try tmux(["send-keys", "-t", "dip", "q"])
        // The command line itself shows "DIP-EXIT-$?", so look for the expanded status.
        try waitFor("dip to exit") { try screen().range(of: #"DIP-EXIT-\d"#, options: .regularExpression) != nil }
        let final = try screen()
        XCTAssertTrue(final.contains("DIP-EXIT-0"), final)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/result.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/checkpoint"))
        // The shell is usable again: typed text echoes and runs.
        try tmux(["send-keys", "-t", "dip", "echo prompt-$((40+2))", "Enter"])
        try waitFor("a working prompt") { try screen().contains("prompt-42") }
    }
}
