import XCTest
@testable import TUI

final class ControllerTests: XCTestCase {
    private func make(_ run: FakeRun, exitWhenRunEnds: Bool = false) -> Controller {
        var messages: [String] = []
        let themes = ThemeSwitcher(library: ThemeLibrary(searchPath: [ThemeTests.shippedDir]), config: nil,
                                   preferred: "default", messages: &messages)
        let c = Controller(control: run, state: ViewState(colorMode: .truecolor, chartGlyphs: .braille), themes: themes,
                           exitWhenRunEnds: exitWhenRunEnds)
        if let f = run.latestFrame() { _ = c.adopt(f) }
        return c
    }

    private func statusText(_ c: Controller) -> String {
        StatusLine.text(StatusLine.segments(frame: c.frame, paused: c.isPaused, scrubbed: c.scrubbed?.iteration,
                                            colorMode: .truecolor, themeName: "default"))
    }

    func testSpaceTogglesPause() {
        let run = FakeRun()
        run.advance(to: 500)
        let c = make(run)
        XCTAssertFalse(c.isPaused)
        XCTAssertTrue(c.handle(.char(" "), now: 1).contains(.status))
        XCTAssertEqual(run.pauseCalls, [true])
        XCTAssertTrue(c.isPaused)
        XCTAssertTrue(statusText(c).contains("PAUSED"))
        _ = c.adopt(run.latestFrame()!)
        XCTAssertNil(c.state.pauseRequested, "confirmed by the frame")
        XCTAssertTrue(c.isPaused)
        _ = c.handle(.char(" "), now: 2)
        XCTAssertEqual(run.pauseCalls, [true, false])
        XCTAssertFalse(statusText(c).contains("PAUSED"))
    }

    func testSaveShowsToast() {
        let run = FakeRun()
        run.advance(to: 100)
        let c = make(run)
        XCTAssertEqual(c.handle(.char("s"), now: 10), .message)
        XCTAssertEqual(run.saveCalls, 1)
        XCTAssertEqual(c.message(now: 10)?.text, "saved runs/fake/result.png")
        XCTAssertNotEqual(c.message(now: 10 + Controller.toastSeconds + 0.1)?.text, "saved runs/fake/result.png", "toast expires")
        struct Boom: Error, CustomStringConvertible { var description: String { "disk full" } }
        run.saveResult = .failure(Boom())
        _ = c.handle(.char("s"), now: 20)
        XCTAssertEqual(c.message(now: 20)?.text, "save failed: disk full")
        XCTAssertEqual(c.message(now: 20)?.role, .error)
    }

    func testQuitNeedsTwoQsWithinTwoSeconds() {
        let run = FakeRun()
        run.advance(to: 300)
        let c = make(run)
        XCTAssertFalse(c.handle(.char("q"), now: 1).contains(.quit))
        XCTAssertEqual(run.stopCalls.count, 0)
        XCTAssertEqual(c.message(now: 1.5)?.role, .warning)
        // Too late: re-arms instead of quitting.
        XCTAssertFalse(c.handle(.char("q"), now: 3.5).contains(.quit))
        XCTAssertEqual(run.stopCalls.count, 0)
        // Another key in between disarms.
        _ = c.handle(.char("t"), now: 3.6)
        XCTAssertFalse(c.handle(.char("q"), now: 3.7).contains(.quit))
        XCTAssertTrue(c.handle(.char("q"), now: 4.0).contains(.quit))
        XCTAssertEqual(run.stopCalls, [nil])
        XCTAssertEqual(c.quitReason, .stopped)
    }

    func testQuitIsImmediateOnceTheRunEnded() {
        let run = FakeRun(total: 200)
        run.advance(to: 200)
        let c = make(run)
        XCTAssertEqual(c.frame?.status, .finished(reason: "reached 200 iterations"))
        XCTAssertTrue(c.handle(.char("q"), now: 1).contains(.quit))
        XCTAssertEqual(run.stopCalls, [nil])
    }

    func testExitWhenRunEnds() {
        let run = FakeRun(total: 200)
        run.advance(to: 100)
        let c = make(run, exitWhenRunEnds: true)
        XCTAssertNil(c.quitReason)
        run.advance(to: 200)
        XCTAssertTrue(c.adopt(run.latestFrame()!).contains(.quit))
        XCTAssertEqual(c.quitReason, .runEnded)
        XCTAssertEqual(run.stopCalls, [])
    }

    func testCtrlCStopsLikeQ() {
        let run = FakeRun()
        run.advance(to: 300)
        let c = make(run)
        XCTAssertTrue(c.interrupt(signal: SIGINT).contains(.quit))
        XCTAssertEqual(run.stopCalls, [nil])
        XCTAssertEqual(c.quitReason, .interrupted(signal: SIGINT))
    }

    func testEnterAcceptsTheShownIteration() {
        let run = FakeRun()
        run.advance(to: 1320)
        let live = make(run)
        XCTAssertTrue(live.handle(.enter, now: 1).contains(.quit))
        XCTAssertEqual(run.stopCalls, [1320])
        XCTAssertEqual(live.quitReason, .accepted(iteration: 1320))

        let run2 = FakeRun()
        run2.advance(to: 1320)
        let scrubbed = make(run2)
        _ = scrubbed.handle(.left, now: 1)
        _ = scrubbed.handle(.left, now: 1)
        XCTAssertTrue(scrubbed.handle(.enter, now: 1).contains(.quit))
        XCTAssertEqual(run2.stopCalls, [1200])
    }

