import XCTest
@testable import TUI

final class StatusLineTests: XCTestCase {
    private func frame(_ it: Int, status: RunStatus = .running) -> LiveFrame {
        let run = FakeRun()
        run.advance(to: it)
        var f = run.latestFrame()!
        f.status = status
        return f
    }

    func testFullLine() {
        let segs = StatusLine.segments(frame: frame(1500), paused: false, scrubbed: nil, colorMode: .ansi256, themeName: "light")
        let text = StatusLine.text(segs)
        for piece in ["RUNNING", "denoise", "it 1500/3000", "50.0 it/s", "ETA 30s", "loss ", "PSNR in ", " gt ", " ema ",
                      "stop suggested at 1400", "seed 7", "2 threads", "256 · light"] {
            XCTAssertTrue(text.contains(piece), "missing '\(piece)' in \(text)")
        }
    }

    func testPausedAndScrubbedAndFinished() {
        let paused = StatusLine.text(StatusLine.segments(frame: frame(123), paused: true, scrubbed: 100, colorMode: .mono, themeName: "d"))
        XCTAssertTrue(paused.contains("PAUSED"))
        XCTAssertTrue(paused.contains("it 130/3000"))
        XCTAssertTrue(paused.contains("viewing snapshot 100 — live is 130"))
        XCTAssertFalse(paused.contains("RUNNING"))
        let done = StatusLine.text(StatusLine.segments(frame: frame(300, status: .finished(reason: "x")), paused: false,
                                                       scrubbed: nil, colorMode: .mono, themeName: "d"))
        XCTAssertTrue(done.contains("FINISHED"))
        XCTAssertFalse(done.contains("ETA"))
        XCTAssertEqual(StatusLine.text(StatusLine.segments(frame: nil, paused: false, scrubbed: nil, colorMode: .mono, themeName: "d")),
                       " waiting for the first iteration…")
    }

    func testNarrowLineKeepsTheImportantParts() {
        let segs = StatusLine.segments(frame: frame(1500), paused: true, scrubbed: nil, colorMode: .truecolor, themeName: "default")
        let full = StatusLine.text(segs)
        let fitted = StatusLine.fit(segs, width: 60)
        let text = StatusLine.text(fitted)
        XCTAssertLessThanOrEqual(text.count, 60)
        XCTAssertGreaterThan(full.count, 60)
        XCTAssertTrue(text.contains("PAUSED"))
        XCTAssertTrue(text.contains("it 1500/3000"))
        XCTAssertTrue(text.contains("stop suggested at 1400"))
        XCTAssertFalse(text.contains("threads"))
        // Order is kept.
        XCTAssertLessThan(text.range(of: "PAUSED")!.lowerBound, text.range(of: "it 1500")!.lowerBound)
    }

    func testFormatting() {
        XCTAssertEqual(Format.duration(137), "2m17s")
        XCTAssertEqual(Format.duration(3720), "1h02m")
        XCTAssertEqual(Format.duration(45), "45s")
        XCTAssertEqual(Format.short(0.00012), "1.2e-4")
        XCTAssertEqual(Format.short(31.416), "31.4")
        XCTAssertEqual(Format.short(1234), "1.2k")
        XCTAssertEqual(Format.loss(0.0123456), "0.01235")
        XCTAssertEqual(Format.loss(0.00012345), "1.2e-4")
    }
}
