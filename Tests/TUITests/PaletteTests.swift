import XCTest
@testable import TUI

/// Colour numbers handed to ncurses for each terminal capability and mode (no screen needed).
final class PaletteTests: XCTestCase {
    let theme = Theme.builtinDefault

    func testIndexedTerminal() {
        let p = Palette(capability: .indexed(colors: 256, pairs: 65536), theme: theme, mode: .truecolor)
        XCTAssertEqual(p.uiMode, .ansi256, "UI chrome cannot go beyond the terminal's palette")
        XCTAssertEqual(p.colorNumber(RGB(255, 0, 0)), 196)
        p.update(theme: theme, mode: .ansi16)
        XCTAssertEqual(p.colorNumber(RGB(255, 0, 0)), 9)
        let eight = Palette(capability: .indexed(colors: 8, pairs: 64), theme: theme, mode: .ansi256)
        XCTAssertEqual(eight.uiMode, .ansi16)
        XCTAssertEqual(eight.colorNumber(RGB(255, 0, 0)), 1, "bright red folds to red on 8 colours")
        let none = Palette(capability: .none, theme: theme, mode: .truecolor)
        XCTAssertEqual(none.uiMode, .mono)
        XCTAssertNil(none.colorNumber(RGB(1, 2, 3)))
    }

    func testDirectTerminal() {
        let p = Palette(capability: .direct(pairs: 65536), theme: theme, mode: .truecolor)
        XCTAssertEqual(p.colorNumber(RGB(0x12, 0x34, 0x56)), 0x123456)
        XCTAssertEqual(p.colorNumber(RGB(0, 0, 0)), 8, "values below 8 would select the ANSI palette")
        p.update(theme: theme, mode: .ansi256)
        XCTAssertEqual(p.colorNumber(RGB(250, 5, 3)), 0xFF0000, "256 mode on a direct terminal shows the cube colour")
    }

    func testMergedColoursGetAContrastingForeground() throws {
        let dark = Theme(name: "t", colors: [.border: RGB(0x20, 0x20, 0x24), .background: RGB(0x10, 0x10, 0x10)],
                         fallback: theme)
        let p = Palette(capability: .indexed(colors: 16, pairs: 256), theme: dark, mode: .ansi16)
        // Both become ANSI black in 16 colours.
        XCTAssertEqual(p.colorNumber(dark[.border]), p.colorNumber(dark[.background]))
        let pair = try XCTUnwrap(p.colorNumbers(.border, on: .background))
        XCTAssertEqual(pair.bg, 0)
        XCTAssertEqual(pair.fg, 8)
        let rich = Palette(capability: .indexed(colors: 256, pairs: 65536), theme: dark, mode: .ansi256)
        let t = try XCTUnwrap(rich.colorNumbers(.border, on: .background))
        XCTAssertEqual(t.fg, Int32(ColorQuantizer.xterm256(dark[.border])), "distinct colours are left alone")
        XCTAssertNotEqual(t.fg, t.bg)
    }

    func testImagePairsOnlyWhenTheyFit() {
        XCTAssertTrue(Palette(capability: .indexed(colors: 256, pairs: 65536), theme: theme, mode: .ansi256)
            .canDrawImageWithPairs(.ansi256))
        XCTAssertFalse(Palette(capability: .indexed(colors: 256, pairs: 32767), theme: theme, mode: .ansi256)
            .canDrawImageWithPairs(.ansi256), "needs 256 + 240×240 pairs")
        XCTAssertTrue(Palette(capability: .indexed(colors: 256, pairs: 32767), theme: theme, mode: .ansi16)
            .canDrawImageWithPairs(.ansi16))
        XCTAssertFalse(Palette(capability: .direct(pairs: 65536), theme: theme, mode: .ansi256).canDrawImageWithPairs(.ansi256))
        XCTAssertFalse(Palette(capability: .indexed(colors: 256, pairs: 65536), theme: theme, mode: .truecolor)
            .canDrawImageWithPairs(.truecolor))
        XCTAssertTrue(Palette(capability: .none, theme: theme, mode: .mono).canDrawImageWithPairs(.mono))
    }

    func testMonoAttributes() {
        XCTAssertNotEqual(Palette.monoAttributes(fg: .statusFg, bg: .statusBg), Palette.monoAttributes(fg: .text, bg: .background))
        XCTAssertNotEqual(Palette.monoAttributes(fg: .title, bg: .background), Palette.monoAttributes(fg: .text, bg: .background))
    }
}
