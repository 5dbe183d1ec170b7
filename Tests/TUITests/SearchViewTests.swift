import CNcurses
import Foundation
import XCTest
@testable import TUI

/// The NAS search view: its key table, its layout, and the real loop on a pseudo-terminal
/// (leaderboard, both charts, the controller's distribution, pause and q q).
final class SearchViewTests: XCTestCase {
    /// A search whose leaderboard grows by one candidate per request.
    final class FakeSearch: SearchSource, @unchecked Sendable {
        private let lock = NSLock()
        private var candidates = 0
        private(set) var stopCalls = 0
        private(set) var pauses: [Bool] = []

        func latestSearchFrame() -> SearchFrame? {
            lock.lock()
            defer { lock.unlock() }
            candidates = min(candidates + 1, 50)
            let rewards = (0..<candidates).map { ChartPoint(Double($0), 24 + Double($0 % 7) / 2) }
            let curve = (0..<100).map { ChartPoint(Double($0), 20 + 8 * (1 - exp(-Double($0) / 30))) }
            return SearchFrame(
                status: "nas search · denoise · reinforce · \(candidates)/50",
                leaderboard: ["rank  reward  cell", "1     27.00  bilinear + conv3x3 lrelu", "2     26.50  nearest + sep5x5"],
                currentTitle: "candidate \(candidates) PSNR", current: [ChartSeries(role: .chart1, label: "psnr", points: curve)],
                rewards: [ChartSeries(role: .chart2, label: "reward", points: rewards)],
                cellDistribution: [("bilinear + conv3x3 lrelu", 0.4), ("nearest + sep5x5", 0.1)],
                controllerNote: "entropy 4.2 nats", paused: pauses.last ?? false, isOver: false)
        }

        func setPaused(_ paused: Bool) {
            lock.lock()
            pauses.append(paused)
            lock.unlock()
        }

        func stop() {
            lock.lock()
            stopCalls += 1
            lock.unlock()
        }
    }

    func testKeys() {
        var keys = SearchKeys()
        XCTAssertEqual(keys.handle(.char(" "), isOver: false, now: 0), .togglePause)
        XCTAssertEqual(keys.handle(.char(" "), isOver: true, now: 0), .none, "nothing to pause once over")
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 0), .armQuit)
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 1), .stop)
        keys = SearchKeys()
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 0), .armQuit)
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 3), .armQuit, "too late: arms again")
        XCTAssertEqual(keys.handle(.char("q"), isOver: true, now: 0), .quit)
    }

    func testLayoutKeepsEveryPaneOnScreen() {
        for (cols, rows) in [(160, 50), (100, 30), (60, 20)] {
            let layout = SearchLayout.make(cols: cols, rows: rows, hasCells: true)
            for pane in [layout.leaderboard, layout.current, layout.rewards, layout.cells] {
                XCTAssertGreaterThanOrEqual(pane.y, 1, "below the status bar at \(cols)×\(rows)")
                XCTAssertLessThanOrEqual(pane.maxY, rows - 1, "above the footer at \(cols)×\(rows)")
                XCTAssertLessThanOrEqual(pane.maxX, cols)
                XCTAssertGreaterThan(pane.height, 0)
            }
        }
    }

    func testLiveViewPausesAndStopsOnQQ() throws {
        setenv("LC_ALL", "C.UTF-8", 1)
        defer { unsetenv("LC_ALL") }
        let tmp = NSTemporaryDirectory() + "dip-search-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let pty = try LiveViewTests.PTY(rows: 40, cols: 140)
        let source = FakeSearch()
        pty.type(" ", after: 0.6)
        pty.type("q", after: 1.4)
        pty.type("q", after: 1.5)
        var o = LiveViewOptions(
            color: .fixed(.truecolor), themeName: nil, themeSearchPath: [ThemeTests.shippedDir], configPath: tmp + "/config",
            maxFramesPerSecond: 30, environment: ["TERM": "xterm-256color"])
        o.device = TerminalDevice(inputFD: pty.slave, outputFD: pty.slave, termName: "xterm-256color")
        o.handleSignals = false
        let outcome = try SearchView.run(source: source, options: o)
        pty.close()
        let out = pty.output
        XCTAssertEqual(outcome.reason, .stopped)
        XCTAssertEqual(source.stopCalls, 1, "q q stops the search")
        XCTAssertEqual(source.pauses, [true], "space pauses the workers")
        for text in ["leaderboard", "bilinear + conv3x3 lrelu", "reward per candidate", "controller: P(cell)", "entropy 4.2",
                     "PAUSED", "press q again"] {
            XCTAssertTrue(out.contains(text), text)
        }
        XCTAssertNotNil(out.range(of: "[\u{2801}-\u{28FF}]", options: .regularExpression), "braille charts")
        XCTAssertTrue(out.contains("\u{1B}[?1049l"), "the terminal is restored")
    }
}
