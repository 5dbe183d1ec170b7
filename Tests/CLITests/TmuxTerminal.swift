import Foundation
import XCTest

/// A private tmux server with one session named "dip", for driving the real TUI in tests.
///
/// tmux runs through posix_spawn and waitpid. Foundation's Process is not used: the server
/// forked by `new-session` inherits the client's descriptors, and Process then never sees the
/// client finish.
final class TmuxTerminal {
    private let scratch: String
    /// The server's socket lives in the test's own folder, so neither /tmp nor TMUX_TMPDIR matter.
    private var socket: String { "\(scratch)/tmux.sock" }

    /// Starts the server and a detached `width`×`height` session with a plain shell.
    init(scratch: String, width: Int = 120, height: Int = 40, environment: [String] = []) throws {
        self.scratch = scratch
        // tmux's daemon() refuses to start unless /dev/null is the device; say so plainly
        // instead of timing out on an empty screen.
        var info = stat()
        guard stat("/dev/null", &info) == 0, info.st_mode & S_IFMT == S_IFCHR else {
            throw TmuxError("/dev/null is not a character device on this machine, so tmux cannot start")
        }
        let started = try run(["new-session", "-d", "-s", "dip", "-x", "\(width)", "-y", "\(height)"]
            + environment.flatMap { ["-e", $0] } + ["/bin/sh"])
        guard started.status == 0 else { throw TmuxError("tmux new-session failed (\(started.status)): \(started.stderr)") }
    }

    deinit { _ = try? run(["kill-server"]) }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct TmuxError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> Result {
        let output = "\(scratch)/tmux-\(UUID().uuidString)"
        let quoted = (["tmux", "-S", socket] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        // A clean environment: the server keeps the environment of the process that starts it,
        // and other tests in this process may have changed ours. SHELL is set so the pane's
        // shell does not depend on the account's login shell.
        let environment = "env -i PATH=/usr/bin:/bin HOME=\(NSHomeDirectory()) SHELL=/bin/sh TERM=xterm-256color LANG=C.UTF-8 "
        let script = environment + quoted.joined(separator: " ") + " > '\(output).out' 2> '\(output).err' < /dev/null"
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(script), nil]
        defer { for a in argv { free(a) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { throw TmuxError("cannot spawn /bin/sh") }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        defer {
            try? FileManager.default.removeItem(atPath: output + ".out")
            try? FileManager.default.removeItem(atPath: output + ".err")
        }
        return Result(
            status: (status >> 8) & 0xFF,
            stdout: (try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? "")
    }

    func send(_ keys: String...) throws { try run(["send-keys", "-t", "dip"] + keys) }

    func screen() throws -> String { try run(["capture-pane", "-p", "-t", "dip"]).stdout }

    /// The iteration shown in the status line's "it N/M" token.
    func shownIteration() throws -> Int? {
        let text = try screen()
        guard let range = text.range(of: #"it (\d+)/\d+"#, options: .regularExpression) else { return nil }
        return Int(text[range].dropFirst(3).split(separator: "/")[0])
    }

    /// Polls `condition`; on timeout fails the test with the screen and the pane's state, and
    /// ends it (the XCTFail is what counts, the thrown skip only stops the remaining steps).
    func waitFor(_ what: String, timeout: TimeInterval = 60, file: StaticString = #filePath, line: UInt = #line,
                 _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(200_000)
        }
        let pane = try run(["list-panes", "-t", "dip", "-F", "dead=#{pane_dead} command=#{pane_current_command}"])
        XCTFail("timed out waiting for \(what); pane: \(pane.stdout)\(pane.stderr)screen:\n\(try screen())", file: file, line: line)
        throw XCTSkip("stop")
    }
}

/// A test that drives dip in a tmux terminal: a scratch folder, the terminal (started by the
/// test with the size it wants) and short-hands for reading the screen.
class TmuxTestCase: XCTestCase {
    var dir: String!
    var terminal: TmuxTerminal!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "dip-tmux-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        terminal = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    func screen() throws -> String { try terminal.screen() }
    func shownIteration() throws -> Int? { try terminal.shownIteration() }
    func waitFor(_ what: String, line: UInt = #line, _ condition: () throws -> Bool) throws {
        try terminal.waitFor(what, line: line, condition)
    }
}
