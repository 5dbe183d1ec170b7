import CNcurses
import Foundation
import XCTest
@testable import TUI

/// Runs the real loop on a pseudo-terminal: ncurses writes to the pty, a reader thread collects the bytes,
/// and keys are typed into the master side.
final class LiveViewTests: XCTestCase {
    final class PTY: @unchecked Sendable {
        let master: Int32
        let slave: Int32
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private let done = DispatchSemaphore(value: 0)

        init(rows: Int, cols: Int) throws {
            var mfd: Int32 = -1, sfd: Int32 = -1
            guard dip_open_pty(&mfd, &sfd) == 0 else { throw XCTSkip("no pseudo-terminals here") }
            master = mfd
            slave = sfd
            resize(rows: rows, cols: cols)
            let m = master
            Thread.detachNewThread { [self] in
                var buf = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = buf.withUnsafeMutableBytes { read(m, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    lock.lock()
                    bytes.append(contentsOf: buf[0..<n])
                    lock.unlock()
                }
                done.signal()
            }
        }

        func resize(rows: Int, cols: Int) { _ = dip_set_winsize(master, Int32(rows), Int32(cols)) }

        func type(_ s: String, after seconds: Double) {
            let m = master
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                var b = Array(s.utf8)
                _ = b.withUnsafeMutableBytes { write(m, $0.baseAddress, $0.count) }
            }
        }

        var output: String {
            lock.lock()
            defer { lock.unlock() }
            return String(decoding: bytes, as: UTF8.self)
        }

        func close() {
            Glibc.close(slave)
            _ = done.wait(timeout: .now() + 1)
            Glibc.close(master)
        }
    }

    private var savedLocale: String?
    private var tmp: String!

    override func setUp() {
        savedLocale = ProcessInfo.processInfo.environment["LC_ALL"]
        setenv("LC_ALL", "C.UTF-8", 1)
        tmp = NSTemporaryDirectory() + "dip-liveview-\(UUID().uuidString)"
    }

    override func tearDown() {
        if let s = savedLocale { setenv("LC_ALL", s, 1) } else { unsetenv("LC_ALL") }
        try? FileManager.default.removeItem(atPath: tmp)
    }

    private func options(_ pty: PTY, color: ColorChoice, signals: Bool = false) -> LiveViewOptions {
        var o = LiveViewOptions(
            color: color, themeName: nil, themeSearchPath: [ThemeTests.shippedDir], configPath: tmp + "/config",
            maxFramesPerSecond: 30, environment: ["TERM": "xterm-256color"])
        o.device = TerminalDevice(inputFD: pty.slave, outputFD: pty.slave, termName: "xterm-256color")
        o.handleSignals = signals
        return o
    }

    private func assertMatches(_ text: String, _ pattern: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotNil(text.range(of: pattern, options: .regularExpression), "no match for \(pattern)", file: file, line: line)
    }

    func testTruecolorRunPauseAndStop() throws {
        let pty = try PTY(rows: 30, cols: 100)
        let run = FakeRun()
        run.startTicking()
        pty.type(" ", after: 0.5)
        pty.type("q", after: 0.9)
        pty.type("q", after: 1.0)
        let outcome = try LiveView.run(control: run, options: options(pty, color: .fixed(.truecolor)))
        run.stopTicking()
        pty.close()
        let out = pty.output

        XCTAssertEqual(outcome.reason, .stopped)
        XCTAssertEqual(run.stopCalls, [nil])
        XCTAssertEqual(run.pauseCalls, [true])
        XCTAssertEqual(outcome.lastStatus, .paused)
        XCTAssertTrue(out.contains("\u{1B}[?1049h"), "entered the alternate screen")
        XCTAssertTrue(out.hasSuffix("\u{1B}[?1049l\u{1B}[23;0;0t") || out.contains("\u{1B}[?1049l"), "left the alternate screen")
        XCTAssertTrue(out.contains("\u{1B}7"), "raw image writes save the cursor")
        assertMatches(out, "\u{1B}\\[38;2;[0-9]+;[0-9]+;[0-9]+;48;2;[0-9]+;[0-9]+;[0-9]+m▀")
        assertMatches(out, "[\u{2801}-\u{28FF}]")
        assertMatches(out, "it [0-9]+/3000")
        XCTAssertTrue(out.contains("PAUSED"))
        XCTAssertTrue(out.contains("press q again"))
    }

    /// The live loop draws each signalled frame at once and says so, so training never waits out its timeout.
    func testSignalledFramesAreDrawnAndAcknowledged() throws {
        let pty = try PTY(rows: 30, cols: 100)
        let run = FakeRun()
        run.startPublishing()
        pty.type("q", after: 1.0)
        pty.type("q", after: 1.1)
        let outcome = try LiveView.run(control: run, options: options(pty, color: .fixed(.truecolor)))
        run.stopPublishing()
        pty.close()
        XCTAssertEqual(outcome.reason, .stopped)
        // Every frame published while the loop ran was acknowledged; the last one may have come after it quit.
        XCTAssertGreaterThan(run.published, 5)
        XCTAssertGreaterThanOrEqual(run.shownInTime, run.published - 1)
        assertMatches(pty.output, "it [0-9]+/3000")
    }

