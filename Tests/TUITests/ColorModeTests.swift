import XCTest
@testable import TUI

final class ColorModeTests: XCTestCase {
    func testBestForEnvironments() {
        let table: [(env: [String: String], colors: Int?, want: ColorMode)] = [
            (["TERM": "xterm-256color", "COLORTERM": "truecolor"], 256, .truecolor),
            (["TERM": "xterm-256color", "COLORTERM": "24bit"], nil, .truecolor),
            (["TERM": "xterm-256color", "COLORTERM": "TrueColor"], 256, .truecolor),
            (["TERM": "xterm-direct"], 1 << 24, .truecolor),
            (["TERM": "xterm-direct"], nil, .truecolor),
            (["TERM": "xterm-256color"], 256, .ansi256),
            (["TERM": "tmux-256color"], nil, .ansi256),
            (["TERM": "xterm-256color", "COLORTERM": "yes"], 256, .ansi256),
            (["TERM": "xterm"], 8, .ansi16),
            (["TERM": "linux"], 8, .ansi16),
            (["TERM": "screen"], nil, .ansi16),
            (["TERM": "vt100"], 0, .mono),
            (["TERM": "dumb", "COLORTERM": "truecolor"], nil, .mono),
            ([:], nil, .mono),
            (["TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"], 1 << 24, .mono),
            (["TERM": "xterm-256color", "NO_COLOR": ""], 256, .ansi256),
        ]
        for row in table {
            XCTAssertEqual(ColorMode.best(environment: row.env, colors: row.colors), row.want,
                           "env \(row.env) colors \(String(describing: row.colors))")
        }
    }

    func testColorChoiceParsing() {
        XCTAssertEqual(ColorChoice(argument: "auto"), .auto)
        XCTAssertEqual(ColorChoice(argument: "truecolor"), .fixed(.truecolor))
        XCTAssertEqual(ColorChoice(argument: "24BIT"), .fixed(.truecolor))
        XCTAssertEqual(ColorChoice(argument: "256"), .fixed(.ansi256))
        XCTAssertEqual(ColorChoice(argument: "16"), .fixed(.ansi16))
        XCTAssertEqual(ColorChoice(argument: "none"), .fixed(.mono))
        XCTAssertNil(ColorChoice(argument: "lots"))
        XCTAssertNil(ColorChoice(argument: ""))
        XCTAssertEqual(ColorChoice.fixed(.ansi16).resolve(environment: ["COLORTERM": "truecolor", "TERM": "xterm"], colors: 256), .ansi16)
        XCTAssertEqual(ColorChoice.auto.resolve(environment: ["TERM": "xterm"], colors: 256), .ansi256)
    }

    func testLadderHelpers() {
        XCTAssertEqual(ColorMode.truecolor.next, .ansi256)
        XCTAssertEqual(ColorMode.mono.next, .truecolor)
        XCTAssertEqual(ColorMode.min(.truecolor, .ansi16), .ansi16)
        XCTAssertEqual(ColorMode.min(.mono, .ansi256), .mono)
    }
}
