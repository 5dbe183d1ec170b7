import XCTest
@testable import TUI

final class HalfBlockTests: XCTestCase {
    /// 2×2: red, green on top; blue, white below.
    let quad = PreviewImage(width: 2, height: 2, rgb: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])

    func testTwoByTwoTruecolorCellsAndSGR() {
        let r = HalfBlock.render(quad, paneWidth: 2, paneHeight: 1, mode: .truecolor)
        XCTAssertEqual(r.cells.width, 2)
        XCTAssertEqual(r.cells.height, 1)
        XCTAssertEqual(r.offsetX, 0)
        XCTAssertEqual(r.cells[0, 0], ImageCell(glyph: "▀", fg: .rgb(RGB(255, 0, 0)), bg: .rgb(RGB(0, 0, 255))))
        XCTAssertEqual(r.cells[1, 0], ImageCell(glyph: "▀", fg: .rgb(RGB(0, 255, 0)), bg: .rgb(RGB(255, 255, 255))))
        let sgr = SGR.encode(r.cells, x: 5, y: 3)
        XCTAssertEqual(
            sgr,
            "\u{1B}7\u{1B}[4;6H\u{1B}[38;2;255;0;0;48;2;0;0;255m▀\u{1B}[38;2;0;255;0;48;2;255;255;255m▀\u{1B}[0m\u{1B}8")
    }

    func testSGRSkipsRepeatedColoursAndStartsEachRow() {
        let flat = PreviewImage(width: 3, height: 4, rgb: [UInt8](repeating: 9, count: 36))
        let cells = HalfBlock.cells(flat, mode: .truecolor)
        let sgr = SGR.encode(cells, x: 0, y: 0)
        XCTAssertEqual(sgr.components(separatedBy: "38;2;9;9;9").count - 1, 2, "one colour change per row")
        XCTAssertTrue(sgr.contains("\u{1B}[1;1H"))
        XCTAssertTrue(sgr.contains("\u{1B}[2;1H"))
        XCTAssertEqual(sgr.filter { $0 == "▀" }.count, 6)
    }

    func testIndexedModes() {
        let c256 = HalfBlock.cells(quad, mode: .ansi256, dither: false)
        XCTAssertEqual(c256[0, 0].fg, .indexed(196))
        XCTAssertEqual(c256[0, 0].bg, .indexed(21))
        XCTAssertEqual(c256[1, 0].fg, .indexed(46))
        XCTAssertEqual(c256[1, 0].bg, .indexed(231))
        XCTAssertEqual(SGR.encode(c256, x: 0, y: 0).contains("38;5;196;48;5;21m▀"), true)
        let c16 = HalfBlock.cells(quad, mode: .ansi16, dither: false)
        // Pure blue is nearer xterm's blue (0,0,238) than its bright blue (92,92,255).
        XCTAssertEqual(c16[0, 0], ImageCell(glyph: "▀", fg: .indexed(9), bg: .indexed(4)))
        XCTAssertEqual(c16[1, 0], ImageCell(glyph: "▀", fg: .indexed(10), bg: .indexed(15)))
        XCTAssertEqual(SGR.encode(c16, x: 0, y: 0).contains("\u{1B}[91;44m▀\u{1B}[92;107m▀"), true)
    }

    func testMonoUsesGlyphsOnly() {
        // White over black → upper half block; black over white → lower; flat mid grey → a shade.
        let img = PreviewImage(width: 3, height: 2, rgb: [255, 255, 255, 0, 0, 0, 128, 128, 128,
                                                          0, 0, 0, 255, 255, 255, 128, 128, 128])
        let c = HalfBlock.cells(img, mode: .mono, dither: false)
        XCTAssertEqual(c[0, 0].glyph, "▀")
        XCTAssertEqual(c[1, 0].glyph, "▄")
        XCTAssertEqual(c[2, 0].glyph, "▒")
        XCTAssertEqual(c[0, 0].fg, CellColor.none)
    }

    func testAspectFit() {
        XCTAssertTrue(HalfBlock.fit(imageWidth: 100, imageHeight: 50, paneWidth: 40, paneHeight: 10) == (40, 10))
        XCTAssertTrue(HalfBlock.fit(imageWidth: 64, imageHeight: 64, paneWidth: 80, paneHeight: 20) == (40, 20))
        XCTAssertTrue(HalfBlock.fit(imageWidth: 64, imageHeight: 64, paneWidth: 20, paneHeight: 30) == (20, 10))
        XCTAssertTrue(HalfBlock.fit(imageWidth: 10, imageHeight: 100, paneWidth: 40, paneHeight: 10) == (2, 10))
        XCTAssertTrue(HalfBlock.fit(imageWidth: 0, imageHeight: 10, paneWidth: 40, paneHeight: 10) == (0, 0))
        let r = HalfBlock.render(FakeRun.gradient(width: 64, height: 64, phase: 0), paneWidth: 80, paneHeight: 20, mode: .truecolor)
        XCTAssertEqual(r.cells.width, 40)
        XCTAssertEqual(r.cells.height, 20)
        XCTAssertEqual(r.offsetX, 20)
        XCTAssertEqual(r.offsetY, 0)
    }

    func testResampleAveragesWhenShrinking() {
        // 2×2 blocks of 0 and 255 → 128 each (rounded), a 4×2 image → 2×1.
        let img = PreviewImage(width: 4, height: 2, rgb: [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255,
                                                          255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0])
        let small = HalfBlock.resample(img, width: 2, height: 1)
        XCTAssertEqual(small.rgb, [128, 128, 128, 128, 128, 128])
        let big = HalfBlock.resample(quad, width: 4, height: 4)
        XCTAssertEqual(big.pixel(1, 1), RGB(255, 0, 0))
        XCTAssertEqual(big.pixel(3, 3), RGB(255, 255, 255))
    }

    func testOneToOneCropClampsCentre() {
        let img = FakeRun.gradient(width: 10, height: 10, phase: 0)
        let c = HalfBlock.crop(img, centerX: 0, centerY: 0, width: 4, height: 4)
        XCTAssertEqual(c.image.width, 4)
        XCTAssertEqual(c.centerX, 2)
        XCTAssertEqual(c.centerY, 2)
        XCTAssertEqual(c.image.pixel(0, 0), img.pixel(0, 0))
        let far = HalfBlock.crop(img, centerX: 100, centerY: 5, width: 4, height: 4)
        XCTAssertEqual(far.centerX, 8)
        XCTAssertEqual(far.image.pixel(3, 0), img.pixel(9, 3))
        let r = HalfBlock.render(img, paneWidth: 4, paneHeight: 2, mode: .truecolor, view: .oneToOne(centerX: 5, centerY: 5))
        XCTAssertEqual(r.cells.width, 4)
        XCTAssertEqual(r.cells.height, 2)
        XCTAssertEqual(r.cells[0, 0].fg, .rgb(img.pixel(3, 3)))
        XCTAssertEqual(r.cells[0, 0].bg, .rgb(img.pixel(3, 4)))
        XCTAssertEqual(r.center?.x, 5)
    }

    func testPreviewImagePadsShortBuffers() {
        let p = PreviewImage(width: 2, height: 1, rgb: [1, 2, 3])
        XCTAssertEqual(p.rgb, [1, 2, 3, 0, 0, 0])
    }
}

final class ImageCellsDiffTests: XCTestCase {
    func testChangedRowsAndPartialEncode() {
        let a = HalfBlock.cells(FakeRun.gradient(width: 4, height: 6, phase: 0), mode: .truecolor)
        var b = a
        XCTAssertEqual(b.changedRows(since: a), [])
        b.cells[1 * 4 + 2] = ImageCell(glyph: "▀", fg: .rgb(.black), bg: .rgb(.white))
        XCTAssertEqual(b.changedRows(since: a), [1])
        let part = SGR.encode(b, x: 0, y: 10, rows: [1])
        XCTAssertTrue(part.contains("\u{1B}[12;1H"))
        XCTAssertFalse(part.contains("\u{1B}[11;1H"))
        XCTAssertEqual(part.filter { $0 == "▀" }.count, 4)
        let small = HalfBlock.cells(FakeRun.gradient(width: 2, height: 2, phase: 0), mode: .truecolor)
        XCTAssertEqual(b.changedRows(since: small), [0, 1, 2], "a size change means every row")
    }
}
