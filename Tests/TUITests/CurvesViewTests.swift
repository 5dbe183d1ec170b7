import CNcurses
import Foundation
import XCTest
@testable import TUI

/// The live curves view of `dip impedance`: its key table, and the real loop on a pseudo-terminal.
final class CurvesViewTests: XCTestCase {
    /// Four decaying curves, growing by 20 points per request; `total` points each at most.
    final class FakeCurves: CurvesSource, @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        let total: Int
        private(set) var stopCalls = 0

        init(total: Int) { self.total = total }

        func latestCurves() -> CurvesFrame? {
            lock.lock()
            defer { lock.unlock() }
            n = min(total, n + 20)
            let roles: [ColorRole] = [.chart1, .chart2, .chart3, .chart4]
            let labels = ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise"]
            let rates = [0.05, 0.02, 0.005, 0.001]
            let series = (0..<4).map { k in
                ChartSeries(role: roles[k], label: labels[k],
                            points: (0..<n).map { ChartPoint(Double($0), 0.08 * exp(-rates[k] * Double($0)) + 1e-4) })
            }
            return CurvesFrame(title: "MSE", series: series, status: "impedance · it \(n)/\(total)",
                               notes: ["target  ≤ 0.01", "natural image  42"], isOver: n >= total)
        }

        func stop() {
            lock.lock()
            stopCalls += 1
            lock.unlock()
        }
    }

    func testKeys() {
        var keys = CurvesKeys()
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 0), .armQuit)
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 1), .stop, "a second q within the window stops")
        keys = CurvesKeys()
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 0), .armQuit)
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 5), .armQuit, "too late: arms again")
        XCTAssertEqual(keys.handle(.char("l"), isOver: false, now: 5.1), .toggleLog)
        XCTAssertEqual(keys.handle(.char("q"), isOver: false, now: 5.2), .armQuit, "another key disarms")
        XCTAssertEqual(keys.handle(.char("q"), isOver: true, now: 0), .quit, "once over, one q quits")
        XCTAssertEqual(keys.handle(.enter, isOver: true, now: 0), .quit)
        XCTAssertEqual(keys.handle(.enter, isOver: false, now: 0), .none)
        XCTAssertEqual(keys.handle(.char("t"), isOver: false, now: 0), .nextTheme)
    }

    private func options(_ pty: LiveViewTests.PTY, tmp: String) -> LiveViewOptions {
        var o = LiveViewOptions(
            color: .fixed(.truecolor), themeName: nil, themeSearchPath: [ThemeTests.shippedDir], configPath: tmp + "/config",
            maxFramesPerSecond: 30, environment: ["TERM": "xterm-256color"])
        o.device = TerminalDevice(inputFD: pty.slave, outputFD: pty.slave, termName: "xterm-256color")
        o.handleSignals = false
        return o
    }

    func testRunningViewStopsOnQQAndRestoresTheTerminal() throws {
        setenv("LC_ALL", "C.UTF-8", 1)
        defer { unsetenv("LC_ALL") }
        let tmp = NSTemporaryDirectory() + "dip-curves-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let pty = try LiveViewTests.PTY(rows: 30, cols: 100)
        let source = FakeCurves(total: 100_000)
        pty.type("q", after: 0.5)
        pty.type("q", after: 0.6)
        let outcome = try CurvesView.run(source: source, options: options(pty, tmp: tmp))
        pty.close()
        let out = pty.output
        XCTAssertEqual(outcome.reason, .stopped)
        XCTAssertEqual(source.stopCalls, 1)
        XCTAssertTrue(out.contains("\u{1B}[?1049h") && out.contains("\u{1B}[?1049l"), "alternate screen entered and left")
        XCTAssertNotNil(out.range(of: "[\u{2801}-\u{28FF}]", options: .regularExpression), "braille curves")
        for text in ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise", "MSE (log)", "impedance · it", "press q again"] {
            XCTAssertTrue(out.contains(text), text)
        }
        // Each legend entry in its own theme colour (chart_1…chart_4; 256-colour codes on this terminal).
        let colours = ["natural image", "image + noise", "shuffled pixels", "U(0,1) noise"].map { label -> String? in
            let pattern = "\u{1B}\\[38;5;([0-9]+)m\u{1B}\\[48;5;[0-9]+m━" + NSRegularExpression.escapedPattern(for: label)
            guard let r = out.range(of: pattern, options: .regularExpression) else { return nil }
            return String(out[r].dropFirst(7).prefix { $0 != "m" })
        }
        XCTAssertTrue(colours.allSatisfy { $0 != nil }, "every legend entry is coloured: \(colours)")
        XCTAssertEqual(Set(colours.compactMap { $0 }).count, 4, "four different colours: \(colours)")
    }

    func testFinishedViewQuitsOnOneQWithoutStopping() throws {
        setenv("LC_ALL", "C.UTF-8", 1)
        defer { unsetenv("LC_ALL") }
        let tmp = NSTemporaryDirectory() + "dip-curves-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let pty = try LiveViewTests.PTY(rows: 24, cols: 80)
        let source = FakeCurves(total: 40)
        pty.type("l", after: 0.4)
        pty.type("q", after: 0.7)
        let o = options(pty, tmp: tmp)
        let terminal = try Terminal(device: o.device, handleSignals: false)
        let app = CurvesApp(source: source, options: o, terminal: terminal)
        XCTAssertTrue(app.logScale, "log y by default")
        let outcome = app.loop()
        terminal.restore()
        pty.close()
        XCTAssertEqual(outcome.reason, .stopped)
        XCTAssertEqual(source.stopCalls, 0, "the work had ended: nothing to stop")
        XCTAssertEqual(app.frame?.isOver, true)
        XCTAssertFalse(app.logScale, "l switched to a linear axis")
        XCTAssertTrue(pty.output.contains("done"))
        XCTAssertTrue(pty.output.contains("\u{1B}[?1049l"), "the terminal is restored")
    }
}