    func testAnsi256ImagesThroughPairsAndEnterAccepts() throws {
        let pty = try PTY(rows: 30, cols: 100)
        let run = FakeRun()
        run.advance(to: 850)
        pty.type("\u{1B}OD", after: 0.4)  // ← in keypad-transmit mode: newest snapshot (800; live is 850)
        pty.type("\r", after: 0.7)
        let outcome = try LiveView.run(control: run, options: options(pty, color: .fixed(.ansi256)))
        pty.close()
        let out = pty.output
        XCTAssertEqual(outcome.reason, .accepted(iteration: 800))
        XCTAssertEqual(run.stopCalls, [800])
        XCTAssertTrue(out.contains("▀"))
        assertMatches(out, "\u{1B}\\[38;5;[0-9]+")
        XCTAssertFalse(out.contains("38;2;"), "no 24-bit colour in 256 mode")
        XCTAssertTrue(out.contains("viewing snapshot 800 — live is 850"))
    }

    func testTooSmallTerminalAndResize() throws {
        let pty = try PTY(rows: 15, cols: 50)
        let run = FakeRun()
        run.advance(to: 300)
        let terminal = try Terminal(device: options(pty, color: .fixed(.mono)).device, handleSignals: false)
        let app = LiveApp(control: run, options: options(pty, color: .fixed(.mono)), terminal: terminal)
        pty.resize(rows: 40, cols: 120)
        pty.type("q", after: 0.6)
        pty.type("q", after: 0.7)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { pty.resize(rows: 40, cols: 120) }
        // Resize back to small right away so the first draws are "too small", then the async resize grows it.
        pty.resize(rows: 15, cols: 50)
        let outcome = app.loop()
        terminal.restore()
        terminal.restore()  // idempotent
        pty.close()
        XCTAssertEqual(outcome.reason, .stopped)
        XCTAssertTrue(pty.output.contains("terminal too small"))
        guard case .screen(let l)? = app.renderer.layout else { return XCTFail("expected a screen layout after growing") }
        XCTAssertEqual(l.size, Rect(x: 0, y: 0, width: 120, height: 40))
        XCTAssertTrue(pty.output.contains("░") || pty.output.contains("▒") || pty.output.contains("▀"), "mono image glyphs")
    }

    func testSigtermStopsTheRunAndRestores() throws {
        let pty = try PTY(rows: 30, cols: 100)
        let run = FakeRun()
        run.advance(to: 500)
        DispatchQueue.global().async {
            // Only once the loop runs (signal sources are started before it), so the signal cannot be lost.
            while run.requestsSoFar < 3 { usleep(10_000) }
            kill(getpid(), SIGTERM)
        }
        pty.type("qq", after: 4)  // watchdog if the signal were lost
        let outcome = try LiveView.run(control: run, options: options(pty, color: .fixed(.ansi16), signals: true))
        pty.close()
        XCTAssertEqual(outcome.reason, .interrupted(signal: SIGTERM))
        XCTAssertEqual(outcome.suggestedExitCode, 128 + SIGTERM)
        XCTAssertEqual(run.stopCalls, [nil])
        XCTAssertTrue(pty.output.contains("\u{1B}[?1049l"))
    }

    func testAsciiFallbackDrawsNoUnicode() throws {
        let pty = try PTY(rows: 24, cols: 80)
        let run = FakeRun()
        run.advance(to: 400)
        pty.type("qq", after: 0.4)
        var o = options(pty, color: .fixed(.ansi256))
        o.forceASCII = true
        let outcome = try LiveView.run(control: run, options: o)
        pty.close()
        let out = pty.output
        XCTAssertEqual(outcome.reason, .stopped)
        XCTAssertFalse(out.contains("▀"))
        XCTAssertNil(out.range(of: "[\u{2500}-\u{28FF}]", options: .regularExpression), "no box drawing or braille")
        XCTAssertTrue(out.contains("+-"), "ASCII borders")
        XCTAssertTrue(out.contains("*"), "ASCII chart dots")
        assertMatches(out, "it [0-9]+/3000")
    }

    func testPlainCLocaleIsCoercedToUTF8() {
        setenv("LC_ALL", "C", 1)
        XCTAssertTrue(Terminal.selectLocale(allowUnicode: true))
        XCTAssertFalse(Terminal.selectLocale(allowUnicode: false))
        setenv("LC_ALL", "C.UTF-8", 1)
        XCTAssertTrue(Terminal.selectLocale(allowUnicode: true))
    }

    func testNotATerminalThrowsWithoutTouchingAnything() {
        var o = LiveViewOptions()
        let fds = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        defer { fds.deallocate() }
        XCTAssertEqual(pipe(fds), 0)
        o.device = TerminalDevice(inputFD: fds[0], outputFD: fds[1], termName: "xterm")
        o.handleSignals = false
        XCTAssertThrowsError(try LiveView.run(control: FakeRun(), options: o)) { e in
            guard case TerminalError.notATerminal = e else { return XCTFail("\(e)") }
        }
        close(fds[0])
        close(fds[1])
    }
}