    func testScrubbing() {
        let run = FakeRun()
        run.advance(to: 1320)
        let c = make(run)
        XCTAssertTrue(c.handle(.left, now: 1).contains(.preview))
        XCTAssertEqual(c.scrubbed?.iteration, 1300)
        _ = c.handle(.left, now: 1)
        XCTAssertEqual(c.scrubbed?.iteration, 1200)
        XCTAssertEqual(c.image(for: .current).title, "snapshot 1200")
        XCTAssertEqual(c.image(for: .current).image, FakeRun.gradient(width: 48, height: 32, phase: 1200))
        XCTAssertTrue(statusText(c).contains("viewing snapshot 1200 — live is 1320"))
        _ = c.handle(.right, now: 1)
        XCTAssertEqual(c.scrubbed?.iteration, 1300)
        _ = c.handle(.right, now: 1)
        XCTAssertNil(c.scrubbed, "past the newest snapshot is live")
        _ = c.handle(.home, now: 1)
        XCTAssertEqual(c.scrubbed?.iteration, 100)
        _ = c.handle(.left, now: 1)
        XCTAssertEqual(c.scrubbed?.iteration, 100, "stays at the oldest")
        // New frames do not move the preview while scrubbing.
        run.advance(to: 1400)
        let r = c.adopt(run.latestFrame()!)
        XCTAssertTrue(r.contains(.status))
        XCTAssertFalse(r.contains(.preview))
        _ = c.handle(.end, now: 1)
        XCTAssertNil(c.scrubbed)
        XCTAssertEqual(c.image(for: .current).title, "current")
    }

    func testBestJumpsToNearestSnapshot() {
        let run = FakeRun(snapshotEvery: 300)
        run.advance(to: 1500)
        let c = make(run)
        _ = c.handle(.char("b"), now: 1)
        XCTAssertEqual(c.scrubbed?.iteration, 300, "best-ES is 400; nearest snapshot is 300")
        let empty = FakeRun()
        let c2 = make(empty)
        _ = c2.handle(.char("b"), now: 1)
        XCTAssertNil(c2.scrubbed)
        XCTAssertEqual(c2.message(now: 1)?.text, "no snapshots yet")
    }

    func testFocusZoomAndPan() {
        let run = FakeRun()
        run.advance(to: 500)
        let c = make(run)
        XCTAssertEqual(c.panes.count, 7)
        _ = c.handle(.char("l"), now: 1)
        XCTAssertNil(c.state.panCenter, "pan does nothing unless zoomed")
        XCTAssertTrue(c.handle(.char("z"), now: 1).contains(.layout))
        XCTAssertEqual(c.state.focus, .image(.current))
        XCTAssertTrue(c.state.zoomed)
        c.state.panStep = 5
        _ = c.handle(.char("l"), now: 1)
        XCTAssertTrue(c.state.panCenter! == (29, 16))
        _ = c.handle(.char("k"), now: 1)
        XCTAssertTrue(c.state.panCenter! == (29, 11))
        _ = c.handle(.tab, now: 1)
        XCTAssertEqual(c.state.focus, .image(.ema))
        for _ in 0..<5 { _ = c.handle(.tab, now: 1) }
        XCTAssertEqual(c.state.focus, .image(.input), "wraps around")
        _ = c.handle(.backTab, now: 1)
        XCTAssertEqual(c.state.focus, .chart(.es))
    }

    func testHelpIsModal() {
        let run = FakeRun()
        run.advance(to: 100)
        let c = make(run)
        _ = c.handle(.char("?"), now: 1)
        XCTAssertTrue(c.state.helpVisible)
        _ = c.handle(.char("s"), now: 1)
        XCTAssertFalse(c.state.helpVisible)
        XCTAssertEqual(run.saveCalls, 0, "the key that closes help does nothing else")
    }

    func testColourModeAndGlyphCycling() {
        let run = FakeRun()
        run.advance(to: 100)
        let c = make(run)
        XCTAssertTrue(c.handle(.char("c"), now: 1).contains(.repaint))
        XCTAssertEqual(c.state.colorMode, .ansi256)
        _ = c.handle(.char("g"), now: 1)
        XCTAssertEqual(c.state.chartGlyphs, .block)
        _ = c.handle(.char("y"), now: 1)
        XCTAssertFalse(c.state.logScale)
        _ = c.handle(.char("t"), now: 1)
        XCTAssertEqual(c.themes.name, "light")
    }

    func testPanesFollowTheFrame() {
        let run = FakeRun(withGT: false)
        run.advance(to: 100)
        let c = make(run)
        XCTAssertEqual(c.imageSlots, [.input, .current, .ema])
        XCTAssertEqual(c.chartKinds, [.loss, .psnr, .es])
        XCTAssertEqual(ControllerTests.nilFrameController().panes, [.chart(.loss), .chart(.psnr)], "no images before a frame")
    }

    static func nilFrameController() -> Controller {
        var m: [String] = []
        return Controller(control: FakeRun(), state: ViewState(colorMode: .mono, chartGlyphs: .ascii),
                          themes: ThemeSwitcher(library: ThemeLibrary(searchPath: []), config: nil, preferred: nil, messages: &m))
    }
}
