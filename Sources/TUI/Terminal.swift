import CNcurses
import Foundation

/// Which file descriptors the UI runs on. `.standard` is stdin/stdout; tests use a pseudo-terminal.
struct TerminalDevice {
    var inputFD: Int32
    var outputFD: Int32
    /// terminfo name; nil: $TERM.
    var termName: String?

    static let standard = TerminalDevice(inputFD: 0, outputFD: 1, termName: nil)
    var isStandard: Bool { inputFD == 0 && outputFD == 1 }
}

/// Why the terminal could not be used.
public enum TerminalError: Error, CustomStringConvertible {
    case notATerminal
    case cannotInitialize(term: String)

    public var description: String {
        switch self {
        case .notATerminal: return "standard input/output is not a terminal (use the headless mode)"
        case .cannotInitialize(let t): return "cannot initialise the terminal '\(t)' (check TERM)"
        }
    }
}

/// Owns the terminal while the UI runs: curses mode, alternate screen, signals, crash restoration, size, and
/// raw writes. Every way out goes through the one idempotent `restore()`.
final class Terminal {
    let device: TerminalDevice
    /// The locale can show UTF-8 glyphs (▀, braille, box drawing).
    let utf8: Bool
    private(set) var capability: ColorCapability = .none
    /// terminfo's colour count (COLORS), 0 without colour.
    private(set) var colors = 0
    private var screen: OpaquePointer?
    private var files: [UnsafeMutablePointer<FILE>] = []
    private var signals: SignalWatcher?
    private var restored = false

    init(device: TerminalDevice, handleSignals: Bool, forceASCII: Bool = false) throws {
        self.device = device
        guard isatty(device.inputFD) == 1, isatty(device.outputFD) == 1 else { throw TerminalError.notATerminal }
        utf8 = Terminal.selectLocale(allowUnicode: !forceASCII)
        if handleSignals { signals = SignalWatcher() }
        dip_install_crash_restore(device.outputFD)

        let out: UnsafeMutablePointer<FILE>?
        let inp: UnsafeMutablePointer<FILE>?
        if device.isStandard {
            out = dip_stdout_file()
            inp = dip_stdin_file()
        } else {
            out = dip_fdopen_dup(device.outputFD, "w")
            inp = dip_fdopen_dup(device.inputFD, "r")
            files = [out, inp].compactMap { $0 }
        }
        let term = device.termName ?? ProcessInfo.processInfo.environment["TERM"] ?? ""
        if let out, let inp {
            screen = term.withCString { newterm($0, out, inp) }
        }
        guard screen != nil else {
            restore()
            throw TerminalError.cannotInitialize(term: term)
        }
        cbreak()
        noecho()
        nonl()
        keypad(dip_stdscr(), true)
        leaveok(dip_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        wtimeout(dip_stdscr(), 50)
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(dip_colors())
            let pairs = Int(dip_color_pairs())
            capability = colors >= 1 << 24 ? .direct(pairs: pairs) : .indexed(colors: colors, pairs: pairs)
        }
        signals?.start()
    }

    deinit { restore() }

    /// Sets LC_CTYPE from the environment (only the character type: numeric formatting elsewhere in the
    /// process must not change). A plain C/POSIX locale is coerced to C.UTF-8, as Python does (PEP 538):
    /// nearly every terminal today is UTF-8 and an unset LANG is usually an accident (containers, CI).
    /// Returns true when UTF-8 glyphs can be used.
    static func selectLocale(allowUnicode: Bool) -> Bool {
        setlocale(LC_CTYPE, "")
        guard allowUnicode else { return false }
        if dip_codeset_is_utf8() != 0 { return true }
        let current = setlocale(LC_CTYPE, nil).map { String(cString: $0) } ?? "C"
        if current == "C" || current == "POSIX", setlocale(LC_CTYPE, "C.UTF-8") != nil {
            return dip_codeset_is_utf8() != 0
        }
        return false
    }

    /// Leaves curses mode and the alternate screen, shows the cursor, restores signal dispositions and crash
    /// handlers. Safe to call any number of times, from any exit path.
    func restore() {
        guard !restored else { return }
        restored = true
        if let s = screen {
            curs_set(1)
            endwin()
            delscreen(s)
            screen = nil
        }
        for f in files { fclose(f) }
        files = []
        signals?.stop()
        signals = nil
        dip_uninstall_crash_restore()
    }

    /// True once a fatal signal restored the terminal: nothing may be drawn any more. (Read here because the
    /// crash state lives in this file's copy of the shim's static functions.)
    var crashed: Bool { dip_crash_fired() != 0 }

    /// Stop/resize/continue signals since the last call.
    func pollSignals() -> SignalWatcher.Events { signals?.poll() ?? SignalWatcher.Events() }

    /// Current size of the terminal from TIOCGWINSZ (falls back to ncurses' idea).
    func querySize() -> (rows: Int, cols: Int) {
        var r: Int32 = 0, c: Int32 = 0
        if dip_get_winsize(device.outputFD, &r, &c) == 0, r > 0, c > 0 { return (Int(r), Int(c)) }
        return (Int(dip_lines()), Int(dip_cols()))
    }

    /// ncurses' current size.
    var size: (rows: Int, cols: Int) { (Int(dip_lines()), Int(dip_cols())) }

    /// Resizes ncurses to the real terminal size if they differ; returns true when it did.
    @discardableResult
    func syncSize() -> Bool {
        let real = querySize()
        guard real != size else { return false }
        resizeterm(Int32(real.rows), Int32(real.cols))
        return true
    }

    /// Reads one key, waiting up to `timeoutMs` (0: no wait). nil on timeout.
    /// Sleeps until input arrives, `signal` fires, a signal interrupts, or `timeoutMs` passes;
    /// true if `signal` fired. Keys are then read with `readKey(timeoutMs: 0)`.
    func waitForInput(timeoutMs: Int, signal: FrameSignal) -> Bool {
        var fds = [
            pollfd(fd: device.inputFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signal.readFD, events: Int16(POLLIN), revents: 0),
        ]
        _ = poll(&fds, nfds_t(fds.count), Int32(timeoutMs))
        return signal.drain()
    }

    func readKey(timeoutMs: Int) -> Int32? {
        wtimeout(dip_stdscr(), Int32(timeoutMs))
        let ch = wgetch(dip_stdscr())
        return ch == ERR ? nil : ch
    }

    /// Writes bytes straight to the terminal (after ncurses has flushed), retrying short writes.
    func writeRaw(_ text: String) {
        guard !crashed else { return }
        var bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(device.outputFD, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            off += n
        }
        bytes.removeAll()
    }
}
